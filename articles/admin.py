from django.contrib import admin

from .models import Article, Audience, Citation, Revision, Source, Variant


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "reading_grade", "order", "is_default"]
    ordering = ["order"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "publisher", "year", "doi", "pmid"]
    list_filter = ["kind"]
    search_fields = ["key", "title", "authors", "doi", "pmid"]


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ["number", "state", "author", "created_at", "change_summary"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "created_at"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [RevisionInline]


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]
    ordering = ["position"]


class VariantInline(admin.StackedInline):
    model = Variant
    extra = 0


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "author", "created_at"]
    list_filter = ["state"]
    readonly_fields = ["state", "created_at"]
    inlines = [CitationInline, VariantInline]
