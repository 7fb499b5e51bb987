"""Two people acting on one reader's question at once, on PostgreSQL: two connections race for
many rounds, as in test_concurrency.py (whose `_race` and sweep of delays this uses).

The reply reaches the reader exactly when it was approved, and exactly once."""

import pytest
from django.core import mail

from articles.models import EmailDelivery, Question, ReviewEvent, Revision
from articles.workflow import replies
from tests.articles.test_concurrency import ROUNDS, _delays, _postgresql_only, _race
from tests.factories import QuestionFactory, editor, reviewer, revision_with_content

Reply = Question.ReplyState
REPLY = "Pregnancy must be prevented at any dose."


def _submitted(live, author, round_number):
    question = QuestionFactory(
        revision=live,
        text=f"Round {round_number}: does the dose change the rules?",
        email=f"asker{round_number}@example.com",
        email_consent=True,
    )
    replies.submit_reply(question, author, REPLY, "Does the dose change the rules?")
    return question


def _emails_to(question):
    return EmailDelivery.objects.filter(recipient=question.email)


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_one_reply_at_once_approve_it_once_and_email_once():
    _postgresql_only()
    author = editor()
    first, second = reviewer(email="first@example.com"), reviewer(email="second@example.com")
    live = revision_with_content(state=Revision.State.APPROVED)
    winners = []
    for round_number in range(ROUNDS):
        question = _submitted(live, author, round_number)
        outcomes = _race(
            lambda q=question: replies.approve_reply(
                Question.objects.get(pk=q.pk), first, attested=True
            ),
            lambda q=question: replies.approve_reply(
                Question.objects.get(pk=q.pk), second, attested=True
            ),
            delays=_delays(round_number, 0.01),
        )
        kinds = [kind for kind, _ in outcomes]
        assert sorted(kinds) == ["ok", "refused"], outcomes
        refusal = next(value for kind, value in outcomes if kind == "refused")
        assert "not waiting for medical review: it is reply approved" in str(refusal)
        question.refresh_from_db()
        winner = first if kinds[0] == "ok" else second
        assert question.reply_approved_by == winner
        approvals = ReviewEvent.objects.filter(
            action="approve_reply", details__question_id=question.pk
        )
        assert [event.actor for event in approvals] == [winner]
        assert _emails_to(question).count() == 1
        winners.append(winner.email)
    print(f"\n{ROUNDS} rounds: the first reviewer won {winners.count('first@example.com')}")
    assert len(set(winners)) == 2, "the race only ever went one way"
    assert len([m for m in mail.outbox if m.to[0].startswith("asker")]) == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_a_send_back_is_one_or_the_other_never_a_mix():
    """One reviewer approves while another sends the reply back: either it is approved (and
    emailed, and the send-back refused) or sent back (and nothing sent, the approval refused)."""
    _postgresql_only()
    author = editor()
    approver, objector = reviewer(email="approver@example.com"), reviewer(email="obj@example.com")
    live = revision_with_content(state=Revision.State.APPROVED)
    seen = set()
    for round_number in range(ROUNDS):
        question = _submitted(live, author, round_number)
        (approve_kind, _), (back_kind, _) = _race(
            lambda q=question: replies.approve_reply(
                Question.objects.get(pk=q.pk), approver, attested=True
            ),
            lambda q=question: replies.request_reply_changes(
                Question.objects.get(pk=q.pk), objector, "Say the whole period."
            ),
            delays=_delays(round_number, 0.01),
        )
        assert {approve_kind, back_kind} == {"ok", "refused"}
        question.refresh_from_db()
        actions = set(
            ReviewEvent.objects.filter(details__question_id=question.pk).values_list(
                "action", flat=True
            )
        )
        if approve_kind == "ok":
            seen.add("approved")
            assert question.reply_state == Reply.APPROVED
            assert question.status == Question.Status.ANSWERED
            assert actions == {"submit_reply", "approve_reply"}
            assert _emails_to(question).count() == 1
        else:
            seen.add("sent back")
            assert question.reply_state == Reply.CHANGES_REQUESTED
            assert actions == {"submit_reply", "request_reply_changes"}
            assert not _emails_to(question).exists()
    assert seen == {"approved", "sent back"}, "the race only ever went one way"


@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_the_readers_account_deletion_never_emails_a_removed_address():
    """The reader deletes their account while a reviewer approves the reply: either the email
    was queued first (and the deletion then stops it: never sent) or the address is gone
    before it is read. An address removed is never written into a new email."""
    _postgresql_only()
    from tests.factories import UserFactory

    author, checker = editor(), reviewer(email="checker@example.com")
    live = revision_with_content(state=Revision.State.APPROVED)
    orders = set()
    for round_number in range(ROUNDS):
        reader = UserFactory(email=f"reader{round_number}@example.com")
        question = _submitted(live, author, round_number)
        Question.objects.filter(pk=question.pk).update(user=reader, email=reader.email)
        (approve_kind, _), (delete_kind, _) = _race(
            lambda q=question: replies.approve_reply(
                Question.objects.get(pk=q.pk), checker, attested=True
            ),
            lambda r=reader: Question.objects.filter(user=r).redact(),
            delays=_delays(round_number, 0.08),  # the approval is the slower step
        )
        assert approve_kind == delete_kind == "ok"
        question.refresh_from_db()
        assert question.email == "" and question.reply_state == Reply.APPROVED
        to_reader = EmailDelivery.objects.filter(
            event__action="approve_reply", event__details__question_id=question.pk
        )
        assert not EmailDelivery.objects.filter(recipient=reader.email).exists()
        for delivery in to_reader:
            assert delivery.recipient == "", "a removed address is still in an email"
            assert delivery.status != EmailDelivery.Status.PENDING
        orders.add("queued, then removed" if to_reader.exists() else "removed first")
    assert orders == {"queued, then removed", "removed first"}, "the race only went one way"
