"""The PEMAT-P check inside the review: the assigned reviewer rates the patient and caregiver
texts (each audience marked `health_literacy_check`), and approving reads those ratings.

    Under review: the assigned reviewer records an assessment per checked text (a review event,
    "pemat"; recording again replaces it: the latest counts). The state does not change.
    Approve: every checked text needs an assessment recorded since the revision was last
    submitted, with both scores at 70 % or more; otherwise the reviewer writes why they approve
    anyway (`approval_check`), and the approval's event records the scores and the reason.

An assessment from before the last submission is about a text the editor may since have
changed, so it no longer counts: the reviewer rates the text they approve.
"""

from dataclasses import dataclass

from django.db import transaction

from .. import pemat
from ..models import Article, Audience, ReviewEvent, Revision, Variant
from .rules import REQUEST_CHANGES, ConflictError, TransitionError, refusal, refuse_nul

ACTION = "pemat"
NOTE_MAX_LENGTH = 2000


def checked_audiences():
    return Audience.objects.filter(health_literacy_check=True).order_by("order", "pk")


def current_assessments(revision, events=None) -> dict[int, ReviewEvent]:
    """{audience id: the latest PEMAT-P event of this submission round} for `revision`.
    `events`, the revision's events already fetched in order, saves the query."""
    if events is None:
        events = revision.events.filter(action__in=["submit", ACTION]).order_by("created_at", "pk")
    latest = {}
    for event in events:
        if event.action == "submit":
            latest = {}  # the text may have changed since: earlier ratings no longer count
        elif event.action == ACTION:
            latest[event.details.get("audience_id")] = event
    return latest


@dataclass
class TextCheck:
    """One checked text's PEMAT-P standing on a revision, for the review page and the gate."""

    audience: Audience
    event: ReviewEvent | None  # the assessment that counts now, if any

    @property
    def scores(self):
        return self.event.pemat_scores if self.event else None

    @property
    def ratings(self) -> dict[str, str]:
        return self.event.details["pemat"]["ratings"] if self.event else {}

    @property
    def passes(self) -> bool:
        return bool(self.scores) and not any(s.below_threshold for s in self.scores.values())

    def problem(self) -> str:
        """Why this text does not pass, in words for the reviewer, or ""."""
        name = f"The {self.audience.label.lower()} text"
        if not self.event:
            return f"{name} has no PEMAT-P check recorded since it was submitted."
        low = [
            f"{pemat.DOMAINS[domain].lower()} {score.percent:g} %"
            if score.percent is not None
            else f"no {pemat.DOMAINS[domain].lower()} score"
            for domain, score in self.scores.items()
            if score.below_threshold
        ]
        return (
            f"{name} scores {' and '.join(low)} on PEMAT-P, under {pemat.THRESHOLD} %."
            if low
            else ""
        )


def text_checks(revision, *, events=None, variants=None) -> list[TextCheck]:
    """Each checked audience the revision has a text for, with its current assessment, in
    audience order. `events` (the revision's, in order) and `variants` (with their audience)
    already fetched make it cost no query."""
    current = current_assessments(revision, events)
    if variants is None:
        variants = Variant.objects.filter(revision=revision).select_related("audience")
    audiences = sorted(
        (v.audience for v in variants if v.audience.health_literacy_check),
        key=lambda audience: (audience.order, audience.pk),
    )
    return [TextCheck(audience, current.get(audience.pk)) for audience in audiences]


def approval_check(revision, reason="", checks=None) -> tuple[str, dict]:
    """(refusal, details) for approving `revision`: why it is refused ("" when every checked
    text passes, or when the reviewer wrote `reason`), and what the approval's event records:
    each checked text's scores (or that none was recorded) and the reason, when one was
    needed."""
    reason = (reason or "").strip()
    refuse_nul(reason)
    checks = text_checks(revision) if checks is None else checks
    details = {
        "pemat": {
            check.audience.slug: {
                "audience": check.audience.label,
                "event_id": check.event.pk if check.event else None,
                **(
                    {domain: s.as_record() for domain, s in check.scores.items()}
                    if check.event
                    else {}
                ),
            }
            for check in checks
        }
    }
    failing = [check.problem() for check in checks if not check.passes]
    if not failing:
        return "", details
    if reason:
        details["pemat_override"] = reason
        return "", details
    return (
        " ".join(failing) + " Request changes so the editor can make it easier to read and act "
        "on, or write why you approve it as it is.",
        details,
    )


def record_assessment(revision, user, audience, ratings, note="", expected_state=None):
    """The assigned reviewer records a PEMAT-P assessment of one checked text: a review event
    with the ratings and both scores. Returns the event. Refused with a `TransitionError`
    (what is missing or wrong, in words) when the ratings are incomplete or not the tool's."""
    from .transitions import record_event  # transitions imports `approval_check` from here

    note = (note or "").strip()
    refuse_nul(note)
    if len(note) > NOTE_MAX_LENGTH:
        raise TransitionError(f"Keep the note under {NOTE_MAX_LENGTH} characters.")
    with transaction.atomic():
        Article.objects.select_for_update().filter(pk=revision.article_id).first()
        locked = Revision.objects.select_for_update().get(pk=revision.pk)
        if expected_state and locked.state != expected_state:
            raise ConflictError(
                f"Someone else changed revision {locked.number} meanwhile: it is now "
                f"{locked.get_state_display().lower()}. Nothing was recorded."
            )
        if reason := refusal(REQUEST_CHANGES, locked, user):
            raise TransitionError(reason.replace("do that", "record the PEMAT-P check"))
        if not audience.health_literacy_check:
            raise TransitionError(f"The {audience.label.lower()} text is not checked with PEMAT-P.")
        if not locked.variants.filter(audience=audience).exists():
            raise TransitionError(f"This revision has no {audience.label.lower()} text.")
        if found := pemat.problems(ratings):
            raise TransitionError(" ".join(found))
        return record_event(
            locked,
            ACTION,
            locked.state,
            locked.state,
            user,
            note,
            {
                "audience_id": audience.pk,
                "audience": audience.slug,
                "audience_label": audience.label,
                "pemat": pemat.record(ratings),
            },
        )
