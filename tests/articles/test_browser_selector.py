"""The reading-level selector behaves as readers expect (issue 8.3), in Debian's Chromium:
Back returns to the version the page opened with, arrowing through the choices makes one
request, "Sign in to save" keeps the version, and a swap is confirmed visibly."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

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
PASSWORD = "correct horse battery staple"  # UserFactory's


def radio(page, slug):
    return page.get_by_role("radio", name=re.compile(f"^{LABELS[slug]}"))


def choose(page, slug):
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        radio(page, slug).check()
    expect(page.locator("#variant")).to_have_attribute("data-audience", slug)


def count_posts(page):
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    return posts


def next_of(page):
    href = page.get_by_role("link", name="Sign in to save this article").get_attribute("href")
    return parse_qs(urlsplit(href).query)["next"][0]


def test_back_after_a_swap_returns_to_the_version_the_page_opened_with(page, demo_article):
    page.goto(demo_article.get_absolute_url())
    expect(page.locator("#variant")).to_have_attribute("data-audience", "patient")
    patient_text = page.locator("#variant .prose").inner_text()
    # The history entry the page opened with now names the version it shows.
    expect(page).to_have_url(re.compile(r"\?audience=patient$"))

    choose(page, "caregiver")
    expect(page).to_have_url(re.compile(r"\?audience=caregiver$"))
    assert page.locator("#variant .prose").inner_text() != patient_text

    # The stored choice is now caregiver; Back must still show the patient version.
    with page.expect_request(lambda r: r.headers.get("hx-history-restore-request") == "true"):
        page.go_back()
    expect(page).to_have_url(re.compile(r"\?audience=patient$"))
    expect(page.locator("#variant")).to_have_attribute("data-audience", "patient")
    expect(radio(page, "patient")).to_be_checked()
    assert page.locator("#variant .prose").inner_text() == patient_text

    page.go_forward()
    expect(page).to_have_url(re.compile(r"\?audience=caregiver$"))
    expect(page.locator("#variant")).to_have_attribute("data-audience", "caregiver")


def test_arrowing_through_the_choices_makes_one_request_per_settled_choice(page, demo_article):
    page.goto(demo_article.get_absolute_url())
    expect(page).to_have_url(re.compile(r"\?audience=patient$"))
    entries = page.evaluate("history.length")
    posts = count_posts(page)
    radio(page, "patient").focus()

    with page.expect_response(lambda r: r.request.method == "POST"):
        for _ in range(3):
            page.keyboard.press("ArrowRight")
    expect(page.locator("#variant")).to_have_attribute("data-audience", "clinician")
    page.wait_for_timeout(1000)  # Long enough for any late request to have started.
    assert len(posts) == 1
    assert page.evaluate("history.length") == entries + 1
    expect(page).to_have_url(re.compile(r"\?audience=clinician$"))
    assert page.evaluate("document.activeElement.value") == "clinician"

    # Once settled, the next step is a choice of its own.
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.press("ArrowLeft")
    expect(page.locator("#variant")).to_have_attribute("data-audience", "student")
    page.wait_for_timeout(1000)
    assert len(posts) == 2
    assert page.evaluate("history.length") == entries + 2

    # One Back undoes the whole run of arrow presses, not one step of it.
    page.go_back()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "clinician")
    page.go_back()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "patient")


def test_a_click_still_swaps_promptly(page, demo_article):
    page.goto(demo_article.get_absolute_url())
    started = page.evaluate("performance.now()")
    choose(page, "student")
    assert page.evaluate("performance.now()") - started < 2000


def test_sign_in_to_save_returns_to_the_version_chosen(page, demo_article):
    user = UserFactory(reading_audience="clinician")
    page.goto(demo_article.get_absolute_url())
    assert next_of(page) == f"{demo_article.get_absolute_url()}?audience=patient"

    choose(page, "student")
    assert next_of(page) == f"{demo_article.get_absolute_url()}?audience=student"
    # And after Back, the link follows the version shown again.
    page.go_back()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "patient")
    assert next_of(page) == f"{demo_article.get_absolute_url()}?audience=patient"
    page.go_forward()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "student")
    assert next_of(page) == f"{demo_article.get_absolute_url()}?audience=student"

    page.get_by_role("link", name="Sign in to save this article").click()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"\?audience=student$"))
    expect(page.locator("#variant")).to_have_attribute("data-audience", "student")
    expect(page.get_by_role("button", name=re.compile("Save this article"))).to_be_visible()


def test_a_swap_is_confirmed_visibly_next_to_the_selector(page, demo_article):
    page.goto(demo_article.get_absolute_url())
    feedback = page.locator(".personalize .selector-feedback")
    expect(feedback).to_be_hidden()

    choose(page, "caregiver")
    expect(feedback).to_be_visible()
    expect(feedback).to_have_text("Now showing the caregiver version.")
    # Seen without scrolling, even when the selector sat at the bottom of the window.
    expect(feedback).to_be_in_viewport()
    expect(radio(page, "caregiver")).to_be_in_viewport()
    # Focus stays on the chosen radio, and the polite announcement is still made.
    assert page.evaluate("document.activeElement.value") == "caregiver"
    assert page.evaluate("document.activeElement.name") == "audience"
    expect(page.locator("#announcer")).to_have_text("Now showing the caregiver version.")

    choose(page, "clinician")
    expect(feedback).to_have_text("Now showing the clinician version.")
    assert page.evaluate("document.activeElement.value") == "clinician"
    # It goes away by itself after a few seconds.
    expect(feedback).to_be_hidden(timeout=8000)
    assert page.evaluate("document.activeElement.value") == "clinician"


def test_without_javascript_sign_in_to_save_keeps_the_version(browser, live_server, demo_article):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_article.get_absolute_url())
    expect(page.locator(".selector-feedback")).to_be_hidden()
    radio(page, "student").check()
    page.get_by_role("button", name="Show this version").click()
    page.wait_for_url(re.compile(r"\?audience=student$"))
    assert next_of(page) == f"{demo_article.get_absolute_url()}?audience=student"
    context.close()
