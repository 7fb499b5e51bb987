"""Move what readers see into the revision: each revision takes its article's title and summary,
each source gets its first version, and every citation prints that version. Stored variant HTML
is rendered again with this release's stricter sanitizer: it removes attributes (tooltips,
classes, languages) and link addresses that are not http(s), mailto or a reference anchor. Text
is unchanged; a link to a relative address keeps its words and loses its address."""

from django.db import migrations

PRINTED_FIELDS = (
    "kind", "authors", "title", "publisher", "year", "volume", "pages",
    "edition", "published_on", "doi", "pmid", "url", "status",
)


def forwards(apps, schema_editor):
    from articles.rendering import render_variant

    Variant = apps.get_model("articles", "Variant")
    for variant in Variant.objects.all():
        Variant.objects.filter(pk=variant.pk).update(body_html=render_variant(variant.body_markdown))
    Revision = apps.get_model("articles", "Revision")
    Source = apps.get_model("articles", "Source")
    SourceVersion = apps.get_model("articles", "SourceVersion")
    Citation = apps.get_model("articles", "Citation")
    for revision in Revision.objects.select_related("article"):
        revision.title = revision.article.title
        revision.summary = revision.article.summary
        revision.save(update_fields=["title", "summary"])
    for source in Source.objects.all():
        version = SourceVersion.objects.create(
            source=source,
            number=1,
            change="created",
            short_name=source.short_name,
            **{name: getattr(source, name) for name in PRINTED_FIELDS},
        )
        Citation.objects.filter(source=source).update(version=version)


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_revision_holds_what_readers_see")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
