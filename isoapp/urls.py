from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import TemplateView

from articles.sitemaps import ArticleSitemap


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


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
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": {"articles": ArticleSitemap}}, name="sitemap"),
    path("healthz", healthz, name="healthz"),
]
