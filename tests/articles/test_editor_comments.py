"""The editor's page with the reviewer's comments beside their paragraphs, placed on the text as
typed, resolved by ticking them as part of a save; and each text's reading level in its preview."""

import re

import pytest

from articles import workflow
from articles.models import Revision
from tests.articles.test_editor_page import change_url, form_data, preview_url, said
from tests.factories import SourceFactory, audience, editor, reviewer, revision_with_content

pytestmark = pytest.mark.django_db
State = Revision.State
PATIENT = "## Doses\n\nLow doses work well for moderate acne [1].\n\nAsk your doctor [1]."
COMMENT = "Say which trials found this, and for how long."


@pytest.fixture
def sent_back():
    author, checker = editor(email="writer@example.com"), reviewer(email="checker@example.com")
    revision = revision_with_content(
        author=author, sources=[SourceFactory(title="A trial")], texts={"patient": PATIENT}
    )
    workflow.submit(revision, author, "First version.")
    workflow.start_review(revision, checker)
    comment = workflow.add_comment(revision, checker, audience("patient"), 1, COMMENT)
    workflow.request_changes(revision, checker, "")
    revision.refresh_from_db()
    comment.refresh_from_db()
    return revision, author, checker, comment


def typed_preview(client, revision, text):
    return client.post(
        preview_url(revision),
        {"variants-0-body_markdown": text, "audience": str(audience("patient").pk)},
        headers={"HX-Request": "true", "HX-Trigger-Name": "variants-0-body_markdown"},
    )


def row_of(html, words):
    """The preview row (paragraph and its comments) holding `words`."""
    rows = re.findall(r'<div class="ct-block ct-row">(.*?)</article>', html, re.S)
    return next((row for row in rows if words in row), "")


def test_the_editor_sees_the_comment_beside_its_paragraph(client, sent_back):
    revision, author, _, comment = sent_back
    client.force_login(author)
    html = client.get(change_url(revision)).content.decode()
    row = row_of(html, "Low doses work well for moderate acne")
    assert COMMENT in row and 'id="editor-comment-' in row and "hx-preserve" in row
    assert f'name="resolve_comment" value="{comment.pk}"' in row
    assert "Ask your doctor" not in row


def test_a_comment_follows_its_paragraph_as_the_editor_types(client, sent_back):
    revision, author, _, _ = sent_back
    client.force_login(author)
    # A new paragraph first and a small edit: still beside "its" paragraph.
    edited = PATIENT.replace("## Doses\n\n", "## Doses\n\nA new opening line.\n\n").replace(
        "well", "nearly as well as the usual dose"
    )
    html = typed_preview(client, revision, edited).content.decode()
    assert COMMENT in row_of(html, "Low doses work nearly as well as the usual dose")
    # Rewritten past recognition: kept, with the words it was on.
    rewritten = "## Doses\n\nSomething else entirely.\n\nAnd another thing."
    shown = said(typed_preview(client, revision, rewritten))
    assert COMMENT in shown and "It was on: “Low doses work well for moderate acne" in shown


def test_a_variant_preview_shows_its_reading_level(client, sent_back):
    revision, author, _, _ = sent_back
    client.force_login(author)
    shown = said(typed_preview(client, revision, "We go. You stop. It helps."))
    assert "Meets the target" in shown and "Target: grade 6 or lower" in shown
    hard = (
        "Pharmacokinetic considerations notwithstanding, contemporaneous dermatological "
        "investigations demonstrated comparable therapeutic effectiveness."
    )
    assert "Above the target" in said(typed_preview(client, revision, hard))


def test_ticking_resolved_and_saving_resolves_it_with_the_reply(client, sent_back):
    revision, author, checker, comment = sent_back
    client.force_login(author)
    data = form_data(client.get(change_url(revision)))
    data["resolve_comment"] = [str(comment.pk), "not-a-number"]
    data[f"resolve_note_{comment.pk}"] = "Named the two trials and their length."
    response = client.post(change_url(revision), data, follow=True)
    assert "1 comment marked resolved" in said(response)
    assert "A comment you marked resolved no longer exists." in said(response)
    comment.refresh_from_db()
    assert comment.is_resolved and comment.resolution_note.startswith("Named the two trials")
    event = revision.events.get(action="resolve_comment")
    assert event.details["comment_id"] == comment.pk
    # The reviewer sees it resolved in the next round.
    workflow.submit(revision, author, "Named the trials.")
    client.force_login(checker)
    page = said(client.get(f"/admin/articles/revision/{revision.pk}/review/"))
    assert "Resolved by" in page and "Named the two trials and their length." in page


def test_a_reviewer_cannot_resolve_through_the_editor_form(client, sent_back):
    revision, _, checker, comment = sent_back
    client.force_login(checker)
    # The reviewer may not change the revision at all: the form refuses before any resolving.
    response = client.post(change_url(revision), {"resolve_comment": str(comment.pk)})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert not comment.is_resolved


@pytest.mark.parametrize("odd", ["²", "9" * 5000, "-1", "", "1.5"])
def test_odd_ids_are_ignored_not_a_500(client, sent_back, odd):
    revision, author, _, comment = sent_back
    client.force_login(author)
    preview = client.post(
        preview_url(revision),
        {"variants-0-body_markdown": "Hello.", "audience": odd},
        headers={"HX-Request": "true", "HX-Trigger-Name": "variants-0-body_markdown"},
    )
    assert preview.status_code == 200 and "Hello." in preview.content.decode()
    data = form_data(client.get(change_url(revision)))
    data["resolve_comment"] = odd
    assert client.post(change_url(revision), data).status_code == 302
    comment.refresh_from_db()
    assert not comment.is_resolved


def test_a_reply_with_a_nul_byte_is_refused_in_words(client, sent_back):
    revision, author, _, comment = sent_back
    client.force_login(author)
    data = form_data(client.get(change_url(revision)))
    data["resolve_comment"] = str(comment.pk)
    data[f"resolve_note_{comment.pk}"] = "Fixed\x00."
    response = client.post(change_url(revision), data, follow=True)
    assert "invisible control character" in said(response)
    comment.refresh_from_db()
    assert not comment.is_resolved


def test_a_refused_save_keeps_the_ticks_and_replies(client, sent_back):
    revision, author, _, comment = sent_back
    client.force_login(author)
    data = form_data(client.get(change_url(revision)))
    data["title"] = ""  # required: the form comes back with its error
    data["resolve_comment"] = str(comment.pk)
    data[f"resolve_note_{comment.pk}"] = "Named both trials."
    response = client.post(change_url(revision), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="resolve_comment" value="{comment.pk}" checked' in html
    assert "Named both trials.</textarea>" in html
    comment.refresh_from_db()
    assert not comment.is_resolved


def test_a_save_that_lost_the_race_lists_the_replies_typed(client, sent_back):
    revision, author, _, comment = sent_back
    client.force_login(author)
    data = form_data(client.get(change_url(revision)))
    workflow.submit(revision, author, "Submitted from another tab.")
    data["resolve_comment"] = str(comment.pk)
    data[f"resolve_note_{comment.pk}"] = "Named both trials."
    response = client.post(change_url(revision), data)
    assert response.status_code == 409
    shown = said(response)
    assert "Your reply to the comment on “Low doses work well for moderate acne" in shown
    assert "Named both trials." in shown
    comment.refresh_from_db()
    assert not comment.is_resolved
