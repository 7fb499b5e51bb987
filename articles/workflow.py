"""The review workflow: the only code that changes a revision's state.

    Draft ──Submit for review──▶ Submitted ──Start review──▶ Under review ──Approve──▶ Approved
      ▲                              ▲                           │  ▲ │                  │
      │                              └──────────Release──────────┘  └─┘ Reassign         │
      └──(editor revises) Changes requested ◀──Request changes───┘                       │
                                      a cited source changed: flagged for re-check ──────┤
                                      Still accurate (a reviewer) or a newer approval ◀──┘

Each transition is one function. It runs in a transaction, locks the article row and then the
revision row (`select_for_update`, always in that order) and moves the state with a conditional
UPDATE, so of two people acting at once exactly one wins; the other gets a `TransitionError` with
words fit to show them. Each writes a `ReviewEvent` and queues its emails to go out after the
commit. The admin, `articles.source_changes` and management commands only call these.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html

from . import notifications
from .models import Article, Audience, Citation, ReviewEvent, Revision, SourceVersion, Variant
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
    # Beyond the state: whether the action is on the table at all for this revision.
    applies: Callable[[Revision], bool] | None = None

    def applies_to(self, revision):
        return revision.state in self.sources and (self.applies is None or self.applies(revision))


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
RELEASE = Action(
    "release",
    "Release to the queue",
    (State.UNDER_REVIEW,),
    State.SUBMITTED,
    needs_comment=True,
    missing_comment="Say why you release this review; the reviewer who held it is told.",
)
REASSIGN = Action(
    "reassign",
    "Reassign",
    (State.UNDER_REVIEW,),
    State.UNDER_REVIEW,
    needs_comment=True,
    missing_comment="Say why you reassign this review; both reviewers are told.",
)
STILL_ACCURATE = Action(
    "still_accurate",
    "Still accurate: no change needed",
    (State.APPROVED,),
    State.APPROVED,
    needs_comment=True,
    missing_comment="Say what you checked before you record that the article is still accurate.",
    applies=lambda revision: revision.needs_recheck,
)
ACTIONS = {
    action.name: action
    for action in (
        SUBMIT,
        START_REVIEW,
        APPROVE,
        REQUEST_CHANGES,
        RELEASE,
        REASSIGN,
        STILL_ACCURATE,
    )
}
# Actions on a review someone else holds, for when that reviewer is unavailable.
CONTINUITY_ACTIONS = (RELEASE, REASSIGN)


def medical_reviewers():
    """Active staff given the review permission: the "Medical reviewers" group, or directly.

    Being a superuser is not enough: a page says "Medically reviewed by" only after someone a
    staff admin made a medical reviewer approved it.
    """
    given = Q(
        groups__permissions__codename="review_revision",
        groups__permissions__content_type__app_label="articles",
    ) | Q(
        user_permissions__codename="review_revision",
        user_permissions__content_type__app_label="articles",
    )
    return get_user_model().objects.filter(given, is_active=True, is_staff=True).distinct()


def can_review(user):
    """Whether `user` is a medical reviewer (looked up once per user object)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not hasattr(user, "_is_medical_reviewer"):
        user._is_medical_reviewer = medical_reviewers().filter(pk=user.pk).exists()
    return user._is_medical_reviewer


def _is_contributor(revision, user):
    return revision.author_id == user.pk or revision.contributors.filter(pk=user.pk).exists()


def _outdated_by(revision):
    """The live revision, if it is newer than the one `revision` was started from."""
    live = revision.article.live_revision()
    if live and live.pk != revision.pk and revision.copied_from_id != live.pk:
        return live
    return None


def outdated_citations(revision):
    """Citations that print an older version of their source than the latest one."""
    newer = SourceVersion.objects.filter(
        source=OuterRef("source"), number__gt=OuterRef("version__number")
    )
    return revision.citations.filter(Exists(newer)).select_related("source")


def _has_public_profile(user):
    return bool(user.display_name and user.credentials)


NO_PROFILE = (
    "Your public name and credentials are not set, so readers could not see who reviewed this. "
    "Ask a staff admin to set them on your account."
)


