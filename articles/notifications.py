"""Emails about review events. Queued by articles.workflow after its transaction commits.

One message per person (nobody sees who else was told): reviewers hear of new submissions and
of articles flagged because a source they cite changed; the revision's author hears when changes
are requested or the revision is approved; a reviewer hears when a review they held is released
or handed to someone else, and the new reviewer that it is theirs; readers who saved the article
and opted in hear when a new revision of it is approved. A reader who asked a question and
agreed to a reply by email gets the reply once a medical reviewer approves it
(`articles.question_emails`).

Each message is stored (EmailDelivery) before it is first tried, and each try is a Django task:
run at once by the immediate backend in development and tests, by `manage.py db_worker` on the
database backend in production. A failed send is tried again with backoff, then given up; staff
see every delivery, and can retry one, in the admin (Articles → Email deliveries).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from . import question_emails
from .models import EmailDelivery, ReviewEvent, SavedArticle
from .models.reviewers import medical_reviewers

logger = logging.getLogger(__name__)


def reviewers():
    """Medical reviewers (see `models.reviewers.medical_reviewers`) with an email address."""
    return medical_reviewers().exclude(email="")


def messages_for(event):
    """[(recipient email, subject, body)] for one review event."""
    if event.action in question_emails.ACTIONS:  # a reply to a reader's question
        return question_emails.messages_for(event)
    revision = event.revision
    article = revision.article
    admin_url = settings.SITE_URL + reverse("admin:articles_revision_review", args=[revision.pk])
    page_url = settings.SITE_URL + article.get_absolute_url()
    who = event.actor_label
    if event.action in ("release", "reassign"):
        return _continuity_messages(event, revision, admin_url)
    if event.action == "source_changed":
        details = event.details
        subject = f"Re-check needed: {revision.title}"
        body = (
            f"{who} recorded a change to a source that “{revision.title}” cites: "
            f"{details.get('source', '')} ({details.get('change_label', '').lower()}).\n\n"
            f"Their note: {event.comment}\n\nReaders are told the article is being checked. "
            f"Check it and record the outcome here: {admin_url}\n"
        )
        return [(r.email, subject, body) for r in reviewers() if r.pk != event.actor_id]
    if event.action == "submit":
        subject = f"Review needed: {revision.title}"
        body = (
            f"{who} submitted revision {revision.number} of “{revision.title}” "
            "for medical review.\n\n"
            f"What changed: {revision.change_summary}\n\nReview it here: {admin_url}\n"
        )
        return [(r.email, subject, body) for r in reviewers() if r.pk != event.actor_id]
    author = revision.author
    messages = []
    if event.action == "approve":
        messages += [
            (
                email,
                f"Reviewed again: {revision.title}",
                f"“{revision.title}”, an article you saved, has a newly approved version, "
                f"reviewed by {who}. Read it: {page_url}\n\nYou get this email because you "
                "asked for it on your saved articles. Turn it off there: "
                f"{settings.SITE_URL}{reverse('accounts:home')}\n",
            )
            for email in SavedArticle.objects.filter(
                article=article, notify_on_review=True, user__is_active=True
            ).values_list("user__email", flat=True)
        ]
    if not author or not author.email or not author.is_active:
        return messages
    if event.action == "request_changes":
        subject = f"Changes requested: {revision.title}"
        comments = event.details.get("comments", [])
        on_text = "".join(
            f"\n- The {c.get('audience', '')} text, on “{c.get('quote', '')}”: {c.get('body', '')}"
            for c in comments
        )
        body = (
            f"{who} asked for changes to revision {revision.number} of “{revision.title}”:\n\n"
            + (f"{event.comment}\n\n" if event.comment else "")
            + (
                f"Comments on the text ({len(comments)}; each is shown beside its paragraph "
                f"on the review page):{on_text}\n\n"
                if comments
                else ""
            )
            + f"Revise it and submit it again: {admin_url}\n"
        )
    elif event.action == "approve":
        subject = f"Approved: {revision.title}"
        body = (
            f"{who} approved revision {revision.number} of “{revision.title}”. It is now the "
            f"version readers see: {page_url}\n"
        )
        if event.comment:
            body += f"\nTheir comment: {event.comment}\n"
    else:
        return messages
    return [(author.email, subject, body), *messages]


def _continuity_messages(event, revision, admin_url):
    User = get_user_model()
    people = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .in_bulk([event.details.get("from_reviewer_id"), event.details.get("to_reviewer_id")])
    )
    messages = []
    previous = people.get(event.details.get("from_reviewer_id"))
    if previous and previous.pk != event.actor_id:
        verb = "reassigned" if event.action == "reassign" else "released"
        what = (
            f"handed it to {event.details.get('to_reviewer')}"
            if event.action == "reassign"
            else "released it back to the review queue"
        )
        messages.append(
            (
                previous.email,
                f"Review of “{revision.title}” {verb}",
                f"{event.actor_label} {what}: revision {revision.number} of “{revision.title}”, "
                f"which you were reviewing.\n\nTheir reason: {event.comment}\n",
            )
        )
    new = people.get(event.details.get("to_reviewer_id"))
    if new and new.pk != event.actor_id:
        messages.append(
            (
                new.email,
                f"Review assigned to you: {revision.title}",
                f"{event.actor_label} assigned revision {revision.number} of “{revision.title}” "
                f"to you for medical review.\n\nTheir reason: {event.comment}\n\n"
                f"Review it here: {admin_url}\n",
            )
        )
    return messages


def send_for(event_id):
    """Store the event's emails and queue a try of each. Called after the event's transaction
    commits, so a failure here is logged, never raised: the review step is already saved."""
    try:
        return queue_emails(event_id)
    except Exception:
        logger.exception("The emails about review event %s could not be queued.", event_id)
        return []


def queue_emails(event_id):
    """One stored EmailDelivery per message, each with its task, written in one transaction: on
    the database task backend a delivery exists exactly when a try of it is queued."""
    event = ReviewEvent.objects.select_related("revision__article", "revision__author").get(
        pk=event_id
    )
    now = timezone.now()
    with transaction.atomic():
        deliveries = EmailDelivery.objects.bulk_create(
            EmailDelivery(
                event=event,
                recipient=recipient,
                subject=subject,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
            for recipient, subject, body in messages_for(event)
        )
        for delivery in deliveries:
            _queue_try(delivery)
    return deliveries


@task
def deliver_email(delivery_id, attempt):
    """Try to send one stored email, once. `attempt` is the try this task was queued for: a
    task that finds the email sent, given up, or already tried that time (a "retry now" and the
    scheduled retry both queued) does nothing. A failed send is recorded and tried again later
    (EmailDelivery.record_failure), so the task itself does not fail.

    The row stays locked while the message goes out, so two workers never send it twice.
    """
    with transaction.atomic():
        delivery = EmailDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or not delivery.is_outstanding or delivery.attempts + 1 != attempt:
            return "nothing to do"
        try:
            send_mail(delivery.subject, delivery.body, None, [delivery.recipient])
        except Exception as error:
            delivery.record_failure(error, timezone.now())
            logger.warning("Email delivery %s failed (attempt %s): %s", delivery.pk, attempt, error)
            if delivery.status == EmailDelivery.Status.RETRYING:
                _queue_try(delivery, run_after=delivery.next_attempt_at)
            return f"failed: {delivery.get_status_display()}"
        delivery.record_sent(timezone.now())
        return "sent"


def retry_now(deliveries):
    """Queue another try now of each delivery not sent yet (staff's "retry now"); a given-up
    one gets one more try. Returns how many were queued."""
    queued = 0
    for pk in deliveries.exclude(status=EmailDelivery.Status.SENT).values_list("pk", flat=True):
        with transaction.atomic():
            delivery = EmailDelivery.objects.select_for_update().get(pk=pk)
            if delivery.status == EmailDelivery.Status.SENT:
                continue
            if delivery.status == EmailDelivery.Status.GIVEN_UP:
                delivery.status = EmailDelivery.Status.RETRYING
            delivery.next_attempt_at = timezone.now()
            delivery.save(update_fields=["status", "next_attempt_at"])
            _queue_try(delivery)
        queued += 1
    return queued


def _queue_try(delivery, run_after=None):
    """Queue the next try of `delivery`, at `run_after` if given. The immediate backend (the
    development default) cannot wait, so there a failed email waits for staff's "retry now"."""
    task = deliver_email
    if run_after is not None:
        if not task.get_backend().supports_defer:
            delivery.next_attempt_at = None
            delivery.save(update_fields=["next_attempt_at"])
            return
        task = task.using(run_after=run_after)
    task.enqueue(delivery.pk, delivery.attempts + 1)
