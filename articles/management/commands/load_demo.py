from django.core.management.base import BaseCommand
from django.db import transaction

from articles import demo_data
from articles.models import Article, Audience, Source
from tests.factories import ArticleFactory, SourceFactory, revision_with_content


class Command(BaseCommand):
    help = (
        "Load the demo articles and their checked sources. Idempotent: what exists is left as it "
        "is, so running it twice changes nothing."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        created_sources = 0
        for key, fields in demo_data.SOURCES.items():
            if not Source.objects.filter(key=key).exists():
                SourceFactory(key=key, **{"volume": "", "pages": "", **fields})
                created_sources += 1

        created_articles = 0
        audiences = [a.slug for a in Audience.objects.all()]
        for spec in demo_data.ARTICLES:
            if Article.objects.filter(slug=spec["slug"]).exists():
                continue
            article = ArticleFactory(
                slug=spec["slug"], title=spec["title"], summary=spec["summary"]
            )
            revision_with_content(
                article=article,
                number=1,
                state=spec["state"],
                change_summary="First version, written from the checked bibliography.",
                sources=[Source.objects.get(key=key) for key in spec["citations"]],
                texts={slug: demo_data.variant_text(spec["slug"], slug) for slug in audiences},
            )
            created_articles += 1

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {created_articles} article(s) and {created_sources} source(s) "
                "added; existing ones left unchanged."
            )
        )
