"""Emails about review events. Queued by articles.workflow after its transaction commits.

One message per person (nobody sees who else was told): reviewers hear of new submissions; the
revision's author hears when changes are requested or the revision is approved; readers who
saved the article and opted in hear when a new revision of it is approved.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.tasks import task
from django.urls import reverse

from .models import ReviewEvent, SavedArticle


def reviewers():
    """Active users who may review: the "Medical reviewers" group, or the permission directly."""
    User = get_user_model()
    can_review = Q(groups__permissions__codename="review_revision") | Q(
        user_permissions__codename="review_revision"
    )
    return User.objects.filter(can_review, is_active=True).exclude(email="").distinct()


def messages_for(event):
    """[(recipient email, subject, body)] for one review event."""
    revision = event.revision
    article = revision.article
    admin_url = settings.SITE_URL + reverse("admin:articles_revision_review", args=[revision.pk])
    page_url = settings.SITE_URL + article.get_absolute_url()
    who = event.actor_label
    if event.action == "submit":
        subject = f"Review needed: {article.title}"
        body = (
            f"{who} submitted revision {revision.number} of “{article.title}” "
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
                f"Reviewed again: {article.title}",
                f"“{article.title}”, an article you saved, has a newly approved version, "
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
        subject = f"Changes requested: {article.title}"
        body = (
            f"{who} asked for changes to revision {revision.number} of “{article.title}”:\n\n"
            f"{event.comment}\n\nRevise it and submit it again: {admin_url}\n"
        )
    elif event.action == "approve":
        subject = f"Approved: {article.title}"
        body = (
            f"{who} approved revision {revision.number} of “{article.title}”. It is now the "
            f"version readers see: {page_url}\n"
        )
        if event.comment:
            body += f"\nTheir comment: {event.comment}\n"
    else:
        return messages
    return [(author.email, subject, body), *messages]


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
