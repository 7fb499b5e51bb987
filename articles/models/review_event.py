from django.conf import settings
from django.db import models
from django.utils import timezone


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
    def from_label(self):
        from .article import Revision

        return Revision.State(self.from_state).label if self.from_state else "—"

    @property
    def to_label(self):
        from .article import Revision

        return Revision.State(self.to_state).label
