import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

ACTION_LABELS = {
    "start": "Started",
    "submit": "Submitted for review",
    "withdraw": "Withdrawn",
    "start_review": "Review started",
    "approve": "Approved",
    "request_changes": "Changes requested",
    "release": "Released to the queue",
    "reassign": "Reassigned",
    "source_changed": "Cited source changed: re-check needed",
    "still_accurate": "Re-checked: still accurate",
    "resolve_comment": "Comment marked resolved",
    # A reader's question (articles.workflow.replies): recorded on the revision it was asked on.
    "submit_reply": "Reply to a reader's question submitted for review",
    "approve_reply": "Reply to a reader's question approved",
    "request_reply_changes": "Reply to a reader's question sent back",
    "publish_answer": "Answer to a reader's question shown on the article",
    "unpublish_answer": "Answer to a reader's question taken off the article",
    "pemat": "Health-literacy check (PEMAT-P) recorded",
}


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Review events are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Review events are append-only: they cannot be deleted.")


class ReviewEvent(models.Model):
    """One step in a revision's audit trail. Written only by articles.workflow; never changed.

    The actor's name and credentials are kept as text, so the trail still says who acted after
    their account is deleted.
    """

    revision = models.ForeignKey(
        "articles.Revision", on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_events",
    )
    actor_name = models.CharField(max_length=150)
    actor_credentials = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)
    # What the step was about, for steps that need more than a comment: the source change that
    # flagged a revision, the reviewer a revision was handed to. Plain JSON, kept as written.
    details = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["revision", "created_at", "pk"]
        indexes = [models.Index(fields=["revision", "created_at"])]

    def __str__(self):
        return f"{self.revision}: {self.action} by {self.actor_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Review events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Review events are append-only: they cannot be deleted.")

    @property
    def actor_label(self):
        return ", ".join(part for part in (self.actor_name, self.actor_credentials) if part)

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def pemat_scores(self):
        """{"understandability": Score, "actionability": Score} of a PEMAT-P assessment this
        event recorded (`articles.pemat`), else None."""
        from ..pemat import scores_of

        recorded = self.details.get("pemat") if self.action == "pemat" else None
        return scores_of(recorded) if recorded else None

    @property
    def is_withdrawal(self):
        return self.details.get("change") == "retraction"

    @property
    def notice_date(self):
        """The date readers are told for a source change (see articles.source_changes)."""
        value = self.details.get("date")
        return datetime.date.fromisoformat(value) if value else self.created_at.date()

    @property
    def from_label(self):
        from .revision import Revision

        return Revision.State(self.from_state).label if self.from_state else "—"

    @property
    def to_label(self):
        from .revision import Revision

        return Revision.State(self.to_state).label
