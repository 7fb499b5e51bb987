"""Reviewer continuity: when the reviewer holding a review is unavailable, a staff admin or
another medical reviewer releases it to the queue or hands it to someone else. The step is on
record, the reviewer who held it is told, and a review held by a deactivated account shows in
the queue as needing a reviewer."""

import html
import re

import pytest
from django.contrib import messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import workflow
from articles.models import ReviewEvent, Revision
from tests.factories import EDITORS, REVIEWERS, UserFactory, editor, reviewer, revision_with_content
from tests.pages import landed, text_of

pytestmark = pytest.mark.django_db
State = Revision.State

RELEASE_REASON = "Dr. Holder is on leave until March."
REASSIGN_REASON = "Dr. Holder is away; Dr. Backup knows this topic."


@pytest.fixture
def cast():
    """Everyone around one review. Each reviewer has a name of their own, so that emails and
    pages can be read for who did what."""
    return {
        # The revision's author is an editor who is also a medical reviewer.
        "author": UserFactory(
            roles=[EDITORS, REVIEWERS],
            email="wren.writer@example.com",
            display_name="Dr. Wren Writer",
            credentials="MD",
        ),
        # A reviewer who edited the text: a contributor.
        "helper": reviewer(email="hal.helper@example.com", display_name="Dr. Hal Helper"),
        "holder": reviewer(email="ana.holder@example.com", display_name="Dr. Ana Holder"),
        "backup": reviewer(email="ben.backup@example.com", display_name="Dr. Ben Backup"),
        "colleague": reviewer(email="cy.colleague@example.com", display_name="Dr. Cy Colleague"),
        "retired": reviewer(
            email="old.timer@example.com", display_name="Dr. Old Timer", is_active=False
        ),
        "editor": editor(email="eve.editor@example.com"),
        "reader": UserFactory(email="reader@example.com"),
        "admin": UserFactory(
            email="ada.admin@example.com",
            first_name="Ada",
            last_name="Admin",
            is_staff=True,
            is_superuser=True,
        ),
    }


@pytest.fixture
def held(cast):
    """Revision 1, submitted by its author and under review by Dr. Ana Holder."""
    revision = revision_with_content(state=State.SUBMITTED, author=cast["author"])
    revision.contributors.add(cast["author"], cast["helper"])
    workflow.start_review(revision, cast["holder"])
    mail.outbox.clear()
    return revision


def review_url(revision):
    return reverse("admin:articles_revision_review", args=[revision.pk])


def act_url(revision):
    return reverse("admin:articles_revision_act", args=[revision.pk])


def options_of(response):
    """[(value, label, selected)] of the "Hand it to" select, or None when there is none."""
    page = response.content.decode()
    select = re.search(r'<select id="reassign-to" name="reviewer">(.*?)</select>', page, re.S)
    if not select:
        return None
    return [
        (value, html.unescape(label).strip(), bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>(.*?)</option>', select.group(1), re.S
        )
    ]


def row_of(response, revision):
    """The visible text of `revision`'s row in the admin's revision list, or None."""
    change = reverse("admin:articles_revision_change", args=[revision.pk])
    for row in re.findall(r"<tr\b.*?</tr>", response.content.decode(), re.S):
        if f'href="{change}' in row:
            return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
    return None


def assert_nothing_changed(revision, holder, events_before):
    revision.refresh_from_db()
    assert revision.state == State.UNDER_REVIEW
    assert revision.assigned_reviewer == holder
    assert revision.events.count() == events_before


# The workflow: what is recorded, and who is told.


