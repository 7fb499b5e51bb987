"""The journey of issue 7 in Chromium: a reviewer approves the demo article, an editor records a
new edition of the AAD guideline, readers keep the approved text with a notice, and a second
look by the reviewer clears it."""

import os
import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from tests.articles.demo_staff import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo_credentials"),
]

NOTICE = (
    "The American Academy of Dermatology acne guideline this article relies on was updated on "
    "March 2, 2026. Our medical reviewers are checking this article."
)


def shoot(page, name):
    """Screenshots for people to look at, when SCREENSHOT_DIR is set."""
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_a_new_guideline_edition_sends_the_article_back_and_a_reviewer_clears_it(
    browser, live_server, page, demo_article
):
    article = demo_article
    approved_title = article.title

    # 1. The demo reviewer approves the demo article (it is under review, assigned to them).
    sign_in(page, "reviewer@example.com")
    page.goto("/admin/articles/revision/?queue=assigned_to_me")
    # The title opens the review page.
    page.get_by_role("link", name=re.compile(r"micro-dose isotretinoin")).first.click()
    approve(page, "Checked every claim and reference.")

    # 2. An editor records the guideline's new edition, with a note.
    editor_context = browser.new_context(base_url=live_server.url)
    editor = editor_context.new_page()
    sign_in(editor, "editor@example.com")
    editor.goto("/admin/articles/source/?q=aad-2024")
    editor.get_by_role("link", name="aad-2024").click()
    expect(editor.get_by_role("textbox", name="Title")).to_have_count(0)  # read-only
    editor.get_by_role("link", name="Record a new edition").click()
    expect(editor.get_by_text("Saving sends 1 approved article back")).to_be_visible()
    editor.get_by_label("Edition").fill("2026 update")
    editor.get_by_label("Publication date").fill("2026-03-02")
    editor.get_by_label("Note").fill("The AAD published a 2026 update of its acne guideline.")
    shoot(editor, "record-new-edition")
    editor.get_by_role("button", name="Record this change").click()
    expect(editor.locator(".messagelist")).to_contain_text("1 article sent back for a re-check")
    editor_context.close()

    # 3. Readers keep the approved text and references, with a plain notice near the top.
    reader_context = browser.new_context(base_url=live_server.url)
    reader = reader_context.new_page()
    reader.goto(article.get_absolute_url())
    expect(reader.get_by_role("heading", level=1)).to_have_text(approved_title)
    expect(reader.locator(".notice-recheck")).to_have_text(NOTICE)
    expect(reader.locator(".trust")).to_contain_text("checked by Dr. Demo Reviewer")
    expect(reader.locator("#ref-1")).not_to_contain_text("2026 update")
    shoot(reader, "reader-notice-desktop")
    reader.set_viewport_size({"width": 390, "height": 844})
    reader.reload()
    expect(reader.locator(".notice-recheck")).to_be_in_viewport()
    shoot(reader, "reader-notice-phone")

    # 4. The reviewer finds the article first in the queue and records that it is still accurate.
    page.goto("/admin/articles/revision/")
    first_row = page.locator("#result_list tbody tr").first
    expect(first_row).to_contain_text("re-check needed")
    expect(first_row).to_contain_text("American Academy of Dermatology acne guideline")
    first_row.get_by_role("link").first.click()  # the title opens the review page
    expect(page.locator("#recheck-heading")).to_be_visible()
    page.get_by_label("What you checked").fill(
        "Read the 2026 update: nothing the article says about isotretinoin changed."
    )
    shoot(page, "reviewer-recheck")
    page.get_by_role("button", name="Still accurate: no change needed").click()
    expect(page.locator(".messagelist")).to_contain_text("Still accurate")

    reader.reload()
    expect(reader.locator(".notice-recheck")).to_have_count(0)
    expect(reader.locator("#ref-1")).to_contain_text("2026 update")
    expect(reader.locator(".meta")).to_contain_text("References re-checked")
    shoot(reader, "reader-after-recheck-phone")
    reader_context.close()
    assert Article.objects.get(pk=article.pk).revisions.flagged().count() == 0


def approve(page, comment):
    """Approve from the review page: tick that everything was read, give the reason to approve
    without the PEMAT-P check (tests/articles/test_browser_at_a_glance.py rates texts), then
    confirm."""
    page.get_by_label("I have read every reading level and checked the references").check()
    page.get_by_label(re.compile("Your reason to approve it as it is")).fill(
        "Not rated in this test."
    )
    page.get_by_role("button", name="Continue to approve…").click()
    expect(page.locator(".approve-confirm")).to_contain_text("You are approving revision")
    page.get_by_label("Comment for the audit trail (optional)").fill(comment)
    page.get_by_role("button", name=re.compile(r"^Approve revision \d+$")).click()
    expect(page.locator(".messagelist")).to_contain_text("Readers now see it as checked by")
