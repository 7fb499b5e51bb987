"""The reading-level selector's server side (issue 8.3): what the page gives the browser so
"Sign in to save" keeps the version, with or without JavaScript."""

import re
from urllib.parse import parse_qs, unquote

import pytest

from articles.models import Revision
from tests.factories import ArticleFactory, UserFactory, revision_with_content

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def article():
    revision = revision_with_content(
        article=ArticleFactory(slug="doses"),
        state=Revision.State.UNDER_REVIEW,
        texts={
            "patient": "Patient words.",
            "caregiver": "Caregiver words.",
            "student": "Student words.",
            "clinician": "Clinician words.",
        },
    )
    return revision.article


def sign_in_next(response):
    html = response.content.decode()
    match = re.search(r'<a href="/accounts/login/\?([^"]*)"[^>]*>Sign in to save', html)
    assert match, "no Sign in to save link"
    return parse_qs(unquote(match[1]).replace("&amp;", "&"), keep_blank_values=True)["next"][0]


def test_sign_in_to_save_returns_to_the_version_shown(client, article):
    path = article.get_absolute_url()
    assert sign_in_next(client.get(path)) == f"{path}?audience=patient"
    assert sign_in_next(client.get(path, {"audience": "student"})) == f"{path}?audience=student"
    # An unknown value names the version actually shown, never the value asked for.
    assert sign_in_next(client.get(path, {"audience": "nobody"})) == f"{path}?audience=patient"
    client.post(path, {"audience": "clinician"})
    assert sign_in_next(client.get(path)) == f"{path}?audience=clinician"


def test_sign_in_round_trip_keeps_a_version_the_account_did_not_choose(client, article):
    """A shared `?audience=student` link: the account prefers clinician, yet the reader
    comes back to the student version they were reading."""
    user = UserFactory(reading_audience="clinician")
    path = article.get_absolute_url()
    next_url = sign_in_next(client.get(path, {"audience": "student"}))
    response = client.post(
        f"/accounts/login/?next={next_url}",
        {"login": user.email, "password": "correct horse battery staple", "next": next_url},
    )
    assert response.status_code == 302 and response["Location"] == f"{path}?audience=student"
    assert "Student words." in client.get(response["Location"]).content.decode()


def test_the_selector_waits_for_a_settled_choice_and_has_a_place_for_its_confirmation(
    client, article
):
    html = client.get(article.get_absolute_url()).content.decode()
    form = re.search(r"<form [^>]*data-audience-selector[^>]*>", html)[0]
    assert re.search(r'hx-trigger="change delay:\d+ms"', form)
    assert '<p class="selector-feedback" data-selector-feedback hidden></p>' in html
    # Without JavaScript the form still has its button.
    assert '<noscript><button type="submit" class="button">Show this version</button>' in html


def test_swapping_the_version_still_answers_with_the_variant_only(client, article):
    response = client.post(article.get_absolute_url(), {"audience": "caregiver"}, headers=HTMX)
    body = response.content.decode()
    assert "Caregiver words." in body and "<html" not in body
    assert response["HX-Push-Url"] == f"{article.get_absolute_url()}?audience=caregiver"
