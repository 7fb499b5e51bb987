"""Readers' follow-up questions, the staff's triage of them, and the reviewed replies.

A question is what a reader typed on an article's page, with the revision and reading level they
were viewing. Staff triage it (New → Triaged → Answered, or Closed as a duplicate, out of scope
or spam) and may draft a reply, which a medical reviewer must approve before it is emailed or
shown to anyone. Every change of status or reply state goes through `articles.workflow.replies`.

What the reader typed (`text`) and their email address are personal data: after the retention
period (`settings.QUESTION_RETENTION_DAYS`), and when a signed-in reader deletes their account,
`QuestionQuerySet.redact` removes them and keeps the row, so the counts stay true. The reply and
the public wording of the question are the staff's words, reviewed: they stay.
"""

import datetime

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from .deliveries import EmailDelivery

TEXT_MIN_LENGTH = 10
TEXT_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 4000
PUBLIC_QUESTION_MAX_LENGTH = 300


class QuestionQuerySet(models.QuerySet):
    def published(self):
        """Approved answers marked public: the article's "Readers asked"."""
        return self.filter(is_public=True, reply_state=Question.ReplyState.APPROVED)

    # The work lists (articles/admin/worklists.py). Plain filters, so they can be counted.

    def new(self):
        return self.filter(status=Question.Status.NEW)

    def awaiting_reply(self):
        """Triaged questions whose reply is not written, or was sent back to the editors."""
        return self.filter(
            status=Question.Status.TRIAGED,
            reply_state__in=Question.EDITABLE_REPLY_STATES,
        )

    def replies_to_review_by(self, user):
        """Replies waiting for a medical reviewer, except those `user` wrote or edited."""
        edited = Question.reply_editors.through.objects.filter(user=user).values("question")
        return self.filter(reply_state=Question.ReplyState.SUBMITTED).exclude(pk__in=edited)

    def with_since(self):
        """Annotate `since`: when the question entered the step it waits in."""
        return self.annotate(
            since=Case(
                When(reply_state=Question.ReplyState.SUBMITTED, then=F("reply_submitted_at")),
                When(status=Question.Status.NEW, then=F("created_at")),
                default=Coalesce("status_changed_at", "created_at"),
            )
        )

    def asked_before(self, moment):
        return self.filter(created_at__lt=moment)

    def past_retention(self, now=None):
        """Questions asked longer ago than the retention period whose words are still kept."""
        days = settings.QUESTION_RETENTION_DAYS
        cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
        return self.asked_before(cutoff).filter(redacted_at__isnull=True)

    def redact(self, now=None):
        """Remove what readers typed and their email address, keep the rows (the counts), and
        remove the address and text from the emails sent to them as well. Returns how many
        questions were changed."""
        now = now or timezone.now()
        with transaction.atomic():
            return self._redact(now)

    def _redact(self, now):
        # Locked in pk order: a reply email being queued for one of them (which holds its row,
        # see articles.question_emails) finishes first, and its delivery is then scrubbed.
        pks = list(
            Question.objects.select_for_update()
            .filter(pk__in=self.filter(redacted_at__isnull=True).values("pk"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not pks:
            return 0
        changed = Question.objects.filter(pk__in=pks).update(
            text="", email="", redacted_at=now, user=None
        )
        # The reply emails: the only place besides the question that holds the address.
        deliveries = EmailDelivery.objects.filter(
            event__action__in=Question.EMAILED_ACTIONS, event__details__question_id__in=pks
        )
        deliveries.filter(
            status__in=[EmailDelivery.Status.PENDING, EmailDelivery.Status.RETRYING]
        ).update(
            status=EmailDelivery.Status.GIVEN_UP,
            next_attempt_at=None,
            last_error="Not sent: the reader's address was removed.",
        )
        deliveries.update(recipient="", body="(Removed with the reader's question.)")
        return changed


class Question(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    class CloseReason(models.TextChoices):
        DUPLICATE = "duplicate", "Duplicate"
        OUT_OF_SCOPE = "out_of_scope", "Out of scope"
        SPAM = "spam", "Spam"

    class ReplyState(models.TextChoices):
        NONE = "none", "No reply yet"
        DRAFT = "draft", "Reply drafted"
        SUBMITTED = "submitted", "Reply waiting for medical review"
        CHANGES_REQUESTED = "changes_requested", "Reply sent back for changes"
        APPROVED = "approved", "Reply approved"

    EDITABLE_REPLY_STATES = (ReplyState.NONE, ReplyState.DRAFT, ReplyState.CHANGES_REQUESTED)
    # Review events that email the reader (see articles.question_emails).
    EMAILED_ACTIONS = ("approve_reply",)

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="questions"
    )
    # What the reader was viewing, recorded by the page, never typed.
    revision = models.ForeignKey(
        "articles.Revision", on_delete=models.PROTECT, related_name="questions_asked"
    )
    audience = models.ForeignKey(
        "articles.Audience",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="reading level",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        help_text="The signed-in reader who asked, if any.",
    )
    text = models.TextField("question", max_length=TEXT_MAX_LENGTH, blank=True)
    email = models.EmailField(blank=True)
    email_consent = models.BooleanField("agreed to a reply by email", default=False)
    created_at = models.DateTimeField("asked", default=timezone.now, db_index=True)
    redacted_at = models.DateTimeField(
        "reader's words removed", null=True, blank=True, editable=False
    )

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.NEW, editable=False
    )
    close_reason = models.CharField(
        max_length=20, choices=CloseReason.choices, blank=True, editable=False
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    linked_revision = models.ForeignKey(
        "articles.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="linked_questions",
        help_text="The revision written because of this question; its reviewer sees it.",
    )

    reply_text = models.TextField("reply", max_length=REPLY_MAX_LENGTH, blank=True)
    public_question = models.CharField(
        "the question as other readers would see it",
        max_length=PUBLIC_QUESTION_MAX_LENGTH,
        blank=True,
    )
    reply_state = models.CharField(
        max_length=20, choices=ReplyState.choices, default=ReplyState.NONE, editable=False
    )
    reply_editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        editable=False,
        related_name="edited_replies",
        help_text="Everyone who wrote or edited the reply; none of them may approve it.",
    )
    reply_submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reply_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    reply_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="approved_replies",
    )
    reply_approved_by_label = models.CharField(max_length=200, blank=True, editable=False)
    is_public = models.BooleanField("shown on the article", default=False, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["article", "is_public"]),
        ]
        constraints = [
            # The form enforces these; the database holds them for any other way in.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), TEXT_MAX_LENGTH),
                name="question_text_at_most_2000",
            ),
            models.CheckConstraint(
                condition=Q(email="") | Q(email_consent=True),
                name="question_email_only_with_consent",
            ),
            models.CheckConstraint(
                condition=Q(is_public=False) | Q(reply_state="approved"),
                name="question_public_only_when_approved",
            ),
        ]

    def __str__(self):
        return f"Question {self.pk} on “{self.article}”"

    def get_admin_url(self):
        return reverse("admin:articles_question_change", args=[self.pk])

    @property
    def wants_email_reply(self):
        return bool(self.email_consent and self.email)

    @property
    def is_redacted(self):
        return self.redacted_at is not None

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED

    @property
    def reply_is_editable(self):
        return self.status in (self.Status.NEW, self.Status.TRIAGED) and (
            self.reply_state in self.EDITABLE_REPLY_STATES
        )

    @property
    def status_label(self):
        if self.is_closed and self.close_reason:
            return f"Closed: {self.get_close_reason_display().lower()}"
        return self.get_status_display()
