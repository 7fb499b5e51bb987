"""isoapp.middleware.LazyMessageMiddleware: a request's message storage is made only when used,
and messages work as with Django's own middleware."""

from django.conf import settings
from django.urls import reverse
from django.utils.functional import empty

from tests.factories import UserFactory


def test_it_stands_where_djangos_message_middleware_would():
    assert "django.contrib.messages.middleware.MessageMiddleware" not in settings.MIDDLEWARE
    middleware = settings.MIDDLEWARE
    lazy = middleware.index("isoapp.middleware.LazyMessageMiddleware")
    assert middleware.index("django.contrib.sessions.middleware.SessionMiddleware") < lazy
    assert lazy < middleware.index("isoapp.request_guard.ReadablePageForEmptyErrors")


def test_a_page_that_shows_no_message_makes_no_storage(client, demo_article):
    # The first visit renders the page and its holes (the navigation's messages among them);
    # the second is served from the page this process filled in then (articles/caching.py).
    client.get(demo_article.get_absolute_url())
    response = client.get(demo_article.get_absolute_url())
    assert response.status_code == 200
    assert response.wsgi_request._messages._wrapped is empty  # never made


def test_a_message_is_shown_once_on_the_next_page(client, demo_article):
    client.force_login(UserFactory())
    save = client.post(reverse("articles:save", args=[demo_article.slug]))
    assert save.status_code == 302
    shown = client.get(save["Location"])
    assert "Saved to your account." in shown.content.decode()
    again = client.get(save["Location"])
    assert "Saved to your account." not in again.content.decode()
