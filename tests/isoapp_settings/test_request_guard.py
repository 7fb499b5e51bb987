"""request_guard: a NUL byte in the address, query or cookies gets 400 with the site's page
(the admin's list filters answered 500 on PostgreSQL before), and refusals Django sends with an
empty body get a page with words."""

import html

import pytest
from django.test import Client
from django.utils.html import strip_tags

from tests.factories import editor, revision_with_content

pytestmark = pytest.mark.django_db


def words(response):
    return html.unescape(strip_tags(response.content.decode())).split()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/revision/?state__exact=a%00b",
        "/admin/articles/source/?kind__exact=%00",
        "/admin/articles/reviewevent/?action__exact=%00",
        "/admin/articles/revision/?q=%00",
        "/admin/articles/revision/a%00b/change/",
    ],
)
def test_a_nul_byte_in_an_admin_address_gets_400_with_a_page(url):
    client = Client()
    client.force_login(editor())
    response = client.get(url)
    assert response.status_code == 400
    assert "We couldn't understand that request" in response.content.decode()


def test_the_filter_without_a_nul_still_works():
    revision_with_content()
    client = Client()
    client.force_login(editor())
    response = client.get("/admin/articles/revision/?state__exact=draft")
    assert response.status_code == 200


def test_a_nul_byte_in_a_cookie_or_the_public_query_gets_400():
    client = Client()
    assert client.get("/?audience=%00").status_code == 400
    # A quoted cookie spelling NUL as the escape \000, and a raw NUL.
    assert client.get("/", HTTP_COOKIE='sessionid="a\\000b"').status_code == 400
    assert client.get("/", HTTP_COOKIE="sessionid=a\x00b").status_code == 400
    assert client.get("/", HTTP_COOKIE="sessionid=ab").status_code == 200


def test_a_nul_in_a_form_field_is_the_forms_business():
    """Forms say what's wrong next to the field and keep the text: the guard leaves them be."""
    response = Client().post("/accounts/login/", {"login": "a\x00b@example.com", "password": "x"})
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


def test_method_not_allowed_gets_a_page_with_words():
    response = Client().put("/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "That action isn't possible here" in " ".join(words(response))


def test_a_form_sent_without_its_csrf_token_gets_the_sites_page(settings):
    settings.DEBUG = False
    response = Client(enforce_csrf_checks=True).post("/accounts/preferences/", {"x": "y"})
    assert response.status_code == 403
    assert "Your form had expired" in " ".join(words(response))
    assert "Nothing was saved." in " ".join(words(response))
