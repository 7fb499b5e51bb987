"""How a revision's state and its next step read in the admin: the revision list, the admin
home's work lists and the review page say it in the same words."""

from django.utils.html import format_html

from ..models import Revision
from ..models.reviewers import held_by_nobody

State = Revision.State


def state_badge(state, label, overdue=False, recheck=False):
    if recheck:
        return format_html(
            '<span class="state-badge state-recheck">{} · re-check needed</span>', label
        )
    if overdue:
        return format_html(
            '<span class="state-badge state-overdue">{} · review overdue</span>', label
        )
    return format_html('<span class="state-badge state-{}">{}</span>', state, label)


def revision_state_badge(revision):
    """`state_badge` for a revision, flagged or overdue included."""
    return state_badge(
        revision.state,
        revision.get_state_display(),
        revision.review_overdue,
        recheck=revision.needs_recheck,
    )


def next_step_label(revision):
    """Who acts next on `revision`, in plain words ("Any medical reviewer").

    Reads the annotations of `Revision.objects.with_next_step()`; without them it asks the
    database whether the review is held by nobody able to review."""
    if revision.needs_recheck:
        flagged = getattr(revision, "flagged_source", None)
        change = (getattr(revision, "flagged_change", None) or "").lower()
        reason = f"{flagged} ({change})" if flagged else ""
        return f"A medical reviewer: re-check, source changed: {reason}".rstrip(": ")
    if revision.state in Revision.EDITABLE_STATES:
        return f"The editor ({revision.author})" if revision.author else "An editor"
    if revision.state == State.SUBMITTED:
        return "Any medical reviewer"
    if revision.state == State.UNDER_REVIEW:
        nobody_holds = getattr(revision, "nobody_holds", None)
        if nobody_holds is None:
            nobody_holds = Revision.objects.filter(held_by_nobody(), pk=revision.pk).exists()
        if nobody_holds:
            return "Needs a reviewer: the assigned one is unavailable"
        return revision.assigned_reviewer.signature
    if revision.review_overdue:
        # Only approving a new revision moves the due date.
        newer = getattr(revision, "newer_in_progress", None)
        if newer is None:
            newer = revision.article.revisions.open().filter(number__gt=revision.number).exists()
        if newer:
            return "Review due: a new revision is in progress"
        return "Review due: an editor starts a new revision"
    return "—"
