from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.shortcuts import render
from django.urls import include, path, reverse
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from articles.sitemaps import ArticleSitemap
from isoapp import health


@require_safe
def robots_txt(request):
    """Crawl everything public; staff and account pages stay out. Names the sitemap."""
    context = {"sitemap_url": settings.SITE_URL + reverse("sitemap")}
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")


@require_safe
def privacy(request):
    """What the site keeps about people; the retention period is the setting's."""
    return render(request, "privacy.html", {"retention_days": settings.QUESTION_RETENTION_DAYS})


# Staff sign in through allauth like everyone else: the admin has no weaker login of its own.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "isoapp"

urlpatterns = [
    path("", include("articles.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path(
        "editorial-policy/",
        TemplateView.as_view(template_name="editorial_policy.html"),
        name="editorial-policy",
    ),
    path("privacy/", privacy, name="privacy"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": {"articles": ArticleSitemap}}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

# A database that can't be reached gives the site's 503 page rather than a 500 (isoapp/errors.py).
handler500 = "isoapp.errors.server_error"
