"""Emails about a reader's question: its reply's review steps (`articles.workflow.replies`).

`articles.notifications` stores and sends them like every review email (EmailDelivery, a task
per try, the worker in production). Plain text only: nothing a reader typed can become markup.

- Reply submitted: every medical reviewer who did not write or edit it.
- Reply sent back: the editors who wrote or edited it.
- Reply approved: the reader, only when they gave an address and agreed to be emailed, and only
  while the address is kept (see `Question.redact`). This is the one email a reader ever gets.
"""

from django.conf import settings
from django.urls import reverse

from .asking import URGENT_HELP_TEXT
from .models import Question
from .models.reviewers import medical_reviewers

ACTIONS = ("submit_reply", "request_reply_changes", "approve_reply", "publish_answer")
ACTIONS += ("unpublish_answer",)


def messages_for(event):
    """[(recipient email, subject, body)] for a review event about a question's reply."""
    # Locked while the emails are stored (notifications.queue_emails' transaction): a reader
    # deleting their words meanwhile waits, then removes the address from the new email too.
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("article")
        .filter(pk=event.details.get("question_id"))
        .first()
    )
    if question is None:
        return []
    title = event.revision.title
    admin_url = settings.SITE_URL + reverse("admin:articles_question_change", args=[question.pk])
    if event.action == "submit_reply":
        editors = set(question.reply_editors.values_list("pk", flat=True))
        subject = f"Reply to check: a reader's question on “{title}”"
        body = (
            f"{event.actor_label} submitted a reply to a reader's question about “{title}” for "
            "medical review. Nothing is sent to the reader before a medical reviewer approves "
            f"it.\n\nCheck it here: {admin_url}\n"
        )
        return [
            (r.email, subject, body)
            for r in medical_reviewers().exclude(email="")
            if r.pk not in editors and r.pk != event.actor_id
        ]
    if event.action == "request_reply_changes":
        subject = f"Reply sent back: a reader's question on “{title}”"
        body = (
            f"{event.actor_label} sent back the reply to a reader's question about “{title}”:"
            f"\n\n{event.comment}\n\nRevise it and submit it again: {admin_url}\n"
        )
        return [
            (email, subject, body)
            for email in question.reply_editors.filter(is_active=True)
            .exclude(email="")
            .exclude(pk=event.actor_id)
            .values_list("email", flat=True)
        ]
    if event.action == "approve_reply" and question.wants_email_reply:
        return [(question.email, *reader_message(question))]
    return []


def reader_message(question):
    """(subject, body) of the answer to the reader, exactly as approved."""
    article = question.article
    page_url = settings.SITE_URL + article.get_absolute_url()
    privacy_url = settings.SITE_URL + reverse("privacy")
    asked = "\n".join(f"> {line}" for line in question.text.splitlines())
    subject = f"Your question about “{article.title}”: our answer"
    body = (
        f"You asked us a question on {question.created_at:%B %-d, %Y}, on the article "
        f"“{article.title}”:\n\n{asked}\n\n"
        f"Our answer, checked by {question.reply_approved_by_label}:\n\n"
        f"{question.reply_text}\n\n"
        "This answer is general information. It cannot replace advice from a doctor or "
        "pharmacist who knows you.\n\n"
        f"{URGENT_HELP_TEXT}\n\n"
        f"The article: {page_url}\n\n"
        "You get this email because you asked for a reply by email. It is the only email we "
        "send about your question. We delete your question and your email address "
        f"{settings.QUESTION_RETENTION_DAYS} days after you asked: {privacy_url}\n"
    )
    return subject, body
