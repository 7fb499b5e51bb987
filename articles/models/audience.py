from django.db import models
from django.db.models import Q


class Audience(models.Model):
    """Who a reading level is written for. Seeded by a migration; staff may edit the wording."""

    slug = models.SlugField(max_length=32, unique=True)
    label = models.CharField(max_length=60)
    description = models.CharField(max_length=160, help_text="One line, shown in the selector.")
    reading_grade = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Target Flesch-Kincaid grade: a text for this audience must read at this US "
        "school grade or lower to be submitted without a reason. SMOG is shown beside it for "
        "information. Empty for no target.",
    )
    health_literacy_check = models.BooleanField(
        "PEMAT-P check in review",
        default=False,
        help_text="The medical reviewer rates this text with PEMAT-P (understandability and "
        "actionability) before approving it; a score under 70 % needs their reason.",
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
