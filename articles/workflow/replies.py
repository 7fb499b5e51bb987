"""Readers' questions and their reviewed replies: the only code that changes a question's
status, its reply's state or whether its answer is public (rules in `reply_rules.py`).

Each step is one function, as for revisions. It runs in a transaction and locks, in the order
the revision transitions use, the article row and the revision the question was asked on (when
the step writes a review event), then the question row (`select_for_update`); it moves the
status with a conditional UPDATE, so of two people acting at once exactly one wins and the other
gets a `TransitionError` in words. The reply's steps (submitted, approved, sent back, shown on
the article, removed from it) are `ReviewEvent`s on that revision, so they are in its audit trail;
their emails are queued after the commit (`articles.notifications`, `articles.question_emails`).
The reply reaches the reader only from the approval's event: the task worker sends it.
"""

import hashlib

from django.db import transaction
from django.utils import timezone

from .. import caching, notifications
from ..models import Article, Question, Revision
from ..models.questions import PUBLIC_QUESTION_MAX_LENGTH, REPLY_MAX_LENGTH
from . import lifecycle
from .reply_rules import (
    ACTIONS,
    MISSING_REPLY_ATTESTATION,
    REPLY_ATTESTATION,
    available_question_actions,
    reply_refusal,
)
from .rules import ConflictError, TransitionError, refuse_nul
from .transitions import record_event

Status = Question.Status
Reply = Question.ReplyState

__all__ = [
    "ACTIONS",
    "REPLY_ATTESTATION",
    "available_question_actions",
    "perform",
    "reply_refusal",
    "snapshot",
]


def snapshot(question) -> str:
    """What a page showed of the question's state; a form sends it back as `expected`."""
    return f"{question.status}/{question.reply_state}/{int(question.is_public)}"


def _step(
    name,
    question,
    user,
    *,
    expected=None,
    check=None,
    changes=None,
    event=None,
    comment="",
    details=None,
    then=None,
):
    """Take the step `name` on `question`, or raise TransitionError. Under the locks,
    `check(locked)` may refuse beyond the rules; `changes(locked)` says which fields change;
    `event` names the review event to write (with `comment` and `details(locked)`);
    `then(locked)` runs after the change, in the same transaction."""
    comment = (comment or "").strip()
    refuse_nul(comment)
    with transaction.atomic():
        revision = None
        if event:  # the event records the revision's state: hold it still, as transitions do
            Article.objects.select_for_update().filter(pk=question.article_id).first()
            revision = Revision.objects.select_for_update().get(pk=question.revision_id)
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if expected and snapshot(locked) != expected:
            raise ConflictError(
                "Someone else changed this question meanwhile: it is now "
                f"{locked.status_label.lower()}, {locked.get_reply_state_display().lower()}. "
                "Nothing was changed; check it again."
            )
        if reason := reply_refusal(name, locked, user):
            raise TransitionError(reason)
        if check:
            check(locked)
        fields = changes(locked) if callable(changes) else dict(changes or {})
        if "status" in fields:
            fields.update(status_changed_at=timezone.now(), status_changed_by=user)
        moved = Question.objects.filter(
            pk=locked.pk,
            status=locked.status,
            reply_state=locked.reply_state,
            is_public=locked.is_public,
        ).update(**fields)
        if moved != 1:  # Lost a race the row lock could not prevent (SQLite).
            raise ConflictError("Someone else changed this question meanwhile; check it again.")
        if "is_public" in fields:  # "Readers asked" is part of the article's cached page
            caching.content_changed(locked.article_id)
        before = locked.reply_state
        locked.refresh_from_db()
        if then:
            then(locked)
        if event:
            recorded = record_event(
                revision,
                event,
                revision.state,
                revision.state,
                user,
                comment,
                {
                    "question_id": locked.pk,
                    "reply_from": before,
                    "reply_to": locked.reply_state,
                    **((details(locked) if callable(details) else details) or {}),
                },
            )
            transaction.on_commit(lambda: notifications.send_for(recorded.pk))
    question.refresh_from_db()
    return locked


def triage(question, user, expected=None):
    """An editor has read a new question and keeps it: it waits for a reply or a revision."""
    return _step("triage", question, user, expected=expected, changes={"status": Status.TRIAGED})


def close(question, user, reason, expected=None):
    """Close a question as a duplicate, out of scope or spam. Nothing is sent to the reader."""

    def said_why(locked):
        if reason not in Question.CloseReason.values:
            raise TransitionError("Choose why you close it: duplicate, out of scope or spam.")

    return _step(
        "close",
        question,
        user,
        expected=expected,
        check=said_why,
        changes={"status": Status.CLOSED, "close_reason": reason},
    )


def reopen(question, user, expected=None):
    return _step(
        "reopen",
        question,
        user,
        expected=expected,
        changes={"status": Status.TRIAGED, "close_reason": ""},
    )


def _linked(locked, revision):
    changes = {"linked_revision": revision}
    if locked.status == Status.NEW:
        changes["status"] = Status.TRIAGED
    return changes


def link(question, user, expected=None):
    """Link the question to the article's revision in progress: its reviewer sees why the
    change was made."""
    return _step(
        "link",
        question,
        user,
        expected=expected,
        changes=lambda locked: _linked(locked, locked.article.open_revision()),
    )


def start_revision(question, user, expected=None):
    """Start a new revision of the article (copied from the live one) because of this
    question, and link them. Both or neither."""
    with transaction.atomic():
        # Read before any lock: start_revision refuses a second open revision under its own.
        if reason := reply_refusal("start_revision", question, user):
            raise TransitionError(reason)
        revision = lifecycle.start_revision(
            question.article, user, change_summary="Started because of a reader's question."
        )
        # Under the question's lock the link checks the rules again (closed meanwhile?); a
        # refusal rolls the new revision back too.
        _step(
            "link",
            question,
            user,
            expected=expected,
            changes=lambda locked: _linked(locked, revision),
        )
    return revision


