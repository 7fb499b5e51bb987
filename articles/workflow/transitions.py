"""The transitions: each locks the article row, then the revision row, checks the rules, moves the
state with a conditional UPDATE, writes a `ReviewEvent`, moves the article's content version (its
cached pages, articles/caching.py) and queues its emails after the commit."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .. import caching, notifications
from ..models import (
    Article,
    Citation,
    ReviewComment,
    ReviewEvent,
    Revision,
    SourceVersion,
)
from ..models.article import add_months
from .pemat import approval_check
from .rules import (
    APPROVE,
    ATTESTATION,
    MISSING_ATTESTATION,
    REASSIGN,
    RELEASE,
    REQUEST_CHANGES,
    START_REVIEW,
    STILL_ACCURATE,
    SUBMIT,
    WITHDRAW,
    ConflictError,
    TransitionError,
    can_review,
    is_contributor,
    outdated_citations,
    reading_level_check,
    refusal,
    refuse_nul,
)

State = Revision.State


def record_event(revision, action_name, from_state, to_state, user, comment="", details=None):
    return ReviewEvent.objects.create(
        revision=revision,
        action=action_name,
        from_state=from_state,
        to_state=to_state,
        actor=user,
        actor_name=user.public_name,
        actor_credentials=user.credentials,
        comment=comment,
        details=details or {},
    )


def _transition(
    action,
    revision,
    user,
    comment="",
    expected_state=None,
    then=None,
    details=None,
    check=None,
    **changes,
):
    """Move `revision` along `action`, or raise TransitionError. Under the locks, `check(locked)`
    may refuse beyond the rules; `details(locked)` describes the step for its event; `then(locked)`
    runs after the move, in the same transaction (`locked.step_event` is the event written)."""
    comment = (comment or "").strip()
    refuse_nul(comment)
    with transaction.atomic():
        Article.objects.select_for_update().filter(pk=revision.article_id).first()
        locked = Revision.objects.select_for_update().get(pk=revision.pk)
        if expected_state and locked.state != expected_state:
            raise ConflictError(
                f"Someone else changed revision {locked.number} meanwhile: it is now "
                f"{locked.get_state_display().lower()}. Nothing was changed; check it again."
            )
        if reason := refusal(action, locked, user):
            raise TransitionError(reason)
        if action.needs_comment and not comment:
            raise TransitionError(action.missing_comment)
        if check:
            check(locked)
        from_state = locked.state
        moved = Revision.objects.filter(pk=locked.pk, state=from_state).update(
            state=action.target, **changes
        )
        if moved != 1:  # Lost a race the row lock could not prevent (e.g. on SQLite).
            raise ConflictError("Someone else changed this revision meanwhile; check it again.")
        details = details(locked) if callable(details) else details
        event = record_event(locked, action.name, from_state, action.target, user, comment, details)
        locked.refresh_from_db()
        locked.step_event = event  # what `then` may need: the event this step wrote
        if then:
            then(locked)
        # Readers' cached pages of the article are keyed by its content version: the new one
        # commits with this change (articles/caching.py).
        caching.content_changed(locked.article_id)
        transaction.on_commit(lambda: notifications.send_for(event.pk))
    revision.refresh_from_db()
    return locked


def _show_on_index(revision):
    """Keep the article's index title and summary equal to the revision readers see."""
    shown = revision.article.shown_revision()
    if shown:
        Article.objects.filter(pk=revision.article_id).update(
            title=shown.title, summary=shown.summary
        )


def submit(revision, user, change_summary, expected_state=None, reading_override=""):
    """Editor sends a draft (or a revision sent back) for medical review. Its references are
    pinned to the sources' latest versions: what the reviewer reads is what readers will.

    A text reading above its audience's target grade is refused, with the numbers, unless the
    editor gives `reading_override`, a reason; the event records every variant's level."""
    checked = {}

    def readable_or_overridden(locked):
        refused, checked["details"] = reading_level_check(locked, reading_override)
        if refused:
            raise TransitionError(refused)

    def pin_and_show(submitted):
        latest = SourceVersion.objects.filter(source=OuterRef("source")).order_by("-number")
        Citation.objects.filter(revision=submitted).update(
            version=Subquery(latest.values("pk")[:1])
        )
        _show_on_index(submitted)

    return _transition(
        SUBMIT,
        revision,
        user,
        comment=change_summary,
        expected_state=expected_state,
        check=readable_or_overridden,
        details=lambda locked: checked["details"],
        then=pin_and_show,
        change_summary=(change_summary or "").strip(),
        submitted_at=timezone.now(),
        assigned_reviewer=None,
    )


def withdraw(revision, user, comment, expected_state=None):
    """An editor gives up a draft (or a revision sent back): it stays in the audit trail, and
    the article is free for a new revision."""
    return _transition(WITHDRAW, revision, user, comment, expected_state)


def start_review(revision, user, comment="", expected_state=None):
    """A reviewer takes a submitted revision; it is assigned to them."""
    return _transition(
        START_REVIEW, revision, user, comment, expected_state, assigned_reviewer=user
    )


