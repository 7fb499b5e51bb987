from django.db import migrations, models


def render_again(apps, schema_editor):
    """The sanitizer now keeps tables (with their caption and header cells) and checklists:
    stored HTML is rendered again from its Markdown, and reading levels measured again (a
    table's data cells now count). Text saved before had any table unwrapped to its words."""
    from articles.readability import measure
    from articles.rendering import render_variant

    Variant = apps.get_model("articles", "Variant")
    for variant in Variant.objects.only("pk", "body_markdown").iterator():
        html = render_variant(variant.body_markdown)
        Variant.objects.filter(pk=variant.pk).update(body_html=html, reading_level=measure(html))
    Revision = apps.get_model("articles", "Revision")
    for revision in Revision.objects.only("pk", "answer", "pregnancy_warning").iterator():
        Revision.objects.filter(pk=revision.pk).update(
            answer_html=render_variant(revision.answer, citation_ids=False),
            pregnancy_warning_html=render_variant(revision.pregnancy_warning, citation_ids=False),
        )


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0015_article_content_version_and_index_order'),
    ]

    operations = [
        migrations.AlterField(
            model_name='variant',
            name='body_markdown',
            field=models.TextField(help_text='Cite sources by their number in the reference list: [1] or [2, 5]. A table needs a caption: a line “Table: …” above it, a blank line between; its first column names each row. A checklist: start every item of a bulleted list with “[ ]”.', verbose_name='text (Markdown)'),
        ),
        migrations.RunPython(render_again, migrations.RunPython.noop),
    ]
