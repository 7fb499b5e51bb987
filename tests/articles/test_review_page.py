"""The review page as a reviewer reads and acts on it: text first, then the decision; approving
needs the attestation and a confirmation; a refusal comes back to the page's own address."""

import re

import pytest
from django.urls import reverse

from articles import workflow
from articles.models import Revision
from tests.factories import SourceFactory, editor, reviewer, revision_with_content
from tests.pages import landed, said

pytestmark = pytest.mark.django_db
State = Revision.State
ATTESTATION = "I have read every reading level and checked the references"


@pytest.fixture
def under_review():
    author, checker = editor(), reviewer(email="checker@example.com")
    revision = revision_with_content(
        state=State.SUBMITTED,
        author=author,
        sources=[SourceFactory(), SourceFactory()],
        texts={"patient": "Low doses work well [1].\n\nAsk your doctor [2]."},
    )
    workflow.start_review(revision, checker)
    return revision, checker


def review_url(revision):
    return reverse("admin:articles_revision_review", args=[revision.pk])


def approve_url(revision):
    return reverse("admin:articles_revision_approve", args=[revision.pk])


def act_url(revision):
    return reverse("admin:articles_revision_act", args=[revision.pk])


def test_the_decision_comes_after_the_text_and_the_references(client, under_review):
    revision, checker = under_review
    client.force_login(checker)
    text = said(client.get(review_url(revision)))
    positions = [
        text.index(heading)
        for heading in (
            "The whole clinician text, as readers will see it",
            "References, as readers",
            "Your decision",
        )
    ]
    assert positions == sorted(positions)
    assert ATTESTATION in text.split("Your decision", 1)[1]


def test_every_in_page_link_on_the_review_page_has_its_target(client, under_review):
    revision, checker = under_review
    client.force_login(checker)
    html = client.get(review_url(revision)).content.decode()
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert {"ref-1", "ref-2"} <= targets
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert not targets - set(ids), f"links to missing anchors: {targets - set(ids)}"


def test_approving_needs_the_tick(client, under_review):
    revision, checker = under_review
    client.force_login(checker)
    response = client.post(approve_url(revision), {"comment": "Fine by me."})
    page = landed(client, response)
    assert response["Location"] == review_url(revision)
    assert page.status_code == 400
    assert f"Tick “{ATTESTATION}” before you approve" in said(page)
    # Focus goes to the message, and what was typed is still in the box.
    assert re.search(
        r'<p class="errornote" role="alert" id="action-error" tabindex="-1" autofocus>',
        page.content.decode(),
    )
    assert "Fine by me.</textarea>" in page.content.decode()
    revision.refresh_from_db()
    assert revision.state == State.UNDER_REVIEW
    # Straight to the action without the tick: refused too, by the workflow itself.
    response = client.post(
        act_url(revision),
        {"action": "approve", "comment": "", "expected_state": State.UNDER_REVIEW},
    )
    assert landed(client, response).status_code == 400
    revision.refresh_from_db()
    assert revision.state == State.UNDER_REVIEW
    with pytest.raises(workflow.TransitionError, match="Tick"):
        workflow.approve(revision, checker)


def test_the_confirmation_names_what_is_approved_and_the_event_records_the_tick(
    client, under_review
):
    revision, checker = under_review
    client.force_login(checker)
    confirm = client.post(
        approve_url(revision),
        {"attested": "yes", "comment": "All checked.", "pemat_reason": "Not rated in this test."},
    )
    assert confirm.status_code == 200
    text = said(confirm)
    assert f"You are approving revision {revision.number} of “{revision.title}”" in text
    for label in ("patient text", "caregiver text", "student text", "clinician text"):
        assert label in text
    assert "2 references" in text
    assert "as checked by Dr. Rowan Reviewer, MD, FAAD" in text
    assert "All checked.</textarea>" in confirm.content.decode()
    revision.refresh_from_db()
    assert revision.state == State.UNDER_REVIEW  # the confirmation changes nothing

    done = client.post(
        act_url(revision),
        {
            "action": "approve",
            "attested": "yes",
            "comment": "All checked.",
            "expected_state": State.UNDER_REVIEW,
            "pemat_reason": "Not rated in this test.",
        },
    )
    page = landed(client, done)
    assert f"Approved revision {revision.number} of “{revision.title}”" in said(page)
    assert "Readers now see it as checked by Dr. Rowan Reviewer, MD, FAAD" in said(page)
    timeline = said(page).split("Timeline", 1)[1]
    assert f"Ticked: “{ATTESTATION}”." in timeline
    event = revision.events.get(action="approve")
    assert event.details["attested"] == ATTESTATION
    assert event.comment == "All checked."


def test_the_confirmation_is_not_a_page_to_open_directly(client, under_review):
    revision, checker = under_review
    client.force_login(checker)
    response = client.get(approve_url(revision))
    assert response.status_code == 302 and response["Location"] == review_url(revision)


def test_someone_who_may_not_approve_gets_the_reason_not_the_confirmation(client, under_review):
    revision, _ = under_review
    other = reviewer(email="other@example.com")
    client.force_login(other)
    page = landed(client, client.post(approve_url(revision), {"attested": "yes"}))
    assert page.status_code == 400
    assert "Only the reviewer assigned to this revision can do that." in said(page)


