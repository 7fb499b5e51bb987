"""The review workflow: the only code that changes a revision's state.

    Draft ──Submit for review──▶ Submitted ──Start review──▶ Under review ──Approve──▶ Approved
      ▲                                                          │
      └──(editor revises) Changes requested ◀──Request changes───┘

Each transition is one function. It runs in a transaction, locks the revision row
(`select_for_update`) and moves the state with a conditional UPDATE, so of two people acting at
once exactly one wins; the other gets a `TransitionError` with words fit to show them. Each writes
a `ReviewEvent` and queues its emails to go out after the commit. The admin only calls these.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import notifications
from .models import Audience, Citation, ReviewEvent, Revision, Variant
from .models.article import add_months
from .rendering import citation_numbers

State = Revision.State


class TransitionError(Exception):
    """A transition was refused. The message says why, in words for the person who tried."""


class ConflictError(TransitionError):
    """Someone else changed the revision first; nothing was changed."""


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    needs_comment: bool = False
    comment_label: str = "Comment"
    missing_comment: str = ""


SUBMIT = Action(
    "submit",
    "Submit for review",
    (State.DRAFT, State.CHANGES_REQUESTED),
    State.SUBMITTED,
    needs_comment=True,
    comment_label="Change summary",
    missing_comment="Write a change summary before you submit for review.",
)
START_REVIEW = Action("start_review", "Start review", (State.SUBMITTED,), State.UNDER_REVIEW)
APPROVE = Action(
    "approve", "Approve", (State.UNDER_REVIEW,), State.APPROVED, comment_label="Comment (optional)"
)
REQUEST_CHANGES = Action(
    "request_changes",
    "Request changes",
    (State.UNDER_REVIEW,),
    State.CHANGES_REQUESTED,
    needs_comment=True,
    comment_label="What needs to change",
    missing_comment="Say what needs to change before you request changes.",
)
ACTIONS = {action.name: action for action in (SUBMIT, START_REVIEW, APPROVE, REQUEST_CHANGES)}


def _is_contributor(revision, user):
    return revision.author_id == user.pk or revision.contributors.filter(pk=user.pk).exists()


def _outdated_by(revision):
    """The live revision, if it is newer than the one `revision` was started from."""
    live = revision.article.live_revision()
    if live and live.pk != revision.pk and revision.copied_from_id != live.pk:
        return live
    return None


def refusal(action: Action, revision: Revision, user) -> str:
    """Why `user` may not take `action` on `revision` now, or "" when they may."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return "Only signed-in staff can change a revision's review state."
    if revision.state not in action.sources:
        return (
            f"“{action.label}” is not possible: revision {revision.number} is "
            f"{revision.get_state_display().lower()}."
        )
    if action is SUBMIT:
        if not user.has_perm("articles.submit_revision"):
            return "Only editors can submit revisions for review."
        missing = set(Audience.objects.values_list("label", flat=True)) - set(
            revision.variants.values_list("audience__label", flat=True)
        )
        if missing:
            return f"Write every version before submitting; missing: {', '.join(sorted(missing))}."
        count = revision.citations.count()
        for variant in revision.variants.select_related("audience"):
            unknown = sorted({n for n in citation_numbers(variant.body_markdown) if n > count})
            if unknown:
                return (
                    f"The {variant.audience.label.lower()} text cites "
                    f"{', '.join(f'[{n}]' for n in unknown)}, but the reference list has "
                    f"{count} source{'s' if count != 1 else ''}."
                )
        return ""
    if not user.has_perm("articles.review_revision"):
        return "Only medical reviewers can review revisions."
    if _is_contributor(revision, user):
        return "You wrote or edited this revision, so another medical reviewer must review it."
    if action in (APPROVE, REQUEST_CHANGES) and revision.assigned_reviewer_id != user.pk:
        return "Only the reviewer assigned to this revision can do that."
    if action is APPROVE and (outdated := _outdated_by(revision)):
        return (
            f"Revision {outdated.number} was approved after this one was started, so approving "
            "this one would undo it. Ask an editor to start a new revision from the live one."
        )
    if action is APPROVE and not (user.display_name and user.credentials):
        return (
            "Add your display name and credentials to your public reviewer profile "
            "(Your account → Public reviewer profile) before approving."
        )
    return ""


def available_actions(revision: Revision, user) -> list[Action]:
    return [action for action in ACTIONS.values() if not refusal(action, revision, user)]


