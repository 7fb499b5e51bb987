"""The reading-level selector in a real browser: Debian's Chromium driven by Playwright."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LABELS = {
    "patient": "Patient",
    "caregiver": "Caregiver",
    "student": "Student",
    "clinician": "Clinician",
}


def radio(page, slug):
    return page.get_by_role("radio", name=re.compile(f"^{LABELS[slug]}"))


def choose(page, slug):
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        radio(page, slug).check()
    expect(page.locator("#variant")).to_have_attribute("data-audience", slug)


def test_each_option_swaps_the_text_in_place_and_back_restores_it(page, demo_article):
    page.goto(demo_article.get_absolute_url())
    expect(page.locator("#variant")).to_have_attribute("data-audience", "patient")
    page.evaluate("window.__sameDocument = true")
    seen = {"patient": page.locator("#variant .prose").inner_text()}

    for slug in ("caregiver", "student", "clinician"):
        choose(page, slug)
        text = page.locator("#variant .prose").inner_text()
        assert text not in seen.values(), f"{slug} text did not change"
        seen[slug] = text
        assert page.url.endswith(f"?audience={slug}")
        # No navigation happened, focus stayed on the selector, and the change was announced.
        assert page.evaluate("window.__sameDocument") is True
        assert page.evaluate("document.activeElement.value") == slug
        expect(page.locator("#announcer")).to_have_text(f"Now showing the {slug} version.")

    assert "mg/kg/day" in seen["clinician"]
    expect(page.locator(".disclaimer h2")).to_have_text("Professional medical disclaimer")

    page.go_back()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "student")
    expect(radio(page, "student")).to_be_checked()
    assert page.locator("#variant .prose").inner_text() == seen["student"]
    page.go_back()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "caregiver")
    expect(radio(page, "caregiver")).to_be_checked()
    page.go_forward()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "student")

    page.reload()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "student")
    # The stored choice is the last one made (clinician); a plain visit shows it.
    page.goto(demo_article.get_absolute_url())
    expect(page.locator("#variant")).to_have_attribute("data-audience", "clinician")
    expect(radio(page, "clinician")).to_be_checked()


def test_the_selector_works_by_keyboard(page, demo_article):
    page.goto(demo_article.get_absolute_url())
    radio(page, "patient").focus()
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.press("ArrowDown")
    expect(page.locator("#variant")).to_have_attribute("data-audience", "caregiver")
    assert page.evaluate("document.activeElement.value") == "caregiver"


def test_without_javascript_the_form_still_works(browser, live_server, demo_article):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_article.get_absolute_url())
    radio(page, "student").check()
    page.get_by_role("button", name="Show this version").click()
    page.wait_for_url(re.compile(r"\?audience=student$"))
    assert page.locator("#variant").get_attribute("data-audience") == "student"
    context.close()


def test_no_csp_violations_or_console_errors(page, demo_article):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(demo_article.get_absolute_url())
    choose(page, "caregiver")
    assert problems == []


@pytest.mark.parametrize("width", [390, 1280])
def test_pages_have_no_axe_violations(page, demo_article, width):
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/", demo_article.get_absolute_url(), "/editorial-policy/", "/articles/nope/"):
        page.goto(path)
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    # No sideways scrolling at phone width.
    page.goto(demo_article.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
