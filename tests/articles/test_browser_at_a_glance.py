"""Issue 13 in Chromium: the comparison table stacked into cards on a phone with no sideways
scrolling, the checklist with and without JavaScript (its ticks never leave the browser), both
on paper, the PEMAT-P form on the review page, and axe on all of it.

Screenshots go to $SCREENSHOT_DIR when it is set."""

import json
import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from articles.models import Revision
from tests.articles.demo_staff import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo_credentials"),
]

CAPTION = "A low dose and the usual dose, side by side"
FIRST_QUESTION = "What dose is right for me, and why?"


def shoot(page, name, locator=None):
    if folder := os.environ.get("SCREENSHOT_DIR"):
        (locator or page).screenshot(path=os.path.join(folder, f"{name}.png"))


def open_page(browser, live_server, url, width, **options):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, **options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    return context, page


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [375, 390])
def test_on_a_phone_the_table_is_stacked_cards_with_no_sideways_scrolling(
    browser, live_server, demo_article, width
):
    context, page = open_page(browser, live_server, demo_article.get_absolute_url(), width)
    table = page.get_by_role("table", name=CAPTION)  # still a table to screen readers
    expect(table).to_be_visible()
    assert no_sideways_scroll(page)
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth")
    expect(page.get_by_role("columnheader")).to_have_count(3)
    expect(page.get_by_role("rowheader")).to_have_count(8)
    # The column headings are out of sight; each cell shows its column's heading above it.
    assert page.locator("thead").bounding_box()["height"] <= 1
    cell = page.locator("tbody tr").first.locator("td").first
    assert cell.evaluate("c => getComputedStyle(c).display") == "block"
    assert cell.evaluate("c => getComputedStyle(c, '::before').content") == '"Low dose"'
    # A card: the row's heading on top, its two cells below it, one above the other.
    heading = page.get_by_role("rowheader", name="Pregnancy rules").bounding_box()
    low, usual = (c.bounding_box() for c in page.locator("tbody tr").last.locator("td").all())
    assert heading["y"] < low["y"] < usual["y"]
    assert low["width"] == pytest.approx(usual["width"]) and low["width"] > width * 0.75
    for box in (heading, low, usual):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    row = page.locator("tbody tr").last
    row.scroll_into_view_if_needed()
    shoot(page, f"table-phone-{width}", row)
    table.scroll_into_view_if_needed()
    shoot(page, f"table-top-phone-{width}")
    context.close()


def test_on_a_desktop_the_table_is_a_table(browser, live_server, demo_article):
    context, page = open_page(browser, live_server, demo_article.get_absolute_url(), 1280)
    table = page.get_by_role("table", name=CAPTION)
    cell = page.locator("tbody tr").first.locator("td").first
    assert cell.evaluate("c => getComputedStyle(c).display") == "table-cell"
    assert cell.evaluate("c => getComputedStyle(c, '::before').content") == "none"
    expect(page.locator("thead")).to_be_visible()
    # Each row reads across: its heading, then the low dose, then the usual dose.
    boxes = [c.bounding_box() for c in page.locator("tbody tr").first.locator("th, td").all()]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert no_sideways_scroll(page)
    shoot(page, "table-desktop-1280", table)
    context.close()


