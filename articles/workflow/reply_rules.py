"""Who may do what with a reader's question and its reply, and why not. Pure reads: the
transitions in `replies.py` call `reply_refusal` after locking the question.

    New ──Triage──▶ Triaged ──(reply approved)──▶ Answered
     │                 │  ▲
     └──Close──▶ Closed (duplicate, out of scope, spam) ──Reopen──┘

    The reply: none ──Save──▶ draft ──Submit──▶ waiting for medical review ──Approve──▶ approved
                                ▲                        │                        (emailed, may be
                                └──(editor revises)── sent back ◀──Send back──┘      made public)

Editors (`articles.change_question`) triage, link a question to a revision and draft replies.
Only a medical reviewer approves a reply or sends it back, and never one they wrote or edited:
the same rule as for revisions.
"""

from dataclasses import dataclass

from ..models import Question
from .rules import NO_PROFILE, _has_public_profile, can_review

Status = Question.Status
Reply = Question.ReplyState
EDITOR_PERMISSION = "articles.change_question"

# What a reviewer ticks to approve a reply; recorded on the approval's event.
REPLY_ATTESTATION = (
    "I have checked this reply: it is accurate, fits what the article says, and tells the "
    "reader when to get help"
)
MISSING_REPLY_ATTESTATION = (
    f"Tick “{REPLY_ATTESTATION}” before you approve: the reader is told a named reviewer "
    "checked it."
)


@dataclass(frozen=True)
class QuestionAction:
    name: str
    label: str
    done: str  # what the person is told when it worked


ACTIONS = {
    action.name: action
    for action in (
        QuestionAction("triage", "Mark as triaged", "Marked as triaged."),
        QuestionAction("close", "Close the question", "Closed."),
        QuestionAction("reopen", "Reopen", "Reopened: the question is triaged again."),
        QuestionAction("link", "Link to the revision in progress", "Linked to the revision."),
        QuestionAction(
            "start_revision",
            "Start a new revision for this question",
            "A new revision was started and linked to this question.",
        ),
        QuestionAction("save_reply", "Save the reply", "The reply is saved as a draft."),
        QuestionAction(
            "submit_reply",
            "Save and submit for medical review",
            "The reply is waiting for a medical reviewer. Nothing is sent before one approves it.",
        ),
        QuestionAction("approve_reply", "Approve the reply", "Approved."),
        QuestionAction(
            "request_reply_changes", "Send the reply back", "The reply went back to the editors."
        ),
        QuestionAction("publish", "Show the answer on the article", "The answer is shown."),
        QuestionAction(
            "unpublish", "Remove the answer from the article", "The answer is off the article."
        ),
    )
}
REVIEWER_ACTIONS = {"approve_reply", "request_reply_changes"}
PUBLISHING_ACTIONS = {"publish", "unpublish"}


def is_reply_editor(question, user):
    return question.reply_editors.filter(pk=user.pk).exists()


def reply_refusal(name, question, user) -> str:
    """Why `user` may not take the action called `name` on `question` now, or ""."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return "Only signed-in staff can handle readers' questions."
    if name not in ACTIONS:
        return "That is not an action on a question."
    if name in REVIEWER_ACTIONS:
        return _review_refusal(name, question, user)
    if name in PUBLISHING_ACTIONS:
        return _publishing_refusal(name, question, user)
    if not user.has_perm(EDITOR_PERMISSION):
        return "Only editors can triage questions and draft replies."
    if name == "triage":
        return "" if question.status == Status.NEW else _not_now(question, "marked as triaged")
    if name == "reopen":
        return "" if question.is_closed else "Only a closed question can be reopened."
    if question.is_closed:
        return "This question is closed. Reopen it first."
    if name == "close":
        if question.status == Status.ANSWERED:
            return "This question is answered already; it cannot be closed."
        if question.reply_state == Reply.SUBMITTED:
            return (
                "Its reply is waiting for a medical reviewer. Ask them to send it back before "
                "you close the question."
            )
        return ""
    if name in ("link", "start_revision"):
        return _link_refusal(name, question, user)
    # save_reply, submit_reply
    if not question.reply_is_editable:
        return (
            f"The reply cannot be changed now: {question.get_reply_state_display().lower()}."
            if question.reply_state in (Reply.SUBMITTED, Reply.APPROVED)
            else "The reply cannot be changed now."
        )
    return ""


def _not_now(question, what):
    return f"This question cannot be {what}: it is {question.status_label.lower()}."


def _link_refusal(name, question, user):
    open_revision = question.article.open_revision()
    if name == "link":
        if open_revision is None:
            return "The article has no revision in progress. Start a new revision instead."
        if question.linked_revision_id == open_revision.pk:
            return f"This question is linked to revision {open_revision.number} already."
        if not open_revision.is_editable:
            # Its text is frozen: it was not written because of this question.
            return (
                f"Revision {open_revision.number} is {open_revision.get_state_display().lower()}"
                ", so it cannot change for this question. Link it to the next revision: once "
                "this one is approved, or sent back to the editor."
            )
        return ""
    if open_revision is not None:
        return (
            f"Revision {open_revision.number} of this article is already in progress: link the "
            "question to it instead."
        )
    if not user.has_perm("articles.add_revision"):
        return "Only editors can start a new revision."
    return ""


def _review_refusal(name, question, user):
    if question.reply_state != Reply.SUBMITTED:
        return (
            "The reply is not waiting for medical review: it is "
            f"{question.get_reply_state_display().lower()}."
        )
    if not can_review(user):
        return "Only medical reviewers can approve a reply or send it back."
    if is_reply_editor(question, user):
        return "You wrote or edited this reply, so another medical reviewer must check it."
    if name == "approve_reply" and not _has_public_profile(user):
        return NO_PROFILE
    return ""


def _publishing_refusal(name, question, user):
    if not (user.has_perm(EDITOR_PERMISSION) or can_review(user)):
        return "Only editors and medical reviewers can show answers on the article."
    if name == "unpublish":
        return "" if question.is_public else "This answer is not on the article."
    if question.reply_state != Reply.APPROVED:
        return "Only a reply a medical reviewer approved can be shown on the article."
    if question.is_public:
        return "This answer is on the article already."
    if not question.public_question.strip():
        return (
            "The reply was approved without a public wording of the question, so it cannot be "
            "shown to other readers. Readers would see the reader's own words otherwise."
        )
    return ""


def available_question_actions(question, user):
    return [name for name in ACTIONS if not reply_refusal(name, question, user)]
