"""The review page: what a medical reviewer reads and the review actions they take.

A mixin of `RevisionAdmin`, kept apart from the editing side (`revisions.py`)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from .. import workflow
from ..comparison import compare
from ..diff import has_changes, word_diff
from ..models import Audience, Revision

State = Revision.State


class ReviewViewsMixin:
    def review_view(self, request, revision_id, error="", typed=None, status=200):
        revision = get_object_or_404(
            Revision.objects.select_related("article", "author", "assigned_reviewer"),
            pk=revision_id,
        )
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        live = revision.article.live_revision()
        compare_to = live if live and live.pk != revision.pk else None
        actions = workflow.available_actions(revision, request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review: {revision}",
            "revision": revision,
            "compare_to": compare_to,
            "comparison": compare(compare_to, revision) if compare_to else None,
            "variants": self._variants(revision, compare_to),
            "citations": revision.citations.select_related("version").order_by("position"),
            "outdated_citations": workflow.outdated_citations(revision),
            "recheck_reasons": revision.recheck_reasons(),
            "audiences_missing": Audience.objects.exclude(variants__revision=revision),
            "submit_action": workflow.SUBMIT if workflow.SUBMIT in actions else None,
            "review_actions": [
                a
                for a in actions
                if a in (workflow.START_REVIEW, workflow.APPROVE, workflow.REQUEST_CHANGES)
            ],
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
            "events": revision.events.select_related("actor"),
            "error": error,
            "typed": typed or {},
            "now": timezone.now(),
        }
        return TemplateResponse(
            request, "admin/articles/revision/review.html", context, status=status
        )

    @staticmethod
    def _variants(revision, compare_to):
        old_html = (
            {v.audience_id: v.body_html for v in compare_to.variants.all()} if compare_to else {}
        )
        variants = []
        for variant in revision.variants.select_related("audience"):
            old = old_html.get(variant.audience_id, "")
            changed = has_changes(old, variant.body_html)
            diff = word_diff(old, variant.body_html) if compare_to and changed else ""
            variants.append({"variant": variant, "diff": diff, "changed": changed})
        return variants

    @staticmethod
    def _reassign_choices(revision):
        """Active medical reviewers who may take the review over: not its author, not anyone
        who edited it, not the one holding it."""
        exclude = {revision.author_id, revision.assigned_reviewer_id}
        exclude |= set(revision.contributors.values_list("pk", flat=True))
        return list(workflow.medical_reviewers().exclude(pk__in=[pk for pk in exclude if pk]))

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
                reviewer=request.POST.get("reviewer"),
                # A form always says which changes it showed; no answer is an unchecked one.
                seen=request.POST.get("seen", ""),
            )
        except workflow.TransitionError as error:
            typed = {"action": action, "comment": comment, "reviewer": request.POST.get("reviewer")}
            status = 409 if isinstance(error, workflow.ConflictError) else 400
            return self.review_view(request, revision_id, str(error), typed, status)
        revision.refresh_from_db()
        label = workflow.ACTIONS[action].label
        messages.success(
            request, f"{label}: revision {revision.number} is now {revision.get_state_display()}."
        )
        return redirect("admin:articles_revision_review", revision.pk)
