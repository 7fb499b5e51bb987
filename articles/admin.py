"""The admin for editors and medical reviewers. Declarative; every state change goes through
articles.workflow, whose refusals are shown to the person as they are."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms import Textarea
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from . import workflow
from .diff import has_changes, word_diff
from .models import Article, Audience, Citation, ReviewEvent, Revision, Source, Variant


def state_badge(state, label, overdue=False):
    if overdue:
        return format_html(
            '<span class="state-badge state-overdue">{} · review overdue</span>', label
        )
    return format_html('<span class="state-badge state-{}">{}</span>', state, label)


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "reading_grade", "order", "is_default"]
    ordering = ["order"]

    def has_add_permission(self, request):
        return False  # Every revision needs a text per audience: the set is fixed by migration.

    def has_delete_permission(self, request, obj=None):
        return False


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
    list_display = ["title", "review_state", "next_review_due"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [RevisionInline]
    change_form_template = "admin/articles/article/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).with_shown_revision()

    def get_readonly_fields(self, request, obj=None):
        # How long an approval holds is a medical decision: reviewers set it, editors cannot;
        # the words readers see are the editors'.
        readonly = []
        if not request.user.has_perm("articles.review_revision"):
            readonly.append("review_interval_months")
        if not request.user.has_perm("articles.add_article"):
            readonly += ["title", "slug", "summary"]
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        return {} if "slug" in self.get_readonly_fields(request, obj) else self.prepopulated_fields

    @admin.display(description="Readers see")
    def review_state(self, obj):
        if not obj.shown_state:
            return "Not public yet"
        return state_badge(obj.shown_state, obj.shown_state_label, obj.shown_review_overdue)

    @admin.display(description="Next review due", ordering="shown_review_due_at")
    def next_review_due(self, obj):
        return obj.shown_review_due_at.date() if obj.shown_review_due_at else "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "review_interval_months" in form.changed_data:
            obj.refresh_review_due()

    def get_urls(self):
        return [
            path(
                "<int:article_id>/new-revision/",
                self.admin_site.admin_view(self.new_revision_view),
                name="articles_article_new_revision",
            ),
            *super().get_urls(),
        ]

    def new_revision_view(self, request, article_id):
        if request.method != "POST":
            return redirect("admin:articles_article_change", article_id)
        article = get_object_or_404(Article, pk=article_id)
        try:
            revision = workflow.start_revision(article, request.user)
        except workflow.TransitionError as error:
            raise PermissionDenied(str(error)) from error
        messages.success(
            request,
            f"Revision {revision.number} started as a draft"
            + (
                f", copied from revision {revision.copied_from.number}."
                if revision.copied_from
                else "."
            ),
        )
        return redirect("admin:articles_revision_change", revision.pk)


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


class VariantInline(FrozenWhenSubmittedMixin, admin.StackedInline):
    model = Variant
    extra = 0
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 24, "cols": 100})}}


class ReviewQueueFilter(admin.SimpleListFilter):
    title = "review queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("awaiting_me", "Awaiting my review"),
            ("assigned_to_me", "Assigned to me"),
            ("overdue", "Review overdue"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "awaiting_me":
            return queryset.awaiting_review_by(request.user)
        if self.value() == "assigned_to_me":
            return queryset.filter(
                state=Revision.State.UNDER_REVIEW, assigned_reviewer=request.user
            )
        if self.value() == "overdue":
            return queryset.overdue()
        return queryset


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["title", "number", "state_label", "author", "assigned_reviewer", "created_at"]
    list_display_links = ["title", "number"]
    list_filter = [ReviewQueueFilter, "state"]
    list_select_related = ["article", "author", "assigned_reviewer"]
    search_fields = ["article__title", "change_summary"]
    fields = [
        "article",
        "number",
        "state_label",
        "change_summary",
        "author",
        "assigned_reviewer",
        "approved_by_label",
        "approved_at",
        "review_due_at",
    ]
    readonly_fields = [f for f in fields if f != "change_summary"]
    inlines = [CitationInline, VariantInline]
    change_form_template = "admin/articles/revision/change_form.html"

    @admin.display(description="Article", ordering="article__title")
    def title(self, obj):
        return Truncator(obj.article.title).chars(70)

    @admin.display(description="State", ordering="state")
    def state_label(self, obj):
        return state_badge(obj.state, obj.get_state_display(), obj.review_overdue)

    def has_add_permission(self, request):
        return False  # Revisions start from the article page ("Start a new revision").

    def has_delete_permission(self, request, obj=None):
        return False  # The audit trail refers to every revision.

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        revision = self.get_object(request, object_id) if object_id else None
        if revision and request.method == "POST" and not revision.is_editable:
            messages.error(request, f"Nothing was saved. {revision.frozen_message()}")
            return HttpResponseRedirect(request.path)
        extra_context = {**(extra_context or {}), "frozen": revision and not revision.is_editable}
        return super().changeform_view(request, object_id, form_url, extra_context)

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
            *super().get_urls(),
        ]

    def review_view(self, request, revision_id, error="", typed=None, status=200):
        revision = get_object_or_404(
            Revision.objects.select_related("article", "author", "assigned_reviewer"),
            pk=revision_id,
        )
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        live = revision.article.live_revision()
        compare_to = live if live and live.pk != revision.pk else None
        old_html = (
            {v.audience_id: v.body_html for v in compare_to.variants.all()} if compare_to else {}
        )
        variants = []
        for variant in revision.variants.select_related("audience"):
            old = old_html.get(variant.audience_id, "")
            changed = has_changes(old, variant.body_html)
            diff = word_diff(old, variant.body_html) if compare_to and changed else ""
            variants.append({"variant": variant, "diff": diff, "changed": changed})
        actions = workflow.available_actions(revision, request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review: {revision}",
            "revision": revision,
            "compare_to": compare_to,
            "variants": variants,
            "audiences_missing": Audience.objects.exclude(variants__revision=revision),
            "submit_action": workflow.SUBMIT if workflow.SUBMIT in actions else None,
            "review_actions": [a for a in actions if a is not workflow.SUBMIT],
            "refusals": workflow.refusals(revision, request.user) if not actions else [],
            "events": revision.events.select_related("actor"),
            "error": error,
            "typed": typed or {},
            "now": timezone.now(),
        }
        return TemplateResponse(
            request, "admin/articles/revision/review.html", context, status=status
        )

    def act_view(self, request, revision_id):
        revision = get_object_or_404(Revision, pk=revision_id)
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "")
        try:
            workflow.perform(
                action,
                revision,
                request.user,
                comment,
                expected_state=request.POST.get("expected_state") or None,
            )
        except workflow.TransitionError as error:
            typed = {"action": action, "comment": comment}
            status = 409 if isinstance(error, workflow.ConflictError) else 400
            return self.review_view(request, revision_id, str(error), typed, status)
        revision.refresh_from_db()
        label = workflow.ACTIONS[action].label
        messages.success(
            request, f"{label}: revision {revision.number} is now {revision.get_state_display()}."
        )
        return redirect("admin:articles_revision_review", revision.pk)


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    """The audit trail: readable by staff, never changed."""

    list_display = ["created_at", "revision", "action", "from_state", "to_state", "actor_label"]
    list_filter = ["action", "to_state"]
    search_fields = ["revision__article__title", "actor_name", "comment"]
    list_select_related = ["revision__article"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
