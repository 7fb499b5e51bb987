"""Issue 11: what an article page and the index cost in SQL, whatever the size of the library.

A reader's page is one query once it is cached (the shown revision with its article, and every
audience: articles/page_queries.py); a reader with a session adds it, a signed-in reader their
account too; the index is one query per page. None of it grows with references, variants or
articles.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.models import Revision
from tests.factories import (
    SourceFactory,
    UserFactory,
    bulk_public_articles,
    revision_with_content,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def small():
    return revision_with_content(
        sources=[SourceFactory(), SourceFactory()], state=Revision.State.SUBMITTED
    ).article


@pytest.fixture
def large():
    """Ten references, and many other articles around it."""
    bulk_public_articles(30)
    return revision_with_content(
        sources=[SourceFactory() for _ in range(10)], state=Revision.State.APPROVED
    ).article


def test_an_anonymous_page_costs_one_query_at_any_size(small, large):
    for article in (small, large):
        url = article.get_absolute_url()
        cold = queries(Client(), url)
        # Rendering it once: the revision, its text, references and "Readers asked".
        assert len(cold) <= 6, cold
        for reader in (Client(), Client()):
            assert len(queries(reader, url)) == 1
            assert len(queries(reader, url + "?audience=clinician")) <= 6
            assert len(queries(reader, url + "?audience=clinician")) == 1
    page = Client().get(large.get_absolute_url()).content.decode()
    assert page.count('class="reference"') == 10


def test_the_htmx_swap_costs_one_query(small, large):
    for article in (small, large):
        url = article.get_absolute_url() + "?audience=student"
        queries(Client(), url, **HTMX)
        assert len(queries(Client(), url, **HTMX)) == 1


def test_a_reader_who_never_chose_opens_no_session(small):
    reader = Client()
    url = small.get_absolute_url()
    for _ in range(2):
        for sql in queries(reader, url):
            assert "django_session" not in sql
        assert reader.get(url).cookies.get("sessionid") is None
    assert "sessionid" not in reader.cookies


def test_a_reader_who_chose_pays_for_their_session_only(small):
    reader = Client()
    reader.post(small.get_absolute_url(), {"audience": "caregiver"})
    assert "sessionid" in reader.cookies
    queries(reader, small.get_absolute_url())  # the caregiver version, rendered once
    seen = queries(reader, small.get_absolute_url())
    assert len(seen) == 2, seen
    assert sum("django_session" in sql for sql in seen) == 1


def test_a_signed_in_reader_costs_three_queries_at_any_size(small, large):
    reader = Client()
    reader.force_login(UserFactory())
    reader.post(large.get_absolute_url() + "save/")  # saved: the button says so, no extra query
    for article in (small, large):
        url = article.get_absolute_url()
        queries(reader, url)
        seen = queries(reader, url)
        assert len(seen) == 3, seen  # the session, the account, the page's query
        assert len(queries(reader, url + "?audience=student")) <= 3 + 5  # first render of it
        assert len(queries(reader, url + "?audience=student")) == 3
    assert "Remove from saved articles" in reader.get(large.get_absolute_url()).content.decode()
    assert "Save this article" in reader.get(small.get_absolute_url()).content.decode()


def test_the_index_is_one_query_a_page_at_any_size(client):
    revision_with_content(state=Revision.State.SUBMITTED)
    assert len(queries(client, "/")) == 1
    bulk_public_articles(25)  # 26 articles: three pages of 10
    first = client.get("/").content.decode()
    assert len(queries(client, "/")) == 1
    assert first.count('class="article-card"') == 10
    assert 'rel="next"' in first and 'rel="prev"' not in first
    next_url = "/" + first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert len(queries(client, next_url)) == 1
    second = client.get(next_url).content.decode()
    assert second.count('class="article-card"') == 10
    assert 'rel="prev"' in second and 'rel="next"' in second
    last_url = "/" + second.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    last = client.get(last_url).content.decode()
    assert last.count('class="article-card"') == 6 and 'rel="next"' not in last
    # Back from the last page lands on the second again, the same 10 articles.
    back_url = "/" + last.split('rel="prev"')[0].rsplit('href="', 1)[1].split('"')[0]
    back = client.get(back_url).content.decode()
    cards = [line for line in back.splitlines() if "<h2><a href=" in line]
    assert cards == [line for line in second.splitlines() if "<h2><a href=" in line]
    assert "Synthetic question number 1?" in first
    assert "Synthetic question number 25?" in last


@pytest.mark.parametrize("query", ["after=x", "before=-1", "after=999999"])
def test_a_page_of_the_index_that_does_not_exist_is_a_404_with_words(client, query):
    revision_with_content(state=Revision.State.SUBMITTED)
    response = client.get(f"/?{query}")
    assert response.status_code == 404
    assert "couldn't find that page" in response.content.decode()
