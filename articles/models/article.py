"""Articles: a reader's question, and the helpers the revision rules share."""

import calendar
import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from ..rendering import citation_numbers, render_variant, unsafe_link_targets
from ..tables import table_problem

DEFAULT_REVIEW_INTERVAL_MONTHS = 12


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """`moment` plus calendar months, clamped to the month's end (Jan 31 + 1 month = Feb 28)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def cited_text_problem(text: str, references: int | None) -> str:
    """What is wrong with Markdown an editor wrote for readers, or "": a link the sanitizer
    would leave without an address, a table without its caption or column headings
    (`articles.tables`), else a citation number outside a reference list of `references`
    sources (not checked when None). Variants and key facts share these rules."""
    if dropped := unsafe_link_targets(text):
        return (
            f"Readers would get these links without an address: {', '.join(dropped)}. Links "
            "must start with https://, http:// or mailto:."
        )
    may_hold_a_table = "|" in text or "<table" in text.lower()
    if may_hold_a_table and (problem := table_problem(render_variant(text))):
        return problem
    if references is not None:
        unknown = sorted({n for n in citation_numbers(text) if not 1 <= n <= references})
        if unknown:
            return (
                f"Citation {', '.join(str(n) for n in unknown)} does not exist: this revision's "
                f"reference list has {references} source{'s' if references != 1 else ''}."
            )
    return ""


class ArticleQuerySet(models.QuerySet):
    def public(self):
        """Articles a reader may open: a revision is submitted, under review or approved."""
        return self.filter(
            Exists(Revision.objects.visible().filter(article=OuterRef("pk"))),
        )

    def index_page(self, size, *, after=None, before=None):
        """One page of the index, oldest first: the `size` articles after the article with
        pk `after`, or before the one with pk `before`, else the first ones; plus one more when
        there are more that way (so no count is needed). Each page is one indexed range read
        (Meta.indexes), whatever the number of articles and however deep the page."""
        if before is not None:
            return self._beyond(before, "lt").order_by("-created_at", "-pk")[: size + 1]
        if after is not None:
            return self._beyond(after, "gt").order_by("created_at", "pk")[: size + 1]
        return self.order_by("created_at", "pk")[: size + 1]

    def _beyond(self, pk, direction):
        created = Article.objects.filter(pk=pk).values("created_at")[:1]
        return self.filter(
            Q(**{f"created_at__{direction}": Subquery(created)})
            | Q(created_at=Subquery(created), **{f"pk__{direction}": pk})
        )

    def with_shown_revision(self):
        """Annotate the state and dates of the revision a reader sees, in one query."""
        shown = Revision.objects.filter(article=OuterRef("pk")).shown_first()
        return self.annotate(
            shown_state=Subquery(shown.values("state")[:1]),
            shown_title=Subquery(shown.values("title")[:1]),
            shown_summary=Subquery(shown.values("summary")[:1]),
            shown_updated_at=Subquery(
                shown.annotate(updated=Coalesce("submitted_at", "created_at")).values("updated")[:1]
            ),
            shown_review_due_at=Subquery(shown.values("review_due_at")[:1]),
            shown_approved_at=Subquery(shown.values("approved_at")[:1]),
            shown_recheck_since=Subquery(shown.values("recheck_since")[:1]),
        )


class Article(models.Model):
    """A reader's question. What readers see of it lives in its revisions.

    `title` and `summary` are the staff's working label: a new article's first revision starts
    from them, and the workflow keeps them equal to the shown revision's. Public pages read the
    revision itself: the article page its revision, the index and the saved list
    `with_shown_revision()`'s `shown_title` and `shown_summary`.
    """

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200, help_text="The reader's question.")
    summary = models.TextField(max_length=600, help_text="One or two sentences for the index.")
    review_interval_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=f"Months between reviews (1–24). Empty: {DEFAULT_REVIEW_INTERVAL_MONTHS}.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Incremented by articles.caching.content_changed with any change to what readers see of
    # the article: cached pages are keyed by it.
    content_version = models.PositiveIntegerField(default=1, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        # The index lists articles oldest first, a page at a time: read in this order, a page
        # costs the same at 10 articles or 10,000.
        indexes = [models.Index(fields=["created_at", "id"], name="article_index_order")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    @property
    def review_interval(self) -> int:
        return self.review_interval_months or DEFAULT_REVIEW_INTERVAL_MONTHS

    @property
    def shown_state_label(self):
        """Label of the state annotated by `ArticleQuerySet.with_shown_revision`."""
        state = getattr(self, "shown_state", None)
        return Revision.State(state).label if state else ""

    @property
    def shown_review_overdue(self):
        due = getattr(self, "shown_review_due_at", None)
        return (
            self.shown_state == Revision.State.APPROVED and due is not None and due < timezone.now()
        )

    def shown_revision(self):
        """The revision readers see (see `RevisionQuerySet.shown_first`), or None."""
        return self.revisions.shown_first().first()

    def live_revision(self):
        """The latest approved revision, or None."""
        return self.revisions.live().first()

    def open_revision(self):
        """The revision being written or reviewed (at most one), or None."""
        return self.revisions.open().first()

    def has_public_revision(self):
        return self.revisions.visible().exists()

    def refresh_review_due(self):
        """Re-date the live revision's next review after the interval changed."""
        from ..caching import content_changed

        live = self.live_revision()
        if live and live.approved_at:
            live.review_due_at = add_months(live.approved_at, self.review_interval)
            with transaction.atomic():
                Revision.objects.filter(pk=live.pk).update(review_due_at=live.review_due_at)
                content_changed(self.pk)


# Below the class: revision.py imports Article from here (the querysets above use Revision
# only when called).
from .revision import Revision  # noqa: E402
