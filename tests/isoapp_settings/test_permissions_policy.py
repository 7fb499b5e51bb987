"""Every answer tells the browser that no page may use the camera, microphone, location or the
other features the site has no use for: public pages, htmx swaps, account pages, the admin, error
pages and the health probes."""

import pytest
from django.urls import reverse

from articles.models import Revision
from isoapp.headers import permissions_policy
from tests.factories import editor, revision_with_content

pytestmark = pytest.mark.django_db

DENIED = ("camera", "microphone", "geolocation", "browsing-topics", "payment", "usb")


def denied_features(response) -> set[str]:
    header = response.headers["Permissions-Policy"]
    return {item.split("=")[0].strip() for item in header.split(",") if item.endswith("=()")}


@pytest.fixture
def article():
    return revision_with_content(state=Revision.State.APPROVED).article


def test_public_pages_and_their_htmx_swaps_deny_unused_features(client, article):
    answers = [
        client.get(reverse("articles:list")),
        client.get(article.get_absolute_url()),
        client.post(
            article.get_absolute_url(), {"audience": "caregiver"}, headers={"HX-Request": "true"}
        ),
        client.get(reverse("editorial-policy")),
        client.get(reverse("account_login")),
        client.get(reverse("robots")),
        client.get("/no-such-page/"),
        client.get(reverse("healthz")),
        client.get(reverse("readyz")),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 200, 404, 200, 200]
    assert "<html" not in answers[2].content.decode()  # the swapped fragment, not a whole page
    for answer in answers:
        assert set(DENIED) <= denied_features(answer), answer.request["PATH_INFO"]


def test_the_admin_denies_them_too(client):
    client.force_login(editor())
    answer = client.get(reverse("admin:index"))
    assert answer.status_code == 200
    assert set(DENIED) <= denied_features(answer)


def test_the_header_is_written_as_browsers_read_it():
    policy = {"camera": [], "fullscreen": ["self"], "payment": ["self", "https://pay.example"]}
    assert permissions_policy(policy) == (
        'camera=(), fullscreen=(self), payment=(self "https://pay.example")'
    )


@pytest.mark.browser
def test_chromium_accepts_every_feature_named(page, article):
    """An unknown feature name is an error in the console of every page."""
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(article.get_absolute_url())
    page.goto(reverse("articles:list"))
    assert not [m for m in messages if "Permissions-Policy" in m], messages
