import datetime

from django.db import models
from django.utils import timezone

# Minutes to wait after the first, second, … failed attempt. After as many failures as there are
# delays plus one, the delivery is given up (about 12.5 hours after the first try), and stays
# listed for staff, who can still retry it.
RETRY_DELAYS_MINUTES = (1, 5, 25, 120, 600)
MAX_ATTEMPTS = len(RETRY_DELAYS_MINUTES) + 1


class EmailDeliveryQuerySet(models.QuerySet):
    def outstanding(self):
        """Not sent yet and not given up: a worker will still try them."""
        return self.filter(status__in=[EmailDelivery.Status.PENDING, EmailDelivery.Status.RETRYING])


class EmailDelivery(models.Model):
    """One email about a review event, stored before it is first tried, with its attempts.

    articles.notifications writes one per recipient after the event's transaction commits, and
    a task tries each; a failed try is recorded here and tried again later, so an email is never
    lost to a mail outage, and staff see what is waiting in the admin.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        RETRYING = "retrying", "Failed; will be tried again"
        SENT = "sent", "Sent"
        GIVEN_UP = "given_up", "Given up"

    event = models.ForeignKey(
        "articles.ReviewEvent", on_delete=models.PROTECT, related_name="email_deliveries"
    )
    recipient = models.EmailField()
    subject = models.CharField(max_length=400)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the worker tries again; empty once sent or given up.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EmailDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = "email delivery"
        verbose_name_plural = "email deliveries"

    def __str__(self):
        return f"{self.subject} → {self.recipient}"

    @property
    def is_outstanding(self):
        return self.status in (self.Status.PENDING, self.Status.RETRYING)

    def record_sent(self, now):
        self.attempts += 1
        self.status = self.Status.SENT
        self.last_attempt_at = self.sent_at = now
        self.next_attempt_at = None
        self.save()

    def record_failure(self, error, now):
        """Count a failed try; schedule the next one after the backoff, or give up."""
        self.attempts += 1
        self.last_attempt_at = now
        self.last_error = f"{type(error).__name__}: {error}"[:2000]
        if self.attempts >= MAX_ATTEMPTS:
            self.status = self.Status.GIVEN_UP
            self.next_attempt_at = None
        else:
            self.status = self.Status.RETRYING
            delay = RETRY_DELAYS_MINUTES[self.attempts - 1]
            self.next_attempt_at = now + datetime.timedelta(minutes=delay)
        self.save()
