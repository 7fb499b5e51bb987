"""Reviewers' comments anchored to the text: written during the review, sent with Request
changes, resolved by the editor, and found again after the editor's changes."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from articles import workflow
from articles.models import ReviewComment, ReviewEvent, Revision
from articles.models.comments import SentCommentIsFrozen
from tests.factories import UserFactory, audience, editor, reviewer, revision_with_content
from tests.pages import said

pytestmark = pytest.mark.django_db
State = Revision.State

PATIENT_TEXT = """## Short answer

Isotretinoin is a strong acne medicine taken by mouth.

You need a pregnancy test every month while you take it.

- Dry lips are common.
- Your skin may burn in the sun more easily.

Ask your doctor before you stop."""
# Blocks: 0 heading, 1 paragraph, 2 paragraph, 3 list item, 4 list item, 5 paragraph.
TESTS_PARAGRAPH = 2


@pytest.fixture
def cast():
    return {
        "author": editor(email="author@example.com"),
        "reviewer": reviewer(email="reviewer@example.com"),
        "other_reviewer": reviewer(
            email="other@example.com", display_name="Dr. Olive Other", credentials="MD"
        ),
    }


@pytest.fixture
def under_review(cast):
    revision = revision_with_content(
        state=State.SUBMITTED, author=cast["author"], texts={"patient": PATIENT_TEXT}
    )
    revision.contributors.add(cast["author"])
    workflow.start_review(revision, cast["reviewer"])
    return revision


def patient():
    return audience("patient")


def comment_on(revision, person, block=TESTS_PARAGRAPH, body="Say how often: every month."):
    return workflow.add_comment(revision, person, patient(), block, body)


def review_url(revision):
    return reverse("admin:articles_revision_review", args=[revision.pk])


def comment_url(revision, action, comment=None):
    args = [revision.pk] if comment is None else [revision.pk, comment.pk]
    return reverse(f"admin:articles_revision_comment_{action}", args=args)


def edit_patient_text(revision, markdown):
    variant = revision.variants.get(audience__slug="patient")
    variant.body_markdown = markdown
    variant.save()


def sent_back(revision, cast, *bodies):
    """Comments on the tests paragraph, sent with Request changes (no general comment)."""
    comments = [comment_on(revision, cast["reviewer"], body=body) for body in bodies]
    workflow.request_changes(revision, cast["reviewer"], "")
    return [ReviewComment.objects.get(pk=c.pk) for c in comments]


def placed_in(revision):
    return workflow.placed_comments(revision, patient())


def flash(response):
    """The messages the response leaves for the next page, the newest last."""
    return [str(m) for m in get_messages(response.wsgi_request)]


# Writing comments: who, when, what.


def test_the_assigned_reviewer_comments_on_a_paragraph(under_review, cast):
    comment = comment_on(under_review, cast["reviewer"])
    assert comment.anchor_index == TESTS_PARAGRAPH
    assert comment.anchor_tag == "p"
    assert comment.anchor_text == "You need a pregnancy test every month while you take it."
    assert comment.quote == comment.anchor_text
    assert comment.author_label == "Dr. Rowan Reviewer, MD, FAAD"
    assert comment.status == "pending"


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("other_reviewer", "Only the reviewer assigned to this revision can comment on it."),
        ("author", "Only medical reviewers can comment on a revision's text."),
    ],
)
def test_nobody_else_comments(under_review, cast, who, message):
    with pytest.raises(workflow.TransitionError, match=re.escape(message)):
        comment_on(under_review, cast[who])
    assert not ReviewComment.objects.exists()


def test_comments_are_written_only_during_the_review(cast):
    submitted = revision_with_content(state=State.SUBMITTED, author=cast["author"])
    Revision.objects.filter(pk=submitted.pk).update(assigned_reviewer=cast["reviewer"])
    submitted.refresh_from_db()
    with pytest.raises(workflow.TransitionError, match="revision 1 is submitted"):
        comment_on(submitted, cast["reviewer"], block=0)


@pytest.mark.parametrize(
    ("block", "body", "message"),
    [
        (TESTS_PARAGRAPH, "   ", "Write your comment first: it is empty."),
        (TESTS_PARAGRAPH, "x" * 2001, "at most 2000 characters; yours has 2001"),
        (99, "A comment.", "The patient text has no such paragraph."),
        (-1, "A comment.", "The patient text has no such paragraph."),
    ],
)
def test_bad_comments_are_refused_with_words(under_review, cast, block, body, message):
    with pytest.raises(workflow.TransitionError, match=re.escape(message)):
        comment_on(under_review, cast["reviewer"], block=block, body=body)


def test_a_comment_on_text_that_changed_since_the_page_was_loaded_is_refused(under_review, cast):
    with pytest.raises(workflow.ConflictError, match="changed since your page was loaded"):
        workflow.add_comment(
            under_review, cast["reviewer"], patient(), 1, "Hm.", expected_text="Old words."
        )


def test_pending_comments_are_the_writers_to_edit_or_delete(under_review, cast):
    comment = comment_on(under_review, cast["reviewer"])
    with pytest.raises(workflow.TransitionError, match="Only the reviewer assigned"):
        workflow.edit_comment(comment, cast["other_reviewer"], "Mine now.")
    workflow.edit_comment(comment, cast["reviewer"], "Say: every month, before each refill.")
    comment.refresh_from_db()
    assert comment.body == "Say: every month, before each refill." and comment.edited_at
    workflow.delete_comment(comment, cast["reviewer"])
    assert not ReviewComment.objects.exists()


# Request changes sends them all; approving waits for them.


def test_request_changes_sends_every_pending_comment_with_it(under_review, cast):
    first = comment_on(under_review, cast["reviewer"], body="Say how often.")
    second = comment_on(under_review, cast["reviewer"], block=3, body="Cracked lips too?")

    workflow.request_changes(under_review, cast["reviewer"], "")

    event = under_review.events.get(action="request_changes")
    assert event.comment == ""
    assert event.details == {
        "comments": [
            {
                "id": first.pk,
                "audience": "patient",
                "quote": "You need a pregnancy test every month while you take it.",
                "body": "Say how often.",
            },
            {
                "id": second.pk,
                "audience": "patient",
                "quote": "Dry lips are common.",
                "body": "Cracked lips too?",
            },
        ]
    }
    assert set(ReviewComment.objects.values_list("sent_in", flat=True)) == {event.pk}
    assert under_review.state == State.CHANGES_REQUESTED


def test_request_changes_without_comments_still_needs_a_general_comment(under_review, cast):
    with pytest.raises(workflow.TransitionError, match="Say what needs to change"):
        workflow.request_changes(under_review, cast["reviewer"], "  ")
    workflow.request_changes(under_review, cast["reviewer"], "Cite the trial.")
    assert under_review.events.get(action="request_changes").details == {}


def test_a_sent_comment_is_part_of_the_record(under_review, cast):
    (comment,) = sent_back(under_review, cast, "Say how often.")
    comment.body = "Something else."
    with pytest.raises(SentCommentIsFrozen):
        comment.save()
    with pytest.raises(SentCommentIsFrozen):
        comment.delete()
    with pytest.raises(SentCommentIsFrozen):
        ReviewComment.objects.filter(pk=comment.pk).update(body="Rewritten.")
    with pytest.raises(SentCommentIsFrozen):
        ReviewComment.objects.all().delete()
    assert ReviewComment.objects.get(pk=comment.pk).body == "Say how often."


def test_approving_with_comments_not_sent_is_refused(under_review, cast):
    first = comment_on(under_review, cast["reviewer"])
    comment_on(under_review, cast["reviewer"], block=1, body="Which acne?")
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.approve(
            under_review, cast["reviewer"], attested=True, pemat_reason="Not rated in this test."
        )
    assert str(refused.value) == (
        "You have 2 comments not sent: request changes to send them, or delete them."
    )
    assert under_review.state == State.UNDER_REVIEW
    workflow.delete_comment(first, cast["reviewer"])
    with pytest.raises(workflow.TransitionError, match="You have 1 comment not sent"):
        workflow.approve(
            under_review, cast["reviewer"], attested=True, pemat_reason="Not rated in this test."
        )


def test_a_reviewer_taking_a_review_over_may_drop_what_the_last_one_left(under_review, cast):
    left = comment_on(under_review, cast["reviewer"])
    admin = UserFactory(email="admin@example.com", is_superuser=True, is_staff=True)
    workflow.reassign(under_review, admin, "Away.", reviewer=cast["other_reviewer"].pk)
    with pytest.raises(workflow.TransitionError, match="This revision has 1 comment not sent"):
        workflow.approve(
            under_review,
            cast["other_reviewer"],
            attested=True,
            pemat_reason="Not rated in this test.",
        )
    with pytest.raises(workflow.TransitionError, match="Only the reviewer who wrote"):
        workflow.edit_comment(left, cast["other_reviewer"], "Mine.")
    workflow.delete_comment(left, cast["other_reviewer"])
    workflow.approve(
        under_review, cast["other_reviewer"], attested=True, pemat_reason="Not rated in this test."
    )
    assert under_review.state == State.APPROVED


# The editor resolves them; the next round shows what was done.


def test_the_editor_marks_a_comment_resolved_and_the_history_says_so(under_review, cast):
    (comment,) = sent_back(under_review, cast, "Say how often.")
    workflow.resolve_comment(comment, cast["author"], "Now says: every month.")
    comment.refresh_from_db()
    assert comment.status == "resolved"
    assert comment.resolved_by == cast["author"]
    assert comment.resolved_by_label == "Eden Editor"
    assert comment.resolution_note == "Now says: every month."
    event = under_review.events.get(action="resolve_comment")
    assert (event.from_state, event.to_state) == (State.CHANGES_REQUESTED,) * 2
    assert event.details == {
        "comment_id": comment.pk,
        "audience": "patient",
        "quote": "You need a pregnancy test every month while you take it.",
    }
    assert event.comment == "Now says: every month."
    assert event.action_label == "Comment marked resolved"
    under_review.refresh_from_db()
    assert under_review.state == State.CHANGES_REQUESTED
    with pytest.raises(workflow.ConflictError, match="already marked resolved by Eden Editor"):
        workflow.resolve_comment(comment, cast["author"])


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("reviewer", "Only the revision's author or an editor who worked on it"),
        ("other_reviewer", "Only the revision's author or an editor who worked on it"),
    ],
)
def test_reviewers_do_not_resolve_comments(under_review, cast, who, message):
    (comment,) = sent_back(under_review, cast, "Say how often.")
    with pytest.raises(workflow.TransitionError, match=message):
        workflow.resolve_comment(comment, cast[who])
    assert not ReviewEvent.objects.filter(action="resolve_comment").exists()


def test_only_sent_comments_are_resolved_and_only_while_the_text_can_change(under_review, cast):
    pending = comment_on(under_review, cast["reviewer"])
    with pytest.raises(workflow.TransitionError, match="has not been sent to the editor yet"):
        workflow.resolve_comment(pending, cast["author"])
    workflow.request_changes(under_review, cast["reviewer"], "")
    workflow.submit(under_review, cast["author"], "Done.")
    with pytest.raises(workflow.TransitionError, match="revision 1 is submitted"):
        workflow.resolve_comment(pending, cast["author"])


def test_the_next_round_shows_what_was_resolved_by_whom_and_what_was_not(
    client, under_review, cast
):
    done, open_one = sent_back(under_review, cast, "Say how often.", "And the second test?")
    workflow.resolve_comment(done, cast["author"], "Added: every month.")
    edit_patient_text(under_review, PATIENT_TEXT.replace("every month", "every month (30 days)"))
    workflow.submit(under_review, cast["author"], "Said how often.")
    workflow.start_review(under_review, cast["other_reviewer"])

    client.force_login(cast["other_reviewer"])
    response = client.get(review_url(under_review))
    page = said(response)
    assert "Resolved comment by Dr. Rowan Reviewer, MD, FAAD" in page
    assert "Resolved by Eden Editor on" in page and "Added: every month." in page
    assert "Sent comment by Dr. Rowan Reviewer, MD, FAAD" in page
    assert "And the second test?" in page
    html = response.content.decode()
    # Both beside the paragraph they were on, edited as it was since.
    row = html.split('id="text-patient-2"', 1)[1].split('id="text-patient-3"', 1)[0]
    assert f'id="comment-{done.pk}"' in row and f'id="comment-{open_one.pk}"' in row
    assert "This paragraph was edited since the comment." in row
    assert "Mark resolved" not in html  # the reviewer cannot resolve
    # The new reviewer can comment in this round.
    assert "Comment on paragraph 2 of the patient text" in page


def test_a_new_revision_leaves_the_comments_with_the_old_one(under_review, cast):
    (comment,) = sent_back(under_review, cast, "Say how often.")
    workflow.withdraw(under_review, cast["author"], "Starting over.")
    fresh = workflow.start_revision(under_review.article, cast["author"])
    assert not fresh.comments.exists()
    assert list(under_review.comments.all()) == [comment]


# Anchoring: a comment finds its paragraph after the editor's changes.


def place_after_edit(revision, cast, markdown):
    (comment,) = sent_back(revision, cast, "Say how often.")
    edit_patient_text(revision, markdown)
    placed = placed_in(revision)
    where = [(b.block.index, c.how) for b in placed.blocks for c in b.comments]
    return placed, where + [(None, c.how) for c in placed.gone]


def test_after_a_small_edit_the_comment_stays_on_its_paragraph(under_review, cast):
    text = PATIENT_TEXT.replace("every month", "once a month")
    _, where = place_after_edit(under_review, cast, text)
    assert where == [(TESTS_PARAGRAPH, "similar")]


def test_a_paragraph_that_moved_takes_its_comment_along(under_review, cast):
    moved = (
        "## Short answer\n\nYou need a pregnancy test every month while you take it.\n\n"
        "Isotretinoin is a strong acne medicine taken by mouth.\n\n- Dry lips are common.\n"
    )
    _, where = place_after_edit(under_review, cast, moved)
    assert where == [(1, "exact")]


def test_after_a_rewrite_the_comment_stays_at_its_place_quoting_the_old_text(
    client, under_review, cast
):
    rewritten = PATIENT_TEXT.replace(
        "You need a pregnancy test every month while you take it.",
        "Blood tests check your liver and fats before and during treatment.",
    )
    _, where = place_after_edit(under_review, cast, rewritten)
    assert where == [(TESTS_PARAGRAPH, "position")]
    client.force_login(cast["author"])
    page = said(client.get(review_url(under_review)))
    assert (
        "The paragraph this comment was on changed: it read “You need a pregnancy test every "
        "month while you take it.”"
    ) in page


def test_a_comment_on_text_that_is_gone_is_listed_at_the_end(client, under_review, cast):
    placed, where = place_after_edit(under_review, cast, "## Short answer\n\nOne line now.")
    assert where == [(None, "gone")]
    client.force_login(cast["author"])
    html = client.get(review_url(under_review)).content.decode()
    patient_text = html.split('id="text-patient-0"', 1)[1].split('id="text-caregiver-0"', 1)[0]
    gone = patient_text.split("Comments on text that is no longer there", 1)[1]
    assert "It was on: “You need a pregnancy test every month while you take it.”" in gone
    assert "Say how often." in gone and "Mark resolved" in gone


def test_the_text_keeps_its_structure_without_repeating_ids(client, under_review, cast):
    client.force_login(cast["reviewer"])
    html = client.get(review_url(under_review)).content.decode()
    patient_text = html.split('id="text-patient-0"', 1)[1].split('id="text-caregiver-0"', 1)[0]
    assert '<h3 class="ct-text">Short answer</h3>' in html
    assert re.search(r'<ul class="ct-list">\s*<li class="ct-block" id="text-patient-3">', html)
    assert "Comment on the heading “Short answer” of the patient text" in text_of_html(html)
    assert "Comment on list item 2 of the patient text" in text_of_html(html)
    assert 'id="cite-' not in patient_text
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def text_of_html(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# Pending comments are the reviewer's own until sent.


def test_pending_comments_are_hidden_from_the_editor(client, under_review, cast):
    comment_on(under_review, cast["reviewer"], body="Draft thought.")
    client.force_login(cast["author"])
    assert "Draft thought." not in said(client.get(review_url(under_review)))
    client.force_login(cast["reviewer"])
    page = said(client.get(review_url(under_review)))
    assert "Not sent yet comment by Dr. Rowan Reviewer, MD, FAAD" in page
    assert "Draft thought." in page


# Through the admin: POST, redirect, GET.


def post_comment(client, revision, body="Say how often.", block=TESTS_PARAGRAPH, **extra):
    data = {"audience": patient().pk, "block": block, "body": body, **extra}
    return client.post(comment_url(revision, "add"), data)


def test_adding_redirects_back_to_the_comment_on_the_same_page(client, under_review, cast):
    client.force_login(cast["reviewer"])
    back = review_url(under_review) + "?tab=text"
    response = post_comment(client, under_review, next=back)
    comment = ReviewComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{back}#comment-{comment.pk}"
    assert flash(response) == ["Comment saved. The editor gets it when you request changes."]
    page = client.get(back)
    assert f'id="comment-{comment.pk}"' in page.content.decode()


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example.com/admin/",
        "//evil.example.com/admin/",
        "/articles/",
        "javascript:alert(1)",
        "",
    ],
)
def test_only_an_admin_page_of_this_site_is_gone_back_to(client, under_review, cast, next_url):
    client.force_login(cast["reviewer"])
    response = post_comment(client, under_review, next=next_url)
    assert response["Location"].startswith(review_url(under_review) + "#comment-")


def test_a_refused_comment_comes_back_as_typed_with_the_reason(client, under_review, cast):
    client.force_login(cast["reviewer"])
    typed = "x" * 2001
    response = post_comment(client, under_review, body=typed, next=review_url(under_review))
    assert response.status_code == 302
    assert response["Location"] == review_url(under_review) + "#text-patient-2"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "A comment can be at most 2000 characters; yours has 2001." in said(page)
    form = html.split('id="text-patient-2-comment"', 1)[1].split("</textarea>", 1)[0]
    assert typed in form
    assert '<details class="ct-add" open>' in html
    # Shown once: a reload starts clean.
    assert typed not in client.get(review_url(under_review)).content.decode()
    assert not ReviewComment.objects.exists()


def test_another_reviewer_is_refused_with_words_and_keeps_the_text(client, under_review, cast):
    client.force_login(cast["other_reviewer"])
    response = post_comment(client, under_review, body="My view.")
    assert response.status_code == 302
    assert flash(response) == ["Only the reviewer assigned to this revision can comment on it."]
    assert not ReviewComment.objects.exists()


def test_staff_without_access_to_revisions_get_403(client, under_review):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True))
    assert post_comment(client, under_review).status_code == 403
    assert not ReviewComment.objects.exists()


def test_editing_deleting_and_resolving_through_the_admin(client, under_review, cast):
    client.force_login(cast["reviewer"])
    post_comment(client, under_review)
    comment = ReviewComment.objects.get()
    back = review_url(under_review)
    client.get(back)  # reads the message about the new comment
    response = client.post(comment_url(under_review, "edit", comment), {"body": "", "next": back})
    assert flash(response) == ["Write your comment first: it is empty."]
    assert response["Location"] == f"{back}#comment-{comment.pk}"
    response = client.post(comment_url(under_review, "edit", comment), {"body": "Better words."})
    assert response["Location"] == f"{back}#comment-{comment.pk}"
    client.post(
        reverse("admin:articles_revision_act", args=[under_review.pk]),
        {
            "action": "request_changes",
            "comment": "",
            "expected_state": State.UNDER_REVIEW,
        },
    )
    under_review.refresh_from_db()
    assert under_review.state == State.CHANGES_REQUESTED
    client.get(back)
    response = client.post(comment_url(under_review, "delete", comment))
    assert flash(response)[-1:] == [
        "This comment was sent with the request for changes: it is part of the review record "
        "and cannot be changed."
    ]

    client.force_login(cast["author"])
    page = client.get(back)
    assert "Mark resolved" in said(page)
    change_form = reverse("admin:articles_revision_change", args=[under_review.pk])
    response = client.post(
        comment_url(under_review, "resolve", comment), {"note": "Done.", "next": change_form}
    )
    assert response["Location"] == f"{change_form}#comment-{comment.pk}"
    comment.refresh_from_db()
    assert comment.body == "Better words." and comment.resolution_note == "Done."


def test_deleting_goes_back_to_the_paragraph(client, under_review, cast):
    client.force_login(cast["reviewer"])
    post_comment(client, under_review)
    comment = ReviewComment.objects.get()
    response = client.post(comment_url(under_review, "delete", comment))
    assert response["Location"] == review_url(under_review) + "#text-patient-2"
    assert not ReviewComment.objects.exists()


def test_a_refused_reply_is_kept(client, under_review, cast):
    (comment,) = sent_back(under_review, cast, "Say how often.")
    client.force_login(cast["author"])
    response = client.post(comment_url(under_review, "resolve", comment), {"note": "y" * 2001})
    assert flash(response) == [
        "A reply can be at most 2000 characters; yours has 2001. Shorten it and save again."
    ]
    form = client.get(review_url(under_review)).content.decode()
    assert "y" * 2001 in form.split(f'id="comment-{comment.pk}-note"', 1)[1]


def test_bad_ids_are_404_and_get_is_405(client, under_review, cast):
    client.force_login(cast["reviewer"])
    post_comment(client, under_review)
    comment = ReviewComment.objects.get()
    other = revision_with_content(state=State.SUBMITTED)
    assert client.post(comment_url(other, "edit", comment), {"body": "x"}).status_code == 404
    missing = reverse("admin:articles_revision_comment_add", args=[999999])
    assert client.post(missing, {"audience": patient().pk, "block": 1}).status_code == 404
    for data in ({"audience": "x", "block": 1}, {"audience": 999, "block": 1}, {"audience": 1}):
        assert client.post(comment_url(under_review, "add"), data).status_code == 404
    gone = reverse("admin:articles_revision_comment_resolve", args=[under_review.pk, 999999])
    assert client.post(gone).status_code == 404
    assert client.get(comment_url(under_review, "add")).status_code == 405
    assert ReviewComment.objects.count() == 1


# What a comment says is printed as text, never as markup.

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_markup_in_a_comment_or_reply_is_inert(client, under_review, cast):
    (comment,) = sent_back(under_review, cast, XSS)
    workflow.resolve_comment(comment, cast["author"], XSS)
    sent = under_review.events.get(action="request_changes")
    resolved = under_review.events.get(action="resolve_comment")
    client.force_login(UserFactory(email="admin@example.com", is_superuser=True, is_staff=True))
    pages = {
        "review page": review_url(under_review),
        "revision": reverse("admin:articles_revision_change", args=[under_review.pk]),
        "events": reverse("admin:articles_reviewevent_changelist"),
        "event sent": reverse("admin:articles_reviewevent_change", args=[sent.pk]),
        "event resolved": reverse("admin:articles_reviewevent_change", args=[resolved.pk]),
    }
    for name, url in pages.items():
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, name
        assert "<script>alert" not in html and "<img src=x" not in html, name
    html = client.get(review_url(under_review)).content.decode()
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 2  # body, reply


# Cost of the page.


def test_the_review_page_costs_the_same_with_many_comments(
    client, under_review, cast, django_assert_max_num_queries
):
    comment_on(under_review, cast["reviewer"])
    client.force_login(cast["reviewer"])
    client.get(review_url(under_review))  # warm the session
    # Measured: 27 (why approving is closed: 2; readers' questions: their "Your work" counts,
    # and the questions and answers shown with the revision).
    with django_assert_max_num_queries(28) as few:
        client.get(review_url(under_review))
    for slug in ("patient", "caregiver", "student", "clinician"):
        for number in range(10):
            workflow.add_comment(
                under_review, cast["reviewer"], audience(slug), 0, f"Note {number}"
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(review_url(under_review))
    assert said(response).count("Not sent yet comment by") == 41
