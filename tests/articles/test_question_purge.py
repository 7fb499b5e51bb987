"""Readers' questions are kept for a retention period, then what they wrote and their address go;
the counts stay. A signed-in reader's download covers their questions, and deleting their
account deletes their words at once."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import EmailDelivery, Question, Revision
from articles.workflow import replies
from tests.factories import QuestionFactory, UserFactory, editor, reviewer, revision_with_content
from tests.pages import said

pytestmark = pytest.mark.django_db
REPLY = "Pregnancy must be prevented at any dose. Ask your prescriber about the tests."


@pytest.fixture
def live():
    return revision_with_content(state=Revision.State.APPROVED)


def asked(live, days_ago, **fields):
    question = QuestionFactory(revision=live, **fields)
    Question.objects.filter(pk=question.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    question.refresh_from_db()
    return question


def purge(*args):
    out = io.StringIO()
    call_command("purge_questions", *args, stdout=out)
    return out.getvalue()


def answered(question, django_capture_on_commit_callbacks):
    """The question's reply approved and emailed to the reader."""
    replies.submit_reply(question, editor(email="ed@example.com"), REPLY, "Does dose matter?")
    with django_capture_on_commit_callbacks(execute=True):
        replies.approve_reply(question, reviewer(email="rev@example.com"), attested=True)
    return EmailDelivery.objects.get(recipient=question.email)


def test_purge_removes_old_words_and_addresses_and_keeps_the_counts(
    live, django_capture_on_commit_callbacks
):
    old = asked(
        live,
        181,
        text="My old question, with my details.",
        email="old@example.com",
        email_consent=True,
    )
    delivery = answered(old, django_capture_on_commit_callbacks)
    assert "My old question" in delivery.body
    recent = asked(
        live, 179, text="A recent question.", email="new@example.com", email_consent=True
    )
    assert "1 question(s) asked more than 180 days ago would be purged." in purge("--dry-run")
    assert Question.objects.get(pk=old.pk).text  # a dry run changes nothing

    assert "Purged 1 question(s)" in purge()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.text, old.email, old.user) == ("", "", None) and old.redacted_at
    assert (old.status, old.article, old.audience) == (
        Question.Status.ANSWERED,
        live.article,
        recent.audience,
    )
    assert old.reply_text == REPLY  # the staff's reviewed words stay
    assert (recent.text, recent.email) == ("A recent question.", "new@example.com")
    delivery.refresh_from_db()
    assert delivery.recipient == "" and "My old question" not in delivery.body
    assert Question.objects.count() == 2  # counted still
    assert "Purged 0 question(s)" in purge()  # nothing twice


def test_an_email_not_sent_yet_is_never_sent_after_the_purge(live, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    old = asked(live, 200, text="Old and still waiting.", email="w@example.com", email_consent=True)
    question = Question.objects.get(pk=old.pk)
    from articles import notifications
    from articles.models import ReviewEvent

    replies.submit_reply(question, editor(email="ed@example.com"), REPLY, "")
    replies.approve_reply(question, reviewer(email="rev@example.com"), attested=True)
    notifications.queue_emails(ReviewEvent.objects.get(action="approve_reply").pk)
    delivery = EmailDelivery.objects.get(recipient="w@example.com")
    assert delivery.status == EmailDelivery.Status.PENDING
    purge()
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.GIVEN_UP and not delivery.is_outstanding
    assert "the reader's address was removed" in delivery.last_error


def test_the_retention_period_is_a_setting(live, settings, client):
    settings.QUESTION_RETENTION_DAYS = 30
    asked(live, 31, text="A month-old question.")
    asked(live, 29, text="A newer question.")
    assert "Purged 1 question(s) asked more than 30 days ago" in purge()
    assert set(Question.objects.values_list("text", flat=True)) == {"", "A newer question."}
    assert "After 30 days we delete what you wrote" in said(client.get(reverse("privacy")))


def test_a_signed_in_readers_download_has_their_questions_and_nobody_elses(client, live):
    reader = UserFactory(email="reader@example.com")
    mine = QuestionFactory(
        revision=live,
        user=reader,
        text="<b>My</b> question about timing.",
        email="reader@example.com",
        email_consent=True,
    )
    QuestionFactory(revision=live, text="Someone else's question.")
    client.force_login(reader)
    response = client.get(reverse("accounts:export"))
    data = json.loads(response.content)
    assert data["questions"] == [
        {
            "article": live.article.title,
            "url": live.article.get_absolute_url(),
            "asked_at": str(mine.created_at),
            "question": "<b>My</b> question about timing.",
            "reading_level": "patient",
            "revision_read": live.number,
            "email_for_reply": "reader@example.com",
            "agreed_to_reply_by_email": True,
            "status": "New",
            "reply": "",
            "reply_checked_by": "",
            "answer_shown_on_article": False,
        }
    ]
    assert response["Content-Type"] == "application/json"  # data, never a page


def test_deleting_the_account_deletes_the_words_and_keeps_the_count_and_the_public_answer(
    client, live
):
    reader = UserFactory(email="reader@example.com")
    question = QuestionFactory(
        revision=live,
        user=reader,
        text="About my own tests.",
        email="reader@example.com",
        email_consent=True,
    )
    replies.submit_reply(question, editor(email="ed@example.com"), REPLY, "Which tests?")
    replies.approve_reply(question, reviewer(email="rev@example.com"), attested=True)
    replies.publish(question, editor(email="ed2@example.com"))
    client.force_login(reader)
    response = client.post(reverse("accounts:delete"), {"password": "correct horse battery staple"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.email, question.user) == ("", "", None)
    assert question.redacted_at is not None and Question.objects.count() == 1
    page = said(client.get(live.article.get_absolute_url()))
    assert "Which tests?" in page and REPLY in page and "About my own tests" not in page


def test_an_editor_can_remove_a_readers_words_at_once_from_the_queue(client, live):
    """For a reader who asks, without an account, to have their question removed now."""
    question = QuestionFactory(
        revision=live, text="Please delete this.", email="x@example.com", email_consent=True
    )
    kept = QuestionFactory(revision=live, text="Keep this one.")
    client.force_login(editor(email="ed@example.com"))
    response = client.post(
        reverse("admin:articles_question_changelist"),
        {"action": "remove_readers_words", "_selected_action": [question.pk]},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    kept.refresh_from_db()
    assert (question.text, question.email) == ("", "") and kept.text == "Keep this one."
    page = said(client.get(reverse("admin:articles_question_change", args=[question.pk])))
    assert "what the reader wrote and their email address are deleted" in page
    # Reviewers read questions but cannot remove them.
    client.force_login(reviewer(email="rev@example.com"))
    response = client.post(
        reverse("admin:articles_question_changelist"),
        {"action": "remove_readers_words", "_selected_action": [kept.pk]},
    )
    kept.refresh_from_db()
    assert kept.text == "Keep this one."
