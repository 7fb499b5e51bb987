"""Shared data and helpers for the source-change tests (a plain module: pytest collects nothing
here; the `people` and `guideline` fixtures are in this folder's conftest.py)."""

import datetime

from articles import workflow
from articles.models import Revision, SourceVersion
from articles.source_changes import record_source_change
from tests.factories import revision_with_content

GUIDELINE_NAME = "American Academy of Dermatology acne guideline"
OLD_DOI = "10.1016/j.jaad.2023.12.017"
NEW_EDITION = {"edition": "2026 update", "published_on": datetime.date(2026, 3, 1)}
EDITION_NOTE = "AAD published the 2026 update on its site; dosing section rewritten."


def long_date(day):
    return f"{day:%B} {day.day}, {day.year}"


def approved(people, sources=(), **fields):
    """An approved (live) revision 1 of a new article citing `sources`."""
    revision = revision_with_content(
        sources=sources, state=Revision.State.SUBMITTED, author=people["author"], **fields
    )
    workflow.start_review(revision, people["checker"])
    workflow.approve(
        revision,
        people["checker"],
        "Checked.",
        attested=True,
        pemat_reason="Not rated in this test.",
    )
    revision.refresh_from_db()
    return revision


def new_edition(source, user, note=EDITION_NOTE, **fields):
    """Record the 2026 update of `source` (NEW_EDITION, overridden by `fields`)."""
    return record_source_change(
        source, user, SourceVersion.Change.NEW_EDITION, note, **{**NEW_EDITION, **fields}
    )
