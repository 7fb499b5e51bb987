"""Staff triage readers' questions in the admin: New → Triaged → Answered, or Closed; who may do
what; the queue, its filters and the work lists; a question linked to the revision it prompted
shows on that revision's review page."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Question, Revision
from articles.workflow import replies
from tests.factories import (
    EDITORS,
    REVIEWERS,
    QuestionFactory,
    UserFactory,
    editor,
    reviewer,
    revision_with_content,
)
from tests.pages import landed, said

pytestmark = pytest.mark.django_db
Status = Question.Status
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CHANGELIST = reverse("admin:articles_question_changelist")


@pytest.fixture
def live():
    return revision_with_content(state=Revision.State.APPROVED)


@pytest.fixture
def question(live):
    return QuestionFactory(revision=live, text=f"What about {XSS} my dose?", email="")


@pytest.fixture
def people():
    return {
        "editor": editor(email="editor@example.com"),
        "reviewer": reviewer(email="reviewer@example.com"),
    }


def page_of(question):
    return reverse("admin:articles_question_change", args=[question.pk])


def act(client, question, action, **fields):
    question.refresh_from_db()
    data = {"action": action, "expected": replies.snapshot(question), **fields}
    return client.post(reverse("admin:articles_question_act", args=[question.pk]), data)


def test_the_triage_states_move_only_along_their_arrows(question, people):
    editor_ = people["editor"]
    replies.triage(question, editor_)
    assert (question.status, question.status_changed_by) == (Status.TRIAGED, editor_)
    with pytest.raises(workflow.TransitionError, match="cannot be marked as triaged: it is"):
        replies.triage(question, editor_)
    with pytest.raises(workflow.TransitionError, match="duplicate, out of scope or spam"):
        replies.close(question, editor_, "boring")
    replies.close(question, editor_, Question.CloseReason.OUT_OF_SCOPE)
    assert question.status_label == "Closed: out of scope"
    with pytest.raises(workflow.TransitionError, match="This question is closed. Reopen it"):
        replies.save_reply(question, editor_, "An answer.")
    replies.reopen(question, editor_)
    assert (question.status, question.close_reason) == (Status.TRIAGED, "")
    with pytest.raises(workflow.TransitionError, match="Only a closed question can be reopened"):
        replies.reopen(question, editor_)


def test_a_question_with_a_reply_under_review_or_answered_cannot_be_closed(question, people):
    editor_, checker = people["editor"], people["reviewer"]
    replies.submit_reply(question, editor_, "Yes, at any dose.", "Does the dose matter?")
    with pytest.raises(workflow.TransitionError, match="waiting for a medical reviewer"):
        replies.close(question, editor_, Question.CloseReason.SPAM)
    replies.approve_reply(question, checker, attested=True)
    assert question.status == Status.ANSWERED
    with pytest.raises(workflow.TransitionError, match="answered already"):
        replies.close(question, editor_, Question.CloseReason.SPAM)


def test_only_editors_triage_reviewers_read_and_readers_never_get_in(client, question, people):
    with pytest.raises(workflow.TransitionError, match="Only editors can triage"):
        replies.triage(question, people["reviewer"])
    with pytest.raises(workflow.TransitionError, match="Only signed-in staff"):
        replies.triage(question, UserFactory(email="reader@example.com"))

    client.force_login(people["reviewer"])
    assert client.get(page_of(question)).status_code == 200
    refused = landed(client, act(client, question, "triage"))
    assert refused.status_code == 400
    assert "Only editors can triage questions and draft replies." in said(refused)
    question.refresh_from_db()
    assert question.status == Status.NEW

    client.force_login(UserFactory(email="reader@example.com"))
    assert client.get(page_of(question)).status_code == 302  # to the sign-in page
    assert client.get(CHANGELIST).status_code == 302
    # Staff without the question permissions see nothing of them.
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, totp_secret=None))
    assert client.get(page_of(question)).status_code == 403
    assert client.get(CHANGELIST).status_code == 403


def test_an_editor_triages_and_closes_in_the_admin_and_a_stale_page_is_refused(
    client, question, people
):
    client.force_login(people["editor"])
    stale = replies.snapshot(question)
    done = landed(client, act(client, question, "triage"))
    assert "Marked as triaged." in said(done)
    question.refresh_from_db()
    assert question.status == Status.TRIAGED

    # A page loaded before that change: nothing happens, in words, with a 409.
    url = reverse("admin:articles_question_act", args=[question.pk])
    conflict = landed(client, client.post(url, {"action": "close", "expected": stale}))
    assert conflict.status_code == 409
    assert "Someone else changed this question meanwhile" in said(conflict)

    refused = landed(client, act(client, question, "close", close_reason=""))
    assert refused.status_code == 400
    assert "Choose why you close it" in said(refused)
    done = landed(client, act(client, question, "close", close_reason="spam"))
    assert "Closed." in said(done) and "Closed: spam" in said(done)
    # The admin has no form of its own that could set a status.
    assert client.post(page_of(question), {"status": "answered"}).status_code in (200, 405)
    question.refresh_from_db()
    assert question.status == Status.CLOSED


def test_what_the_reader_typed_stays_text_in_the_admin(client, question, people):
    client.force_login(people["editor"])
    for url in (CHANGELIST, page_of(question), reverse("admin:index")):
        html = client.get(url).content.decode()
        assert XSS not in html, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, url


def test_the_queue_filters_by_state_article_and_age(client, live, people):
    old = QuestionFactory(revision=live, text="An old question about the dose.")
    Question.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    new = QuestionFactory(revision=live, text="A new question about the dose.")
    elsewhere = QuestionFactory(text="A question on another article.")
    replies.triage(elsewhere, people["editor"])
    client.force_login(people["editor"])

    def listed(**query):
        return said(client.get(CHANGELIST, query))

    assert all(q.text in listed() for q in (old, new, elsewhere))
    by_state = listed(status__exact="triaged")
    assert elsewhere.text in by_state and new.text not in by_state
    by_article = listed(article__id__exact=live.article_id)
    assert old.text in by_article and elsewhere.text not in by_article
    recent = listed(asked="7")
    assert new.text in recent and old.text not in recent
    older = listed(asked="older")
    assert old.text in older and new.text not in older
    queue = listed(queue="new_questions")
    assert new.text in queue and old.text in queue and elsewhere.text not in queue


def test_new_questions_are_on_the_editors_work_list_and_replies_on_the_reviewers(
    client, question, people
):
    client.force_login(people["editor"])
    home = client.get(reverse("admin:index")).content.decode()
    table = re.search(
        r'<table class="worklist-table" id="worklist-new_questions">.*?</table>', home, re.S
    )
    assert table, "no new questions list on the editor's home"
    assert f'href="{page_of(question)}"' in table.group(0)
    assert "An editor: triage it" in said_html(table.group(0))
    nav = re.search(r'<nav class="work-nav".*?</nav>', home, re.S).group(0)
    assert 'aria-label="New questions, 1"' in nav

    replies.submit_reply(question, people["editor"], "An answer.", "")
    client.force_login(people["reviewer"])
    home = client.get(reverse("admin:index")).content.decode()
    table = re.search(r'id="worklist-replies_to_review">.*?</table>', home, re.S).group(0)
    assert f'href="{page_of(question)}"' in table
    # "See all" and the nav open the question list's own filter.
    assert f"{CHANGELIST}?queue=replies_to_review" in home
    listed = said(client.get(CHANGELIST, {"queue": "replies_to_review"}))
    assert "What about" in listed


def said_html(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_question_linked_to_a_new_revision_shows_on_its_review_page(client, question, people):
    editor_ = people["editor"]
    client.force_login(editor_)
    page = said(client.get(page_of(question)))
    assert "Start a new revision for this question" in page

    done = landed(client, act(client, question, "start_revision"))
    assert "A new revision was started and linked to this question." in said(done)
    question.refresh_from_db()
    draft = question.linked_revision
    assert draft.state == Revision.State.DRAFT and draft.author == editor_
    assert question.status == Status.TRIAGED
    assert draft.copied_from == question.revision

    other = QuestionFactory(revision=question.revision, text="Another question on the dose.")
    assert "Link to revision 2" in said(client.get(page_of(other)))
    landed(client, act(client, other, "link"))
    other.refresh_from_db()
    assert other.linked_revision == draft

    client.force_login(people["reviewer"])
    review = client.get(reverse("admin:articles_revision_review", args=[draft.pk]))
    section = re.search(
        r'<section class="linked-questions".*?</section>', review.content.decode(), re.S
    ).group(0)
    assert "Readers' questions behind this revision" in said_html(section)
    assert "Another question on the dose." in section
    assert "&lt;script&gt;" in section and XSS not in section
    # Only to a revision in progress; once one is, a second cannot be started.
    with pytest.raises(workflow.TransitionError, match="already in progress"):
        replies.start_revision(other, editor_)


def test_linking_needs_a_revision_in_progress(question, people):
    with pytest.raises(workflow.TransitionError, match="no revision in progress"):
        replies.link(question, people["editor"])


def test_someone_with_both_roles_sees_both_kinds_of_list(client, question):
    both = UserFactory(roles=[EDITORS, REVIEWERS], email="both@example.com")
    client.force_login(both)
    nav = re.search(
        r'<nav class="work-nav".*?</nav>', client.get(reverse("admin:index")).content.decode(), re.S
    ).group(0)
    assert said_html(nav) == (
        "Your work Waiting for a reviewer 0 Your reviews 0 Flagged 0 Overdue 0 "
        "Replies to check 0 Sent back 0 Your drafts 0 In review 0 New questions 1 To answer 0"
    )


def test_the_question_list_and_page_cost_a_bounded_number_of_queries(
    client, live, people, django_assert_max_num_queries
):
    for n in range(10):
        QuestionFactory(revision=live, text=f"Question number {n} about the dose.")
    client.force_login(people["editor"])
    client.get(CHANGELIST)
    with django_assert_max_num_queries(14):
        assert client.get(CHANGELIST).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(page_of(Question.objects.first())).status_code == 200
