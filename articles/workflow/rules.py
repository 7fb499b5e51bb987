"""Who may take which review action, and why not: the rules the transitions check under lock.

Pure reads; nothing here writes. `articles.workflow.transitions` calls `refusal` after locking.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.html import format_html

from .. import readability
from ..citation_checks import (
    guideline_section_problem,
    kinds_by_position,
    uncited_message,
    uncited_references,
)
from ..models import Audience, Revision, SourceVersion
from ..models.article import cited_text_problem
from ..models.reviewers import medical_reviewers
from ..rendering import citation_numbers

State = Revision.State


class TransitionError(Exception):
    """A transition was refused. The message says why, in words for the person who tried."""


NUL_REFUSAL = (
    "Your text contains an invisible control character (a NUL byte) that cannot be stored. "
    "Retype the text, or paste it as plain text, and try again."
)


def refuse_nul(*texts):
    """Refuse text with a NUL byte: PostgreSQL cannot store one, so it must never reach a save."""
    if any("\x00" in (text or "") for text in texts):
        raise TransitionError(NUL_REFUSAL)


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
WITHDRAW = Action(
    "withdraw",
    "Withdraw this revision",
    (State.DRAFT, State.CHANGES_REQUESTED),
    State.WITHDRAWN,
    needs_comment=True,
    missing_comment="Say why you withdraw this revision; it stays in the audit trail.",
)
# What a reviewer ticks to approve; recorded on the approval's event.
ATTESTATION = "I have read every reading level and checked the references"
MISSING_ATTESTATION = (
    f"Tick “{ATTESTATION}” before you approve: readers are told a named reviewer checked all of it."
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
    # A comment is needed unless comments on the text go with it: `request_changes` checks
    # that under the lock, with `missing_comment`.
    needs_comment=False,
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
        WITHDRAW,
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


def can_review(user):
    """Whether `user` is a medical reviewer (looked up once per user object)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not hasattr(user, "_is_medical_reviewer"):
        user._is_medical_reviewer = medical_reviewers().filter(pk=user.pk).exists()
    return user._is_medical_reviewer


def is_contributor(revision, user):
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
    if action is WITHDRAW:
        if not user.has_perm("articles.submit_revision"):
            return "Only editors can withdraw a revision."
        return ""
    if action in CONTINUITY_ACTIONS:
        if not (can_review(user) or user.is_superuser):
            return "Only medical reviewers and staff admins can release or reassign a review."
        if is_contributor(revision, user):
            return "You wrote or edited this revision, so you cannot choose who reviews it."
        return ""
    if not can_review(user):
        return "Only medical reviewers can review revisions."
    if is_contributor(revision, user):
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
    if not revision.answer.strip() or not revision.pregnancy_warning.strip():
        return "Write the key facts (the answer and the pregnancy warning) before submitting."
    missing = set(Audience.objects.values_list("label", flat=True)) - set(
        revision.variants.values_list("audience__label", flat=True)
    )
    if missing:
        return f"Write every version before submitting; missing: {', '.join(sorted(missing))}."
    count = revision.citations.count()
    texts = [("key facts (the answer)", revision.answer)]
    texts.append(("key facts (pregnancy)", revision.pregnancy_warning))
    texts += [
        (f"{variant.audience.label.lower()} text", variant.body_markdown)
        for variant in revision.variants.select_related("audience")
    ]
    for label, text in texts:
        if unknown := sorted({n for n in citation_numbers(text) if not 1 <= n <= count}):
            return (
                f"The {label} cites {', '.join(f'[{n}]' for n in unknown)}, but the reference "
                f"list has {count} source{'s' if count != 1 else ''}."
            )
        if problem := cited_text_problem(text, None):
            return f"The {label}: {problem}"
    kinds = kinds_by_position(revision)
    for label, text in texts:
        if problem := guideline_section_problem(text, kinds):
            return f"The {label}: {problem}"
    if uncited := uncited_references(kinds, [text for _, text in texts]):
        return uncited_message(revision, uncited)
    return ""


def reading_levels(revision):
    """[(variant, level, target)] for each of the revision's variants, in audience order: the
    stored reading level (measured now for a variant saved before levels were stored) and the
    audience's Flesch-Kincaid target (None: no target)."""
    return [
        (variant, variant.measured_level(), variant.audience.reading_grade)
        for variant in revision.variants.select_related("audience")
    ]


def reading_level_misses(revision):
    """[(variant, level, target)] for the variants that read above their audience's target."""
    return [entry for entry in reading_levels(revision) if readability.misses(*entry[1:])]


def reading_level_refusal(misses) -> str:
    """Why a revision is not submitted as it reads, every missing variant with its numbers."""
    described = ". ".join(
        readability.describe_miss(variant.audience.label, level, target)
        for variant, level, target in misses
    )
    which = "text reads above its" if len(misses) == 1 else "texts read above their"
    return (
        f"The {which} target reading level. {described}. Shorten long sentences and use "
        "everyday words, or give a reason to submit anyway."
    )


def reading_level_check(revision, override=""):
    """(refusal, details) for submitting `revision`: why it is refused ("" when every text meets
    its target, or when the editor gave `override`, a reason), and what its submit event
    records: every variant's level and target, and the reason when one was given."""
    override = (override or "").strip()
    refuse_nul(override)
    levels = reading_levels(revision)
    missed = [entry for entry in levels if readability.misses(*entry[1:])]
    keys = ("fk_grade", "smog", "words")
    details = {
        "reading_levels": {
            variant.audience.slug: {**{key: level.get(key) for key in keys}, "target": target}
            for variant, level, target in levels
        }
    }
    if override and missed:  # a reason for nothing is not recorded, nor shown to reviewers
        details["reading_override"] = override
    return (reading_level_refusal(missed) if missed and not override else ""), details


def _unsent_comments_refusal(revision, user):
    """Comments on the text go to the editor with *Request changes*; approving over them would
    drop what the reviewer asked for."""
    pending = list(revision.comments.pending().values_list("author_id", flat=True))
    if not pending:
        return ""
    count = f"{len(pending)} comment{'s' if len(pending) != 1 else ''} not sent"
    whose = "You have" if set(pending) == {user.pk} else "This revision has"
    them = "them" if len(pending) != 1 else "it"
    return f"{whose} {count}: request changes to send {them}, or delete {them}."


def _approve_refusal(revision, user):
    if unsent := _unsent_comments_refusal(revision, user):
        return unsent
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
