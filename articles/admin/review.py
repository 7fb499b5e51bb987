"""The review page: what a medical reviewer reads and the review actions they take.

A mixin of `RevisionAdmin`, kept apart from the editing side (`revisions.py`).

Every action posts to `act_view`, which always redirects back to the review page (post/redirect/
get): on success with a message, on a refusal with the refusal and what was typed kept in the
session for the next GET of the page, which shows them (with the refusal's 4xx status) and moves
focus to the message. Reloading the page never re-posts.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import workflow
from ..comparison import compare
from ..models import Audience, Question, Revision
from ..review_diff import diff_audience
from .comments import page_comments
from .pemat import pemat_context

State = Revision.State


def _stash_key(revision_id):
    return f"review-refusal-{revision_id}"


class ReviewViewsMixin:
    def review_urls(self):
        return [
            path(
                "<int:revision_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="articles_revision_review",
            ),
            path(
                "<int:revision_id>/review/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="articles_revision_approve",
            ),
            path(
                "<int:revision_id>/review/act/",
                self.admin_site.admin_view(require_POST(self.act_view)),
                name="articles_revision_act",
            ),
        ]

    def _revision_for(self, request, revision_id):
        revision = get_object_or_404(
            Revision.objects.select_related("article", "author", "assigned_reviewer"),
            pk=revision_id,
        )
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        return revision

    def review_view(self, request, revision_id):
        revision = self._revision_for(request, revision_id)
        refused = request.session.pop(_stash_key(revision.pk), None) or {}
        live = revision.article.live_revision()
        compare_to = live if live and live.pk != revision.pk else None
        actions = workflow.available_actions(revision, request.user)
        events = list(revision.events.select_related("actor"))
        _, comments = page_comments(request, revision)
        variants = self._variants(request, revision, compare_to)
        pemat_checks = workflow.text_checks(
            revision, events=events, variants=[item["variant"] for item in variants]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review: {revision}",
            "revision": revision,
            "compare_to": compare_to,
            "comparison": compare(compare_to, revision) if compare_to else None,
            "variants": variants,
            "citations": revision.citations.select_related("version").order_by("position"),
            "outdated_citations": workflow.outdated_citations(revision),
            "recheck_reasons": revision.recheck_reasons(),
            "audiences_missing": Audience.objects.exclude(variants__revision=revision),
            "submit_action": workflow.SUBMIT if workflow.SUBMIT in actions else None,
            "can_start_review": workflow.START_REVIEW in actions,
            "can_approve": workflow.APPROVE in actions,
            # Why not, beside the request for changes (unsent comments, a stale reference ...).
            "approve_refusal": workflow.refusal(workflow.APPROVE, revision, request.user)
            if workflow.REQUEST_CHANGES in actions and workflow.APPROVE not in actions
            else "",
            "can_request_changes": workflow.REQUEST_CHANGES in actions,
            "attestation": workflow.ATTESTATION,
            "still_accurate": workflow.STILL_ACCURATE in actions,
            "can_release": workflow.RELEASE in actions,
            "can_withdraw": workflow.WITHDRAW in actions,
            "holder_unavailable": revision.state == State.UNDER_REVIEW
            and not (
                revision.assigned_reviewer and workflow.can_review(revision.assigned_reviewer)
            ),
            "reassign_to": self._reassign_choices(revision) if workflow.REASSIGN in actions else [],
            "refusals": workflow.refusals(revision, request.user)
            if not set(actions) - {*workflow.CONTINUITY_ACTIONS, workflow.WITHDRAW}
            else [],
            "events": events,
            **self._questions(revision),
            "pending_comments": sum(1 for comment in comments if comment.is_pending),
            "reading_misses": workflow.reading_level_misses(revision)
            if workflow.SUBMIT in actions
            else [],
            "submitted": next((e for e in reversed(events) if e.action == "submit"), None),
            "error": refused.get("error", ""),
            "typed": refused.get("typed", {}),
            "now": timezone.now(),
            **pemat_context(request, revision, workflow.REQUEST_CHANGES in actions, pemat_checks),
        }
        # Approving: what the PEMAT-P check still lacks, said beside the reason it then needs.
        if workflow.APPROVE in actions:
            context["pemat_gate"] = workflow.approval_check(revision, checks=pemat_checks)[0]
        status = refused.get("status") or context["pemat_refusal_status"] or 200
        return TemplateResponse(
            request, "admin/articles/revision/review.html", context, status=status
        )

    @staticmethod
    def _questions(revision):
        """Readers' questions behind this revision (an editor linked them), and the answers
        shown on the article, which belong to its reviewed content: one query for both."""
        questions = list(
            Question.objects.filter(
                Q(linked_revision=revision)
                | Q(pk__in=Question.objects.filter(article=revision.article_id).published())
            ).order_by("created_at", "pk")
        )
        return {
            "linked_questions": [q for q in questions if q.linked_revision_id == revision.pk],
            "published_answers": sorted(
                (q for q in questions if q.is_public), key=lambda q: q.published_at, reverse=True
            ),
        }

    @staticmethod
    def _variants(request, revision, compare_to):
        """Each reading level's text with its reading level and, against the revision readers
        see now, its changes. Each change links to the next, across the audiences in order,
        and the last one to the reviewer's decision."""
        old_html = (
            {v.audience_id: v.body_html for v in compare_to.variants.all()} if compare_to else {}
        )
        variants = list(revision.variants.select_related("audience"))
        rights, comments = page_comments(request, revision)
        commented = {comment.audience_id for comment in comments}
        asked = request.GET.get("comment", "")  # "<audience>-<block>": a comment form to open
        items, next_id, next_label = [], "decision", "Go to your decision"
        for variant in reversed(variants):
            slug = variant.audience.slug
            diff = None
            if compare_to:
                diff = diff_audience(
                    old_html.get(variant.audience_id, ""),
                    variant.body_html,
                    id_prefix=slug,
                    next_id=next_id,
                    next_label=next_label,
                    comment_link=(lambda index, slug=slug: f"?comment={slug}-{index}")
                    if rights.can_comment
                    else None,
                )
                if diff.anchors:
                    next_id = diff.anchors[0]
                    next_label = f"Next: the {variant.audience.label.lower()} text's changes"
            items.append(
                {
                    "variant": variant,
                    "diff": diff,
                    "level": variant.measured_level(),
                    "anchor": f"text-{slug}",
                    # The whole text is folded below the changes, but open when it is all
                    # there is, when it has comments, or when a comment form in it was asked for.
                    "open": not compare_to
                    or variant.audience_id in commented
                    or asked.startswith(f"{slug}-"),
                }
            )
        return items[::-1]

    @staticmethod
    def _reassign_choices(revision):
        """Active medical reviewers who may take the review over: not its author, not anyone
        who edited it, not the one holding it."""
        exclude = {revision.author_id, revision.assigned_reviewer_id}
        exclude |= set(revision.contributors.values_list("pk", flat=True))
        return list(workflow.medical_reviewers().exclude(pk__in=[pk for pk in exclude if pk]))

    def _refused_review_action(self, request, revision_id, message, typed, status=400):
        """Back to the review page, which shows `message` and what was typed (see above)."""
        request.session[_stash_key(revision_id)] = {
            "error": message,
            "typed": typed,
            "status": status,
        }
        return redirect(reverse("admin:articles_revision_review", args=[revision_id]))

    def approve_view(self, request, revision_id):
        """The last step before approving: what exactly is being approved, for the reviewer who
        ticked that they read all of it. It changes nothing (approving itself is a POST to
        `act_view`), so a refusal here is shown like any other, and what was typed is kept."""
        revision = self._revision_for(request, revision_id)
        if request.method != "POST":  # The form is on the review page.
            return redirect(reverse("admin:articles_revision_review", args=[revision.pk]))
        typed = {
            "action": "approve",
            "comment": request.POST.get("comment", ""),
            "pemat_reason": request.POST.get("pemat_reason", ""),
        }
        if reason := workflow.refusal(workflow.APPROVE, revision, request.user):
            return self._refused_review_action(request, revision.pk, reason, typed)
        if request.POST.get("attested") != "yes":
            return self._refused_review_action(
                request, revision.pk, workflow.MISSING_ATTESTATION, typed
            )
        try:
            refused, pemat_details = workflow.approval_check(revision, typed["pemat_reason"])
        except workflow.TransitionError as error:
            refused, pemat_details = str(error), {}
        if refused:
            return self._refused_review_action(request, revision.pk, refused, typed)
        variants = list(revision.variants.select_related("audience"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Approve revision {revision.number}?",
            "revision": revision,
            "variants": variants,
            "references": revision.citations.count(),
            "attestation": workflow.ATTESTATION,
            "comment": typed["comment"],
            "replaces": revision.article.live_revision(),
            "pemat_checks": workflow.text_checks(revision),
            "pemat_reason": pemat_details.get("pemat_override", ""),
        }
        return TemplateResponse(request, "admin/articles/revision/approve.html", context)

    def act_view(self, request, revision_id):
        revision = get_object_or_404(Revision, pk=revision_id)
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "")
        try:
            workflow.perform(
                action,
                revision,
                request.user,
                comment,
                expected_state=request.POST.get("expected_state") or None,
                reviewer=request.POST.get("reviewer"),
                # A form always says which changes it showed; no answer is an unchecked one.
                seen=request.POST.get("seen", ""),
                attested=request.POST.get("attested") == "yes",
                pemat_reason=request.POST.get("pemat_reason", ""),
                reading_override=request.POST.get("reading_override", ""),
            )
        except workflow.TransitionError as error:
            typed = {
                "action": action,
                "comment": comment,
                "reviewer": request.POST.get("reviewer"),
                "reading_override": request.POST.get("reading_override", ""),
                "pemat_reason": request.POST.get("pemat_reason", ""),
            }
            status = 409 if isinstance(error, workflow.ConflictError) else 400
            return self._refused_review_action(request, revision.pk, str(error), typed, status)
        revision.refresh_from_db()
        messages.success(request, self._done_message(action, revision))
        return redirect("admin:articles_revision_review", revision.pk)

    @staticmethod
    def _done_message(action, revision):
        if action == "approve":
            levels = ", ".join(
                revision.variants.order_by("audience__order").values_list(
                    "audience__label", flat=True
                )
            )
            references = revision.citations.count()
            return (
                f"Approved revision {revision.number} of “{revision.title}”: its title, summary, "
                f"key facts, the {levels} texts and {references} "
                f"reference{'s' if references != 1 else ''}. Readers now see it as checked by "
                f"{revision.approved_by_label} on {revision.approved_at:%B %-d, %Y}."
            )
        label = workflow.ACTIONS[action].label
        return f"{label}: revision {revision.number} is now {revision.get_state_display()}."
