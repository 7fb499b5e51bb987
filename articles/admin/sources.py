from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from ..forms import source_change_form
from ..models import Revision, Source, SourceVersion
from ..source_changes import record_source_change
from ..workflow import ConflictError, TransitionError

Change = SourceVersion.Change
CHANGE_SLUGS = {
    "new-edition": Change.NEW_EDITION,
    "correction": Change.CORRECTION,
    "retraction": Change.RETRACTION,
}
CHANGE_INTROS = {
    Change.NEW_EDITION: "A guideline or notice has a new edition. Give its label and date and "
    "any details that changed with it.",
    Change.CORRECTION: "A detail was recorded wrongly (a typo in the title, a wrong page "
    "number). Correct it here.",
    Change.RETRACTION: "The publisher retracted the study or the issuer withdrew the document.",
}


class SourceVersionInline(admin.TabularInline):
    """The source's history: each recorded change, as it read after the change."""

    model = SourceVersion
    fields = ["number", "change", "recorded_at", "recorded_by_name", "note", "edition", "title"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]
    verbose_name = "recorded change"
    verbose_name_plural = "history (newest first)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "publisher", "year", "edition", "status", "cited_live"]
    list_filter = ["kind", "status"]
    # The reference picker on the revision page searches these (a journal or issuer too).
    search_fields = ["key", "title", "short_name", "authors", "doi", "pmid", "publisher"]
    inlines = [SourceVersionInline]
    change_form_template = "admin/articles/source/change_form.html"

    def get_queryset(self, request):
        live = Revision.objects.live().values("pk")
        return (
            super()
            .get_queryset(request)
            .annotate(
                live_count=Count(
                    "citations__revision__article",
                    filter=Q(citations__revision__in=live),
                    distinct=True,
                )
            )
            # Annotating an aggregate drops the model's ordering; the picker pages need one.
            .order_by(*self.get_ordering(request) or Source._meta.ordering)
        )

    @admin.display(description="Cited by approved articles", ordering="live_count")
    def cited_live(self, obj):
        return obj.live_count

    def get_readonly_fields(self, request, obj=None):
        # What a reference prints changes only through a recorded change (the buttons above).
        if obj is None:
            return ["status"]
        return [*Source.PRINTED_FIELDS, "key"]

    def save_model(self, request, obj, form, change):
        if change:  # Only what the form may change: never the printed details (see above).
            obj.save(update_fields=["short_name", "updated_at"])
        else:
            obj.save(recorded_by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # Approved pages print its versions.

    def get_urls(self):
        return [
            path(
                "<int:source_id>/record/<slug:change>/",
                self.admin_site.admin_view(self.record_change_view),
                name="articles_source_record",
            ),
            *super().get_urls(),
        ]

    def record_change_view(self, request, source_id, change):
        if change not in CHANGE_SLUGS:
            raise PermissionDenied("That is not a kind of source change.")
        change = CHANGE_SLUGS[change]
        source = get_object_or_404(Source, pk=source_id)
        if not self.has_change_permission(request, source):
            raise PermissionDenied("Only editors can record changes to sources.")
        form_class = source_change_form(change)
        form = form_class(
            request.POST or None, instance=Source.objects.get(pk=source.pk), change=change
        )
        error, status = "", 400 if request.method == "POST" else 200
        if request.method == "POST" and form.is_valid():
            try:
                version, flagged = record_source_change(
                    source,
                    request.user,
                    change,
                    form.cleaned_data["note"],
                    seen_version=form.cleaned_data["seen_version"],
                    happened_on=form.cleaned_data.get("happened_on"),
                    **form.changed_values(),
                )
            except ConflictError as conflict:
                # The form showed an older version: start again from the source as it is now,
                # keeping only the note.
                error, status = str(conflict), 409
                source.refresh_from_db()
                form = form_class(
                    instance=Source.objects.get(pk=source.pk),
                    initial={"note": form.cleaned_data["note"]},
                    change=change,
                )
            except TransitionError as refused:
                error = str(refused)
            else:
                messages.success(
                    request,
                    f"Recorded: {Change(change).label.lower()} of “{source.name_for_readers}” "
                    f"(version {version.number}). "
                    + (
                        f"{len(flagged)} article{'s' if len(flagged) != 1 else ''} sent back "
                        "for a re-check: " + "; ".join(r.article.title for r in flagged) + "."
                        if flagged
                        else "No approved article cites it, so none needed a re-check."
                    ),
                )
                return redirect("admin:articles_source_change", source.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{Change(change).label}: {source.name_for_readers}",
            "source": source,
            "form": form,
            "intro": CHANGE_INTROS[change],
            "error": error,
            "citing": Revision.objects.live()
            .filter(citations__source=source)
            .select_related("article"),
        }
        return TemplateResponse(
            request, "admin/articles/source/record_change.html", context, status=status
        )
