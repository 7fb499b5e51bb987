"""Every admin page editors and medical reviewers use passes axe (WCAG 2.2 AA rules) with the demo
data, at a desktop and a phone width, and shows where the keyboard focus is."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from articles import workflow
from articles.models import Article, Revision, Source
from tests.articles.demo_staff import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo_credentials"),
]


def editor_pages(article):
    other = Article.objects.get(slug="isotretinoin-5-mg-for-mild-adult-acne")
    reviewed = other.revisions.get()
    workflow.approve(
        reviewed, reviewed.assigned_reviewer, attested=True, pemat_reason="Not rated in this test."
    )
    draft = workflow.start_revision(other, reviewed.author)
    source = Source.objects.get(key="aad-2024")
    return [
        reverse("admin:index"),
        reverse("admin:articles_revision_changelist"),
        reverse("admin:articles_revision_changelist") + "?queue=my_drafts",
        reverse("admin:articles_revision_change", args=[draft.pk]),
        reverse("admin:articles_revision_review", args=[draft.pk]),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_source_changelist"),
        reverse("admin:articles_source_change", args=[source.pk]),
        reverse("admin:articles_source_record", args=[source.pk, "new-edition"]),
        reverse("admin:articles_reviewevent_changelist"),
    ]


def reviewer_pages(article):
    under_review = article.revisions.get()
    return [
        reverse("admin:index"),
        reverse("admin:articles_revision_changelist") + "?queue=awaiting_me",
        reverse("admin:articles_revision_review", args=[under_review.pk]),
        reverse("admin:articles_audience_changelist"),
        reverse("admin:articles_audience_change", args=[1]),
        reverse("admin:articles_article_change", args=[article.pk]),
    ]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(
    ("who", "pages"),
    [("editor@example.com", editor_pages), ("reviewer@example.com", reviewer_pages)],
    ids=["editor", "reviewer"],
)
def test_admin_pages_have_no_axe_violations(browser, live_server, demo_article, who, pages, width):
    assert demo_article.revisions.get().state == Revision.State.UNDER_REVIEW
    urls = pages(demo_article)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    sign_in(page, who)
    found = {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        results = Axe().run(page)
        if results.violations_count:
            found[url] = results.generate_report()
    context.close()
    assert not found, "\n\n".join(f"{url}\n{report}" for url, report in found.items())


def test_the_keyboard_focus_is_visible_on_the_review_page(browser, live_server, demo_article):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, "reviewer@example.com")
    page.goto(reverse("admin:articles_revision_review", args=[demo_article.revisions.get().pk]))
    seen = 0
    for _ in range(25):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return [el.tagName, style.outlineStyle, style.outlineWidth, style.boxShadow];
            }"""
        )
        tag, style, width, shadow = outline
        if tag in ("A", "BUTTON", "INPUT", "TEXTAREA", "SUMMARY", "SELECT"):
            seen += 1
            visible = (style != "none" and width != "0px") or shadow != "none"
            assert visible, f"no visible focus on a {tag}: {outline}"
    assert seen >= 10
    context.close()


def test_a_refusal_on_the_review_page_passes_axe_and_takes_the_focus(
    browser, live_server, demo_article
):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, "reviewer@example.com")
    page.goto(reverse("admin:articles_revision_review", args=[demo_article.revisions.get().pk]))
    page.get_by_role("button", name="Request changes").click()
    error = page.locator("#action-error")
    expect(error).to_be_focused()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # Side by side with the taller approve form, the send-back form keeps its heading, box and
    # button together at the top: nothing stretched to fill the row.
    send_back = page.locator("form.decision-changes")
    heading = send_back.get_by_role("heading").bounding_box()
    box = send_back.locator("textarea").bounding_box()
    button = send_back.get_by_role("button", name="Request changes").bounding_box()
    approve = page.get_by_role("button", name="Continue to approve…").bounding_box()
    assert box["y"] - (heading["y"] + heading["height"]) < 60
    assert button["height"] <= approve["height"] + 2
    context.close()
