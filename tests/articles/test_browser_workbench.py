"""The review workbench end to end, in Chromium, as an editor and a medical reviewer use it:

the editor starts a revision, changes one patient sentence and one reference, sees the reading
level and submits from the same page; the reviewer sees "Patient: 1 change" and the reference
change, comments on that paragraph and requests changes; the editor sees the comment beside the
paragraph, fixes it, marks it resolved and resubmits; the reviewer confirms and approves, and
readers see the new text.
"""

import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from articles import workflow
from articles.models import Revision, Source
from tests.articles.demo_staff import sign_in
from tests.factories import SourceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo_credentials"),
]

OLD_SENTENCE = "a low dose worked about as well as the usual dose"
NEW_SENTENCE = "a low dose worked nearly as well as the usual dose"
FIXED_SENTENCE = "a low dose worked nearly as well as the usual dose, in trials of 4 to 6 months"
COMMENT = "Say how long those trials lasted."


def shoot(page, name):
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(folder, f"workbench-{name}.png"), full_page=True)


def no_axe_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def patient_textarea(page):
    version = page.locator(".inline-related").filter(
        has=page.get_by_text("Patient version", exact=True)
    )
    return version.locator("textarea[name$='body_markdown']")


def patient_preview(page):
    return page.get_by_role("region", name="Preview: the patient version, as readers see it")


def test_the_workbench_from_draft_to_readers(browser, live_server, demo_article):
    live = demo_article.shown_revision()
    workflow.approve(
        live, live.assigned_reviewer, attested=True, pemat_reason="Not rated in this test."
    )
    replacement = SourceFactory(
        key="journey-source",
        kind=Source.Kind.DRUG_INFORMATION,
        title="Isotretinoin: patient leaflet used in the workbench test",
        publisher="Test publisher",
    )

    # 1. The editor starts a revision, changes one sentence and one reference, and submits.
    editor = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = editor.new_page()
    sign_in(page, "editor@example.com")
    page.goto(f"/admin/articles/article/{demo_article.pk}/change/")
    page.get_by_role("button", name="Start a new revision").first.click()
    expect(page.locator(".messagelist")).to_contain_text("started as a draft")
    text = patient_textarea(page)
    text.fill(text.input_value().replace(OLD_SENTENCE, NEW_SENTENCE, 1))
    preview = patient_preview(page)
    expect(preview).to_contain_text(NEW_SENTENCE)
    expect(preview.locator(".reading-level")).to_contain_text("Meets the target")
    # Reference 13 now points to another source, picked by searching for it.
    row = page.locator("#citations-12")
    row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill("patient leaflet")
    page.get_by_role("option", name=re.compile("patient leaflet used in the workbench")).click()
    page.get_by_label("Change summary").fill("Softer efficacy wording; a patient leaflet.")
    shoot(page, "1-editor-1280")
    no_axe_violations(page)
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Saved and submitted for review")
    revision = Revision.objects.get(article=demo_article, number=live.number + 1)
    assert revision.state == Revision.State.SUBMITTED
    assert revision.citations.get(position=13).source == replacement

    # 2. The reviewer finds it on the admin home, sees one patient change and the reference
    # change, comments on that paragraph and requests changes.
    checker = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    review = checker.new_page()
    sign_in(review, "reviewer@example.com")
    waiting = review.locator("table").filter(has_text="Waiting for a reviewer")
    waiting.get_by_role("link", name=re.compile("micro-dose isotretinoin")).click()
    review.get_by_role("button", name="Start review").click()
    expect(review.locator(".messagelist")).to_contain_text("now Under review")
    summary = review.locator(".change-summary")
    expect(summary).to_contain_text("Patient: 1 change")
    # Reference 13 was replaced: one removed, one added.
    expect(summary).to_contain_text("Title, summary, key facts and references: 2 changes")
    changes = review.locator(".reference-changes")
    expect(changes.locator(".reference-added")).to_contain_text("patient leaflet")
    expect(changes.locator(".reference-removed")).to_contain_text("Mayo")
    # Asking for changes without saying what: refused on the review page's own address, with
    # the keyboard focus on the message (and reloading re-posts nothing).
    review.get_by_role("button", name="Request changes").click()
    expect(review.locator("#action-error")).to_be_focused()
    expect(review.locator("#action-error")).to_contain_text("Say what needs to change")
    assert review.url.endswith(f"/admin/articles/revision/{revision.pk}/review/")
    review.reload()
    expect(review.locator("#action-error")).to_have_count(0)
    summary.get_by_role("link", name="Patient").click()
    expect(review.locator("#patient-change-1")).to_be_focused()
    review.locator("#patient-change-1").get_by_role("link", name="Comment on this").click()
    box = review.get_by_role("textbox", name=re.compile(r"Comment on paragraph \d+ of the patient"))
    expect(box).to_be_focused()
    box.fill(COMMENT)
    box.locator("xpath=ancestor::form").get_by_role("button", name="Save comment").click()
    expect(review.locator(".messagelist")).to_contain_text("Comment saved")
    shoot(review, "2-reviewer-1280")
    no_axe_violations(review)
    review.get_by_role("button", name="Request changes").click()
    expect(review.locator(".messagelist")).to_contain_text("now Changes requested")

    # 3. The editor sees the comment beside the paragraph, fixes it, resolves it, resubmits.
    page.goto("/admin/")
    sent_back = page.locator("table").filter(has_text="Sent back to you")
    sent_back.get_by_role("link", name=re.compile("micro-dose isotretinoin")).click()
    page.get_by_role("link", name="Edit content").click()
    row = patient_preview(page).locator(".ct-row").filter(has_text=NEW_SENTENCE)
    expect(row.locator(".review-comment")).to_contain_text(COMMENT)
    text = patient_textarea(page)
    text.fill(text.input_value().replace(NEW_SENTENCE, FIXED_SENTENCE, 1))
    row = patient_preview(page).locator(".ct-row").filter(has_text=FIXED_SENTENCE)
    expect(row.locator(".review-comment")).to_contain_text(COMMENT)  # it followed the edit
    row.get_by_label("Mark resolved when I save").check()
    row.get_by_label("Reply").fill("Added the trials' length.")
    shoot(page, "3-editor-fix-1280")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("1 comment marked resolved")
    expect(page.locator(".messagelist")).to_contain_text("Saved and submitted for review")

    # 4. The reviewer sees it resolved, confirms and approves; readers see the new text.
    review.reload()
    review.get_by_role("button", name="Start review").click()
    expect(review.locator(f"text={COMMENT}").first).to_be_visible()
    expect(review.locator(".review-comment").first).to_contain_text("Resolved by")
    review.get_by_label("I have read every reading level and checked the references").check()
    # Not rated with PEMAT-P here (test_browser_at_a_glance.py rates texts): a reason instead.
    review.get_by_label(re.compile("Your reason to approve it as it is")).fill(
        "Not rated in this test."
    )
    review.get_by_role("button", name="Continue to approve…").click()
    expect(review.locator(".approve-confirm")).to_contain_text("the patient text")
    shoot(review, "4-confirm-1280")
    no_axe_violations(review)
    review.get_by_role("button", name=re.compile(r"^Approve revision \d+$")).click()
    expect(review.locator(".messagelist")).to_contain_text("Readers now see it as checked by")

    readers = browser.new_page(base_url=live_server.url)
    readers.goto(demo_article.get_absolute_url())
    expect(readers.locator("main")).to_contain_text(FIXED_SENTENCE)
    expect(readers.locator(".references, #references").first).to_contain_text("patient leaflet")
    readers.close()
    editor.close()
    checker.close()
