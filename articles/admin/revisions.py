from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import BooleanField, Case, IntegerField, OuterRef, Subquery, Value, When
from django.forms import Textarea, TextInput
from django.urls import path
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from ..models import Article, Citation, ReviewEvent, Revision, Variant
from ..models.reviewers import held_by_nobody
from .badges import state_badge
from .editor import (
    EditorViewsMixin,
    SourcePicker,
    known_sources,
    name_preview_by_audience,
    use_previews,
)
from .review import ReviewViewsMixin

State = Revision.State


class FrozenWhenSubmittedMixin:
    """Inline content is editable only while its revision is a draft or sent back."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.is_editable)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)


class CitationInline(FrozenWhenSubmittedMixin, admin.TabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]
    ordering = ["position"]
    fields = ["position", "source"]
    verbose_name = "reference"
    verbose_name_plural = "references (the numbers the text cites)"
    # Tabular, with a label for every control (templates/admin/articles/revision/).
    template = "admin/articles/revision/citation_inline.html"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["widget"] = SourcePicker(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["position"].label = "Number"
        formset.form.base_fields["position"].help_text = "The number the text cites: [1]."
        picker = formset.form.base_fields["source"].widget
        picker = getattr(picker, "widget", picker)  # inside the add/change/view links
        picker.known = known_sources(request, obj)
        # select2 puts its list of results inside the page's main landmark, not after it.
        picker.attrs["data-dropdown-parent"] = "#content-start"
        return formset


class VariantInline(FrozenWhenSubmittedMixin, admin.StackedInline):
    model = Variant
    extra = 0
    verbose_name = "version for a reader"
    verbose_name_plural = "the text, one version for each reader"
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 24, "cols": 100})}}
    template = "admin/articles/revision/variant_inline.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("audience")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = name_preview_by_audience(formset.form)  # a subclass: fields anew
        use_previews(
            request, obj, formset.form, {"body_markdown": "Preview of the new version"}, rows=24
        )
        return formset


class ReviewQueueFilter(admin.SimpleListFilter):
    title = "review queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("awaiting_me", "Awaiting my review"),
            ("assigned_to_me", "Assigned to me"),
            ("flagged", "Flagged: a cited source changed"),
            ("needs_reviewer", "Needs a reviewer"),
            ("overdue", "Review overdue"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "awaiting_me":
            return queryset.awaiting_review_by(request.user)
        if self.value() == "assigned_to_me":
            return queryset.filter(state=State.UNDER_REVIEW, assigned_reviewer=request.user)
        if self.value() == "flagged":
            return queryset.flagged()
        if self.value() == "needs_reviewer":
            return queryset.needing_reviewer()
        if self.value() == "overdue":
            return queryset.overdue()
        return queryset


def _latest_flag(field):
    return Subquery(
        ReviewEvent.objects.filter(
            revision=OuterRef("pk"),
            action="source_changed",
            created_at__gte=OuterRef("recheck_since"),
        )
        .order_by("-created_at")
        .values(f"details__{field}")[:1]
    )


@admin.register(Revision)
class RevisionAdmin(EditorViewsMixin, ReviewViewsMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "number",
        "state_label",
        "next_step",
        "author",
        "assigned_reviewer",
        "created_at",
    ]
    list_display_links = ["title", "number"]
    list_filter = [ReviewQueueFilter, "state"]
    list_select_related = ["article", "author", "assigned_reviewer"]
    search_fields = ["title", "article__title", "change_summary"]
    # The editor's page, top to bottom: the question, the key facts, the texts (inlines), the
    # references (inlines), then the change summary beside the submit buttons.
    fieldsets = [
        (None, {"fields": ["title", "summary"]}),
        ("Key facts: the first thing readers see", {"fields": ["answer", "pregnancy_warning"]}),
        (
            "About this revision",
            {
                "fields": [
                    "article",
                    "number",
                    "state_label",
                    "author",
                    "assigned_reviewer",
                    "approved_by_label",
                    "approved_at",
                    "review_due_at",
                ],
                "classes": ["collapse"],
            },
        ),
        # change_form.html prints this one in the submit area, at the bottom.
        (None, {"fields": ["change_summary"], "classes": ["editor-submit"]}),
    ]
    readonly_fields = [
        name
        for _, options in fieldsets
        for name in options["fields"]
        if name not in Revision.CONTENT_FIELDS
    ]
    formfield_overrides = {
        models.CharField: {"widget": TextInput(attrs={"class": "vLargeTextField", "size": 90})},
        models.TextField: {"widget": Textarea(attrs={"rows": 3, "cols": 90})},
    }
    inlines = [VariantInline, CitationInline]
    change_form_template = "admin/articles/revision/change_form.html"

    def get_queryset(self, request):
        # Annotated before it is ordered: the default order is the queue rank annotated here.
        queryset = self.model._default_manager.get_queryset().annotate(
            flagged_source=_latest_flag("source"),
            flagged_change=_latest_flag("change_label"),
            nobody_holds=Case(
                When(held_by_nobody(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            # Flagged articles first, then reviews that have nobody to do them.
            queue_rank=Case(
                When(recheck_since__isnull=False, state=State.APPROVED, then=Value(0)),
                When(state=State.SUBMITTED, then=Value(1)),
                When(held_by_nobody(), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        return queryset

    def get_ordering(self, request):
        # The queue rank exists only on this admin's own queryset, not where other admins
        # order revisions (e.g. a citation's revision field).
        match = request.resolver_match
        if match and match.url_name == "articles_revision_changelist":
            return ["queue_rank", "-created_at"]
        return ["-created_at"]

    @admin.display(description="Article", ordering="title")
    def title(self, obj):
        return Truncator(obj.title).chars(90)

    @admin.display(description="State", ordering="state")
    def state_label(self, obj):
        return state_badge(
            obj.state, obj.get_state_display(), obj.review_overdue, recheck=obj.needs_recheck
        )

    @admin.display(description="Waiting for")
    def next_step(self, obj):
        if obj.needs_recheck:
            flagged = getattr(obj, "flagged_source", None)
            reason = f"{flagged} ({getattr(obj, 'flagged_change', '').lower()})" if flagged else ""
            return f"A medical reviewer: re-check, source changed: {reason}".rstrip(": ")
        if obj.state in Revision.EDITABLE_STATES:
            return f"The editor ({obj.author})" if obj.author else "An editor"
        if obj.state == State.SUBMITTED:
            return "Any medical reviewer"
        if obj.state == State.UNDER_REVIEW:
            if obj.nobody_holds:
                return "Needs a reviewer: the assigned one is unavailable"
            return obj.assigned_reviewer.signature
        return "—"

    def has_add_permission(self, request):
        return False  # Revisions start from the article page ("Start a new revision").

    def has_delete_permission(self, request, obj=None):
        return False  # The audit trail refers to every revision.

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A save locks the revision row first and re-checks that it is still editable, so it
        can neither undo a transition nor change content that was submitted meanwhile."""
        if request.method != "POST" or object_id is None:
            revision = self.get_object(request, object_id) if object_id else None
            extra_context = {**(extra_context or {}), **self.editor_context(request, revision)}
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic():
            try:
                found = Revision.objects.filter(pk=unquote(object_id))
                # The article row first, then the revision row: the order the workflow locks in.
                Article.objects.select_for_update().filter(
                    pk__in=found.values("article_id")
                ).order_by().first()
                revision = found.select_for_update(of=("self",)).order_by().first()
            except (ValueError, ValidationError):
                revision = None
            if revision is None or revision.is_editable:
                extra_context = {**(extra_context or {}), **self.editor_context(request, revision)}
                return super().changeform_view(request, object_id, form_url, extra_context)
        # Submitted meanwhile: nothing is saved, and the typed text is shown to copy (409).
        return self.refused_save_response(request, object_id, revision, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Write only the fields the editor changed: never the state or the review dates."""
        if not change:
            return super().save_model(request, obj, form, change)
        edited = [name for name in form.changed_data if name in Revision.CONTENT_FIELDS]
        if edited:
            obj.save(update_fields=edited)
            self.warn_stripped_revision(request, form)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.contributors.add(request.user)

    def get_urls(self):
        return [
            path(
                "<int:revision_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="articles_revision_review",
            ),
            path(
                "<int:revision_id>/review/act/",
                self.admin_site.admin_view(require_POST(self.act_view)),
                name="articles_revision_act",
            ),
            # Not admin_view: a signed-out or non-staff request gets a 403, not the sign-in page.
            path(
                "<int:revision_id>/preview/",
                csrf_protect(never_cache(require_POST(self.preview_view))),
                name="articles_revision_preview",
            ),
            *super().get_urls(),
        ]
