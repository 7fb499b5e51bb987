"""One revision in progress per article. Where an article had several, the one furthest along
(under review, then submitted, sent back, draft; the newest on a tie) goes on, and the others are
withdrawn, each with a review event saying so."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

OPEN_STATES = ["draft", "submitted", "under_review", "changes_requested"]
FURTHEST_FIRST = {"under_review": 0, "submitted": 1, "changes_requested": 2, "draft": 3}
YEAR = models.PositiveSmallIntegerField(
    blank=True,
    null=True,
    validators=[
        django.core.validators.MinValueValidator(1800),
        django.core.validators.MaxValueValidator(2100),
    ],
)


def withdraw_extra_open_revisions(apps, schema_editor):
    Revision = apps.get_model("articles", "Revision")
    ReviewEvent = apps.get_model("articles", "ReviewEvent")
    by_article = {}
    for revision in Revision.objects.filter(state__in=OPEN_STATES).order_by("-number"):
        by_article.setdefault(revision.article_id, []).append(revision)
    for revisions in by_article.values():
        if len(revisions) < 2:
            continue
        keep, *others = sorted(revisions, key=lambda r: FURTHEST_FIRST[r.state])
        for revision in others:
            ReviewEvent.objects.create(
                revision=revision,
                action="withdraw",
                from_state=revision.state,
                to_state="withdrawn",
                actor_name="isoapp upgrade",
                created_at=timezone.now(),
                comment=(
                    "Withdrawn when articles came to have one revision in progress at a time: "
                    f"revision {keep.number} goes on. Its text is kept here."
                ),
            )
            Revision.objects.filter(pk=revision.pk).update(state="withdrawn")


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_frozen_references")]

    operations = [
        migrations.AlterField(
            model_name="revision",
            name="state",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("submitted", "Submitted"),
                    ("under_review", "Under review"),
                    ("changes_requested", "Changes requested"),
                    ("approved", "Approved"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="draft",
                editable=False,
                max_length=20,
            ),
        ),
        migrations.AlterField(model_name="source", name="year", field=YEAR),
        migrations.AlterField(model_name="sourceversion", name="year", field=YEAR),
        migrations.AlterField(
            model_name="citation",
            name="version",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="citations",
                to="articles.sourceversion",
            ),
        ),
        migrations.AlterField(
            model_name="revision",
            name="title",
            field=models.CharField(
                help_text="The reader's question, as the page shows it.", max_length=200
            ),
        ),
        migrations.AlterField(
            model_name="revision",
            name="summary",
            field=models.TextField(
                help_text="One or two sentences: the index and the page's description.",
                max_length=600,
            ),
        ),
        migrations.RunPython(withdraw_extra_open_revisions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="revision",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state__in", OPEN_STATES)),
                fields=("article",),
                name="one_open_revision_per_article",
                violation_error_message="This article already has a revision in progress.",
            ),
        ),
    ]
