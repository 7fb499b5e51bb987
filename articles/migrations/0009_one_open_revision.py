import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_frozen_references")]

    operations = [
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
        migrations.AddConstraint(
            model_name="revision",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("state__in", ["draft", "submitted", "under_review", "changes_requested"])
                ),
                fields=("article",),
                name="one_open_revision_per_article",
                violation_error_message="This article already has a revision in progress.",
            ),
        ),
    ]
