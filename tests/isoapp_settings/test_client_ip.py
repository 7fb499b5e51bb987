"""Behind the proxy every request comes from the proxy's address. Once the trusted proxy is named
(DJANGO_TRUSTED_PROXY_COUNT), sign-in rate limits count per real client: one person's failed
sign-ins no longer lock everyone else out, staff included."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.pages import said

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
PASSWORD = "correct horse battery staple"


def through_the_proxy(client_address):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def guess_ten_times(client):
    for attempt in range(10):  # allauth allows 10 failed sign-ins a minute from one address
        client.post(
            reverse("account_login"), {"login": f"nobody{attempt}@example.com", "password": "x"}
        )


def sign_in(client, email):
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    return response, "_auth_user_id" in client.session


def test_with_the_proxy_named_a_guesser_locks_out_only_themselves(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    UserFactory(email="reader@example.com")
    guesser = through_the_proxy("203.0.113.5")
    guess_ten_times(guesser)
    response, signed_in = sign_in(guesser, "reader@example.com")
    assert not signed_in
    assert "Too many failed login attempts" in said(response)

    _, signed_in = sign_in(through_the_proxy("198.51.100.7"), "reader@example.com")
    assert signed_in


def test_without_it_everyone_behind_the_proxy_shares_one_limit(settings):
    """The default (no trusted proxy): what the setting is for."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    UserFactory(email="reader@example.com")
    guess_ten_times(through_the_proxy("203.0.113.5"))
    response, signed_in = sign_in(through_the_proxy("198.51.100.7"), "reader@example.com")
    assert not signed_in
    assert "Too many failed login attempts" in said(response)


def test_a_header_set_by_a_single_trusted_proxy_names_the_client(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    UserFactory(email="reader@example.com")
    guess_ten_times(Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="203.0.113.5"))
    _, signed_in = sign_in(
        Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.7"), "reader@example.com"
    )
    assert signed_in
