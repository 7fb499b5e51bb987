"""A reply to a reader is medical content: an editor drafts it, a medical reviewer who did not
write it approves it (its own step, recorded as review events), and only then does the task
worker email it. Approved answers may be shown on the article, attributed to the reviewer,
and are flagged with the article when a source it cites changes."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from articles import workflow
from articles.models import EmailDelivery, Question, ReviewEvent, Revision, SourceVersion
from articles.source_changes import record_source_change
from articles.workflow import replies
from tests.articles.test_deliveries import (
    DATABASE_TASKS,
    bring_mail_back,
    mail_server,  # noqa: F401 (a fixture)
    run_worker,
)
from tests.factories import (
    EDITORS,
    REVIEWERS,
    QuestionFactory,
    SourceFactory,
    UserFactory,
    editor,
    reviewer,
    revision_with_content,
)
from tests.pages import landed, said

pytestmark = pytest.mark.django_db
Reply = Question.ReplyState
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
REPLY = (
    "No. Pregnancy must be prevented at any dose, from one month before until one month after "
    "the course. Ask your prescriber about the tests."
)
PUBLIC = "Does a low dose change the pregnancy rules?"


@pytest.fixture
def people():
    return {
        "editor": editor(email="editor@example.com"),
        "checker": reviewer(email="checker@example.com"),
        "second": reviewer(
            email="second@example.com", display_name="Dr. Sam Second", credentials="MD"
        ),
    }


@pytest.fixture
def source():
    return SourceFactory(kind="guideline", short_name="The acne guideline", edition="2024")


@pytest.fixture
def question(source):
    live = revision_with_content(state=Revision.State.APPROVED, sources=[source])
    return QuestionFactory(
        revision=live,
        text=f"Is a low dose safer in pregnancy? {XSS}",
        email="asker@example.com",
        email_consent=True,
    )


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit():` around a step runs its after-commit work (the emails) as the step's
    commit would; the test's own transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def page_of(question):
    return reverse("admin:articles_question_change", args=[question.pk])


def act(client, question, action, **fields):
    question.refresh_from_db()
    data = {"action": action, "expected": replies.snapshot(question), **fields}
    return landed(
        client, client.post(reverse("admin:articles_question_act", args=[question.pk]), data)
    )


def deliveries_to(address):
    return EmailDelivery.objects.filter(recipient=address)


def test_the_reader_is_emailed_only_after_a_reviewer_approves_and_only_once(
    client, question, people, commit, django_capture_on_commit_callbacks
):
    client.force_login(people["editor"])
    with commit():
        act(client, question, "save_reply", reply_text=REPLY, public_question=PUBLIC)
    question.refresh_from_db()
    assert question.reply_state == Reply.DRAFT and question.status == Question.Status.TRIAGED
    with commit():
        done = act(client, question, "submit_reply", reply_text=REPLY, public_question=PUBLIC)
    assert "Nothing is sent before one approves it." in said(done)
    # The reviewers hear of it; the reader hears nothing.
    assert not deliveries_to("asker@example.com").exists()
    assert {d.recipient for d in EmailDelivery.objects.all()} == {
        "checker@example.com",
        "second@example.com",
    }

    client.force_login(people["checker"])
    page = said(client.get(page_of(question)))
    assert "Approve the reply" in page and REPLY in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        done = act(client, question, "approve_reply", attested="yes", comment="Checked.")
    # Approved and committed, but the email is queued by the callback after the commit.
    question.refresh_from_db()
    assert question.reply_state == Reply.APPROVED
    assert question.status == Question.Status.ANSWERED
    assert question.reply_approved_by_label == people["checker"].signature
    assert not deliveries_to("asker@example.com").exists()
    assert not [m for m in mail.outbox if m.to == ["asker@example.com"]]
    assert len(callbacks) == 1
    callbacks[0]()
    delivery = deliveries_to("asker@example.com").get()
    assert delivery.status == EmailDelivery.Status.SENT  # the immediate backend, as in development
    assert [m.to for m in mail.outbox if m.to == ["asker@example.com"]] == [["asker@example.com"]]
    assert "Approved. The reply goes to the reader by email" in said(done)

    # The audit trail: review events on the revision the question was asked on.
    events = ReviewEvent.objects.filter(details__question_id=question.pk).order_by("pk")
    assert [e.action for e in events] == ["submit_reply", "approve_reply"]
    approval = events.last()
    assert approval.actor == people["checker"] and approval.comment == "Checked."
    assert approval.details["attested"] == replies.REPLY_ATTESTATION
    assert approval.revision == question.revision
    # Steps beside the revision's own: its state does not move.
    assert {(e.from_state, e.to_state) for e in events} == {("approved", "approved")}
    # Approving again is refused in words: one email, ever.
    with pytest.raises(workflow.TransitionError, match="not waiting for medical review"):
        replies.approve_reply(question, people["second"], attested=True)
    assert deliveries_to("asker@example.com").count() == 1


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_in_production_the_worker_sends_the_reply_after_the_approval(
    settings,
    question,
    people,
    mail_server,  # noqa: F811
):
    settings.TASKS = DATABASE_TASKS
    replies.submit_reply(question, people["editor"], REPLY, PUBLIC)
    run_worker()  # the reviewers' notices
    assert not deliveries_to("asker@example.com").exists()
    inbox = bring_mail_back(settings, mail_server)
    replies.approve_reply(question, people["checker"], attested=True)
    delivery = deliveries_to("asker@example.com").get()
    assert delivery.status == EmailDelivery.Status.PENDING  # stored, waiting for the worker
    assert inbox.subjects_to("asker@example.com") == []
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT
    assert len(inbox.subjects_to("asker@example.com")) == 1


def test_the_email_is_plain_text_with_the_reply_as_approved(question, people, commit):
    replies.submit_reply(question, people["editor"], REPLY, PUBLIC)
    with commit():
        replies.approve_reply(question, people["checker"], attested=True)
    message = mail.outbox[-1]
    assert message.to == ["asker@example.com"]
    assert message.subject == f"Your question about “{question.article.title}”: our answer"
    assert message.alternatives == []  # no HTML part: nothing typed can become markup
    body = message.body
    assert f"> Is a low dose safer in pregnancy? {XSS}" in body  # quoted as text, inert
    assert f"Our answer, checked by {people['checker'].signature}:\n\n{REPLY}" in body
    assert "In the US, call 988. In the UK, call 111, or 999 in an emergency." in body
    assert "Samaritans on 116 123" in body
    assert "We delete your question and your email address 180 days after you asked" in body


def test_no_email_when_the_reader_did_not_agree_to_one(question, people, commit):
    Question.objects.filter(pk=question.pk).update(email="", email_consent=False)
    replies.submit_reply(question, people["editor"], REPLY, PUBLIC)
    with commit():
        replies.approve_reply(question, people["checker"], attested=True)
    assert mail.outbox == [] and not EmailDelivery.objects.exists()
    assert ReviewEvent.objects.get(action="approve_reply").details["emailed"] is False


def test_nobody_approves_a_reply_they_wrote_or_edited(question):
    both = UserFactory(
        roles=[EDITORS, REVIEWERS],
        email="both@example.com",
        display_name="Dr. Both",
        credentials="MD",
    )
    other = reviewer(email="other@example.com")
    replies.save_reply(question, both, "A first draft.")
    replies.submit_reply(question, editor(email="second.editor@example.com"), REPLY, PUBLIC)
    with pytest.raises(workflow.TransitionError, match="You wrote or edited this reply"):
        replies.approve_reply(question, both, attested=True)
    with pytest.raises(workflow.TransitionError, match="You wrote or edited this reply"):
        replies.request_reply_changes(question, both, "Shorter.")
    # Editors cannot approve at all; another reviewer can.
    with pytest.raises(workflow.TransitionError, match="Only medical reviewers"):
        replies.approve_reply(question, editor(email="e3@example.com"), attested=True)
    replies.approve_reply(question, other, attested=True)
    assert question.reply_state == Reply.APPROVED


def test_approving_needs_the_tick_and_a_public_name(client, question, people):
    replies.submit_reply(question, people["editor"], REPLY, PUBLIC)
    client.force_login(people["checker"])
    refused = act(client, question, "approve_reply", comment="Looks fine.")
    assert refused.status_code == 400
    assert "Tick “I have checked this reply" in said(refused)
    assert "Looks fine." in refused.content.decode()  # what was typed is kept
    nameless = reviewer(email="nameless@example.com", display_name="", credentials="")
    with pytest.raises(workflow.TransitionError, match="public name and credentials"):
        replies.approve_reply(question, nameless, attested=True)
    question.refresh_from_db()
    assert question.reply_state == Reply.SUBMITTED
    assert not deliveries_to("asker@example.com").exists()


def test_a_reply_sent_back_goes_to_its_editors_who_revise_and_resubmit(
    client, question, people, commit
):
    replies.submit_reply(question, people["editor"], "A vague answer.", PUBLIC)
    client.force_login(people["checker"])
    refused = act(client, question, "request_reply_changes", comment="")
    assert "Say what needs to change in the reply." in said(refused)
    with commit():
        act(client, question, "request_reply_changes", comment="Say the whole period.")
    question.refresh_from_db()
    assert question.reply_state == Reply.CHANGES_REQUESTED
    sent_back = EmailDelivery.objects.get(recipient="editor@example.com")
    assert "Say the whole period." in sent_back.body
    # Frozen while it waits for a reviewer; open to the editor again once sent back.
    client.force_login(people["editor"])
    page = said(client.get(page_of(question)))
    assert "Sent back by" in page and "Say the whole period." in page
    act(client, question, "submit_reply", reply_text=REPLY, public_question=PUBLIC)
    question.refresh_from_db()
    assert (question.reply_state, question.reply_text) == (Reply.SUBMITTED, REPLY)
    with pytest.raises(workflow.TransitionError, match="cannot be changed now"):
        replies.save_reply(question, people["editor"], "Edited under review.")
    actions = list(
        ReviewEvent.objects.filter(details__question_id=question.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["submit_reply", "request_reply_changes", "submit_reply"]


def test_a_reply_too_long_or_empty_is_refused_with_the_text_kept(client, question, people):
    client.force_login(people["editor"])
    refused = act(client, question, "submit_reply", reply_text="", public_question=PUBLIC)
    assert "Write the reply before you submit it" in said(refused)
    long = "y" * 4001
    refused = act(client, question, "save_reply", reply_text=long, public_question=PUBLIC)
    assert refused.status_code == 400 and "at most 4,000 characters" in said(refused)
    assert long in refused.content.decode()


def answers_section(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    found = re.search(r'<section class="readers-asked".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_an_approved_answer_shown_on_the_article_names_the_reviewer_and_nothing_of_the_asker(
    client, question, people
):
    article = question.article
    replies.submit_reply(question, people["editor"], REPLY + f" {XSS}", PUBLIC)
    with pytest.raises(workflow.TransitionError, match="Only a reply a medical reviewer approved"):
        replies.publish(question, people["editor"])
    replies.approve_reply(question, people["checker"], attested=True)
    assert answers_section(client, article) == ""  # approved is not public

    replies.publish(question, people["editor"])
    section = answers_section(client, article)
    text = said(type(client)().get(article.get_absolute_url()))
    assert "Readers asked" in text and PUBLIC in text and REPLY in text
    assert f"Answer checked by {people['checker'].signature} on" in text
    # Nothing of the asker: not their words, not their address; the reply's markup is inert.
    assert "Is a low dose safer" not in section and "asker@example.com" not in section
    assert XSS not in section and "&lt;script&gt;" in section
    with pytest.raises(workflow.TransitionError, match="Say why"):
        replies.unpublish(question, people["checker"], "")
    replies.unpublish(question, people["checker"], "Superseded by the new revision.")
    assert answers_section(client, article) == ""
    assert [e.action for e in ReviewEvent.objects.filter(details__question_id=question.pk)][
        -2:
    ] == ["publish_answer", "unpublish_answer"]


def test_an_answer_approved_without_public_wording_cannot_be_shown(question, people):
    replies.submit_reply(question, people["editor"], REPLY, "")
    replies.approve_reply(question, people["checker"], attested=True)
    with pytest.raises(workflow.TransitionError, match="without a public wording"):
        replies.publish(question, people["editor"])


def test_published_answers_are_flagged_with_the_article_when_a_cited_source_changes(
    client, question, source, people
):
    replies.submit_reply(question, people["editor"], REPLY, PUBLIC)
    replies.approve_reply(question, people["checker"], attested=True)
    replies.publish(question, people["editor"])
    assert "Being re-checked" not in said_section(client, question)

    recorder = editor(email="recorder@example.com")
    record_source_change(
        source,
        recorder,
        SourceVersion.Change.NEW_EDITION,
        "A new edition is out.",
        edition="2025",
        published_on=datetime.date(2025, 1, 1),
    )
    flagged = said_section(client, question)
    assert PUBLIC in flagged and REPLY in flagged  # still shown, as the article's text is
    assert (
        "Being re-checked: a source this article relies on has changed, and our medical "
        "reviewers are checking this answer with the article."
    ) in flagged
    # The reviewer re-checking the article sees the answers that go with it.
    client.force_login(people["second"])
    live = question.article.live_revision()
    review = said(client.get(reverse("admin:articles_revision_review", args=[live.pk])))
    assert "Answers to readers' questions shown on this article" in review
    assert "read them" in review and PUBLIC in review
    admin_list = said(
        client.get(reverse("admin:articles_question_changelist"), {"public": "recheck"})
    )
    assert "1 question" in admin_list

    workflow.still_accurate(live, people["second"], "Checked the new edition, and the answers.")
    assert "Being re-checked" not in said_section(type(client)(), question)


def said_section(client, question):
    from tests.pages import said as said_of

    class Shown:
        content = answers_section(client, question.article).encode()

    return said_of(Shown)


def test_the_reviewers_email_and_page_carry_no_markup_from_the_reader(
    client, question, people, commit
):
    with commit():
        replies.submit_reply(question, people["editor"], REPLY, PUBLIC)
    notice = EmailDelivery.objects.get(recipient="checker@example.com")
    assert "Is a low dose safer" not in notice.body  # the reader's words stay in the admin
    client.force_login(people["checker"])
    html = client.get(page_of(question)).content.decode()
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_reply_events_keep_the_revisions_audit_trail_replayable(demo_article, people):
    """On a revision built through the workflow (the demo's, under review): reply steps sit in
    its trail at the state it was in, and its own review carries on after them."""
    revision = demo_article.revisions.get()
    question = QuestionFactory(revision=revision, text="What about the blood tests?")
    replies.submit_reply(question, people["editor"], REPLY, PUBLIC)
    replies.approve_reply(question, people["checker"], attested=True)
    assert workflow.replay(revision.events.all()) == revision.state == "under_review"
    workflow.approve(
        revision, revision.assigned_reviewer, attested=True, pemat_reason="Not rated here."
    )
    replies.publish(question, people["editor"])
    revision.refresh_from_db()
    assert workflow.replay(revision.events.all()) == revision.state == "approved"