def refusal(action: Action, revision: Revision, user) -> str:
    """Why `user` may not take `action` on `revision` now, or "" when they may."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return "Only signed-in staff can change a revision's review state."
    if not action.applies_to(revision):
        if action is STILL_ACCURATE and revision.is_approved:
            return "No cited source has changed since this revision was approved."
        return (
            f"“{action.label}” is not possible: revision {revision.number} is "
            f"{revision.get_state_display().lower()}."
        )
    if action is SUBMIT:
        return _submit_refusal(revision, user)
    if action in CONTINUITY_ACTIONS:
        if not (can_review(user) or user.is_superuser):
            return "Only medical reviewers and staff admins can release or reassign a review."
        if _is_contributor(revision, user):
            return "You wrote or edited this revision, so you cannot choose who reviews it."
        return ""
    if not can_review(user):
        return "Only medical reviewers can review revisions."
    if _is_contributor(revision, user):
        return "You wrote or edited this revision, so another medical reviewer must review it."
    if action in (APPROVE, REQUEST_CHANGES) and revision.assigned_reviewer_id != user.pk:
        return "Only the reviewer assigned to this revision can do that."
    if action is APPROVE:
        return _approve_refusal(revision, user)
    if action is STILL_ACCURATE:
        recorders = {event.actor_id for event in revision.recheck_reasons()}
        if user.pk in recorders:
            return (
                "You recorded the source change, so another medical reviewer must check "
                "whether the article is still accurate."
            )
        if not _has_public_profile(user):
            return NO_PROFILE
    return ""


def _submit_refusal(revision, user):
    if not user.has_perm("articles.submit_revision"):
        return "Only editors can submit revisions for review."
    if not revision.title.strip() or not revision.summary.strip():
        return "Write the title and the summary before submitting."
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


def _approve_refusal(revision, user):
    if outdated := _outdated_by(revision):
        return (
            f"Revision {outdated.number} was approved after this one was started, so approving "
            "this one would undo it. Ask an editor to start a new revision from the live one."
        )
    stale = list(outdated_citations(revision))
    if stale:
        names = "; ".join(c.source.name_for_readers for c in stale)
        return (
            f"A source this revision cites changed after it was submitted ({names}). Request "
            "changes so the editor brings the reference up to date."
        )
    if not _has_public_profile(user):
        return NO_PROFILE
    return ""


def available_actions(revision: Revision, user) -> list[Action]:
    return [action for action in ACTIONS.values() if not refusal(action, revision, user)]


def refusals(revision: Revision, user) -> list[str]:
    """Why each action that this revision's state allows is closed to `user`, each reason once."""
    reasons = (
        refusal(action, revision, user)
        for action in ACTIONS.values()
        if action.applies_to(revision)
    )
    return list(dict.fromkeys(reason for reason in reasons if reason))


def _event(revision, action_name, from_state, to_state, user, comment="", details=None):
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
    action, revision, user, comment="", expected_state=None, then=None, details=None, **changes
):
    """Move `revision` along `action`, or raise TransitionError. `then(revision)` runs inside
    the same transaction, after the move."""
    comment = (comment or "").strip()
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
        from_state = locked.state
        moved = Revision.objects.filter(pk=locked.pk, state=from_state).update(
            state=action.target, **changes
        )
        if moved != 1:  # Lost a race the row lock could not prevent (e.g. on SQLite).
            raise ConflictError("Someone else changed this revision meanwhile; check it again.")
        details = details(locked) if callable(details) else details
        event = _event(locked, action.name, from_state, action.target, user, comment, details)
        locked.refresh_from_db()
        if then:
            then(locked)
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


