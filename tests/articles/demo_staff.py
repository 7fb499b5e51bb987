"""Signing in as the demo staff in Chromium: known demo credentials, and the authenticator
app's code. Browser tests use the `demo_credentials` fixture before `demo_article` (load_demo
reads them), then `sign_in(page, "editor@example.com")` or the reviewer's address."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from playwright.sync_api import expect

from tests.factories import TEST_TOTP_SECRET

PASSWORD = "a demo password for tests"


@pytest.fixture
def demo_credentials(monkeypatch):
    """Known demo credentials, set before `demo_article` runs load_demo."""
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("DEMO_TOTP_SECRET", TEST_TOTP_SECRET)


def current_code(secret=TEST_TOTP_SECRET):
    """The authenticator app's code now. Codes last one 30-second period and allauth accepts
    no other period's, so in a period's last seconds this waits for the next one: a code typed
    then would be stale by the time the sign-in checks it."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.1)
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(page, email, password=PASSWORD):
    """Sign a demo staff member in (password, then the authenticator's code): on the admin home."""
    page.goto("/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(current_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
