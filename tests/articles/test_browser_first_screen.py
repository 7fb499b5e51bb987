"""Safety first on the page: the key facts and the pregnancy callout on the first screen, and a
selector that leaves room for them on phones (issue 8, point 2)."""

import os

import pytest
from playwright.sync_api import expect

from articles.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": (1280, 800), "phone": (375, 812)}


def shoot(page, name):
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


@pytest.mark.parametrize("screen", SCREENS)
def test_the_pregnancy_callout_is_on_the_first_screen(browser, live_server, demo_article, screen):
    width, height = SCREENS[screen]
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    page = context.new_page()
    for article in Article.objects.all():
        page.goto(article.get_absolute_url())
        callout = page.locator(".callout-pregnancy")
        box = callout.bounding_box()
        assert box, article.slug
        bottom = box["y"] + box["height"]
        # Desktop: wholly on the first screen. Phone: within the first one and a half.
        limit = height if screen == "desktop" else 1.5 * height
        assert bottom <= limit, f"{article.slug}: callout ends at {bottom:.0f}px > {limit:.0f}"
        assert (
            page.locator(".key-facts").bounding_box()["y"]
            < page.locator(".personalize").bounding_box()["y"]
        ), "key facts sit above the reading-level selector"
        assert "Important: pregnancy" in callout.inner_text()
        shoot(page, f"first-screen-{screen}-{article.slug}")
    if screen == "phone":
        choices = page.locator(".choices").bounding_box()
        assert choices["height"] <= height / 2, f"the choices take {choices['height']:.0f}px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def test_the_status_speaks_plainly(browser, live_server, demo_article):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto(demo_article.get_absolute_url())
    assert "Not yet checked by a doctor" in page.locator(".notice-caution").first.inner_text()
    # The review steps are still there for those who want them, one click away.
    details = page.locator("details.review-details")
    assert not details.get_attribute("open")
    details.locator("summary").click()
    assert page.locator('[aria-current="step"]').is_visible()
    context.close()


def test_large_text_on_a_phone_never_scrolls_sideways(browser, live_server, demo_article):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto("/accounts/preferences/")
    page.get_by_label("Large").check()
    expect(page.locator("html")).to_have_class("text-large")  # saved in place
    page.goto(demo_article.get_absolute_url())
    assert "text-large" in page.evaluate("document.documentElement.className")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator(".choices").bounding_box()["height"] <= 812 / 2
    context.close()
