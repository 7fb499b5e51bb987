"""The review workflow: the only code that changes a revision's state.

    Draft ──Submit for review──▶ Submitted ──Start review──▶ Under review ──Approve──▶ Approved
      ▲                              ▲                           │  ▲ │
      │                              └──────────Release──────────┘  └─┘ Reassign
      └──(editor revises) Changes requested ◀──Request changes───┘
    Draft or Changes requested ──Withdraw──▶ Withdrawn (closed: the article is free again)
    Approved (live) ──a cited source changed──▶ flagged for a re-check, cleared by Still
    accurate (a reviewer other than who recorded the change) or by approving a newer revision

Each transition is one function. It runs in a transaction, locks the article row and then the
revision row (`select_for_update`, always in that order) and moves the state with a conditional
UPDATE, so of two people acting at once exactly one wins; the other gets a `TransitionError` with
words fit to show them. Each writes a `ReviewEvent` and queues its emails to go out after the
commit. The admin, `articles.source_changes` and management commands only call these.

Reviewers' comments on the text (`comments.py`) follow the same discipline: the assigned reviewer
adds them while reviewing, Request changes sends them all, the editor marks them resolved. So
does the health-literacy check (`pemat.py`): the assigned reviewer records PEMAT-P ratings of
the patient and caregiver texts, and approving reads them.
"""

from ..models.reviewers import medical_reviewers
from .comments import (
    CommentRights,
    PlacedBlock,
    PlacedComment,
    PlacedText,
    add_comment,
    comment_refusal,
    delete_comment,
    edit_comment,
    placed_comments,
    resolve_comment,
    resolve_refusal,
)
from .lifecycle import flag_citing_revisions, replay, start_revision
from .pemat import TextCheck, approval_check, record_assessment, text_checks
from .rules import (
    ACTIONS,
    APPROVE,
    ATTESTATION,
    CONTINUITY_ACTIONS,
    MISSING_ATTESTATION,
    REASSIGN,
    RELEASE,
    REQUEST_CHANGES,
    START_REVIEW,
    STILL_ACCURATE,
    SUBMIT,
    WITHDRAW,
    Action,
    ConflictError,
    OpenRevisionExists,
    TransitionError,
    available_actions,
    can_review,
    outdated_citations,
    reading_level_misses,
    refusal,
    refusals,
)
from .transitions import (
    PERFORM,
    approve,
    perform,
    reassign,
    release,
    request_changes,
    start_review,
    still_accurate,
    submit,
    withdraw,
)

__all__ = [
    "ACTIONS",
    "APPROVE",
    "ATTESTATION",
    "CONTINUITY_ACTIONS",
    "PERFORM",
    "REASSIGN",
    "RELEASE",
    "REQUEST_CHANGES",
    "START_REVIEW",
    "STILL_ACCURATE",
    "SUBMIT",
    "WITHDRAW",
    "Action",
    "CommentRights",
    "ConflictError",
    "MISSING_ATTESTATION",
    "OpenRevisionExists",
    "PlacedBlock",
    "PlacedComment",
    "PlacedText",
    "TextCheck",
    "TransitionError",
    "add_comment",
    "approval_check",
    "approve",
    "available_actions",
    "can_review",
    "comment_refusal",
    "delete_comment",
    "edit_comment",
    "flag_citing_revisions",
    "medical_reviewers",
    "outdated_citations",
    "reading_level_misses",
    "perform",
    "placed_comments",
    "reassign",
    "record_assessment",
    "refusal",
    "refusals",
    "release",
    "replay",
    "request_changes",
    "resolve_comment",
    "resolve_refusal",
    "start_review",
    "start_revision",
    "still_accurate",
    "submit",
    "text_checks",
    "withdraw",
]
