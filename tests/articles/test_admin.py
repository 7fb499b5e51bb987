"""The admin as editors and reviewers use it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import ReviewEvent, Revision
from articles.models.article import add_months
from tests.factories import editor, reviewer, revision_with_content
from tests.pages import said, text_of

pytestmark = pytest.mark.django_db
State = Revision.State


@pytest.fixture
def live():
    """An approved revision 1 and a submitted revision 2 that rewrites the patient text."""
    author, checker = editor(), reviewer()
    first = revision_with_content(
        state=State.SUBMITTED, author=author, texts={"patient": "Low doses work well."}
    )
    workflow.start_review(first, checker)
    workflow.approve(first, checker, attested=True, pemat_reason="Not rated in this test.")
    second = workflow.start_revision(first.article, author)
    variant = second.variants.get(audience__slug="patient")
    variant.body_markdown = "Low doses work about as well."
    variant.save()
    workflow.submit(second, author, "Softer wording.")
    return first, second


def test_review_page_shows_variants_diff_buttons_and_timeline(
    client, live, django_assert_max_num_queries
):
    first, second = live
    client.force_login(reviewer(email="someone.else@example.com"))
    # +2 for readers' questions: their "Your work" counts, and the questions behind the revision
    # and answers on the article (one query).
    with django_assert_max_num_queries(22):
        response = client.get(reverse("admin:articles_revision_review", args=[second.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Each reading level's changes are marked against revision 1" in text_of(response)
    assert "Low doses work <ins>about as</ins> well." in html
    assert "What changed since revision 1" in text_of(response)
    assert "Patient: 1 change" in said(response) and "Caregiver: no changes" in said(response)
    assert 'value="start_review"' in html and ">Start review</button>" in html
    assert 'aria-current="step"' in html
    timeline = text_of(response).split("Timeline", 1)[1]
    assert "Draft → Submitted" in timeline and "Softer wording." in timeline


def test_revision_list_filters(client, live):
    first, second = live
    me = reviewer(email="me@example.com")
    client.force_login(me)
    url = reverse("admin:articles_revision_changelist")
    assert f"/{second.pk}/" in client.get(url, {"queue": "awaiting_me"}).content.decode()
    workflow.start_review(second, me)
    assigned = client.get(url, {"queue": "assigned_to_me"}).content.decode()
    assert f"/{second.pk}/change/" in assigned and f"/{first.pk}/change/" not in assigned
    Revision.objects.filter(pk=first.pk).update(
        review_due_at=timezone.now() - datetime.timedelta(days=3)
    )
    overdue = client.get(url, {"queue": "overdue"})
    assert f"/{first.pk}/change/" in overdue.content.decode()
    assert "review overdue" in text_of(overdue)
    by_state = client.get(url, {"state__exact": "approved"}).content.decode()
    assert f"/{first.pk}/change/" in by_state and f"/{second.pk}/change/" not in by_state


def test_editing_a_submitted_revision_is_refused_with_a_message(client, live):
    _, second = live
    client.force_login(second.author)
    url = reverse("admin:articles_revision_change", args=[second.pk])
    page = client.get(url)
    assert "content is frozen" in text_of(page)
    response = client.post(url, {"change_summary": "Overwritten!"}, follow=True)
    assert "Nothing was saved. Revision 2 is submitted, so its content is frozen." in text_of(
        response
    )
    second.refresh_from_db()
    assert second.change_summary == "Softer wording."


def test_editors_start_a_new_revision_from_the_article(client, live):
    first, second = live
    me = editor(email="third@example.com")
    client.force_login(me)
    url = reverse("admin:articles_article_new_revision", args=[first.article.pk])
    # One revision in progress at a time: the editor is sent to the open one.
    refused = client.post(url, follow=True)
    assert "Revision 2 of this article is already in progress (submitted)" in text_of(refused)
    review_url = reverse("admin:articles_revision_review", args=[second.pk])
    assert f'href="{review_url}"' in refused.content.decode()
    assert first.article.revisions.count() == 2

    checker = reviewer(email="checks.second@example.com")
    workflow.start_review(second, checker)
    workflow.approve(second, checker, attested=True, pemat_reason="Not rated in this test.")
    response = client.post(url, follow=True)
    assert "Revision 3 started as a draft, copied from revision 2." in text_of(response)
    third = first.article.revisions.get(number=3)
    assert third.author == me and third.copied_from == second
    assert (third.title, third.summary) == (second.title, second.summary)
    # Reviewers cannot.
    client.force_login(reviewer(email="r2@example.com"))
    assert client.post(url).status_code == 403


def test_editing_a_draft_records_the_editor_as_contributor(client, live):
    _, draft = live
    checker = reviewer(email="sends.back@example.com")
    workflow.start_review(draft, checker)
    workflow.request_changes(draft, checker, "Cite the trial.")
    helper = editor(email="helper@example.com")
    client.force_login(helper)
    url = reverse("admin:articles_revision_change", args=[draft.pk])
    data = {
        "title": draft.title,
        "summary": draft.summary,
        "change_summary": "Helped.",
        "_save": "Save",
    }
    for inline in client.get(url).context["inline_admin_formsets"]:
        for form in [inline.formset.management_form, *inline.formset.forms]:
            for name in form.fields:
                value = form[name].value()
                data[form.add_prefix(name)] = "" if value is None else value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert helper in draft.contributors.all()


def test_state_is_read_only_and_the_audit_trail_cannot_be_changed(client, live):
    first, _ = live
    client.force_login(first.author)
    form = (
        client.get(reverse("admin:articles_revision_change", args=[first.pk]))
        .context["adminform"]
        .form
    )
    assert "state" not in form.fields
    event = ReviewEvent.objects.first()
    superuser = editor(email="root@example.com", is_superuser=True)
    client.force_login(superuser)
    change = reverse("admin:articles_reviewevent_change", args=[event.pk])
    assert client.post(change, {"comment": "edited"}).status_code == 403
    delete = reverse("admin:articles_reviewevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:articles_reviewevent_changelist")).status_code == 200


def test_only_reviewers_set_the_review_interval_and_only_editors_the_words(client, live):
    first, _ = live
    url = reverse("admin:articles_article_change", args=[first.article.pk])
    client.force_login(first.author)  # an editor
    page = client.get(url)
    fields = page.context["adminform"].form.fields
    # Readers see a reviewed title and summary: they change only through a new revision.
    assert "title" not in fields and "summary" not in fields and "slug" in fields
    assert "change only through a new revision" in text_of(page)
    assert "review_interval_months" not in fields
    client.force_login(reviewer(email="interval@example.com"))
    fields = client.get(url).context["adminform"].form.fields
    assert "review_interval_months" in fields and "title" not in fields
    response = client.post(url, {"review_interval_months": "0", "_save": "Save"})
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in text_of(response)


def test_a_reviewer_changes_the_interval_and_the_due_date_follows(client, live):
    first, _ = live
    url = reverse("admin:articles_article_change", args=[first.article.pk])
    client.force_login(reviewer(email="sets.interval@example.com"))
    data = {"review_interval_months": "6", "_save": "Save"}
    for inline in client.get(url).context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    response = client.post(url, data)
    assert response.status_code == 302, text_of(response)[:500]
    first.refresh_from_db()
    assert first.review_due_at.date() == add_months(first.approved_at, 6).date()
