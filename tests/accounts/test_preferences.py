import re

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


def checked(response, name):
    """The value of the checked radio button called `name`."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', response.content.decode())
    return next(re.search(r'value="([^"]*)"', tag)[1] for tag in inputs if " checked" in tag)


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


def test_preferences_page_saves_in_place_with_htmx(client, article):
    url = reverse("accounts:preferences")
    page = client.get(url)
    assert checked(page, "reading_audience") == "patient"
    assert checked(page, "text_size") == "standard"
    response = client.post(
        url,
        {"reading_audience": "student", "text_size": "large"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="preferences-form"' in body
    assert '<p class="status-note">Saved.</p>' in body
    assert 'hx-swap-oob="innerHTML:#announcer">Preferences saved.' in body
    assert response["HX-Trigger"] == '{"textSizeChanged": "large"}'
    # One source of truth: the article selector now shows the student version ...
    assert shown(client, article) == "Student"
    # ... and every page is in large text.
    assert '<html lang="en" class="text-large">' in client.get("/").content.decode()


def test_preferences_page_without_javascript(client, article):
    response = client.post(
        reverse("accounts:preferences"), {"reading_audience": "caregiver", "text_size": "standard"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "Your preferences are saved." in page.content.decode()
    assert shown(client, article) == "Caregiver"


def test_bad_preferences_are_refused_with_words_and_kept(client):
    response = client.post(
        reverse("accounts:preferences"), {"reading_audience": "wizard", "text_size": "large"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose one of the reading levels listed." in body
    assert checked(response, "text_size") == "large"
    assert SESSION_KEY not in client.session


def test_signed_in_preferences_follow_the_account(client):
    user = UserFactory()
    sign_in(client, user)
    client.post(
        reverse("accounts:preferences"), {"reading_audience": "clinician", "text_size": "large"}
    )
    user.refresh_from_db()
    assert (user.reading_audience, user.text_size) == ("clinician", "large")
    other_device = Client()
    sign_in(other_device, user)
    assert '<html lang="en" class="text-large">' in other_device.get("/").content.decode()


def test_a_change_on_one_device_shows_on_the_other_at_once(article):
    user = UserFactory(reading_audience="student")
    laptop, phone = Client(), Client()
    sign_in(laptop, user)
    sign_in(phone, user)
    phone.post(article.get_absolute_url(), {"audience": "caregiver"})
    assert shown(laptop, article) == "Caregiver"


def test_choices_kept_after_someone_signs_out_do_not_overwrite_the_next_account(article):
    shared = Client()
    first, second = UserFactory(), UserFactory(reading_audience="student")
    sign_in(shared, first)
    shared.post(article.get_absolute_url(), {"audience": "caregiver"})
    shared.post(reverse("account_logout"))
    assert shown(shared, article) == "Caregiver"  # kept for the browser
    sign_in(shared, second)
    second.refresh_from_db()
    assert second.reading_audience == "student"
    assert shown(shared, article) == "Student"
