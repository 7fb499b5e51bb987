import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from articles import workflow
from articles.models import Citation, ReviewEvent, Revision, Variant
from tests.factories import (
    ArticleFactory,
    SourceFactory,
    UserFactory,
    editor,
    reviewer,
    revision_with_content,
)

pytestmark = pytest.mark.django_db
State = Revision.State


@pytest.fixture
def cast():
    return {"author": editor(), "reviewer": reviewer(), "other_reviewer": reviewer()}


@pytest.fixture
def draft(cast):
    article = ArticleFactory()
    revision = workflow.start_revision(article, cast["author"])
    revision.answer, revision.pregnancy_warning = "Short answer [1].", "Prevent pregnancy."
    revision.save(update_fields=["answer", "pregnancy_warning"])
    Citation.objects.create(revision=revision, source=SourceFactory(), position=1)
    for variant in revision_with_content().variants.all():
        Variant.objects.create(
            revision=revision, audience=variant.audience, body_markdown=variant.body_markdown
        )
    return revision


def test_the_whole_path_writes_one_event_per_step(draft, cast):
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, cast["reviewer"])
    assert draft.assigned_reviewer == cast["reviewer"]
    workflow.approve(
        draft,
        cast["reviewer"],
        "Checked against every source.",
        attested=True,
        pemat_reason="Not rated in this test.",
    )
    draft.refresh_from_db()
    assert draft.state == State.APPROVED
    assert draft.approved_by_label == "Dr. Rowan Reviewer, MD, FAAD"
    assert draft.review_due_at.year == draft.approved_at.year + 1
    events = list(draft.events.all())
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("start", "", "draft"),
        ("submit", "draft", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("approve", "under_review", "approved"),
    ]
    assert events[-1].actor_name == "Dr. Rowan Reviewer"
    assert events[-1].actor_credentials == "MD, FAAD"
    assert events[-1].comment == "Checked against every source."
    assert workflow.replay(events) == draft.state


def test_request_changes_then_resubmit(draft, cast):
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, cast["reviewer"])
    workflow.request_changes(draft, cast["reviewer"], "Cite the trial for the 5 mg claim.")
    assert draft.state == State.CHANGES_REQUESTED
    Variant.objects.filter(revision=draft).first().save()  # editable again
    workflow.submit(draft, cast["author"], "Added the citation.")
    assert draft.state == State.SUBMITTED
    assert draft.change_summary == "Added the citation."


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (lambda r, c: workflow.submit(r, c["author"], "  "), "Write a change summary"),
        (lambda r, c: workflow.start_review(r, c["reviewer"]), "is draft"),
        (
            lambda r, c: workflow.approve(
                r, c["reviewer"], attested=True, pemat_reason="Not rated in this test."
            ),
            "is draft",
        ),
        (lambda r, c: workflow.submit(r, c["reviewer"], "x"), "Only editors"),
        (lambda r, c: workflow.perform("publish", r, c["author"]), "not a review action"),
    ],
)
def test_refusals_have_clear_messages_and_change_nothing(draft, cast, step, message):
    with pytest.raises(workflow.TransitionError, match=message):
        step(draft, cast)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    assert draft.events.count() == 1


def test_request_changes_needs_a_comment(draft, cast):
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, cast["reviewer"])
    with pytest.raises(workflow.TransitionError, match="Say what needs to change"):
        workflow.request_changes(draft, cast["reviewer"], "")


def test_only_the_assigned_reviewer_decides(draft, cast):
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, cast["reviewer"])
    with pytest.raises(workflow.TransitionError, match="Only the reviewer assigned"):
        workflow.approve(
            draft, cast["other_reviewer"], attested=True, pemat_reason="Not rated in this test."
        )


def test_nobody_approves_their_own_work(draft, cast):
    both = UserFactory(
        roles=["Editors", "Medical reviewers"], display_name="Dr. B", credentials="MD"
    )
    draft.contributors.add(both)  # edited the text
    workflow.submit(draft, cast["author"], "First version.")
    with pytest.raises(workflow.TransitionError, match="another medical reviewer"):
        workflow.start_review(draft, both)
    Revision.objects.filter(pk=draft.pk).update(state=State.UNDER_REVIEW, assigned_reviewer=both)
    draft.refresh_from_db()
    with pytest.raises(workflow.TransitionError, match="another medical reviewer"):
        workflow.approve(draft, both, attested=True, pemat_reason="Not rated in this test.")


