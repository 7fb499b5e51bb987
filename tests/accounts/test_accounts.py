"""Reader accounts end to end: sign-up, verification, sign-in, two-factor for staff, rate
limits, saved articles, my data."""

import io
import json
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from articles import workflow
from articles.models import Revision, SavedArticle
from tests.factories import (
    TEST_TOTP_SECRET,
    UserFactory,
    editor,
    reviewer,
    revision_with_content,
)
from tests.pages import text_of

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def totp_code():
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, next(yield_hotp_counters_from_time())))


@pytest.fixture
def article():
    return revision_with_content(
        state=Revision.State.SUBMITTED,
        texts={"patient": "Patient words.", "caregiver": "Caregiver words."},
    ).article


def test_sign_up_verify_sign_in_and_the_choice_follows_to_another_device(client, article):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.reader@example.com",
            "password1": "a long new password",
            "password2": "a long new password",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    # Not signed in until the address is verified.
    assert "_auth_user_id" not in client.session
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    page = client.get(link)
    assert "Confirm" in text_of(page)
    client.post(link)
    assert "_auth_user_id" in client.session

    client.post(article.get_absolute_url(), {"audience": "caregiver"})
    phone = Client()
    assert "Patient words." in text_of(phone.get(article.get_absolute_url()))
    signed_in = phone.post(
        reverse("account_login"),
        {"login": "new.reader@example.com", "password": "a long new password"},
    )
    assert signed_in.status_code == 302
    assert "Caregiver words." in text_of(phone.get(article.get_absolute_url()))


