"""A medical reviewer's day in the admin, in Chromium: sign in, take a revision, approve it."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from tests.articles.demo_staff import PASSWORD, current_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo_credentials"),
]


def test_demo_reviewer_starts_review_approves_and_readers_see_it(page, demo_article):
    article = Article.objects.get(slug="isotretinoin-dose-and-pregnancy")

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill("reviewer@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Staff have two-factor authentication: the authenticator app's code comes next.
    page.get_by_label("Code").fill(current_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto("/admin/articles/revision/?queue=awaiting_me")
    page.get_by_role("link", name=article.title).first.click()  # the title opens the review page
    expect(page.locator(".admin-step-current")).to_contain_text("Submitted")
    page.get_by_role("button", name="Start review").click()
    expect(page.locator(".messagelist")).to_contain_text("now Under review")
    approve(page, "Checked every claim against the regulators' notices.")
    expect(page.locator(".timeline")).to_contain_text("Checked every claim")

    page.goto(article.get_absolute_url())
    expect(page.locator('[aria-current="step"]')).to_contain_text("Approved")
    expect(page.locator(".trust")).to_contain_text(
        "Medically reviewed: checked by Dr. Demo Reviewer, MD, FAAD on"
    )
    expect(page.locator(".meta")).to_contain_text("Next review due")
    expect(page.get_by_text("pending human review")).to_have_count(0)


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
