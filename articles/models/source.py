"""Sources and their versions.

A `Source` is the catalogue entry editors cite; what a page prints of it is a `SourceVersion`,
an immutable snapshot. A revision's citations point at versions, so a later change to a source
never changes an approved page. Sources change only through `articles.source_changes.
record_source_change` (a new edition, a correction, a retraction), which writes the next version
and sends the articles that cite it back for review.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class ReferenceDetails(models.Model):
    """Everything a reference list prints of a source."""

    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
        TRIAL = "trial", "Trial"
        REGULATOR = "regulator", "Regulator"
        DRUG_INFORMATION = "drug_information", "Drug information"

    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        RETRACTED = "retracted", "Retracted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=20, choices=Kind)
    authors = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=400)
    publisher = models.CharField("journal or issuer", max_length=200)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    volume = models.CharField(max_length=40, blank=True, help_text="Volume(issue), e.g. 90(5).")
    pages = models.CharField(max_length=40, blank=True)
    doi = models.CharField("DOI", max_length=120, blank=True)
    pmid = models.CharField("PMID", max_length=12, blank=True)
    url = models.URLField("URL", blank=True)
    edition = models.CharField(
        max_length=80, blank=True, help_text="Guidelines: the edition, e.g. “2024 update”."
    )
    published_on = models.DateField(
        "publication date", null=True, blank=True, help_text="When this edition was published."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.CURRENT)
    short_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="How readers are told about a change, e.g. “American Academy of Dermatology "
        "acne guideline”. Empty: the title.",
    )

    # The fields a reference prints, in the order a reviewer compares them.
    PRINTED_FIELDS = (
        "kind",
        "authors",
        "title",
        "publisher",
        "year",
        "volume",
        "pages",
        "edition",
        "published_on",
        "doi",
        "pmid",
        "url",
        "status",
    )

    class Meta:
        abstract = True

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

    @property
    def is_withdrawn(self):
        return self.status != self.Status.CURRENT

    @property
    def name_for_readers(self):
        return self.short_name or self.title

    def printed(self) -> dict:
        """{field: value} of what a reference list prints."""
        return {name: getattr(self, name) for name in self.PRINTED_FIELDS}

    @classmethod
    def field_label(cls, name):
        return cls._meta.get_field(name).verbose_name


class Source(ReferenceDetails):
    key = models.SlugField(
        max_length=40, unique=True, help_text="Short handle for staff, e.g. aad-2024."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"{self.authors or self.publisher} ({self.year or 'n.d.'}). {self.title}"

    def save(self, *args, recorded_by=None, **kwargs):
        """Save a new source with its first version. What an existing source prints changes only
        through `articles.source_changes.record_source_change`, never by saving it."""
        adding = self._state.adding
        update_fields = kwargs.get("update_fields")
        writes_printed = update_fields is None or set(update_fields) & set(self.PRINTED_FIELDS)
        if not adding and writes_printed:
            stored = Source.objects.filter(pk=self.pk).values(*self.PRINTED_FIELDS).first()
            if stored and stored != self.printed():
                raise TypeError(
                    "A source's printed details change only through a recorded change "
                    "(articles.source_changes.record_source_change)."
                )
        super().save(*args, **kwargs)
        if adding:
            SourceVersion.objects.create(
                source=self,
                number=1,
                change=SourceVersion.Change.CREATED,
                recorded_by=recorded_by,
                recorded_by_name=recorded_by.public_name if recorded_by else "",
                short_name=self.short_name,
                **self.printed(),
            )

    def latest_version(self):
        return self.versions.order_by("-number").first()


class SourceVersion(ReferenceDetails):
    """One source as it read between two recorded changes. Never changed once written."""

    class Change(models.TextChoices):
        CREATED = "created", "Added"
        NEW_EDITION = "new_edition", "New edition"
        CORRECTION = "correction", "Corrected details"
        RETRACTION = "retraction", "Retracted or withdrawn"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    change = models.CharField(max_length=20, choices=Change)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["source", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["source", "number"], name="unique_source_version")
        ]

    def __str__(self):
        return f"{self.source.key} v{self.number} ({self.get_change_display().lower()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Source versions are never changed; record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Source versions are kept: approved pages print them.")
