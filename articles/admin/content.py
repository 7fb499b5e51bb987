from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import JSONField, OuterRef, Subquery, Value
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .. import pemat, workflow
from ..models import Article, Audience, ReviewEvent, Revision
from .badges import state_badge


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "slug",
        "reading_grade",
        "health_literacy_check",
        "order",
        "is_default",
    ]
    ordering = ["order"]

    def has_add_permission(self, request):
        return False  # Every revision needs a text per audience: the set is fixed by migration.

    def has_delete_permission(self, request, obj=None):
        return False


class RevisionInline(admin.TabularInline):
    model = Revision
    fields = ["number", "state", "author", "created_at", "change_summary"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]
    # A plain table whose rows open each revision's review page (see the template).
    template = "admin/articles/article/revision_inline.html"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "review_state", "next_review_due", "health_literacy"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [RevisionInline]
    change_form_template = "admin/articles/article/change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).with_shown_revision()
        # For the "PEMAT-P" column: each checked text's latest assessment, in the same query,
        # and which texts those are (on each row: the admin is shared by concurrent requests).
        checked = list(workflow.pemat.checked_audiences())
        queryset = queryset.annotate(
            pemat_texts=Value([[a.pk, a.label] for a in checked], output_field=JSONField())
        )
        for audience in checked:
            latest = ReviewEvent.objects.filter(
                revision__article=OuterRef("pk"), action="pemat", details__audience_id=audience.pk
            ).order_by("-created_at", "-pk")
            queryset = queryset.annotate(
                **{
                    f"pemat_{audience.pk}": Subquery(
                        latest.values("details")[:1], output_field=JSONField()
                    ),
                    f"pemat_{audience.pk}_revision": Subquery(
                        latest.values("revision__number")[:1]
                    ),
                }
            )
        return queryset

    @admin.display(description="PEMAT-P (latest)")
    def health_literacy(self, obj):
        """The latest PEMAT-P scores of each checked text, across the article's revisions."""
        parts = []
        for pk, label in getattr(obj, "pemat_texts", None) or []:
            details = getattr(obj, f"pemat_{pk}", None)
            if not details:
                parts.append(format_html("{}: not rated", label))
                continue
            scores = pemat.scores_of(details["pemat"])
            low = any(score.below_threshold for score in scores.values())
            parts.append(
                format_html(
                    "{} (revision {}): understandability {} %, actionability {} %{}",
                    label,
                    getattr(obj, f"pemat_{pk}_revision", ""),
                    f"{scores[pemat.UNDERSTANDABILITY].percent:g}",
                    f"{scores[pemat.ACTIONABILITY].percent:g}",
                    f" (under {pemat.THRESHOLD} %)" if low else "",
                )
            )
        return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts)) or "—"

    def get_readonly_fields(self, request, obj=None):
        # How long an approval holds is a medical decision: reviewers set it, editors cannot;
        # the words readers see are the editors', and once readers see a revision they change
        # only through a new one.
        readonly = []
        if not request.user.has_perm("articles.review_revision"):
            readonly.append("review_interval_months")
        if not request.user.has_perm("articles.add_article"):
            readonly += ["title", "slug", "summary"]
        elif obj is not None and obj.has_public_revision():
            readonly += ["title", "summary"]
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        readonly = self.get_readonly_fields(request, obj)
        return {} if {"slug", "title"} & set(readonly) else self.prepopulated_fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "words_in_revisions": article is not None and article.has_public_revision(),
            "open_revision": article.open_revision() if article else None,
            "pemat_events": list(
                ReviewEvent.objects.filter(revision__article=article, action="pemat")
                .select_related("revision")
                .order_by("-created_at", "-pk")
            )
            if article
            else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Readers see")
    def review_state(self, obj):
        if not obj.shown_state:
            return "Not public yet"
        return state_badge(
            obj.shown_state,
            obj.shown_state_label,
            obj.shown_review_overdue,
            recheck=obj.shown_recheck_since is not None,
        )

    @admin.display(description="Next review due", ordering="shown_review_due_at")
    def next_review_due(self, obj):
        return obj.shown_review_due_at.date() if obj.shown_review_due_at else "—"

    def save_model(self, request, obj, form, change):
        """Write only what was edited: the title and summary the workflow keeps equal to the
        shown revision's must not be written back from a page loaded before an approval."""
        if not change:
            return super().save_model(request, obj, form, change)
        if form.changed_data:
            obj.save(update_fields=form.changed_data)
        if "review_interval_months" in form.changed_data:
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
        except workflow.OpenRevisionExists as error:
            url = reverse("admin:articles_revision_review", args=[error.revision.pk])
            messages.error(request, error.as_html(url) if error.revision else str(error))
            return redirect("admin:articles_article_change", article_id)
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
