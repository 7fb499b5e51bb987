"""Revisions: everything readers see of an article, as one reviewed unit, and the queries
that pick what readers and staff see."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..rendering import render_variant
from .article import Article, cited_text_problem
from .review_event import ReviewEvent
from .reviewers import held_by_nobody
from .source import Source


class RevisionQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(state__in=Revision.PUBLIC_STATES)

    def open(self):
        """Revisions still being written or reviewed: at most one per article."""
        return self.filter(state__in=Revision.OPEN_STATES)

    def shown_first(self):
        """Visible revisions, the one readers see first.

        That is the latest approved revision; when none was ever approved, the latest one that
        is submitted or under review (shown with a caution). Drafts and revisions sent back for
        changes are never shown.
        """
        return (
            self.visible()
            .annotate(
                approved_rank=Case(
                    When(state=Revision.State.APPROVED, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-approved_rank", "-number")
        )

    def live(self):
        """Each article's latest approved revision."""
        newer_approved = Revision.objects.filter(
            article=OuterRef("article"),
            state=Revision.State.APPROVED,
            number__gt=OuterRef("number"),
        )
        return self.filter(state=Revision.State.APPROVED).exclude(Exists(newer_approved))

    def overdue(self, now=None):
        """Live revisions whose next review date has passed."""
        return self.live().filter(review_due_at__lt=now or timezone.now())

    def flagged(self):
        """Live revisions sent back for a re-check because a source they cite changed."""
        return self.live().filter(recheck_since__isnull=False)

    def needing_reviewer(self):
        """Submitted revisions, and those under review that nobody able to review holds."""
        return self.filter(Q(state=Revision.State.SUBMITTED) | held_by_nobody())

    def awaiting_review_by(self, user):
        """Revisions this user could take or re-check: not their own work."""
        return (
            self.filter(Q(pk__in=self.needing_reviewer()) | Q(pk__in=self.flagged()))
            .exclude(Q(author=user) | Q(contributors=user))
            .distinct()
        )

    # The work lists (articles/admin/worklists.py): what waits for whom. Each is a plain filter
    # without joins that repeat rows, so it can be counted, sliced and combined with `pk__in`.

    def _worked_on_by(self, user):
        """Revisions `user` wrote or edited (author or contributor)."""
        edited = Revision.objects.filter(contributors=user).values("pk")
        return Q(author=user) | Q(pk__in=edited)

    def waiting_for_reviewer(self, user):
        """Revisions a medical reviewer could take: submitted, or under review held by nobody
        able to review (see `needing_reviewer`), except those `user` wrote or edited."""
        return self.needing_reviewer().exclude(self._worked_on_by(user))

    def reviews_in_progress(self, user):
        """Reviews `user` has taken and not finished."""
        return self.filter(state=Revision.State.UNDER_REVIEW, assigned_reviewer=user)

    def sent_back_to(self, user):
        """Revisions a reviewer sent back for changes, that `user` wrote or edited."""
        return self.filter(self._worked_on_by(user), state=Revision.State.CHANGES_REQUESTED)

    def drafts_of(self, user):
        """Drafts `user` wrote or edited."""
        return self.filter(self._worked_on_by(user), state=Revision.State.DRAFT)

    def in_review_for(self, user):
        """Revisions `user` wrote or edited that are with the medical reviewers."""
        return self.filter(
            self._worked_on_by(user),
            state__in=(Revision.State.SUBMITTED, Revision.State.UNDER_REVIEW),
        )

    def with_since(self, now=None):
        """Annotate `since`: when the revision entered the state it waits in.

        That is its latest step (submitted, review started, sent back, reassigned…), else its
        creation; for a live revision flagged for a re-check, when it was flagged; for a live
        revision whose review is overdue, the date the review was due.
        """
        # Steps that move the state, and a review handed to someone else (a new holder waits
        # from then); not comments resolved or sources re-checked, which leave it waiting.
        latest_event = (
            ReviewEvent.objects.filter(revision=OuterRef("pk"))
            .filter(~Q(from_state=F("to_state")) | Q(action="reassign"))
            .order_by("-created_at", "-pk")
            .values("created_at")[:1]
        )
        return self.annotate(
            since=Case(
                When(
                    state=Revision.State.APPROVED,
                    recheck_since__isnull=False,
                    then=F("recheck_since"),
                ),
                When(
                    state=Revision.State.APPROVED,
                    review_due_at__lt=now or timezone.now(),
                    then=F("review_due_at"),
                ),
                default=Coalesce(Subquery(latest_event), F("created_at")),
            )
        )

    def with_next_step(self):
        """Annotate what `next_step_label` (articles/admin/badges.py) words "who acts next"
        from without further queries: `nobody_holds`; for flagged revisions the source that
        changed (`flagged_source`) and how (`flagged_change`); `newer_in_progress`, whether the
        article has a revision in progress (an overdue one waits for it). Select `author` and
        `assigned_reviewer` too, whose names it uses."""
        in_progress = Revision.objects.open().filter(article=OuterRef("article"))
        return self.select_related("author", "assigned_reviewer").annotate(
            flagged_source=self._latest_flag("source"),
            flagged_change=self._latest_flag("change_label"),
            nobody_holds=Case(
                When(held_by_nobody(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            newer_in_progress=Exists(in_progress.filter(number__gt=OuterRef("number"))),
        )

    @staticmethod
    def _latest_flag(field):
        """A field of the newest source change that flagged the revision for a re-check."""
        return Subquery(
            ReviewEvent.objects.filter(
                revision=OuterRef("pk"),
                action="source_changed",
                created_at__gte=OuterRef("recheck_since"),
            )
            .order_by("-created_at")
            .values(f"details__{field}")[:1]
        )


class Revision(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    PUBLIC_STATES = (State.SUBMITTED, State.UNDER_REVIEW, State.APPROVED)
    EDITABLE_STATES = (State.DRAFT, State.CHANGES_REQUESTED)
    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.UNDER_REVIEW, State.CHANGES_REQUESTED)
    # What an editor writes on the revision itself (its variants and citations are inlines).
    CONTENT_FIELDS = ("title", "summary", "answer", "pregnancy_warning", "change_summary")
    # Derived HTML, rendered from the Markdown fields at save.
    RENDERED_FIELDS = {"answer": "answer_html", "pregnancy_warning": "pregnancy_warning_html"}
    # The steps readers see, in order.
    REVIEW_STEPS = (State.SUBMITTED, State.UNDER_REVIEW, State.APPROVED)

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="authored_revisions",
    )
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        editable=False,
        related_name="edited_revisions",
        help_text="Everyone who wrote or edited this revision; none of them may approve it.",
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(
        max_length=200, help_text="The reader's question, as the page shows it."
    )
    summary = models.TextField(
        max_length=600, help_text="One or two sentences: the index and the page's description."
    )
    answer = models.TextField(
        "key facts: the answer",
        blank=True,
        max_length=400,
        help_text="The answer in one plain sentence, first thing readers see. Cite as in the "
        "text: [1]. Required to submit.",
    )
    answer_html = models.TextField(editable=False, blank=True)
    pregnancy_warning = models.TextField(
        "key facts: important, pregnancy",
        blank=True,
        max_length=800,
        help_text="Two to four short sentences: contraception from 1 month before to 1 month "
        "after, the pregnancy tests, and to stop and call at once. Required to submit.",
    )
    pregnancy_warning_html = models.TextField(editable=False, blank=True)
    change_summary = models.TextField(
        blank=True, help_text="What changed and why. Required to submit for review."
    )
    state = models.CharField(max_length=20, choices=State, default=State.DRAFT, editable=False)
    assigned_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="assigned_revisions",
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="approved_revisions",
    )
    approved_by_label = models.CharField(
        max_length=200, blank=True, editable=False, help_text="Name and credentials, as approved."
    )
    review_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    recheck_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set when a source this live revision cites changed; cleared by a reviewer.",
    )
    rechecked_at = models.DateTimeField(null=True, blank=True, editable=False)
    rechecked_by_label = models.CharField(max_length=200, blank=True, editable=False)
    sources = models.ManyToManyField(Source, through="Citation", related_name="revisions")

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number"),
            models.UniqueConstraint(
                fields=["article"],
                # Revision.OPEN_STATES (a Meta class cannot see its model's attributes).
                condition=Q(state__in=["draft", "submitted", "under_review", "changes_requested"]),
                name="one_open_revision_per_article",
                violation_error_message="This article already has a revision in progress.",
            ),
        ]
        permissions = [
            ("submit_revision", "Can submit revisions for medical review"),
            ("review_revision", "Can review, request changes to and approve revisions"),
        ]

    def __str__(self):
        return f"{self.article} — revision {self.number}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        for source_field, html_field in self.RENDERED_FIELDS.items():
            if update_fields is not None and source_field not in update_fields:
                continue
            # No citation ids: the variant's text owns them (references link back to it).
            setattr(
                self, html_field, render_variant(getattr(self, source_field), citation_ids=False)
            )
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], html_field}
        if not self.number:
            last = Revision.objects.filter(article=self.article_id).aggregate(models.Max("number"))
            self.number = (last["number__max"] or 0) + 1
        super().save(*args, **kwargs)

    def clean(self):
        from ..citation_checks import kinds_by_position

        references = len(kinds_by_position(self)) if self.pk else None
        errors = {
            field: problem
            for field in self.RENDERED_FIELDS
            if (problem := cited_text_problem(getattr(self, field), references))
        }
        if errors:
            raise ValidationError(errors)

    @property
    def updated_at(self):
        """When the text last changed: it is frozen from submission on."""
        return self.submitted_at or self.created_at

    @property
    def is_approved(self):
        return self.state == self.State.APPROVED

    @property
    def is_editable(self):
        return self.state in self.EDITABLE_STATES

    @property
    def needs_recheck(self):
        return self.is_approved and self.recheck_since is not None

    def recheck_notices(self):
        """What readers are told: the newest change of each source that is being checked."""
        by_source = {}
        for event in self.recheck_reasons():
            by_source[event.details.get("source_id")] = event
        return list(by_source.values())

    def recheck_reasons(self):
        """The source-change events that sent this revision back for a re-check, oldest first."""
        if not self.needs_recheck:
            return []
        return list(self.events.filter(action="source_changed", created_at__gte=self.recheck_since))

    @property
    def review_overdue(self):
        # Only the live revision has a due date: approving a newer one clears the old one's.
        return self.is_approved and bool(self.review_due_at) and self.review_due_at < timezone.now()

    def frozen_message(self):
        return (
            f"Revision {self.number} is {self.get_state_display().lower()}, so its content is "
            "frozen. Start a new revision to change it."
        )

    def ensure_editable(self):
        if not self.is_editable:
            raise ValidationError(self.frozen_message(), code="frozen")

    def review_steps(self):
        """[(label, status)] for the status steps; status is "done", "current" or "todo"."""
        current = self.REVIEW_STEPS.index(self.state) if self.state in self.REVIEW_STEPS else -1
        steps = []
        for index, state in enumerate(self.REVIEW_STEPS):
            if index < current:
                status = "done"
            elif index == current:
                status = "current"
            else:
                status = "todo"
            steps.append((state.label, status))
        return steps
