"""The sitemap: approved articles search engines may index, with their last-reviewed dates."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from .models import Revision


class ArticleSitemap(Sitemap):
    """Articles search engines may index: those whose live (latest approved) revision has no
    re-check pending. Flagged pages are noindex until a reviewer clears them, so they are left
    out too; `lastmod` is the live revision's approval. Addresses use settings.SITE_URL."""

    def items(self):
        return (
            Revision.objects.live()
            .filter(recheck_since__isnull=True)
            .select_related("article")
            .only("article__slug", "approved_at")
            .order_by("article__slug")
        )

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def location(self, revision):
        return revision.article.get_absolute_url()

    def lastmod(self, revision):
        return revision.approved_at
