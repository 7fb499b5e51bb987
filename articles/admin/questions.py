"""Readers' questions in the admin: the triage queue and each question's page.

The list is the queue (filters: work list, status, reply, article, age, whether the answer is on
the article). A question's page shows what the reader asked and offers the steps the person may
take; each posts to `act_view`, which runs it through `articles.workflow.replies` and redirects
back (post/redirect/get). A refused step comes back with its words and what was typed, as on the
review page. Nothing here sets a status: the admin's own change form is never shown.

Staff see what the reader wrote, the article, revision and reading level, whether they asked for
an email and whether they were signed in; never the reader's address or account (the task
worker alone uses the address).
"""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from ..models import Article, Question, ReviewEvent, Revision
from ..question_emails import ACTIONS as REPLY_EVENTS
from ..workflow import ConflictError, TransitionError, replies
from . import worklists

Status = Question.Status


def _stash_key(question_id):
    return f"question-refusal-{question_id}"


def question_badge(question):
    return format_html(
        '<span class="state-badge question-{}">{}</span>', question.status, question.status_label
    )


def question_next_step(question):
    """Who acts next on a question, in the work lists' words."""
    if question.status == Status.NEW:
        return "An editor: triage it"
    if question.status in (Status.CLOSED, Status.ANSWERED):
        return "—"
    state = question.reply_state
    if state == Question.ReplyState.SUBMITTED:
        return "A medical reviewer who did not write the reply"
    if state == Question.ReplyState.CHANGES_REQUESTED:
        return "An editor: revise the reply"
    return "An editor: draft a reply, or link it to a revision"