def test_sign_up_with_bad_input_keeps_what_was_typed(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "typed@example.com",
            "password1": "a long new password",
            "password2": "different",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="typed@example.com"' in body
    assert "You must type the same password each time." in text_of(response)
    assert 'aria-invalid="true"' in body


def test_unverified_email_cannot_sign_in(client):
    UserFactory(email="unverified@example.com", verified_email=False)
    response = client.post(
        reverse("account_login"), {"login": "unverified@example.com", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def test_failed_sign_ins_are_rate_limited(client):
    UserFactory(email="target@example.com")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "target@example.com", "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": "target@example.com", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in text_of(response)


def test_sign_out_needs_a_post(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("account_logout"))
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_staff_sign_in_asks_for_the_authenticator_code(client):
    staff = reviewer(email="staff@example.com")
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert "_auth_user_id" in client.session
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_without_two_factor_are_sent_to_set_it_up_and_refused(client):
    staff = editor(email="no.mfa@example.com", totp_secret=False)
    revision = revision_with_content(author=staff)
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # A forged POST to an admin action changes nothing.
    forged = client.post(
        reverse("admin:articles_revision_act", args=[revision.pk]),
        {"action": "submit", "comment": "Sneaky."},
    )
    assert forged.status_code == 302 and forged["Location"].startswith(reverse("mfa_activate_totp"))
    revision.refresh_from_db()
    assert revision.state == Revision.State.DRAFT
    page = client.get(forged["Location"], follow=True)  # (allauth asks for the password first)
    assert "Staff accounts need two-factor authentication" in text_of(page)


def test_readers_are_not_asked_for_two_factor(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:home")).status_code == 200
    assert Authenticator.objects.count() == 0


def test_saving_an_article_and_the_saved_list(client, article, django_assert_num_queries):
    reader = UserFactory()
    save_url = reverse("articles:save", args=[article.slug])
    anonymous = client.post(save_url)
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]

    client.force_login(reader)
    partial = client.post(save_url, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "Remove from saved articles" in body and "<html" not in body
    assert 'id="save-article-button"' in body  # htmx keeps focus on it
    assert "Saved to your account." in body  # announced
    assert SavedArticle.objects.filter(user=reader, article=article).exists()
    page = text_of(client.get(reverse("accounts:home")))
    assert article.title in page and "Not yet checked by a doctor" in page
    assert "Not reviewed yet" in page

    plain = client.post(save_url)  # the same button without JavaScript: removes it again
    assert plain.status_code == 302
    assert not SavedArticle.objects.filter(user=reader).exists()


def test_signed_in_article_page_has_a_constant_query_count(
    client, article, django_assert_max_num_queries
):
    client.force_login(UserFactory())
    client.post(article.get_absolute_url(), {"audience": "student"})
    bigger = revision_with_content(state=Revision.State.SUBMITTED).article
    for page in (article, bigger):
        client.get(page.get_absolute_url())  # rendered once for everyone, then cached
        # session, user, the shown revision (saved or not), audiences
        with django_assert_max_num_queries(4):
            client.get(page.get_absolute_url())


def test_opt_in_email_when_a_saved_article_is_re_reviewed(
    client, article, django_capture_on_commit_callbacks
):
    wants, quiet = UserFactory(email="wants@example.com"), UserFactory(email="quiet@example.com")
    SavedArticle.objects.create(user=quiet, article=article)
    saved = SavedArticle.objects.create(user=wants, article=article)
    client.force_login(wants)
    response = client.post(reverse("accounts:saved", args=[saved.pk]), {"notify_on_review": "on"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.notify_on_review

    revision = article.revisions.get()
    checker = reviewer()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.start_review(revision, checker)
        workflow.approve(revision, checker, attested=True, pemat_reason="Not rated in this test.")
    re_reviewed = [m for m in mail.outbox if m.subject.startswith("Reviewed again")]
    assert [m.to for m in re_reviewed] == [["wants@example.com"]]
    assert article.get_absolute_url() in re_reviewed[0].body


def test_saved_settings_of_someone_else_are_not_found(client, article):
    other = SavedArticle.objects.create(user=UserFactory(), article=article)
    client.force_login(UserFactory())
    assert (
        client.post(reverse("accounts:saved", args=[other.pk]), {"remove": "1"}).status_code == 404
    )
    assert SavedArticle.objects.filter(pk=other.pk).exists()


def test_download_my_data(client, article):
    reader = UserFactory(email="mine@example.com", reading_audience="caregiver")
    SavedArticle.objects.create(user=reader, article=article, notify_on_review=True)
    client.force_login(reader)
    response = client.get(reverse("accounts:export"))
    assert response["Content-Disposition"] == 'attachment; filename="isoapp-my-data.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == "mine@example.com"
    assert data["preferences"]["reading_level"] == "caregiver"
    assert data["saved_articles"][0]["article"] == article.title
    assert data["saved_articles"][0]["email_when_re_reviewed"] is True
    assert data["email_addresses"] == [
        {"email": "mine@example.com", "verified": True, "primary": True}
    ]
    assert "password" not in response.content.decode()
    assert client.get(reverse("accounts:export")).status_code == 200
    client.logout()
    assert client.get(reverse("accounts:export")).status_code == 302


def test_delete_account_needs_the_password_and_leaves_nothing_personal(
    client, article, django_capture_on_commit_callbacks
):
    checker = reviewer(email="leaving.reviewer@example.com", display_name="Dr. Leaving")
    revision = article.revisions.get()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.start_review(revision, checker)
        workflow.approve(
            revision, checker, "All good.", attested=True, pemat_reason="Not rated in this test."
        )
    SavedArticle.objects.create(user=checker, article=article)
    client.force_login(checker)

    wrong = client.post(reverse("accounts:delete"), {"password": "not it"})
    assert wrong.status_code == 400
    assert "That password is not right. Nothing was deleted." in text_of(wrong)

    gone = client.post(reverse("accounts:delete"), {"password": PASSWORD}, follow=True)
    assert "Your account and everything personal in it are deleted." in text_of(gone)
    assert "_auth_user_id" not in client.session
    out = io.StringIO()
    call_command("dumpdata", stdout=out, exclude=["sessions", "contenttypes", "auth.permission"])
    assert "leaving.reviewer@example.com" not in out.getvalue()
    # The audit trail keeps the reviewer's public name and credentials as text.
    event = revision.events.get(action="approve")
    assert (event.actor, event.actor_label) == (None, "Dr. Leaving, MD, FAAD")
    revision.refresh_from_db()
    assert revision.approved_by is None
    assert revision.approved_by_label == "Dr. Leaving, MD, FAAD"
    assert "Dr. Leaving, MD, FAAD" in text_of(client.get(article.get_absolute_url()))


def test_account_pages_query_counts_do_not_grow_with_saved_articles(
    client, django_assert_max_num_queries
):
    reader = UserFactory()
    client.force_login(reader)
    for _ in range(6):
        SavedArticle.objects.create(
            user=reader, article=revision_with_content(state=Revision.State.SUBMITTED).article
        )
    with django_assert_max_num_queries(5):  # session, user, saved, their states, messages
        page = client.get(reverse("accounts:home"))
    assert text_of(page).count("Not yet checked by a doctor") == 6
    with django_assert_max_num_queries(4):
        client.get(reverse("accounts:preferences"))
    with django_assert_max_num_queries(12):
        client.get(reverse("accounts:export"))
