import pytest
from django.test import Client
from django.urls import reverse

from accounts.preferences import READING_LEVEL as SESSION_KEY
from articles.models import Revision
from tests.factories import UserFactory, revision_with_content

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def article():
    return revision_with_content(
        state=Revision.State.SUBMITTED,
        texts={slug: f"{slug.title()} words." for slug in ("patient", "caregiver", "student")},
    ).article


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


def shown(client, article):
    body = client.get(article.get_absolute_url()).content.decode()
    return next(s for s in ("Patient", "Caregiver", "Student") if f"{s} words." in body)


def test_anonymous_choice_lives_in_the_session(client, article):
    client.post(article.get_absolute_url(), {"audience": "student"})
    assert client.session[SESSION_KEY] == "student"
    assert shown(client, article) == "Student"


def test_signed_in_choice_is_saved_on_the_account(client, article):
    user = UserFactory()
    sign_in(client, user)
    client.post(article.get_absolute_url(), {"audience": "caregiver"})
    user.refresh_from_db()
    assert user.reading_audience == "caregiver"


def test_choice_made_before_sign_in_is_kept_on_the_account(client, article):
    user = UserFactory(reading_audience="student")
    client.post(article.get_absolute_url(), {"audience": "caregiver"})
    sign_in(client, user)
    user.refresh_from_db()
    assert user.reading_audience == "caregiver"
    assert shown(client, article) == "Caregiver"


def test_on_a_new_device_sign_in_applies_the_accounts_choice(article):
    user = UserFactory(reading_audience="student")
    new_device = Client()
    assert shown(new_device, article) == "Patient"
    sign_in(new_device, user)
    assert shown(new_device, article) == "Student"


def test_after_sign_out_the_last_choice_stays_for_that_browser(client, article):
    user = UserFactory()
    sign_in(client, user)
    client.post(article.get_absolute_url(), {"audience": "caregiver"})
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert shown(client, article) == "Caregiver"


def test_stale_saved_choice_falls_back_to_the_default(client, article):
    user = UserFactory(reading_audience="retired-audience")
    sign_in(client, user)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert shown(client, article) == "Patient"