def approve(revision, user, comment="", expected_state=None, *, attested=False, pemat_reason=""):
    """The assigned reviewer approves: this revision becomes the live one, and the one it
    replaces is no longer due for review (nor flagged for a re-check).

    `attested` is the reviewer ticking "I have read every reading level and checked the
    references" (`ATTESTATION`); without it nothing is approved, and its words go on the event.
    The patient and caregiver texts need their PEMAT-P check recorded with both scores at 70 %
    or more, or `pemat_reason`, the reviewer's reason to approve anyway (`pemat.py`); the event
    records the scores and the reason.
    """
    now = timezone.now()
    checked = {}

    def read_everything(locked):
        if not attested:
            raise TransitionError(MISSING_ATTESTATION)
        refused, checked["pemat"] = approval_check(locked, pemat_reason)
        if refused:
            raise TransitionError(refused)

    def retire_previous(approved):
        Revision.objects.filter(article=approved.article_id, state=State.APPROVED).exclude(
            pk=approved.pk
        ).update(review_due_at=None, recheck_since=None)
        # The interval as it is now, read under the article's lock.
        interval = Article.objects.get(pk=approved.article_id).review_interval
        Revision.objects.filter(pk=approved.pk).update(review_due_at=add_months(now, interval))
        _show_on_index(approved)

    return _transition(
        APPROVE,
        revision,
        user,
        comment,
        expected_state,
        check=read_everything,
        details=lambda locked: {"attested": ATTESTATION, **checked["pemat"]},
        then=retire_previous,
        approved_at=now,
        approved_by=user,
        approved_by_label=user.signature,
    )


def request_changes(revision, user, comment, expected_state=None):
    """The assigned reviewer sends the revision back to its editor with what to change: a
    general comment, the comments on its text not sent yet (all of them, recorded in this
    step's event), or both."""
    sending = []

    def comment_or_comments(locked):
        sending[:] = locked.comments.pending().select_related("audience").order_by("pk")
        if not (comment or "").strip() and not sending:
            raise TransitionError(REQUEST_CHANGES.missing_comment)

    def what_is_sent(locked):
        return {"comments": [c.as_record() for c in sending]} if sending else {}

    def mark_sent(locked):
        if sending:
            sent_in = locked.step_event
            ReviewComment.objects.filter(pk__in=[c.pk for c in sending]).update(sent_in=sent_in)

    return _transition(
        REQUEST_CHANGES,
        revision,
        user,
        comment,
        expected_state,
        check=comment_or_comments,
        details=what_is_sent,
        then=mark_sent,
    )


def _holder(revision):
    held_by = revision.assigned_reviewer
    return {"from_reviewer_id": held_by.pk, "from_reviewer": held_by.signature} if held_by else {}


def release(revision, user, comment, expected_state=None):
    """Give a review back to the queue, when its reviewer cannot finish it."""
    return _transition(
        RELEASE,
        revision,
        user,
        comment,
        expected_state,
        details=_holder,
        assigned_reviewer=None,
    )


def reassign(revision, user, comment, expected_state=None, reviewer=None):
    """Hand a review to another medical reviewer, who must be free to review it."""
    User = get_user_model()
    try:
        new = User.objects.get(pk=int(reviewer))
    except (TypeError, ValueError, User.DoesNotExist):
        raise TransitionError("Choose the medical reviewer to hand this review to.") from None

    def free_to_take_it(locked):
        if not can_review(new):
            raise TransitionError(f"{new.public_name} is not an active medical reviewer.")
        if is_contributor(locked, new):
            raise TransitionError(f"{new.public_name} wrote or edited this revision.")
        if new.pk == locked.assigned_reviewer_id:
            raise TransitionError(f"The review is already assigned to {new.public_name}.")

    return _transition(
        REASSIGN,
        revision,
        user,
        comment,
        expected_state,
        check=free_to_take_it,
        details=lambda locked: {
            **_holder(locked),
            "to_reviewer_id": new.pk,
            "to_reviewer": new.signature,
        },
        assigned_reviewer=new,
    )


def still_accurate(revision, user, comment, expected_state=None, seen=None):
    """A reviewer checked a flagged live revision against its changed sources and found it
    still accurate: its references now print the sources' latest versions, and the flag goes.

    `seen` is the newest source-change event the reviewer's page showed: if another source
    changed since, they have not checked it, and nothing is recorded.
    """

    def repin(checked):
        for citation in outdated_citations(checked):
            Citation.objects.filter(pk=citation.pk).update(version=citation.source.latest_version())

    def saw_every_change(locked):
        """`seen=None` is a caller with no page (a script); a form always sends what it showed."""
        newest = locked.recheck_reasons()[-1:]
        if seen is not None and (not newest or str(newest[0].pk) != str(seen)):
            raise ConflictError(
                "Another source change was recorded after your page was loaded. Nothing was "
                "recorded: read the changes below, then check the article again."
            )

    def what_changed(locked):
        return {
            "references": [
                {
                    "source": c.source.name_for_readers,
                    "from_version": c.version.number,
                    "to_version": c.source.latest_version().number,
                }
                for c in outdated_citations(locked).select_related("version")
            ]
        }

    return _transition(
        STILL_ACCURATE,
        revision,
        user,
        comment,
        expected_state,
        check=saw_every_change,
        then=repin,
        details=what_changed,
        recheck_since=None,
        rechecked_at=timezone.now(),
        rechecked_by_label=user.signature,
    )


PERFORM = {
    "submit": submit,
    "withdraw": withdraw,
    "start_review": start_review,
    "approve": approve,
    "request_changes": request_changes,
    "release": release,
    "reassign": reassign,
    "still_accurate": still_accurate,
}


# The arguments beyond the comment that each action's form may send.
EXTRA_ARGUMENTS = {
    "submit": ("reading_override",),
    "approve": ("attested", "pemat_reason"),
    "reassign": ("reviewer",),
    "still_accurate": ("seen",),
}


def perform(action_name, revision, user, comment="", expected_state=None, **extra):
    """Run the transition named `action_name` (as posted by a form)."""
    if action_name not in PERFORM:
        raise TransitionError("That is not a review action.")
    wanted = EXTRA_ARGUMENTS.get(action_name, ())
    extra = {name: extra.get(name) for name in wanted if name in extra}
    return PERFORM[action_name](revision, user, comment, expected_state=expected_state, **extra)
