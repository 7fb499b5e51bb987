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
"""

from ..models.reviewers import medical_reviewers
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
    flag_citing_revisions,
    perform,
    reassign,
    release,
    replay,
    request_changes,
    start_review,
    start_revision,
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
    "ConflictError",
    "MISSING_ATTESTATION",
    "OpenRevisionExists",
    "TransitionError",
    "approve",
    "available_actions",
    "can_review",
    "flag_citing_revisions",
    "medical_reviewers",
    "outdated_citations",
    "reading_level_misses",
    "perform",
    "reassign",
    "refusal",
    "refusals",
    "release",
    "replay",
    "request_changes",
    "start_review",
    "start_revision",
    "still_accurate",
    "submit",
    "withdraw",
]