def submit(revision, user, change_summary, expected_state=None):
    """Editor sends a draft (or a revision sent back) for medical review. Its references are
    pinned to the sources' latest versions: what the reviewer reads is what readers will."""

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
        then=pin_and_show,
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
    replaces is no longer due for review (nor flagged for a re-check)."""
    now = timezone.now()

    def retire_previous(approved):
        Revision.objects.filter(article=approved.article_id, state=State.APPROVED).exclude(
            pk=approved.pk
        ).update(review_due_at=None, recheck_since=None)
        _show_on_index(approved)

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
    if not can_review(new):
        raise TransitionError(f"{new.public_name} is not an active medical reviewer.")
    if _is_contributor(revision, new):
        raise TransitionError(f"{new.public_name} wrote or edited this revision.")
    if new.pk == revision.assigned_reviewer_id:
        raise TransitionError(f"The review is already assigned to {new.public_name}.")
    return _transition(
        REASSIGN,
        revision,
        user,
        comment,
        expected_state,
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

    def what_changed(locked):
        reasons = locked.recheck_reasons()
        if seen not in (None, "") and reasons and str(reasons[-1].pk) != str(seen):
            raise ConflictError(
                f"Another source change was recorded meanwhile ({reasons[-1].details['source']})."
                " Nothing was recorded: read it below, then check the article again."
            )
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
        then=repin,
        details=what_changed,
        recheck_since=None,
        rechecked_at=timezone.now(),
        rechecked_by_label=user.signature,
    )


PERFORM = {
    "submit": submit,
    "start_review": start_review,
    "approve": approve,
    "request_changes": request_changes,
    "release": release,
    "reassign": reassign,
    "still_accurate": still_accurate,
}


def perform(action_name, revision, user, comment="", expected_state=None, **extra):
    """Run the transition named `action_name` (as posted by a form)."""
    if action_name not in PERFORM:
        raise TransitionError("That is not a review action.")
    wanted = {"reassign": "reviewer", "still_accurate": "seen"}.get(action_name)
    extra = {wanted: extra.get(wanted)} if wanted else {}
    return PERFORM[action_name](revision, user, comment, expected_state=expected_state, **extra)


def flag_citing_revisions(source, version, user, details):
    """Send every article whose live revision cites `source` back for a re-check. Runs inside
    the caller's transaction (`articles.source_changes`), which holds the source's lock."""
    # Lock the articles first, in one order, as approve does: an approval racing this either
    # lands first (its revision is then the live one flagged here) or waits and sees the new
    # version (and is refused as citing an outdated source).
    citing = Article.objects.filter(revisions__citations__source=source).distinct()
    list(Article.objects.select_for_update().filter(pk__in=citing.values("pk")).order_by("pk"))
    now = timezone.now()
    flagged = list(
        Revision.objects.live().filter(citations__source=source).select_related("article")
    )
    for revision in flagged:
        Revision.objects.filter(pk=revision.pk).update(recheck_since=Coalesce("recheck_since", now))
        event = _event(
            revision,
            "source_changed",
            State.APPROVED,
            State.APPROVED,
            user,
            version.note,
            details,
        )
        transaction.on_commit(lambda pk=event.pk: notifications.send_for(pk))
    return flagged


def start_revision(article, user, change_summary=""):
    """A new draft, copied (title, summary, text and citations) from the live revision, else
    the newest one. Refused while the article has a revision in progress."""
    if not (user.is_active and user.is_staff and user.has_perm("articles.add_revision")):
        raise TransitionError("Only editors can start a new revision.")
    try:
        with transaction.atomic():
            Article.objects.select_for_update().filter(pk=article.pk).first()
            if open_revision := article.open_revision():
                raise OpenRevisionExists(open_revision)
            base = article.live_revision() or article.revisions.order_by("-number").first()
            revision = Revision.objects.create(
                article=article,
                author=user,
                copied_from=base,
                change_summary=change_summary,
                title=base.title if base else article.title,
                summary=base.summary if base else article.summary,
            )
            revision.contributors.add(user)
            if base:
                Citation.objects.bulk_create(
                    Citation(
                        revision=revision,
                        source_id=c.source_id,
                        version_id=c.version_id,
                        position=c.position,
                    )
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
            _event(
                revision,
                "start",
                "",
                State.DRAFT,
                user,
                f"Copied from revision {base.number}." if base else "",
            )
    except IntegrityError:  # The constraint caught a start that raced this one (SQLite).
        raise OpenRevisionExists(article.open_revision()) from None
    return revision


class OpenRevisionExists(TransitionError):
    """An article has at most one revision being written or reviewed."""

    def __init__(self, revision):
        self.revision = revision
        if revision is None:
            super().__init__("Another revision of this article was started meanwhile.")
        else:
            super().__init__(
                f"Revision {revision.number} of this article is already in progress "
                f"({revision.get_state_display().lower()}): work on it instead of starting "
                "another."
            )

    def as_html(self, url):
        return format_html(
            '{} <a href="{}">Open revision {}</a>.', str(self), url, self.revision.number
        )


def replay(events) -> str:
    """The state an event log leads to, checking that each event starts where the last ended."""
    state = ""
    for event in events:
        if event.from_state != state:
            raise ValueError(f"Event {event.pk} starts at {event.from_state!r}, not {state!r}.")
        state = event.to_state
    return state