def test_approving_needs_a_public_name_and_credentials(draft, cast):
    anonymous_reviewer = reviewer(display_name="", credentials="")
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, anonymous_reviewer)
    with pytest.raises(
        workflow.TransitionError,
        match="Ask a staff admin to set them on your account",
    ):
        workflow.approve(
            draft, anonymous_reviewer, attested=True, pemat_reason="Not rated in this test."
        )


def test_submitting_needs_every_audience(cast):
    revision = workflow.start_revision(ArticleFactory(), cast["author"])
    revision.answer, revision.pregnancy_warning = "Short answer.", "Prevent pregnancy."
    revision.save(update_fields=["answer", "pregnancy_warning"])
    with pytest.raises(workflow.TransitionError, match="missing: Caregiver, Clinician"):
        workflow.submit(revision, cast["author"], "Too soon.")


def test_content_is_frozen_after_submission(draft, cast):
    workflow.submit(draft, cast["author"], "First version.")
    variant = draft.variants.first()
    variant.body_markdown = "Sneaky edit."
    with pytest.raises(ValidationError, match="content is frozen"):
        variant.save()
    with pytest.raises(ValidationError, match="content is frozen"):
        draft.citations.first().delete()
    assert draft.variants.filter(body_markdown="Sneaky edit.").count() == 0


def test_new_revision_copies_the_live_one(draft, cast):
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, cast["reviewer"])
    workflow.approve(draft, cast["reviewer"], attested=True, pemat_reason="Not rated in this test.")
    second_editor = editor()
    new = workflow.start_revision(draft.article, second_editor)
    assert (new.number, new.state, new.copied_from) == (2, State.DRAFT, draft)
    assert list(new.citations.values_list("source", "position")) == list(
        draft.citations.values_list("source", "position")
    )
    assert {v.body_html for v in new.variants.all()} == {v.body_html for v in draft.variants.all()}
    assert second_editor in new.contributors.all()
    assert new.events.get().comment == "Copied from revision 1."


def test_starting_a_revision_needs_an_editor(cast):
    with pytest.raises(workflow.TransitionError, match="Only editors"):
        workflow.start_revision(ArticleFactory(), cast["reviewer"])


def test_review_events_are_append_only(draft):
    event = draft.events.get()
    event.comment = "rewritten history"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        ReviewEvent.objects.filter(pk=event.pk).update(comment="x")
    with pytest.raises(TypeError, match="append-only"):
        ReviewEvent.objects.all().delete()


def test_notifications_one_email_per_person_after_commit(
    draft, cast, django_capture_on_commit_callbacks
):
    also_reviewer = reviewer(email="second.reviewer@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit(draft, cast["author"], "First version.")
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        [cast["reviewer"].email, cast["other_reviewer"].email, also_reviewer.email]
    )
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    assert "Review needed" in mail.outbox[0].subject
    assert f"/admin/articles/revision/{draft.pk}/review/" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.start_review(draft, cast["reviewer"])
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(draft, cast["reviewer"], "Please cite [3].")
    assert [m.to for m in mail.outbox] == [[cast["author"].email]]
    assert "Please cite [3]." in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(draft, cast["author"], "Cited.")
        workflow.start_review(draft, cast["reviewer"])
        workflow.approve(
            draft, cast["reviewer"], attested=True, pemat_reason="Not rated in this test."
        )
    approved = [m for m in mail.outbox if m.subject.startswith("Approved")]
    assert [m.to for m in approved] == [[cast["author"].email]]


def test_a_stale_form_cannot_overwrite_a_newer_state(draft, cast):
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, cast["reviewer"])
    stale = Revision.objects.get(pk=draft.pk)  # loaded by the second tab
    workflow.approve(
        draft,
        cast["reviewer"],
        expected_state=State.UNDER_REVIEW,
        attested=True,
        pemat_reason="Not rated in this test.",
    )
    with pytest.raises(workflow.ConflictError, match="Someone else changed"):
        workflow.request_changes(stale, cast["reviewer"], "No!", expected_state=State.UNDER_REVIEW)
    stale.refresh_from_db()
    assert stale.state == State.APPROVED
    assert stale.events.filter(action="request_changes").count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["approve", "request_changes"])