def test_the_checklist_ticks_stay_in_the_browser_and_no_tick_is_sent(
    browser, live_server, demo_article
):
    context, page = open_page(browser, live_server, demo_article.get_absolute_url(), 390)
    page.wait_for_load_state("networkidle")
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    first = page.get_by_role("checkbox", name=FIRST_QUESTION)
    expect(first).not_to_be_checked()
    page.get_by_text(FIRST_QUESTION).click()  # the words are its label
    expect(first).to_be_checked()
    pregnancy_test = page.get_by_role("checkbox", name=re.compile("Have two pregnancy tests"))
    pregnancy_test.focus()
    page.keyboard.press("Space")
    expect(pregnancy_test).to_be_checked()
    page.get_by_role("checkbox", name=re.compile("Never share your pills")).check()
    page.get_by_role("checkbox", name=re.compile("Never share your pills")).uncheck()
    page.wait_for_timeout(500)
    assert requests == [], f"ticking made requests: {requests}"
    # Kept in this browser's storage, for this article and reading level only.
    stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
    [(key, value)] = json.loads(stored)
    assert key == f"isoapp-checklist:{demo_article.get_absolute_url()}:patient"
    assert sorted(json.loads(value)) == [
        "Have two pregnancy tests before you start [3, 13].",
        FIRST_QUESTION,
    ]
    # No tick is in any cookie or form either: nothing could carry it to the server.
    assert "checklist" not in json.dumps(context.cookies())
    assert page.locator(".checklist input[name]").count() == 0
    assert page.locator("form .checklist").count() == 0
    section = page.get_by_role("heading", name="Before you start: your checklist")
    section.scroll_into_view_if_needed()
    shoot(page, "checklist-ticked-390")

    page.reload()
    expect(page.get_by_role("checkbox", name=FIRST_QUESTION)).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile("Never share"))).not_to_be_checked()
    requests.clear()
    page.get_by_role("button", name="Clear my ticks").click()
    expect(page.get_by_role("checkbox", name=FIRST_QUESTION)).not_to_be_checked()
    expect(page.locator("#announcer")).to_have_text("Your ticks are cleared.")
    assert page.evaluate("localStorage.length") == 0
    page.wait_for_timeout(300)
    assert requests == []
    context.close()


def test_the_caregiver_checklist_works_after_the_version_is_swapped_in(
    browser, live_server, demo_article
):
    context, page = open_page(browser, live_server, demo_article.get_absolute_url(), 1280)
    page.get_by_label("Caregiver").check()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "caregiver")
    box = page.get_by_role("checkbox", name="What dose is right, and why?")
    box.check()
    keys = page.evaluate("Object.keys(localStorage)")
    assert keys == [f"isoapp-checklist:{demo_article.get_absolute_url()}:caregiver"]
    expect(page.locator(".checklist-note")).to_have_count(1)
    box.scroll_into_view_if_needed()
    shoot(page, "checklist-caregiver-1280")
    context.close()


def test_without_javascript_the_checklist_is_a_plain_list(browser, live_server, demo_article):
    context, page = open_page(
        browser, live_server, demo_article.get_absolute_url(), 390, java_script_enabled=False
    )
    checklist = page.locator("ul.checklist").first
    expect(checklist.locator("li")).to_have_count(5)
    expect(checklist.locator("li").first).to_have_text(FIRST_QUESTION)
    assert checklist.locator("input[type=checkbox]").count() == 0
    assert page.locator(".checklist-note").count() == 0
    assert checklist.evaluate("l => getComputedStyle(l).listStyleType") == "disc"
    # The table needs no script to stack.
    assert no_sideways_scroll(page)
    checklist.scroll_into_view_if_needed()
    shoot(page, "checklist-no-js-390")
    context.close()


def test_on_paper_a_table_and_a_checklist_with_boxes(browser, live_server, demo_article):
    context, page = open_page(browser, live_server, demo_article.get_absolute_url(), 800)
    page.get_by_role("checkbox", name=FIRST_QUESTION).check()
    page.emulate_media(media="print")
    cell = page.locator("tbody tr").first.locator("td").first
    assert cell.evaluate("c => getComputedStyle(c).display") == "table-cell"
    assert cell.evaluate("c => getComputedStyle(c).borderTopColor") == "rgb(0, 0, 0)"
    assert page.locator("thead").evaluate("h => getComputedStyle(h).display") == (
        "table-header-group"  # repeated on every page
    )
    items = page.locator("ul.checklist li")
    first, second = items.nth(0), items.nth(1)
    for item in (first, second):
        box = item.evaluate("li => getComputedStyle(li, '::before')")
        assert box["borderTopStyle"] == "solid" and box["width"] != "0px"
    assert first.evaluate("li => getComputedStyle(li, '::after').content") == '"✓"'
    assert second.evaluate("li => getComputedStyle(li, '::after').content") in ("none", "normal")
    expect(page.locator(".checklist input").first).to_be_hidden()
    expect(page.locator(".checklist-note")).to_be_hidden()
    assert len(page.pdf()) > 10_000
    section = page.locator("ul.checklist").first
    shoot(page, "print-checklist", section)
    shoot(page, "print-table", page.locator("table"))
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_article_with_its_table_and_checklist_has_no_axe_violations(
    browser, live_server, demo_article, width
):
    # Reduced motion: axe then measures colours after the swap, not halfway through its fade.
    url = demo_article.get_absolute_url()
    context, page = open_page(browser, live_server, url, width, reduced_motion="reduce")
    page.get_by_role("checkbox", name=FIRST_QUESTION).check()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_label("Caregiver").check()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "caregiver")
    page.wait_for_function("getComputedStyle(document.getElementById('variant')).opacity === '1'")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()
    # Without the site's scripts (axe itself needs JavaScript to run): the plain list.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    context.route(re.compile(r"/static/.*\.js$"), lambda route: route.abort())
    page = context.new_page()
    page.goto(url)
    assert page.locator("ul.checklist input").count() == 0
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()


