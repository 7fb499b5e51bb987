"""Emails about review events. Queued by articles.workflow after its transaction commits.

One message per person (nobody sees who else was told): reviewers hear of new submissions and
of articles flagged because a source they cite changed; the revision's author hears when changes
are requested or the revision is approved; a reviewer hears when a review they held is released
or handed to someone else, and the new reviewer that it is theirs; readers who saved the article
and opted in hear when a new revision of it is approved.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse

from .models import ReviewEvent, SavedArticle
from .models.reviewers import medical_reviewers


def reviewers():
    """Medical reviewers (see `models.reviewers.medical_reviewers`) with an email address."""
    return medical_reviewers().exclude(email="")


def messages_for(event):
    """[(recipient email, subject, body)] for one review event."""
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


@task
def send_review_emails(event_id):
    event = ReviewEvent.objects.select_related("revision__article", "revision__author").get(
        pk=event_id
    )
    sent = 0
    for recipient, subject, body in messages_for(event):
        sent += send_mail(subject, body, None, [recipient])
    return sent


def send_for(event_id):
    send_review_emails.enqueue(event_id)
