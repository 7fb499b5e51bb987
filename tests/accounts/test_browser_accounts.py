"""A reader's account in Chromium: sign up, verify, choose, sign out, come back elsewhere."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL, PASSWORD = "browser.reader@example.com", "a long browser password"


def sign_in(page):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_reader_signs_up_picks_caregiver_and_gets_it_on_a_fresh_browser(
    browser, live_server, demo_article
):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)[0]
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(demo_article.get_absolute_url())
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("radio", name=re.compile("^Caregiver")).check()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "caregiver")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    context.close()

    fresh = browser.new_context(base_url=live_server.url)
    page = fresh.new_page()
    page.goto(demo_article.get_absolute_url())
    expect(page.locator("#variant")).to_have_attribute("data-audience", "patient")
    sign_in(page)
    page.goto(demo_article.get_absolute_url())
    expect(page.locator("#variant")).to_have_attribute("data-audience", "caregiver")
    expect(page.get_by_role("radio", name=re.compile("^Caregiver"))).to_be_checked()
    fresh.close()


def test_text_size_changes_in_place(page, demo_article):
    page.goto("/accounts/preferences/")
    assert page.evaluate("document.documentElement.className") == "text-standard"
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_label("Large").check()
    expect(page.locator("html")).to_have_class("text-large")
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    page.goto(demo_article.get_absolute_url())
    expect(page.locator("html")).to_have_class("text-large")


@pytest.mark.parametrize("width", [390, 1280])
def test_account_pages_have_no_axe_violations(page, demo_article, width):
    page.set_viewport_size({"width": width, "height": 900})
    for path in (
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/preferences/",
    ):
        page.goto(path)
        results = Axe().run(page)
        assert results.violations_count == 0, f"{path}: {results.generate_report()}"
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("reader@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("are not correct")).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
