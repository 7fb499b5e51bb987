"""A medical reviewer's day in the admin, in Chromium: sign in, take a revision, approve it."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import TEST_TOTP_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a demo password for tests"


@pytest.fixture(autouse=True)
def demo_credentials(monkeypatch):
    """Known demo credentials, set before `demo_article` runs load_demo."""
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("DEMO_TOTP_SECRET", TEST_TOTP_SECRET)


def current_code(secret):
    """The authenticator app's code now. Codes last one 30-second period and allauth accepts
    no other period's, so in a period's last seconds this waits for the next one: a code typed
    then would be stale by the time the sign-in checks it."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.1)
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def test_demo_reviewer_starts_review_approves_and_readers_see_it(page, demo_article):
    article = Article.objects.get(slug="isotretinoin-dose-and-pregnancy")

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill("reviewer@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Staff have two-factor authentication: the authenticator app's code comes next.
    page.get_by_label("Code").fill(current_code(TEST_TOTP_SECRET))
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
    """Approve from the review page: tick that everything was read, then confirm."""
    page.get_by_label("I have read every reading level and checked the references").check()
    page.get_by_role("button", name="Continue to approve…").click()
    expect(page.locator(".approve-confirm")).to_contain_text("You are approving revision")
    page.get_by_label("Comment for the audit trail (optional)").fill(comment)
    page.get_by_role("button", name=re.compile(r"^Approve revision \d+$")).click()
    expect(page.locator(".messagelist")).to_contain_text("Readers now see it as checked by")