def _reply_fields(locked, user, reply_text, public_question):
    reply_text = (reply_text or "").strip().replace("\r\n", "\n")
    public_question = " ".join((public_question or "").split())
    refuse_nul(reply_text, public_question)
    if len(reply_text) > REPLY_MAX_LENGTH:
        raise TransitionError(
            f"The reply is too long: at most {REPLY_MAX_LENGTH:,} characters "
            f"(it has {len(reply_text):,})."
        )
    if len(public_question) > PUBLIC_QUESTION_MAX_LENGTH:
        raise TransitionError(
            f"The public wording of the question is too long: at most "
            f"{PUBLIC_QUESTION_MAX_LENGTH} characters (it has {len(public_question)})."
        )
    changes = {"reply_text": reply_text, "public_question": public_question}
    if locked.reply_state == Reply.NONE:
        changes["reply_state"] = Reply.DRAFT
    if locked.status == Status.NEW:
        changes["status"] = Status.TRIAGED
    return changes


def save_reply(question, user, reply_text, public_question="", expected=None):
    """An editor writes or edits the reply (and how the question would read in public). It
    stays a draft: nothing is sent. Whoever saves it may not approve it."""
    return _step(
        "save_reply",
        question,
        user,
        expected=expected,
        changes=lambda locked: _reply_fields(locked, user, reply_text, public_question),
        then=lambda locked: locked.reply_editors.add(user),
    )


def submit_reply(question, user, reply_text, public_question="", expected=None):
    """Save the reply as typed and send it to the medical reviewers."""

    def written(locked):
        if not (reply_text or "").strip():
            raise TransitionError("Write the reply before you submit it for medical review.")

    def fields(locked):
        return {
            **_reply_fields(locked, user, reply_text, public_question),
            "reply_state": Reply.SUBMITTED,
            "reply_submitted_at": timezone.now(),
        }

    return _step(
        "submit_reply",
        question,
        user,
        expected=expected,
        check=written,
        changes=fields,
        then=lambda locked: locked.reply_editors.add(user),
        event="submit_reply",
    )


def _fingerprint(locked):
    """The approved words, as a hash: the audit trail can show they were not changed since,
    without keeping a reply written for one reader in an append-only log."""
    approved = f"{locked.public_question}\n\n{locked.reply_text}".encode()
    return hashlib.sha256(approved).hexdigest()


def approve_reply(question, user, comment="", expected=None, *, attested=False):
    """A medical reviewer who did not write the reply approves it: the question is answered,
    and if the reader asked for an email (and their address is still kept), the worker sends
    it after the commit."""

    def ticked(locked):
        if not attested:
            raise TransitionError(MISSING_REPLY_ATTESTATION)

    now = timezone.now()
    return _step(
        "approve_reply",
        question,
        user,
        expected=expected,
        check=ticked,
        changes={
            "reply_state": Reply.APPROVED,
            "status": Status.ANSWERED,
            "reply_approved_at": now,
            "reply_approved_by": user,
            "reply_approved_by_label": user.signature,
        },
        event="approve_reply",
        comment=comment,
        details=lambda locked: {
            "attested": REPLY_ATTESTATION,
            "approved_sha256": _fingerprint(locked),
            "emailed": locked.wants_email_reply,
        },
    )


def request_reply_changes(question, user, comment, expected=None):
    """A medical reviewer sends the reply back to the editors with what to change."""

    def said_why(locked):
        if not (comment or "").strip():
            raise TransitionError("Say what needs to change in the reply.")

    return _step(
        "request_reply_changes",
        question,
        user,
        expected=expected,
        check=said_why,
        changes={"reply_state": Reply.CHANGES_REQUESTED},
        event="request_reply_changes",
        comment=comment,
    )


def publish(question, user, expected=None):
    """Show an approved answer under "Readers asked" on the article: the public wording of the
    question and the reply, attributed to the reviewer who approved them, nothing of the asker."""
    return _step(
        "publish",
        question,
        user,
        expected=expected,
        changes={"is_public": True, "published_at": timezone.now()},
        event="publish_answer",
    )


def unpublish(question, user, comment, expected=None):
    """Take an answer off the article (it stays approved, and in the audit trail)."""

    def said_why(locked):
        if not (comment or "").strip():
            raise TransitionError("Say why you take the answer off the article.")

    return _step(
        "unpublish",
        question,
        user,
        expected=expected,
        check=said_why,
        changes={"is_public": False},
        event="unpublish_answer",
        comment=comment,
    )


def perform(name, question, user, *, expected=None, **posted):
    """Run the step called `name` with what a form posted (the admin's question page)."""
    if name not in ACTIONS:
        raise TransitionError("That is not an action on a question.")
    if name in ("save_reply", "submit_reply"):
        step = save_reply if name == "save_reply" else submit_reply
        return step(
            question,
            user,
            posted.get("reply_text", ""),
            posted.get("public_question", ""),
            expected=expected,
        )
    if name == "close":
        return close(question, user, posted.get("close_reason", ""), expected=expected)
    if name == "approve_reply":
        return approve_reply(
            question,
            user,
            posted.get("comment", ""),
            expected=expected,
            attested=bool(posted.get("attested")),
        )
    if name in ("request_reply_changes", "unpublish"):
        step = request_reply_changes if name == "request_reply_changes" else unpublish
        return step(question, user, posted.get("comment", ""), expected=expected)
    step = {
        "triage": triage,
        "reopen": reopen,
        "link": link,
        "start_revision": start_revision,
        "publish": publish,
    }[name]
    return step(question, user, expected=expected)