def test_the_reviewer_rates_a_text_on_the_review_page_and_sees_both_scores(
    browser, live_server, demo_article
):
    revision = demo_article.shown_revision()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "reviewer@example.com")
    page.goto(f"/admin/articles/revision/{revision.pk}/review/")
    patient = page.locator("#pemat-patient")
    expect(patient).to_contain_text("Understandability 81.3 % (13 of 16 items)")
    expect(patient).to_contain_text("Actionability 83.3 % (5 of 6 items)")
    caregiver = page.locator("#pemat-caregiver")
    expect(caregiver).to_contain_text("Not rated since this revision was submitted.")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # The patient text as reviewers comment on it: each table row a card with its labels.
    page.locator("#text-patient details.full-text").evaluate("d => { d.open = true; }")
    row = page.locator("#text-patient .ct-block").filter(has_text="Pregnancy rules").first
    expect(row).to_be_visible()
    expect(row.locator(".table-card-label").first).to_have_text("Low dose:")
    expect(row).to_contain_text("from 1 month before until 1 month after")  # the patient's words
    row.scroll_into_view_if_needed()
    shoot(page, "review-table-rows-1280")

    # Rate the caregiver text: the page counts as the items are rated.
    form = caregiver.locator("form")
    live = form.locator('[data-pemat-score="actionability"]')
    for number in range(1, 27):
        group = form.locator(f'input[name="item-{number}"]')
        if not group.count():
            continue
        choice = "disagree" if number in (20, 22, 23) else "agree"
        if number in (18, 24, 25):
            choice = "na"
        form.locator(f'input[name="item-{number}"][value="{choice}"]').check()
    expect(live).to_have_text(
        "Actionability: 40 % (2 of 5 items rated Agree or Disagree; 7 of 7 rated), under 70 %."
    )
    expect(form.locator('[data-pemat-score="understandability"]')).to_have_text(
        "Understandability: 100 % (16 of 16 items rated Agree or Disagree; 17 of 17 rated)."
    )
    caregiver.scroll_into_view_if_needed()
    shoot(page, "review-pemat-form-1280")
    form.get_by_role("button", name="Record the PEMAT-P check of the caregiver text").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "understandability 100 % (16 of 16), actionability 40 % (2 of 5)"
    )
    expect(page.locator("#pemat-caregiver")).to_contain_text("under 70 %")

    # Approving now needs a reason: without one, refused.
    page.get_by_label("I have read every reading level and checked the references").check()
    expect(page.locator("#pemat-reason-help")).to_contain_text(
        "The caregiver text scores actionability 40 % on PEMAT-P, under 70 %."
    )
    page.get_by_role("button", name="Continue to approve…").click()
    expect(page.locator("#action-error")).to_contain_text("actionability 40 %")
    assert Revision.objects.get(pk=revision.pk).state == Revision.State.UNDER_REVIEW
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    shoot(page, "review-pemat-refused-1280")
    context.close()
