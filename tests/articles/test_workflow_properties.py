"""Property: whatever people try, in whatever order, the workflow stays inside its table and its
event log replays to the revision's state."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import workflow
from articles.models import Revision
from tests.factories import UserFactory, editor, reviewer, revision_with_content

pytestmark = pytest.mark.django_db
State = Revision.State

ALLOWED = {
    ("", State.DRAFT),
    (State.DRAFT, State.SUBMITTED),
    (State.CHANGES_REQUESTED, State.SUBMITTED),
    (State.SUBMITTED, State.UNDER_REVIEW),
    (State.UNDER_REVIEW, State.APPROVED),
    (State.UNDER_REVIEW, State.CHANGES_REQUESTED),
    (State.UNDER_REVIEW, State.SUBMITTED),  # released back to the queue
    (State.UNDER_REVIEW, State.UNDER_REVIEW),  # reassigned
}

steps = st.lists(
    st.tuples(
        st.sampled_from(
            ["submit", "start_review", "approve", "request_changes", "release", "reassign", "bogus"]
        ),
        st.sampled_from(["author", "editor", "reviewer", "reviewer2", "both", "reader"]),
        st.sampled_from(["", "A comment."]),
    ),
    max_size=12,
)


@pytest.fixture
def people():
    author = editor()
    return {
        "author": author,
        "editor": editor(),
        "reviewer": reviewer(),
        "reviewer2": reviewer(),
        "both": UserFactory(
            roles=["Editors", "Medical reviewers"], display_name="Dr. B", credentials="MD"
        ),
        "reader": UserFactory(),
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=steps)
def test_random_sequences_stay_in_the_table_and_replay(people, sequence):
    live = revision_with_content(author=people["author"], state=State.APPROVED)
    revision = workflow.start_revision(live.article, people["author"])
    assert revision.variants.count() == 4  # copied from the live revision
    revision.contributors.add(people["both"])

    for action, who, comment in sequence:
        before = revision.state
        try:
            # A reassignment always names the second reviewer (refused when they cannot take it).
            workflow.perform(
                action, revision, people[who], comment, reviewer=people["reviewer2"].pk
            )
        except workflow.TransitionError:
            revision.refresh_from_db()
            assert revision.state == before
        assert revision.state in State.values

    events = list(revision.events.order_by("created_at", "pk"))
    assert {(e.from_state, e.to_state) for e in events} <= ALLOWED
    assert workflow.replay(events) == revision.state
    # Nobody who wrote or edited it ever approved it.
    approvals = [e for e in events if e.action == "approve"]
    assert all(e.actor not in (people["author"], people["both"]) for e in approvals)
