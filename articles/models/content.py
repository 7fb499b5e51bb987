"""What a revision holds besides its own fields: its numbered references and its text for
each audience."""

from django.core.exceptions import ValidationError
from django.db import models

from .. import readability
from ..rendering import render_variant
from .article import cited_text_problem
from .audience import Audience
from .revision import Revision
from .source import Source, SourceVersion


class Citation(models.Model):
    """A source cited by a revision, at a position in its numbered reference list.

    It prints `version`, the source as it read when the revision was written: while the revision
    is editable every save pins the source's latest version, submitting pins them all again, and
    from then on the reference is frozen with the rest of the revision.
    """

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    version = models.ForeignKey(
        SourceVersion, on_delete=models.PROTECT, related_name="citations", editable=False
    )
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

    def save(self, *args, **kwargs):
        self.revision.ensure_editable()
        self.version = self.source.latest_version()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.revision.ensure_editable()
        return super().delete(*args, **kwargs)


class Variant(models.Model):
    """One revision's text for one audience. HTML is rendered from the Markdown at save."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="variants")
    audience = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="variants")
    body_markdown = models.TextField(
        "text (Markdown)",
        help_text="Cite sources by their number in the reference list: [1] or [2, 5]. A table "
        "needs a caption: a line “Table: …” above it, a blank line between; its first column "
        "names each row. A checklist: start every item of a bulleted list with “[ ]”.",
    )
    body_html = models.TextField(editable=False)
    # `readability.measure(body_html)`, stored at save so no page computes it per request.
    reading_level = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["revision", "audience__order"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "audience"], name="unique_variant")
        ]

    def __str__(self):
        return f"{self.revision} — {self.audience}"

    def save(self, *args, **kwargs):
        self.revision.ensure_editable()
        self.body_html = render_variant(self.body_markdown)
        self.reading_level = readability.measure(self.body_html)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body_markdown" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "reading_level"}
        super().save(*args, **kwargs)

    def measured_level(self) -> dict:
        """The stored reading level; measured now for a row saved before it was stored."""
        return self.reading_level or readability.measure(self.body_html)

    def delete(self, *args, **kwargs):
        self.revision.ensure_editable()
        return super().delete(*args, **kwargs)

    def clean(self):
        from ..citation_checks import guideline_section_problem, kinds_by_position

        kinds = kinds_by_position(self.revision) if self.revision_id else None
        references = len(kinds) if kinds is not None else None
        problem = cited_text_problem(self.body_markdown, references)
        if not problem and kinds is not None:
            problem = guideline_section_problem(self.body_markdown, kinds)
        if problem:
            raise ValidationError({"body_markdown": problem})
