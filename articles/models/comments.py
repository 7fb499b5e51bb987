"""Reviewers' comments anchored to a paragraph (or list item, or heading) of a revision's text.

A comment is written by the assigned reviewer while the revision is under review and stays
*pending* (theirs to edit or delete) until *Request changes* sends every pending comment of the
revision at once, recording them in that step's `ReviewEvent`. From then on its words are part of
the audit trail and never change; the editor marks it resolved, with an optional reply.

Written only by `articles.workflow.comments` (and `request_changes`). The anchor keeps the
block's text, tag and position as they were, so `articles.blocks.locate` can find the paragraph
again after the editor's changes, or say that it changed or is gone.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

BODY_MAX_LENGTH = 2000
# Fields that are the comment's words and where they point: frozen once the comment is sent.
SENT_FIELDS = ("revision_id", "audience_id", "anchor_index", "anchor_tag", "anchor_text", "body")


class SentCommentIsFrozen(TypeError):
    """A sent comment is part of the audit trail: its words cannot change nor be deleted."""


class ReviewCommentQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_in__isnull=True)

    def sent(self):
        return self.filter(sent_in__isnull=False)

    def unresolved(self):
        return self.sent().filter(resolved_at__isnull=True)

    def update(self, **kwargs):
        frozen = {name.removesuffix("_id") for name in SENT_FIELDS} & {
            name.removesuffix("_id") for name in kwargs
        }
        if frozen and self.sent().exists():
            raise SentCommentIsFrozen("A sent comment cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.sent().exists():
            raise SentCommentIsFrozen("A sent comment cannot be deleted.")
        return super().delete()


class ReviewComment(models.Model):
    revision = models.ForeignKey(
        "articles.Revision", on_delete=models.PROTECT, related_name="comments"
    )
    audience = models.ForeignKey(
        "articles.Audience", on_delete=models.PROTECT, related_name="review_comments"
    )
    # The block as it was when the comment was written (see articles.blocks).
    anchor_index = models.PositiveIntegerField()
    anchor_tag = models.CharField(max_length=12)
    anchor_text = models.TextField()
    quote = models.CharField(max_length=200, help_text="The start of the paragraph, as it read.")
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    # The writer's name kept as text, as in the review history: it outlives their account.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_comments",
    )
    author_label = models.CharField(max_length=250)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    sent_in = models.ForeignKey(
        "articles.ReviewEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sent_comments",
        help_text="The Request changes step that sent it; empty while it is pending.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolved_review_comments",
    )
    resolved_by_label = models.CharField(max_length=250, blank=True)
    resolution_note = models.TextField(blank=True, max_length=BODY_MAX_LENGTH)

    objects = ReviewCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["revision", "sent_in"])]

    def __str__(self):
        return f"Comment by {self.author_label} on {self.revision}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = (
                type(self).objects.filter(pk=self.pk).values(*SENT_FIELDS, "sent_in_id").first()
            )
            if (
                stored
                and stored["sent_in_id"]
                and any(getattr(self, name) != stored[name] for name in SENT_FIELDS)
            ):
                raise SentCommentIsFrozen("A sent comment cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.sent_in_id:
            raise SentCommentIsFrozen("A sent comment cannot be deleted.")
        return super().delete(*args, **kwargs)

    def as_record(self):
        """What the Request changes step records of it, for the audit trail."""
        return {
            "id": self.pk,
            "audience": self.audience.slug,
            "quote": self.quote,
            "body": self.body,
        }

    @property
    def is_pending(self):
        return self.sent_in_id is None

    @property
    def is_resolved(self):
        return self.resolved_at is not None

    @property
    def status(self):
        """ "pending", "sent" or "resolved"."""
        if self.is_pending:
            return "pending"
        return "resolved" if self.is_resolved else "sent"