def refusals(revision: Revision, user) -> list[str]:
    """Why each action that this revision's state allows is closed to `user`."""
    return [
        refusal(action, revision, user)
        for action in ACTIONS.values()
        if revision.state in action.sources and refusal(action, revision, user)
    ]


def _transition(action, revision, user, comment="", expected_state=None, then=None, **changes):
    """Move `revision` along `action`, or raise TransitionError. `then(revision)` runs inside
    the same transaction, after the move."""
    comment = (comment or "").strip()
    with transaction.atomic():
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
        from_state = locked.state
        moved = Revision.objects.filter(pk=locked.pk, state=from_state).update(
            state=action.target, **changes
        )
        if moved != 1:  # Lost a race the row lock could not prevent (e.g. on SQLite).
            raise ConflictError("Someone else changed this revision meanwhile; check it again.")
        event = ReviewEvent.objects.create(
            revision=locked,
            action=action.name,
            from_state=from_state,
            to_state=action.target,
            actor=user,
            actor_name=user.public_name,
            actor_credentials=user.credentials,
            comment=comment,
        )
        locked.refresh_from_db()
        if then:
            then(locked)
        transaction.on_commit(lambda: notifications.send_for(event.pk))
    revision.refresh_from_db()
    return locked


def submit(revision, user, change_summary, expected_state=None):
    """Editor sends a draft (or a revision sent back) for medical review."""
    return _transition(
        SUBMIT,
        revision,
        user,
        comment=change_summary,
        expected_state=expected_state,
        change_summary=(change_summary or "").strip(),
        submitted_at=timezone.now(),
        assigned_reviewer=None,
    )


def start_review(revision, user, comment="", expected_state=None):
    """A reviewer takes a submitted revision; it is assigned to them."""
    return _transition(
        START_REVIEW, revision, user, comment, expected_state, assigned_reviewer=user
    )


def approve(revision, user, comment="", expected_state=None):
    """The assigned reviewer approves: this revision becomes the live one, and the one it
    replaces is no longer due for review."""
    now = timezone.now()

    def retire_previous(approved):
        Revision.objects.filter(article=approved.article_id, state=State.APPROVED).exclude(
            pk=approved.pk
        ).update(review_due_at=None)

    return _transition(
        APPROVE,
        revision,
        user,
        comment,
        expected_state,
        then=retire_previous,
        approved_at=now,
        approved_by=user,
        approved_by_label=user.signature,
        review_due_at=add_months(now, revision.article.review_interval),
    )


def request_changes(revision, user, comment, expected_state=None):
    """The assigned reviewer sends the revision back to its editor with what to change."""
    return _transition(REQUEST_CHANGES, revision, user, comment, expected_state)


PERFORM = {
    "submit": submit,
    "start_review": start_review,
    "approve": approve,
    "request_changes": request_changes,
}


def perform(action_name, revision, user, comment="", expected_state=None):
    """Run the transition named `action_name` (as posted by a form)."""
    if action_name not in PERFORM:
        raise TransitionError("That is not a review action.")
    return PERFORM[action_name](revision, user, comment, expected_state=expected_state)


def start_revision(article, user, change_summary=""):
    """A new draft, copied (text and citations) from the live revision, else the newest one."""
    if not (user.is_active and user.is_staff and user.has_perm("articles.add_revision")):
        raise TransitionError("Only editors can start a new revision.")
    with transaction.atomic():
        base = article.live_revision() or article.revisions.order_by("-number").first()
        revision = Revision.objects.create(
            article=article, author=user, copied_from=base, change_summary=change_summary
        )
        revision.contributors.add(user)
        if base:
            Citation.objects.bulk_create(
                Citation(revision=revision, source_id=c.source_id, position=c.position)
                for c in base.citations.all()
            )
            Variant.objects.bulk_create(
                Variant(
                    revision=revision,
                    audience_id=v.audience_id,
                    body_markdown=v.body_markdown,
                    body_html=v.body_html,
                )
                for v in base.variants.all()
            )
        ReviewEvent.objects.create(
            revision=revision,
            action="start",
            from_state="",
            to_state=State.DRAFT,
            actor=user,
            actor_name=user.public_name,
            actor_credentials=user.credentials,
            comment=f"Copied from revision {base.number}." if base else "",
        )
    return revision


def replay(events) -> str:
    """The state an event log leads to, checking that each event starts where the last ended."""
    state = ""
    for event in events:
        if event.from_state != state:
            raise ValueError(f"Event {event.pk} starts at {event.from_state!r}, not {state!r}.")
        state = event.to_state
    return state
