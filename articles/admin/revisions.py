from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.forms import Textarea, TextInput
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from .. import citation_checks
from ..models import Article, Citation, Revision, Variant
from ..models.reviewers import held_by_nobody
from . import worklists
from .badges import next_step_label, revision_state_badge
from .comments import CommentViewsMixin
from .editor import EditorViewsMixin, SourcePicker, known_sources
from .pemat import PematViewsMixin
from .previews import name_preview_by_audience, saved_references, use_previews
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
        # References no saved text cites, said on their own rows (submitting refuses them).
        formset.uncited = set()
        if obj is not None:
            texts = [obj.answer, obj.pregnancy_warning]
            texts += obj.variants.values_list("body_markdown", flat=True)
            positions = [c.position for c in saved_references(request, obj)]
            formset.uncited = set(citation_checks.uncited_references(positions, texts))
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
    """The revision list's queues: one value per work list on the admin home (its "See all"
    link), plus a reviewer's whole queue and everything needing a reviewer."""

    title = "review queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        mine = worklists.worklists_for(request.user)
        reviewing = [(w.key, w.filter_label) for w in mine if w.role == worklists.REVIEWER]
        editing = [(w.key, w.filter_label) for w in mine if w.role == worklists.EDITOR]
        if reviewing:
            reviewing = [
                ("awaiting_me", "My review queue: to take, in progress, to re-check"),
                *reviewing,
                ("needs_reviewer", "Needs a reviewer (anyone's work)"),
            ]
        return reviewing + editing

    def queryset(self, request, queryset):
        user = request.user
        if self.value() == "awaiting_me":
            return queryset.filter(
                Q(pk__in=Revision.objects.awaiting_review_by(user).values("pk"))
                | Q(pk__in=Revision.objects.reviews_in_progress(user).values("pk"))
            )
        if self.value() == "needs_reviewer":
            return queryset.needing_reviewer()
        if worklist := worklists.BY_KEY.get(self.value()):
            return worklist.members(queryset, user)
        return queryset


@admin.register(Revision)
class RevisionAdmin(
    EditorViewsMixin, CommentViewsMixin, ReviewViewsMixin, PematViewsMixin, admin.ModelAdmin
):
    list_display = [
        "article_title",
        "number",
        "state_label",
        "next_step",
        "author",
        "assigned_reviewer",
        "created_at",
    ]
    list_display_links = ["number"]
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
        queryset = (
            self.model._default_manager.get_queryset()
            .with_next_step()
            .annotate(
                # Flagged articles first, then reviews that have nobody to do them.
                queue_rank=Case(
                    When(recheck_since__isnull=False, state=State.APPROVED, then=Value(0)),
                    When(state=State.SUBMITTED, then=Value(1)),
                    When(held_by_nobody(), then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                ),
            )
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
    def article_title(self, obj):
        """The full title, opening the review page: where every revision is read and acted on
        (the revision number opens the form that edits a draft)."""
        url = reverse("admin:articles_revision_review", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.title)

    @admin.display(description="State", ordering="state")
    def state_label(self, obj):
        return revision_state_badge(obj)

    @admin.display(description="Waiting for")
    def next_step(self, obj):
        return next_step_label(obj)

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
        revision = form.instance
        # First: whoever saves is a contributor (never its reviewer), also for what this save
        # does next, such as resolving the reviewer's comments (editor.py).
        revision.contributors.add(request.user)
        super().save_related(request, form, formsets, change)
        # Saved anyway (the editor may cite it next), but said now: submitting is refused.
        texts = [revision.answer, revision.pregnancy_warning]
        texts += revision.variants.values_list("body_markdown", flat=True)
        positions = revision.citations.values_list("position", flat=True)
        if uncited := citation_checks.uncited_references(positions, texts):
            messages.warning(request, citation_checks.uncited_message(revision, uncited))

    def get_urls(self):
        return [
            *self.review_urls(),
            *self.pemat_urls(),
            *self.comment_urls(),
            # Not admin_view: a signed-out or non-staff request gets a 403, not the sign-in page.
            path(
                "<int:revision_id>/preview/",
                csrf_protect(never_cache(require_POST(self.preview_view))),
                name="articles_revision_preview",
            ),
            *super().get_urls(),
        ]