class QueueFilter(admin.SimpleListFilter):
    """One value per question work list (articles/admin/worklists.py): "See all" opens it."""

    title = "work list"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(w.key, w.filter_label) for w in worklists.worklists_for(request.user, Question)]

    def queryset(self, request, queryset):
        if worklist := worklists.QUESTION_LISTS.get(self.value()):
            return worklist.members(queryset, request.user)
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "asked"
    parameter_name = "asked"
    DAYS = {"1": 1, "7": 7, "30": 30}

    def lookups(self, request, model_admin):
        return [
            ("1", "In the last day"),
            ("7", "In the last 7 days"),
            ("30", "In the last 30 days"),
            ("older", "More than 30 days ago"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() in self.DAYS:
            since = now - datetime.timedelta(days=self.DAYS[self.value()])
            return queryset.filter(created_at__gte=since)
        if self.value() == "older":
            return queryset.filter(created_at__lt=now - datetime.timedelta(days=30))
        return queryset


class PublicFilter(admin.SimpleListFilter):
    title = "answer on the article"
    parameter_name = "public"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Shown"),
            ("recheck", "Shown, being re-checked with the article"),
            ("no", "Not shown"),
        ]

    def queryset(self, request, queryset):
        flagged = Q(article__in=Article.objects.filter(revisions__in=Revision.objects.flagged()))
        if self.value() == "yes":
            return queryset.filter(is_public=True)
        if self.value() == "recheck":
            return queryset.filter(flagged, is_public=True)
        if self.value() == "no":
            return queryset.filter(is_public=False)
        return queryset


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "article_title", "status_badge", "reply", "asked"]
    list_filter = [QueueFilter, "status", "reply_state", PublicFilter, "article", AgeFilter]
    list_select_related = ["article"]
    search_fields = ["text", "public_question", "reply_text"]
    ordering = ["created_at", "pk"]
    actions = ["remove_readers_words"]

    def has_add_permission(self, request):
        return False  # readers ask on the article's page

    def has_delete_permission(self, request, obj=None):
        return False  # the counts stay; what the reader typed goes (see the action)

    @admin.display(description="Question")
    def excerpt(self, obj):
        if obj.is_redacted:
            return "(removed after the retention period)"
        return Truncator(" ".join(obj.text.split())).chars(90)

    @admin.display(description="Article", ordering="article__title")
    def article_title(self, obj):
        return obj.article.title

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return question_badge(obj)

    @admin.display(description="Reply", ordering="reply_state")
    def reply(self, obj):
        label = obj.get_reply_state_display()
        return f"{label} · shown on the article" if obj.is_public else label

    @admin.display(description="Asked", ordering="created_at")
    def asked(self, obj):
        from ..templatetags.worklists import ago

        return format_html(
            '<time datetime="{}">{}</time> ({})',
            obj.created_at.isoformat(),
            formats.date_format(timezone.localtime(obj.created_at), "DATE_FORMAT"),
            ago(obj.created_at),
        )

    @admin.action(
        description="Remove the reader's words and email address now", permissions=["change"]
    )
    def remove_readers_words(self, request, queryset):
        removed = queryset.redact()
        self.message_user(
            request,
            f"Removed what {removed} reader{'s' if removed != 1 else ''} wrote and their email "
            "address; the questions stay counted.",
            messages.SUCCESS,
        )

    def get_queryset(self, request):
        related = ("article", "revision", "audience", "linked_revision", "status_changed_by")
        return super().get_queryset(request).select_related(*related)

    def get_urls(self):
        return [
            path(
                "<int:question_id>/act/",
                self.admin_site.admin_view(require_POST(self.act_view)),
                name="articles_question_act",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # get_object answers None for an id that is not one (e.g. "x"), as the admin's own does.
        question = self.get_object(request, object_id)
        if question is None:
            raise Http404("No such question.")
        if not self.has_view_permission(request, question):
            raise PermissionDenied
        refused = request.session.pop(_stash_key(question.pk), None) or {}
        available = set(replies.available_question_actions(question, request.user))
        open_revision = question.article.open_revision()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Question {question.pk}",
            "subtitle": question.article.title,
            "question": question,
            "can": {name: name in available for name in replies.ACTIONS},
            "expected": replies.snapshot(question),
            "open_revision": open_revision,
            "close_reasons": Question.CloseReason.choices,
            "attestation": replies.REPLY_ATTESTATION,
            "events": ReviewEvent.objects.filter(
                action__in=REPLY_EVENTS, details__question_id=question.pk
            ).order_by("created_at", "pk"),
            "sent_back": question.reply_state == Question.ReplyState.CHANGES_REQUESTED
            and ReviewEvent.objects.filter(
                action="request_reply_changes", details__question_id=question.pk
            )
            .order_by("-created_at", "-pk")
            .first(),
            "review_refusal": replies.reply_refusal("approve_reply", question, request.user)
            if question.reply_state == Question.ReplyState.SUBMITTED
            else "",
            "flagged": question.is_public
            and Revision.objects.flagged().filter(article=question.article_id).exists(),
            "error": refused.get("error", ""),
            "typed": refused.get("typed", {}),
            "badge": question_badge(question),
        }
        return TemplateResponse(
            request,
            "admin/articles/question/change.html",
            context,
            status=refused.get("status", 200),
        )

    def act_view(self, request, question_id):
        question = get_object_or_404(Question, pk=question_id)
        if not self.has_view_permission(request, question):
            raise PermissionDenied
        action = request.POST.get("action", "")
        posted = {
            name: request.POST.get(name, "")
            for name in ("reply_text", "public_question", "comment", "close_reason", "attested")
        }
        try:
            result = replies.perform(
                action,
                question,
                request.user,
                expected=request.POST.get("expected") or None,
                **posted,
            )
        except TransitionError as error:
            request.session[_stash_key(question.pk)] = {
                "error": str(error),
                "typed": {"action": action, **{k: v for k, v in posted.items() if k != "attested"}},
                "status": 409 if isinstance(error, ConflictError) else 400,
            }
            return redirect("admin:articles_question_change", question.pk)
        messages.success(request, self._done_message(action, question, result))
        return redirect("admin:articles_question_change", question.pk)

    @staticmethod
    def _done_message(action, question, result):
        done = replies.ACTIONS[action].done
        if action == "approve_reply":
            if question.wants_email_reply:
                return (
                    "Approved. The reply goes to the reader by email (the task worker sends it; "
                    "Email deliveries shows it)."
                )
            return "Approved. The reader did not ask for an email, so nothing is sent."
        if action == "start_revision":
            url = reverse("admin:articles_revision_change", args=[result.pk])
            return format_html('{} <a href="{}">Write revision {}</a>.', done, url, result.number)
        return done
