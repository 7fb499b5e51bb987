from django.contrib.sitemaps import Sitemap

from .models import Article, Revision


class ArticleSitemap(Sitemap):
    """Only articles with an approved revision: pages pending review are marked noindex."""

    def items(self):
        return Article.objects.filter(revisions__state=Revision.State.APPROVED).distinct()
