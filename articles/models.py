from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.urls import reverse

from .rendering import citation_numbers, render_variant


class Audience(models.Model):
    """Who a reading level is written for. Seeded by a migration; staff may edit the wording."""

    slug = models.SlugField(max_length=32, unique=True)
    label = models.CharField(max_length=60)
    description = models.CharField(max_length=160, help_text="One line, shown in the selector.")
    reading_grade = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Target Flesch-Kincaid grade for this audience's text; empty for no target.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(
        default=False, help_text="Shown to readers who have not chosen. Exactly one."
    )
    disclaimer_title = models.CharField(max_length=80)
    disclaimer = models.TextField(help_text="Plain text shown under the article for this audience.")

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_audience"
            )
        ]

    def __str__(self):
        return self.label

    @staticmethod
    def pick(audiences, *slugs):
        """The first audience whose slug is among `slugs` (in that order), else the default.

        Works on an already fetched list, so choosing costs no query. Unknown or empty slugs
        are skipped: a reader never gets an error for a stale or mistyped choice.
        """
        by_slug = {audience.slug: audience for audience in audiences}
        for slug in slugs:
            if slug and slug in by_slug:
                return by_slug[slug]
        return next((a for a in audiences if a.is_default), audiences[0])


class Source(models.Model):
    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
        TRIAL = "trial", "Trial"
        REGULATOR = "regulator", "Regulator"

    key = models.SlugField(
        max_length=40, unique=True, help_text="Short handle for staff, e.g. aad-2024."
    )
    kind = models.CharField(max_length=20, choices=Kind)
    authors = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=400)
    publisher = models.CharField("journal or issuer", max_length=200)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=40, blank=True, help_text="Volume(issue), e.g. 90(5).")
    pages = models.CharField(max_length=40, blank=True)
    doi = models.CharField("DOI", max_length=120, blank=True)
    pmid = models.CharField("PMID", max_length=12, blank=True)
    url = models.URLField("URL", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.authors or self.publisher} ({self.year or 'n.d.'}). {self.title}"

    @property
    def doi_url(self):
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self):
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def details(self):
        """Journal, year, volume and pages in one line: "J Am Acad Dermatol. 2024;90(5):1-2"."""
        text = self.publisher
        if self.year:
            text += f". {self.year}"
            if self.volume:
                text += f";{self.volume}"
                if self.pages:
                    text += f":{self.pages}"
        return text


class ArticleQuerySet(models.QuerySet):
    def public(self):
        """Articles a reader may open: a revision is submitted, under review or approved."""
        return self.filter(
            Exists(Revision.objects.visible().filter(article=OuterRef("pk"))),
        )

    def with_shown_revision(self):
        """Annotate the state and date of the revision a reader sees, in one query."""
        shown = Revision.objects.filter(article=OuterRef("pk")).shown_first()
        return self.annotate(
            shown_state=Subquery(shown.values("state")[:1]),
            shown_created_at=Subquery(shown.values("created_at")[:1]),
        )


class Article(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200, help_text="The reader's question.")
    summary = models.TextField(max_length=600, help_text="One or two sentences for the index.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    @property
    def shown_state_label(self):
        """Label of the state annotated by `ArticleQuerySet.with_shown_revision`."""
        state = getattr(self, "shown_state", None)
        return Revision.State(state).label if state else ""

    def shown_revision(self):
        """The revision readers see (see `RevisionQuerySet.shown_first`), or None."""
        return self.revisions.shown_first().first()


class RevisionQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(state__in=Revision.PUBLIC_STATES)

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


class Revision(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"

    PUBLIC_STATES = (State.SUBMITTED, State.UNDER_REVIEW, State.APPROVED)
    # The steps readers see, in order.
    REVIEW_STEPS = (State.SUBMITTED, State.UNDER_REVIEW, State.APPROVED)

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authored_revisions",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    change_summary = models.TextField(blank=True)
    state = models.CharField(max_length=20, choices=State, default=State.DRAFT, editable=False)
    sources = models.ManyToManyField(Source, through="Citation", related_name="revisions")

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number")
        ]

    def __str__(self):
        return f"{self.article} — revision {self.number}"

    @property
    def is_approved(self):
        return self.state == self.State.APPROVED

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


class Citation(models.Model):
    """A source cited by a revision, at a position in its numbered reference list."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["revision", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "position"], name="unique_citation_position"
            ),
            models.UniqueConstraint(fields=["revision", "source"], name="unique_citation_source"),
        ]

    def __str__(self):
        return f"[{self.position}] {self.source}"


class Variant(models.Model):
    """One revision's text for one audience. HTML is rendered from the Markdown at save."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="variants")
    audience = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="variants")
    body_markdown = models.TextField(
        "text (Markdown)",
        help_text="Cite sources by their number in the reference list: [1] or [2, 5].",
    )
    body_html = models.TextField(editable=False)

    class Meta:
        ordering = ["revision", "audience__order"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "audience"], name="unique_variant")
        ]

    def __str__(self):
        return f"{self.revision} — {self.audience}"

    def save(self, *args, **kwargs):
        self.body_html = render_variant(self.body_markdown)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body_markdown" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def clean(self):
        if not self.revision_id:
            return
        count = self.revision.citations.count()
        unknown = sorted({n for n in citation_numbers(self.body_markdown) if not 1 <= n <= count})
        if unknown:
            numbers = ", ".join(str(n) for n in unknown)
            raise ValidationError(
                {
                    "body_markdown": (
                        f"Citation {numbers} does not exist: this revision's reference list has "
                        f"{count} source{'s' if count != 1 else ''}."
                    )
                }
            )