def test_another_reviewer_releases_a_review_and_the_holder_is_told(
    held, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.release(held, cast["colleague"], f"  {RELEASE_REASON}  ")

    held.refresh_from_db()
    assert held.state == State.SUBMITTED
    assert held.assigned_reviewer is None
    assert held in Revision.objects.needing_reviewer()
    event = held.events.last()
    assert (event.action, event.from_state, event.to_state) == (
        "release",
        State.UNDER_REVIEW,
        State.SUBMITTED,
    )
    assert event.actor == cast["colleague"]
    assert event.actor_label == "Dr. Cy Colleague, MD, FAAD"
    assert event.comment == RELEASE_REASON
    assert event.details == {
        "from_reviewer_id": cast["holder"].pk,
        "from_reviewer": "Dr. Ana Holder, MD, FAAD",
    }
    assert [e.action for e in held.events.all()] == ["start_review", "release"]

    # Exactly one email: to the reviewer who held it, saying who released it and why.
    assert [m.to for m in mail.outbox] == [[cast["holder"].email]]
    message = mail.outbox[0]
    assert "released" in message.subject and held.title in message.subject
    assert "Dr. Cy Colleague, MD, FAAD released it back to the review queue" in message.body
    assert f"Their reason: {RELEASE_REASON}" in message.body


def test_nothing_is_sent_before_the_commit(held, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.release(held, cast["colleague"], RELEASE_REASON)
    assert mail.outbox == []
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[cast["holder"].email]]


def test_the_assigned_reviewer_may_release_their_own_review(
    held, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.release(held, cast["holder"], "I cannot finish this one, sorry.")
    held.refresh_from_db()
    assert (held.state, held.assigned_reviewer) == (State.SUBMITTED, None)
    event = held.events.last()
    assert event.action == "release" and event.actor == cast["holder"]
    assert event.details["from_reviewer_id"] == cast["holder"].pk
    assert mail.outbox == []  # nobody is told of what they did themselves
    # Back in the queue: another reviewer takes it.
    workflow.start_review(held, cast["backup"])
    assert held.assigned_reviewer == cast["backup"]


def test_a_staff_admin_reassigns_and_both_reviewers_are_told(
    held, cast, django_capture_on_commit_callbacks
):
    admin, backup, holder = cast["admin"], cast["backup"], cast["holder"]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reassign(held, admin, REASSIGN_REASON, reviewer=backup.pk)

    held.refresh_from_db()
    assert held.state == State.UNDER_REVIEW
    assert held.assigned_reviewer == backup
    assert held not in Revision.objects.needing_reviewer()
    event = held.events.last()
    assert (event.action, event.from_state, event.to_state) == (
        "reassign",
        State.UNDER_REVIEW,
        State.UNDER_REVIEW,
    )
    assert (event.actor, event.actor_label, event.comment) == (admin, "Ada Admin", REASSIGN_REASON)
    assert event.details == {
        "from_reviewer_id": holder.pk,
        "from_reviewer": "Dr. Ana Holder, MD, FAAD",
        "to_reviewer_id": backup.pk,
        "to_reviewer": "Dr. Ben Backup, MD, FAAD",
    }

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 2 and set(by_recipient) == {holder.email, backup.email}
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    told = by_recipient[holder.email]
    assert "reassigned" in told.subject
    assert "Ada Admin handed it to Dr. Ben Backup, MD, FAAD" in told.body
    assert "which you were reviewing" in told.body
    assert f"Their reason: {REASSIGN_REASON}" in told.body
    new = by_recipient[backup.email]
    assert new.subject == f"Review assigned to you: {held.title}"
    assert "Ada Admin assigned revision 1" in new.body
    assert f"Their reason: {REASSIGN_REASON}" in new.body
    assert review_url(held) in new.body

    # The review is now Dr. Backup's: the old holder cannot decide it, the new one can.
    with pytest.raises(workflow.TransitionError, match="Only the reviewer assigned"):
        workflow.approve(held, holder, attested=True, pemat_reason="Not rated in this test.")
    workflow.approve(
        held,
        backup,
        "Checked every reference.",
        attested=True,
        pemat_reason="Not rated in this test.",
    )
    held.refresh_from_db()
    assert held.state == State.APPROVED
    assert held.approved_by == backup
    assert held.approved_by_label == "Dr. Ben Backup, MD, FAAD"


def test_a_reviewer_may_take_a_review_over_themselves(held, cast):
    workflow.reassign(held, cast["colleague"], REASSIGN_REASON, reviewer=cast["colleague"].pk)
    held.refresh_from_db()
    assert held.assigned_reviewer == cast["colleague"]


def test_perform_passes_the_chosen_reviewer_on(held, cast):
    workflow.perform(
        "reassign",
        held,
        cast["colleague"],
        REASSIGN_REASON,
        expected_state=State.UNDER_REVIEW,
        reviewer=str(cast["backup"].pk),
    )
    held.refresh_from_db()
    assert held.assigned_reviewer == cast["backup"]


# Refusals: clear words, and nothing written or sent.


def _release(who, comment=RELEASE_REASON):
    return lambda revision, cast: workflow.release(revision, cast[who], comment)


def _reassign(to, who="colleague", comment=REASSIGN_REASON):
    def step(revision, cast):
        chosen = cast[to].pk if to in cast else to
        return workflow.perform("reassign", revision, cast[who], comment, reviewer=chosen)

    return step


REFUSALS = {
    "release without a reason": (_release("colleague", ""), "Say why you release this review"),
    "release with only blanks": (_release("colleague", " \n "), "Say why you release this review"),
    "reassign without a reason": (
        _reassign("backup", comment=""),
        "Say why you reassign this review; both reviewers are told.",
    ),
    "an editor releases": (
        _release("editor"),
        "Only medical reviewers and staff admins can release or reassign a review.",
    ),
    "an editor reassigns": (
        _reassign("backup", who="editor"),
        "Only medical reviewers and staff admins can release or reassign a review.",
    ),
    "a reader releases": (_release("reader"), "Only signed-in staff"),
    "a reader reassigns": (_reassign("backup", who="reader"), "Only signed-in staff"),
    "the author, a reviewer too, releases": (
        _release("author"),
        "You wrote or edited this revision, so you cannot choose who reviews it.",
    ),
    "the author, a reviewer too, reassigns": (
        _reassign("backup", who="author"),
        "You wrote or edited this revision, so you cannot choose who reviews it.",
    ),
    "a contributing reviewer releases": (
        _release("helper"),
        "You wrote or edited this revision, so you cannot choose who reviews it.",
    ),
    "reassign to an editor": (_reassign("editor"), "is not an active medical reviewer"),
    "reassign to a reader": (_reassign("reader"), "is not an active medical reviewer"),
    "reassign to a deactivated reviewer": (
        _reassign("retired"),
        "Dr. Old Timer is not an active medical reviewer.",
    ),
    "reassign to the author": (
        _reassign("author"),
        "Dr. Wren Writer wrote or edited this revision.",
    ),
    "reassign to a contributor": (
        _reassign("helper"),
        "Dr. Hal Helper wrote or edited this revision.",
    ),
    "reassign to the current reviewer": (
        _reassign("holder"),
        "The review is already assigned to Dr. Ana Holder.",
    ),
    "reassign to 'abc'": (_reassign("abc"), "Choose the medical reviewer to hand this review to."),
    "reassign to ''": (_reassign(""), "Choose the medical reviewer to hand this review to."),
    "reassign to nobody": (_reassign(None), "Choose the medical reviewer to hand this review to."),
    "reassign to a missing id": (
        _reassign("987654"),
        "Choose the medical reviewer to hand this review to.",
    ),
    "reassign to an id too big for the database": (
        _reassign("99999999999999999999"),
        "Choose the medical reviewer to hand this review to.",
    ),
}


@pytest.mark.parametrize(("step", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refusals_say_why_and_change_nothing(
    held, cast, step, message, django_capture_on_commit_callbacks
):
    before = held.events.count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(workflow.TransitionError, match=re.escape(message)),
    ):
        step(held, cast)
    assert_nothing_changed(held, cast["holder"], before)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (_release("colleague"), "“Release to the queue” is not possible: revision 1 is submitted."),
        (_reassign("backup"), "“Reassign” is not possible: revision 1 is submitted."),
    ],
    ids=["release", "reassign"],
)
def test_a_submitted_revision_has_no_review_to_release_or_reassign(cast, step, message):
    submitted = revision_with_content(state=State.SUBMITTED, author=cast["author"])
    with pytest.raises(workflow.TransitionError, match=re.escape(message)):
        step(submitted, cast)
    submitted.refresh_from_db()
    assert (submitted.state, submitted.assigned_reviewer) == (State.SUBMITTED, None)
    assert not submitted.events.exists()


# A reviewer whose account was deactivated.


def test_a_review_held_by_a_deactivated_account_shows_as_needing_a_reviewer(client, held, cast):
    client.force_login(cast["colleague"])
    changelist = reverse("admin:articles_revision_changelist")

    def lists():
        return {
            queue: client.get(changelist, {"queue": queue})
            for queue in ("needs_reviewer", "awaiting_me")
        }

    # While Dr. Holder is active the review is theirs, and in nobody's queue.
    for response in lists().values():
        assert response.status_code == 200
        assert row_of(response, held) is None
    assert "Waiting for" in text_of(client.get(changelist))
    assert "Dr. Ana Holder, MD, FAAD" in row_of(client.get(changelist), held)

    cast["holder"].is_active = False
    cast["holder"].save(update_fields=["is_active"])

    for queue, response in lists().items():
        row = row_of(response, held)
        assert row is not None, f"not in ?queue={queue}"
        assert "Needs a reviewer: the assigned one is unavailable" in row
    # Not in the queue of the revision's own author, who is a reviewer too.
    client.force_login(cast["author"])
    assert row_of(client.get(changelist, {"queue": "awaiting_me"}), held) is None
    client.force_login(cast["colleague"])

    page = client.get(review_url(held))
    assert (
        "Assigned reviewer Dr. Ana Holder, MD, FAAD (account deactivated: this review needs a "
        "new reviewer)" in text_of(page)
    )
    assert "The reviewer is unavailable: release or reassign this review" in text_of(page)

    response = client.post(
        act_url(held),
        {
            "action": "reassign",
            "comment": "Dr. Holder has left.",
            "reviewer": str(cast["backup"].pk),
            "expected_state": State.UNDER_REVIEW,
        },
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.assigned_reviewer == cast["backup"]
    for response in lists().values():
        assert row_of(response, held) is None
    assert "Dr. Ben Backup, MD, FAAD" in row_of(client.get(changelist), held)
    page = text_of(client.get(review_url(held)))
    assert "deactivated" not in page


# The admin review page.


def test_another_reviewer_is_offered_release_and_reassign(client, held, cast):
    client.force_login(cast["colleague"])
    response = client.get(review_url(held))
    assert response.status_code == 200
    page = text_of(response)
    assert "The reviewer is unavailable: release or reassign this review" in page
    assert "Why (required; Dr. Ana Holder, MD, FAAD is told)" in page
    html_page = response.content.decode()
    assert 'name="action" value="reassign"' in html_page
    assert 'name="action" value="release"' in html_page
    assert "It is assigned to Dr. Ana Holder, MD, FAAD." in page
    # Eligible: active medical reviewers who neither wrote the revision nor hold it. (Whether
    # a staff admin who is no medical reviewer is not: see below.)
    options = options_of(response)
    assert options[0] == ("", "Choose a medical reviewer", False)
    offered = {value: label for value, label, _ in options[1:]}
    assert offered[str(cast["backup"].pk)] == "Dr. Ben Backup, MD, FAAD"
    assert offered[str(cast["colleague"].pk)] == "Dr. Cy Colleague, MD, FAAD"
    for who in ("holder", "author", "helper", "retired", "editor", "reader"):
        assert str(cast[who].pk) not in offered, who
    assert not any("Holder" in label or "Writer" in label for label in offered.values())


@pytest.mark.parametrize("who", ["editor", "author", "helper"])
def test_editors_and_the_revisions_own_writers_are_not_offered_the_form(client, held, cast, who):
    client.force_login(cast[who])
    response = client.get(review_url(held))
    assert response.status_code == 200
    page = text_of(response)
    assert "release or reassign this review" not in page
    assert options_of(response) is None
    assert 'value="release"' not in response.content.decode()
    assert "No review action is open to you on this revision now." in page
    why = (
        "Only medical reviewers and staff admins can release or reassign a review."
        if who == "editor"
        else "You wrote or edited this revision, so you cannot choose who reviews it."
    )
    assert why in page


def test_the_holder_is_offered_release_and_reassign_too(client, held, cast):
    client.force_login(cast["holder"])
    response = client.get(review_url(held))
    assert "Continue to approve…</button>" in response.content.decode()
    assert "release or reassign this review" in text_of(response)
    labels = [label for _, label, _ in options_of(response)[1:]]
    assert "Dr. Ben Backup, MD, FAAD" in labels and "Dr. Cy Colleague, MD, FAAD" in labels
    assert "Dr. Ana Holder, MD, FAAD" not in labels


def test_a_missing_reason_answers_400_keeping_what_was_typed(client, held, cast):
    client.force_login(cast["colleague"])
    before = held.events.count()
    response = landed(
        client,
        client.post(
            act_url(held),
            {
                "action": "reassign",
                "comment": "   ",
                "reviewer": str(cast["backup"].pk),
                "expected_state": State.UNDER_REVIEW,
            },
        ),
    )
    assert response.status_code == 400
    html_page = response.content.decode()
    assert (
        '<p class="errornote" role="alert" id="action-error" tabindex="-1" autofocus>'
        "Say why you reassign this review; both reviewers are told.</p>" in html_page
    )
    assert '<details class="continuity" open>' in html_page
    selected = [label for _, label, chosen in options_of(response) if chosen]
    assert selected == ["Dr. Ben Backup, MD, FAAD"]
    assert_nothing_changed(held, cast["holder"], before)

    # A reason with no reviewer chosen: the reason stays in the box.
    response = landed(
        client,
        client.post(
            act_url(held),
            {
                "action": "reassign",
                "comment": REASSIGN_REASON,
                "expected_state": State.UNDER_REVIEW,
            },
        ),
    )
    assert response.status_code == 400
    assert "Choose the medical reviewer to hand this review to." in text_of(response)
    textarea = re.search(
        r'<textarea id="continuity-comment"[^>]*>(.*?)</textarea>',
        response.content.decode(),
        re.S,
    )
    assert html.unescape(textarea.group(1)) == REASSIGN_REASON
    assert not any(chosen for _, _, chosen in options_of(response))

    response = landed(
        client,
        client.post(
            act_url(held),
            {"action": "release", "comment": "", "expected_state": State.UNDER_REVIEW},
        ),
    )
    assert response.status_code == 400
    assert "Say why you release this review; the reviewer who held it is told." in text_of(response)
    assert_nothing_changed(held, cast["holder"], before)


@pytest.mark.parametrize(
    ("who", "data", "message"),
    [
        (
            "editor",
            {"action": "release", "comment": RELEASE_REASON},
            "Only medical reviewers and staff admins can release or reassign a review.",
        ),
        (
            "author",
            {"action": "reassign", "comment": REASSIGN_REASON, "reviewer": "backup"},
            "You wrote or edited this revision, so you cannot choose who reviews it.",
        ),
        (
            "colleague",
            {"action": "reassign", "comment": REASSIGN_REASON, "reviewer": "abc"},
            "Choose the medical reviewer to hand this review to.",
        ),
        (
            "colleague",
            {"action": "reassign", "comment": REASSIGN_REASON, "reviewer": "retired"},
            "Dr. Old Timer is not an active medical reviewer.",
        ),
    ],
    ids=["editor", "author", "bogus-id", "deactivated-target"],
)
def test_refused_posts_answer_400_with_the_reason(client, held, cast, who, data, message):
    client.force_login(cast[who])
    if data.get("reviewer") in cast:
        data = {**data, "reviewer": str(cast[data["reviewer"]].pk)}
    before = held.events.count()
    response = landed(
        client, client.post(act_url(held), {**data, "expected_state": State.UNDER_REVIEW})
    )
    assert response.status_code == 400
    assert message in text_of(response)
    assert_nothing_changed(held, cast["holder"], before)


def test_a_stale_form_answers_409_and_changes_nothing(client, held, cast):
    workflow.release(held, cast["holder"], "Back to the queue.")
    client.force_login(cast["colleague"])
    response = landed(
        client,
        client.post(
            act_url(held),
            {
                "action": "reassign",
                "comment": REASSIGN_REASON,
                "reviewer": str(cast["backup"].pk),
                "expected_state": State.UNDER_REVIEW,
            },
        ),
    )
    assert response.status_code == 409
    assert "Someone else changed revision 1 meanwhile: it is now submitted." in text_of(response)
    held.refresh_from_db()
    assert (held.state, held.assigned_reviewer) == (State.SUBMITTED, None)
    assert not held.events.filter(action="reassign").exists()


def test_a_staff_admin_reassigns_through_the_admin(
    client, held, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast["admin"])
    page = client.get(review_url(held))
    assert page.status_code == 200
    assert str(cast["backup"].pk) in [value for value, _, _ in options_of(page)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            act_url(held),
            {
                "action": "reassign",
                "comment": REASSIGN_REASON,
                "reviewer": str(cast["backup"].pk),
                "expected_state": State.UNDER_REVIEW,
            },
        )
    assert response.status_code == 302
    assert response.url == review_url(held)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [cast["holder"].email, cast["backup"].email]
    )
    page = client.get(response.url)
    notes = [(m.level, m.message) for m in messages.get_messages(page.wsgi_request)]
    assert notes == [(messages.SUCCESS, "Reassign: revision 1 is now Under review.")]
    text = text_of(page)
    assert "Reassign: revision 1 is now Under review." in text
    timeline = text.split("Timeline", 1)[1]
    assert (
        "Ada Admin : Reassigned : from Dr. Ana Holder, MD, FAAD to Dr. Ben Backup, MD, FAAD"
        in timeline
    )
    assert REASSIGN_REASON in timeline
    assert "Assigned reviewer Dr. Ben Backup, MD, FAAD" in text


def test_another_reviewer_releases_through_the_admin(
    client, held, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast["colleague"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            act_url(held),
            {"action": "release", "comment": RELEASE_REASON, "expected_state": State.UNDER_REVIEW},
            follow=True,
        )
    assert response.redirect_chain == [(review_url(held), 302)]
    text = text_of(response)
    assert "Release to the queue: revision 1 is now Submitted." in text
    timeline = text.split("Timeline", 1)[1]
    assert (
        "Dr. Cy Colleague, MD, FAAD : Released to the queue (Under review → Submitted) : held by "
        "Dr. Ana Holder, MD, FAAD" in timeline
    )
    assert RELEASE_REASON in timeline
    assert [m.to for m in mail.outbox] == [[cast["holder"].email]]
    # Back in the queue, the page offers to start the review, and no longer to release it.
    assert ">Start review</button>" in response.content.decode()
    assert "release or reassign this review" not in text
    assert ReviewEvent.objects.filter(revision=held, action="release").count() == 1


def test_the_review_page_stays_within_a_few_queries(
    client, held, cast, django_assert_max_num_queries
):
    client.force_login(cast["colleague"])
    client.get(review_url(held))  # warm the session and the content types
    # Measured: 28 with this cast (two of them the "Your work" counts of revisions and of
    # readers' questions, one the reviewers' comments on the text, one the questions and
    # answers shown with the revision); it no longer grows with the number of staff (see below).
    with django_assert_max_num_queries(28):
        response = client.get(review_url(held))
    assert response.status_code == 200
    assert options_of(response)


# Found by a second read, fixed since: the page's cost, its wording, who counts as a reviewer.


def _review_page_queries(client, revision):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(review_url(revision))
    assert response.status_code == 200
    return len(queries)


def test_the_review_page_does_not_query_once_per_staff_member(client, held, cast):
    client.force_login(cast["colleague"])
    client.get(review_url(held))
    few = _review_page_queries(client, held)
    for number in range(5):
        reviewer(email=f"extra{number}@example.com", display_name=f"Dr. Extra {number}")
    many = _review_page_queries(client, held)
    assert many == few


@pytest.mark.parametrize("who", ["editor", "colleague"])
def test_the_review_page_says_each_refusal_once(client, held, cast, who):
    client.force_login(cast[who])
    response = client.get(review_url(held))
    reasons = [
        html.unescape(reason)
        for reason in re.findall(r'<p class="help">(.*?)</p>', response.content.decode())
    ]
    assert reasons
    assert len(reasons) == len(set(reasons)), reasons


def test_a_staff_admin_who_is_no_reviewer_is_not_offered_as_one(client, held, cast):
    client.force_login(cast["colleague"])
    labels = [label for _, label, _ in options_of(client.get(review_url(held)))[1:]]
    assert labels == ["Dr. Ben Backup, MD, FAAD", "Dr. Cy Colleague, MD, FAAD"]


def test_a_review_cannot_be_handed_to_a_staff_admin_who_is_no_reviewer(held, cast):
    with pytest.raises(workflow.TransitionError, match="is not an active medical reviewer"):
        workflow.reassign(held, cast["colleague"], REASSIGN_REASON, reviewer=cast["admin"].pk)
