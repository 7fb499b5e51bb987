"""Reviewers' comments in Chromium: the reviewer comments on a paragraph of the patient text and
requests changes; the editor finds the comment beside that paragraph and marks it resolved."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from articles.models import Article, ReviewComment
from tests.articles.demo_staff import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo_credentials"),
]

DESKTOP = {"width": 1280, "height": 900}
COMMENT = "Say how often the test is: every month, and once more a month after the last dose."


def assert_no_axe_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def shoot(page, name):
    """At desktop and phone widths: the page fits the screen and passes axe. With SCREENSHOT_DIR
    set, screenshots to look at: the whole page, and a close-up of the start of the patient
    text."""
    folder = os.environ.get("SCREENSHOT_DIR")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator(".commented-text").first.scroll_into_view_if_needed()
        if folder:
            shots = Path(folder)
            page.screenshot(path=shots / f"comments-{name}-{width}.png", full_page=True)
            top = page.locator(".review-variant").first.bounding_box()
            y = top["y"] + page.evaluate("window.scrollY")
            page.screenshot(
                path=shots / f"comments-{name}-{width}-text.png",
                full_page=True,
                clip={"x": 0, "y": y, "width": width, "height": min(top["height"], 1100)},
            )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


def test_a_comment_goes_from_reviewer_to_editor_and_is_resolved(browser, live_server, demo_article):
    article = Article.objects.get(slug="isotretinoin-dose-and-pregnancy")
    revision = article.revisions.get()
    review = f"/admin/articles/revision/{revision.pk}/review/"
    problems = []

    reviewer = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    page = reviewer.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, "reviewer@example.com")
    page.goto(review)
    page.get_by_role("button", name="Start review").click()
    expect(page.locator(".messagelist")).to_contain_text("now Under review")

    # The control is small and keyboard-reachable; its form names the paragraph.
    control = page.get_by_text("+ Comment on paragraph 2 of the patient text")
    control.focus()
    page.keyboard.press("Enter")
    box = page.get_by_label("Comment on paragraph 2 of the patient text", exact=True)
    expect(box).to_be_visible()
    box.fill(COMMENT)
    paragraph = box.locator("xpath=ancestor::*[contains(@class, 'ct-block')][1]")
    quoted = paragraph.locator(".ct-text").inner_text()
    box.locator("xpath=ancestor::form").get_by_role("button", name="Save comment").click()
    expect(page.locator(".messagelist")).to_contain_text("Comment saved")
    comment = ReviewComment.objects.get()
    assert page.url.endswith(f"{review}#comment-{comment.pk}")
    row = page.locator(f"#text-patient-{comment.anchor_index}")
    expect(row.locator(".ct-text")).to_have_text(quoted)
    expect(row.locator(f"#comment-{comment.pk}")).to_contain_text("Not sent yet")
    expect(row.locator(f"#comment-{comment.pk}")).to_contain_text(COMMENT)
    shoot(page, "reviewer-pending")

    # Request changes with no general comment: the comment on the text is enough.
    page.get_by_role("button", name="Request changes").click()
    expect(page.locator(".messagelist")).to_contain_text("now Changes requested")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("Sent")
    reviewer.close()

    editor = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    page = editor.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, "editor@example.com")
    page.goto(review)
    row = page.locator(f"#text-patient-{comment.anchor_index}")
    expect(row.locator(".ct-text")).to_have_text(quoted)
    shown = row.locator(f"#comment-{comment.pk}")
    expect(shown).to_contain_text(COMMENT)
    expect(page.get_by_text("+ Comment")).to_have_count(0)  # editors do not comment
    # Beside the paragraph at desktop width: the comment's left edge is right of the text's.
    text_box = row.locator(".ct-text").bounding_box()
    comment_box = shown.bounding_box()
    assert comment_box["x"] >= text_box["x"] + text_box["width"]
    assert abs(comment_box["y"] - text_box["y"]) < 20
    shoot(page, "editor-sent")

    shown.get_by_label("Reply").fill("Added both: monthly, and one month after the last dose.")
    shown.get_by_role("button", name="Mark resolved").click()
    expect(page.locator(".messagelist")).to_contain_text("Comment marked resolved")
    assert page.url.endswith(f"#comment-{comment.pk}")
    shown = page.locator(f"#comment-{comment.pk}")
    expect(shown).to_contain_text("Resolved by Demo Editor on")
    expect(shown).to_contain_text("Added both: monthly")
    expect(page.locator(".timeline")).to_contain_text("Comment marked resolved")
    shoot(page, "editor-resolved")
    # At phone width the comment sits under its paragraph.
    page.set_viewport_size({"width": 390, "height": 900})
    text_box = row.locator(".ct-text").bounding_box()
    comment_box = shown.bounding_box()
    assert comment_box["y"] >= text_box["y"] + text_box["height"]
    editor.close()
    assert problems == []
