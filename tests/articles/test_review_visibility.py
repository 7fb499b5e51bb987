"""What readers see of the review: the live revision, its reviewer, dates and cautions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Revision
from articles.models.article import add_months
from tests.factories import ArticleFactory, UserFactory, editor, reviewer, revision_with_content
from tests.pages import text_of

pytestmark = pytest.mark.django_db
State = Revision.State


@pytest.fixture
def approved():
    author, checker = editor(), reviewer()
    revision = revision_with_content(
        state=State.SUBMITTED,
        author=author,
        texts={"patient": "Approved patient text."},
        article=ArticleFactory(title="Is it approved?"),
    )
    workflow.start_review(revision, checker)
    workflow.approve(revision, checker, attested=True, pemat_reason="Not rated in this test.")
    revision.refresh_from_db()
    return revision


def test_approved_page_names_the_reviewer_and_the_dates(client, approved):
    response = client.get(approved.article.get_absolute_url())
    text = text_of(response)
    today = timezone.now()
    on = f"{today:%B} {today.day}, {today.year}"
    trust = f"Medically reviewed by Dr. Rowan Reviewer, MD, FAAD on {on}"
    assert trust in text
    assert text.index(trust) < text.index("Which best describes you?")  # near the top
    # And in plain words, right under the title.
    assert f"checked by Dr. Rowan Reviewer, MD, FAAD on {on}" in text
    html = response.content.decode()
    assert f'<a href="{reverse("editorial-policy")}#how-we-review">Medically reviewed</a>' in html
    assert "Medical Advisory Board" not in text
    due = add_months(today, 12)
    assert f"Next review due {due:%B} {due.day}, {due.year}" in text
    assert "Approved (current step)" in text
    assert "pending human review" not in text and "overdue" not in text
    assert "noindex" not in response.content.decode()


def test_a_newer_revision_in_review_never_changes_the_public_page(client, approved):
    newer = workflow.start_revision(approved.article, editor())
    variant = newer.variants.get(audience__slug="patient")
    variant.body_markdown = "Unreviewed new text."
    variant.save()
    workflow.submit(newer, newer.author, "Rewrote it.")
    workflow.start_review(newer, reviewer())
    text = text_of(client.get(approved.article.get_absolute_url()))
    assert "Approved patient text." in text and "Unreviewed new text." not in text
    assert "Approved (current step)" in text


def test_overdue_review_is_a_caution_and_in_the_queue(client, approved):
    Revision.objects.filter(pk=approved.pk).update(
        review_due_at=timezone.now() - datetime.timedelta(days=1)
    )
    text = text_of(client.get(approved.article.get_absolute_url()))
    assert "Exercise caution: this article's medical review is overdue" in text
    assert "(overdue)" in text
    assert list(Revision.objects.overdue()) == [approved]
    assert "Checked by a doctor · review overdue" in text_of(client.get("/"))


def test_per_article_review_interval(approved):
    article = approved.article
    article.review_interval_months = 6
    article.save()
    article.refresh_review_due()
    approved.refresh_from_db()
    assert approved.review_due_at == add_months(approved.approved_at, 6)


def test_add_months_clamps_to_the_end_of_the_month():
    moment = datetime.datetime(2027, 1, 31, 12, tzinfo=datetime.UTC)
    assert add_months(moment, 1) == datetime.datetime(2027, 2, 28, 12, tzinfo=datetime.UTC)
    assert add_months(moment, 13).date() == datetime.date(2028, 2, 29)


def test_drafts_are_never_public_but_staff_can_preview_them_uncached(client, approved):
    draft = workflow.start_revision(approved.article, editor())
    url = approved.article.get_absolute_url() + f"?revision={draft.number}"
    # Readers (and the URL parameter) see the live revision.
    assert "Staff preview" not in text_of(client.get(url))
    client.force_login(UserFactory())
    assert "Staff preview" not in text_of(client.get(url))

    client.force_login(editor())
    response = client.get(url)
    assert "Staff preview of revision 2 (draft)" in text_of(response)
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert client.get(approved.article.get_absolute_url() + "?revision=99").status_code == 404
    assert client.get(approved.article.get_absolute_url() + "?revision=x").status_code == 404


def test_staff_can_preview_an_article_that_was_never_public(client):
    draft = revision_with_content(texts={"patient": "Secret draft."})
    url = draft.article.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(reviewer())
    assert "Secret draft." in text_of(client.get(f"{url}?revision=1"))


def test_preview_needs_two_factor_and_a_real_number(client, approved):
    url = approved.article.get_absolute_url()
    client.force_login(editor(totp_secret=False))
    assert "Staff preview" not in text_of(client.get(f"{url}?revision=1"))
    client.force_login(editor())
    assert client.get(f"{url}?revision=²").status_code == 404
    assert (
        client.post(f"{url}?revision=1", {"revision": "1x", "audience": "student"}).status_code
        == 404
    )