def test_a_refusal_shows_once_and_reloading_reposts_nothing(client, under_review):
    revision, checker = under_review
    client.force_login(checker)
    response = client.post(
        act_url(revision),
        {"action": "request_changes", "comment": " ", "expected_state": State.UNDER_REVIEW},
    )
    assert response.status_code == 302 and response["Location"] == review_url(revision)
    first = client.get(response["Location"])
    assert first.status_code == 400
    assert "Say what needs to change before you request changes." in said(first)
    reloaded = client.get(response["Location"])
    assert reloaded.status_code == 200
    assert "Say what needs to change" not in said(reloaded)
    assert revision.events.count() == 1  # the review's start: nothing more


def test_the_review_page_costs_a_bounded_number_of_queries(
    client, under_review, django_assert_max_num_queries
):
    revision, checker = under_review
    client.force_login(checker)
    with django_assert_max_num_queries(40):
        assert client.get(review_url(revision)).status_code == 200


@pytest.fixture
def second_round():
    """Revision 1 approved; revision 2 changes one patient paragraph and is under review."""
    author, checker = editor(), reviewer(email="checker@example.com")
    first = revision_with_content(
        state=State.SUBMITTED,
        author=author,
        texts={"patient": "## Doses\n\nLow doses work well.\n\nAsk your doctor."},
    )
    workflow.start_review(first, checker)
    workflow.approve(first, checker, attested=True, pemat_reason="Not rated in this test.")
    second = workflow.start_revision(first.article, author)
    variant = second.variants.get(audience__slug="patient")
    variant.body_markdown = "## Doses\n\nLow doses work nearly as well.\n\nAsk your doctor."
    variant.save()
    workflow.submit(second, author, "Softer claim.")
    workflow.start_review(second, checker)
    return second, checker


def test_a_changed_paragraph_links_to_its_comment_form(client, second_round):
    revision, checker = second_round
    client.force_login(checker)
    html = client.get(review_url(revision)).content.decode()
    link = "?comment=patient-1"  # no fragment: it would keep autofocus from focusing the form
    assert f'<a class="diff-comment" href="{link}">Comment on this</a>' in html
    assert html.count('class="diff-comment"') == 1  # only the changed paragraph
    # The whole text is folded under the changes ...
    assert '<details class="full-text">' in html
    # ... and opens on the asked paragraph's form, focused.
    asked = client.get(review_url(revision) + "?comment=patient-1").content.decode()
    assert asked.count('<details class="full-text" open>') == 1
    form = asked.split('id="text-patient-1"', 1)[1].split("</form>", 1)[0]
    assert '<details class="ct-add" open>' in form and "autofocus" in form
    assert f'name="next" value="{review_url(revision)}"' in form


def test_only_the_reviewer_holding_the_review_gets_comment_links(client, second_round):
    revision, _ = second_round
    client.force_login(reviewer(email="someone.else@example.com"))
    assert 'class="diff-comment"' not in client.get(review_url(revision)).content.decode()


def test_a_text_with_comments_is_shown_whole_with_them(client, second_round):
    revision, checker = second_round
    workflow.add_comment(
        revision, checker, revision.variants.get(audience__slug="patient").audience, 1, "Cite it."
    )
    client.force_login(checker)
    html = client.get(review_url(revision)).content.decode()
    assert html.count('<details class="full-text" open>') == 1
    assert "Cite it." in html


def test_unsent_comments_close_approving_and_say_why(client, second_round):
    revision, checker = second_round
    workflow.add_comment(
        revision, checker, revision.variants.get(audience__slug="patient").audience, 1, "Cite it."
    )
    client.force_login(checker)
    page = client.get(review_url(revision))
    decision = said(page).split("Your decision", 1)[1]
    assert "You have 1 comment not sent: request changes to send it, or delete it." in decision
    assert "Continue to approve" not in decision
    # Nor can the confirmation be reached past it.
    refused = landed(client, client.post(approve_url(revision), {"attested": "yes"}))
    assert refused.status_code == 400
    assert "You have 1 comment not sent" in said(refused)


def test_bad_input_never_gives_a_500(client, second_round):
    revision, checker = second_round
    client.force_login(checker)
    for data in (
        {"action": "request_changes", "comment": "a\x00b", "expected_state": "under_review"},
        {"action": "approve", "attested": "yes", "comment": "\x00", "expected_state": "x"},
        {"action": "nonsense"},
        {},
    ):
        page = landed(client, client.post(act_url(revision), data))
        assert page.status_code in (400, 409), data
    assert "invisible control character" in said(
        landed(
            client,
            client.post(
                act_url(revision),
                {
                    "action": "request_changes",
                    "comment": "a\x00b",
                    "expected_state": "under_review",
                },
            ),
        )
    )
    assert revision.events.count() == 3  # started, submitted, review started: nothing more


def test_the_timeline_names_the_comments_sent_and_resolved(client, second_round):
    revision, checker = second_round
    patient = revision.variants.get(audience__slug="patient").audience
    comment = workflow.add_comment(revision, checker, patient, 1, "Cite <b>it</b>.")
    workflow.request_changes(revision, checker, "")
    comment.refresh_from_db()
    workflow.resolve_comment(comment, revision.author, "Cited.")
    client.force_login(checker)
    page = client.get(review_url(revision))
    timeline = said(page).split("Timeline", 1)[1]
    assert (
        "With 1 comment on the text: patient text, on “Low doses work nearly as well.”" in timeline
    )
    assert "Comment marked resolved" in timeline
    assert "The comment on “Low doses work nearly as well.” (patient text)." in timeline
    html = page.content.decode()
    assert "Cite &lt;b&gt;it&lt;/b&gt;." in html and "Cite <b>it</b>" not in html  # as typed