def test_two_reviewers_at_once_exactly_one_wins_on_postgresql(cast, second):
    if connection.vendor != "postgresql":
        pytest.skip("needs two real connections with row locks: runs on PostgreSQL in CI")
    revision = revision_with_content(state=State.UNDER_REVIEW, author=cast["author"])
    Revision.objects.filter(pk=revision.pk).update(assigned_reviewer=cast["reviewer"])
    barrier = threading.Barrier(2)
    outcomes = []

    def act(name):
        try:
            barrier.wait()
            own = Revision.objects.get(pk=revision.pk)
            workflow.perform(
                name,
                own,
                cast["reviewer"],
                "Comment.",
                State.UNDER_REVIEW,
                attested=True,
                pemat_reason="Not rated in this test.",
            )
            outcomes.append("ok")
        except workflow.TransitionError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(n,)) for n in ("approve", second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
    assert outcomes.count("ok") == 1, outcomes
    assert "Someone else changed" in next(o for o in outcomes if o != "ok")
    revision.refresh_from_db()
    assert revision.events.exclude(action="start").count() == 1
    assert workflow.replay([]) == ""


def test_one_revision_in_progress_and_an_older_one_cannot_undo_a_newer_approval(draft, cast):
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, cast["reviewer"])
    workflow.approve(draft, cast["reviewer"], attested=True, pemat_reason="Not rated in this test.")
    second = workflow.start_revision(draft.article, cast["author"])
    with pytest.raises(
        workflow.OpenRevisionExists,
        match=r"Revision 2 of this article is already in progress \(draft\)",
    ):
        workflow.start_revision(draft.article, cast["author"])
    workflow.submit(second, cast["author"], "Edits.")
    workflow.start_review(second, cast["reviewer"])
    workflow.approve(
        second, cast["reviewer"], attested=True, pemat_reason="Not rated in this test."
    )
    draft.refresh_from_db()
    assert draft.review_due_at is None  # only the live revision is due for review
    assert draft.article.live_revision() == second
    # A revision started from revision 1 (as before one-at-a-time held) cannot undo revision 2.
    stale = revision_with_content(
        article=draft.article, state=State.UNDER_REVIEW, author=cast["author"], copied_from=draft
    )
    Revision.objects.filter(pk=stale.pk).update(assigned_reviewer=cast["reviewer"])
    with pytest.raises(workflow.TransitionError, match="Revision 2 was approved after this one"):
        workflow.approve(
            stale, cast["reviewer"], attested=True, pemat_reason="Not rated in this test."
        )


def test_submitting_needs_the_key_facts(cast):
    revision = workflow.start_revision(ArticleFactory(), cast["author"])
    with pytest.raises(workflow.TransitionError, match="Write the key facts"):
        workflow.submit(revision, cast["author"], "First version.")
    assert revision.events.filter(action="submit").count() == 0


def test_key_facts_are_rendered_once_at_save_and_copied_to_the_next_revision(draft, cast):
    assert 'href="#ref-1"' in draft.answer_html and "<p>Prevent pregnancy.</p>" in (
        draft.pregnancy_warning_html
    )
    workflow.submit(draft, cast["author"], "First version.")
    workflow.start_review(draft, cast["reviewer"])
    workflow.approve(draft, cast["reviewer"], attested=True, pemat_reason="Not rated in this test.")
    second = workflow.start_revision(draft.article, cast["author"])
    assert (second.answer, second.pregnancy_warning_html) == (
        draft.answer,
        draft.pregnancy_warning_html,
    )


def test_submitting_checks_citation_numbers(draft, cast):
    variant = draft.variants.get(audience__slug="student")
    variant.body_markdown = "A claim [1]. Another [4]."
    variant.save()
    with pytest.raises(workflow.TransitionError, match=r"student text cites \[4\]"):
        workflow.submit(draft, cast["author"], "First version.")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("A short answer [0].", r"key facts \(the answer\) cites \[0\]"),
        ("A short answer [2].", r"key facts \(the answer\) cites \[2\]"),
        ("See [this](javascript:alert(1)).", "without an address: javascript:alert"),
    ],
)
def test_key_facts_follow_the_same_rules_as_the_text(draft, cast, answer, words):
    draft.answer = answer
    draft.save(update_fields=["answer"])
    with pytest.raises(workflow.TransitionError, match=words):
        workflow.submit(draft, cast["author"], "First version.")
    with pytest.raises(ValidationError):
        draft.full_clean()
