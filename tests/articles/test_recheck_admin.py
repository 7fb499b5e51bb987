"""The admin side of source changes: recording them, the re-check queue, the review page and the
emails reviewers get."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from articles import workflow
from articles.models import Citation, ReviewEvent, Revision, Source, SourceVersion
from articles.source_changes import record_source_change
from tests.articles.source_helpers import GUIDELINE_NAME, approved, new_edition
from tests.factories import (
    EDITORS,
    REVIEWERS,
    CitationFactory,
    SourceFactory,
    UserFactory,
    revision_with_content,
)
from tests.pages import landed, said

pytestmark = pytest.mark.django_db
State = Revision.State
Change = SourceVersion.Change

NOTE = "AAD published the 2026 update; the dosing section was rewritten."


def record_url(source, kind):
    return reverse("admin:articles_source_record", args=[source.pk, kind])


def edition_form(source, **changes):
    """What the "Record a new edition" form posts: the current details, with `changes`."""
    data = {
        name: "" if getattr(source, name) is None else getattr(source, name)
        for name in ("title", "year", "volume", "pages", "doi", "pmid", "url")
    }
    data.update(edition="2026 update", published_on="2026-03-01", note=NOTE)
    # The version the form showed (a hidden field): the latest one when it was loaded.
    data.update(seen_version=source.latest_version().number)
    data.update(changes)
    return data


# Recording a change in the admin. ----------------------------------------------------------------


def test_the_source_form_has_no_editable_printed_details(client, people, guideline):
    client.force_login(people["recorder"])
    url = reverse("admin:articles_source_change", args=[guideline.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields) == {"short_name"}
    html = response.content.decode()
    for name in Source.PRINTED_FIELDS:
        assert f'name="{name}"' not in html
    for kind, label in [
        ("new-edition", "Record a new edition"),
        ("correction", "Correct details"),
        ("retraction", "Mark retracted or withdrawn"),
    ]:
        assert f'<a href="{record_url(guideline, kind)}">{label}</a>' in html

    data = {
        "short_name": "AAD acne guideline",
        "title": "Isotretinoin is safe in pregnancy",
        "url": "https://phish.example/",
        "doi": "10.9999/fake",
        "status": "retracted",
        "_save": "Save",
    }
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    saved = client.post(url, data)
    assert saved.status_code == 302, said(saved)[:600]
    source = Source.objects.get(pk=guideline.pk)
    assert source.short_name == "AAD acne guideline"  # the save went through...
    assert source.printed() == guideline.printed()  # ...and printed nothing new
    assert source.versions.count() == 1


def test_a_withdrawn_source_offers_no_second_retraction(client, people, guideline):
    record_source_change(
        guideline, people["recorder"], Change.RETRACTION, "Withdrawn.", status="withdrawn"
    )
    client.force_login(people["recorder"])
    html = client.get(reverse("admin:articles_source_change", args=[guideline.pk])).content
    assert record_url(guideline, "retraction") not in html.decode()
    assert record_url(guideline, "new-edition") in html.decode()


def test_recording_a_new_edition_in_the_admin(client, people, guideline):
    live = approved(people, [guideline], title="Is low-dose isotretinoin enough?")
    client.force_login(people["recorder"])
    url = record_url(guideline, "new-edition")
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert "Saving sends 1 approved article back for a medical re-check" in said(
        form_page
    ) and "Is low-dose isotretinoin enough?" in said(form_page)
    response = client.post(url, edition_form(guideline), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:articles_source_change", args=[guideline.pk]
    )
    assert (
        f"Recorded: new edition of “{GUIDELINE_NAME}” (version 2). 1 article sent back for a "
        "re-check: Is low-dose isotretinoin enough?." in said(response)
    )
    version = guideline.versions.get(number=2)
    assert (version.edition, version.published_on) == ("2026 update", datetime.date(2026, 3, 1))
    assert version.note == NOTE and version.recorded_by == people["recorder"]
    live.refresh_from_db()
    assert live.needs_recheck


def test_a_missing_note_is_refused_keeping_what_was_typed(client, people, guideline):
    live = approved(people, [guideline])
    client.force_login(people["recorder"])
    typed = edition_form(guideline, note="  ", edition="2026 focused update", pages="1-40")
    response = client.post(record_url(guideline, "new-edition"), typed)
    assert response.status_code == 400
    text = said(response)
    assert "Please correct the errors below. Nothing was recorded." in text
    assert "Write a note: what changed, and where you read it." in text
    html = response.content.decode()
    assert 'value="2026 focused update"' in html and 'value="1-40"' in html
    assert 'value="2026-03-01"' in html
    assert guideline.versions.count() == 1
    live.refresh_from_db()
    assert live.recheck_since is None
    assert not ReviewEvent.objects.filter(action="source_changed").exists()


def test_a_refused_change_says_why_in_the_admin(client, people, guideline):
    approved(people, [guideline])
    client.force_login(people["recorder"])
    same = edition_form(guideline, edition="2024 edition", published_on="2024-01-30")
    response = client.post(record_url(guideline, "new-edition"), same)
    assert response.status_code == 400
    assert "2024 edition is already the recorded edition; give the new one." in said(response)
    assert 'value="2024-01-30"' in response.content.decode()
    assert guideline.versions.count() == 1
    assert not Revision.objects.flagged().exists()


def test_recording_a_retraction_in_the_admin(client, people):
    trial = SourceFactory(key="retracted-trial", short_name="the SMALL-DOSE trial")
    live = approved(people, [trial])
    client.force_login(people["recorder"])
    url = record_url(trial, "retraction")
    form = client.get(url).context["form"]
    assert set(form.fields) == {"status", "happened_on", "seen_version", "note"}
    assert [value for value, _ in form.fields["status"].choices] == ["retracted", "withdrawn"]
    still_current = client.post(url, {"status": "current", "note": "Hm."})
    assert still_current.status_code == 400
    assert "Nothing was recorded." in said(still_current)
    assert trial.versions.count() == 1
    undated = client.post(url, {"status": "retracted", "note": "Retraction notice."})
    assert undated.status_code == 400 and trial.versions.count() == 1
    retraction = {"status": "retracted", "happened_on": "2026-02-03", "note": "Retraction notice."}
    response = client.post(url, {**retraction, "seen_version": "1"}, follow=True)
    assert "Recorded: retracted or withdrawn of “the SMALL-DOSE trial” (version 2)" in said(
        response
    )
    trial.refresh_from_db()
    assert trial.status == Source.Status.RETRACTED
    live.refresh_from_db()
    [event] = live.recheck_reasons()
    assert event.is_withdrawal and event.comment == "Retraction notice."
    # Readers are told the day it was retracted, not the day staff recorded it.
    assert (
        "A study this article cites (the SMALL-DOSE trial) was withdrawn on February 3, 2026"
        in (said(client.get(live.article.get_absolute_url())))
    )


def test_reviewers_cannot_record_source_changes(client, people, guideline):
    approved(people, [guideline])
    client.force_login(people["checker"])
    url = record_url(guideline, "new-edition")
    assert client.get(url).status_code == 403
    assert client.post(url, edition_form(guideline)).status_code == 403
    client.force_login(people["recorder"])
    assert client.get(record_url(guideline, "rewrite")).status_code == 403
    assert guideline.versions.count() == 1
    assert not Revision.objects.flagged().exists()


# The re-check queue. -----------------------------------------------------------------------------


def test_the_revision_list_puts_flagged_revisions_first_with_the_reason(client, people, guideline):
    flagged = approved(people, [guideline], title="Is the guideline dose right?")
    quiet = approved(people, [SourceFactory()], title="A quiet approved article?")
    new_edition(guideline, people["recorder"])
    # Created after the flag, so newest first would list them before it.
    waiting = revision_with_content(state=State.SUBMITTED, title="A submitted article?")
    drafted = revision_with_content(title="A draft article?")
    client.force_login(people["second_checker"])
    url = reverse("admin:articles_revision_changelist")
    response = client.get(url)
    html = response.content.decode()
    order = sorted(
        (html.index(f"/{r.pk}/change/"), r.pk) for r in (flagged, quiet, waiting, drafted)
    )
    assert [pk for _, pk in order][:2] == [flagged.pk, waiting.pk]
    assert f"A medical reviewer: re-check, source changed: {GUIDELINE_NAME} (new edition)" in said(
        response
    )
    assert "Approved · re-check needed" in said(response)

    only = client.get(url, {"queue": "flagged"}).content.decode()
    assert f"/{flagged.pk}/change/" in only
    for other in (quiet, waiting, drafted):
        assert f"/{other.pk}/change/" not in only


def test_the_review_page_shows_why_a_revision_is_flagged(
    client, people, guideline, django_assert_max_num_queries
):
    live = approved(people, [guideline, SourceFactory(), SourceFactory()])
    new_edition(guideline, people["recorder"], note=NOTE)
    client.force_login(people["second_checker"])
    url = reverse("admin:articles_revision_review", args=[live.pk])
    # Two are the "Your work" counts (revisions, questions), one the comments, one the readers'
    # questions and answers shown with the revision.
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    text = said(response)
    flagged = text.split("Flagged for a re-check", 1)[1].split("Actions", 1)[0]
    assert f"{GUIDELINE_NAME}: new edition, recorded" in flagged
    assert "by Rita Recorder." in flagged
    assert NOTE in flagged
    assert "Detail As approved Now" in flagged
    assert "Edition 2024 edition 2026 update" in flagged
    assert "Publication date 2024-01-30 2026-03-01" in flagged
    html = response.content.decode()
    assert "<del>2024 edition</del></td><td><ins>2026 update</ins>" in html
    assert 'value="still_accurate"' in html
    timeline = text.split("Timeline", 1)[1]
    assert f"Cited source changed: re-check needed: {GUIDELINE_NAME} (new edition)" in timeline


def test_the_flag_table_names_details_as_the_form_does(client, people, guideline):
    live = approved(people, [guideline])
    record_source_change(
        guideline,
        people["recorder"],
        Change.CORRECTION,
        "DOI and link as the publisher lists them.",
        doi="10.1016/j.jaad.2024.01.001",
        url="https://www.aad.org/acne-guideline-2024",
    )
    client.force_login(people["second_checker"])
    response = client.get(reverse("admin:articles_revision_review", args=[live.pk]))
    flagged = said(response).split("Flagged for a re-check", 1)[1].split("Actions", 1)[0]
    assert "DOI 10.1016/j.jaad.2023.12.017 10.1016/j.jaad.2024.01.001" in flagged
    assert "URL https://www.aad.org/acne-guideline " in flagged


def test_still_accurate_from_the_review_page(client, people, guideline):
    live = approved(people, [guideline])
    new_edition(guideline, people["recorder"])
    client.force_login(people["second_checker"])
    act = reverse("admin:articles_revision_act", args=[live.pk])
    refused = landed(
        client,
        client.post(
            act, {"action": "still_accurate", "comment": " ", "expected_state": "approved"}
        ),
    )
    assert refused.status_code == 400
    assert "Say what you checked before you record that the article is still accurate." in said(
        refused
    )
    live.refresh_from_db()
    assert live.needs_recheck

    seen = live.recheck_reasons()[-1].pk  # the page's hidden field: the change it showed
    response = client.post(
        act,
        {
            "action": "still_accurate",
            "comment": "Dosing unchanged.",
            "expected_state": "approved",
            "seen": seen,
        },
        follow=True,
    )
    assert "Still accurate: no change needed: revision 1 is now Approved." in said(response)
    assert "Flagged for a re-check" not in said(response)
    assert "References re-checked" in said(response) and "by Dr. Sam Second, MD" in said(response)
    live.refresh_from_db()
    assert live.recheck_since is None
    assert live.citations.get().version.number == 2


def test_the_recorder_cannot_clear_their_own_flag_from_the_review_page(client, people, guideline):
    both = UserFactory(
        email="both.roles@example.com",
        roles=[EDITORS, REVIEWERS],
        display_name="Dr. Both Roles",
        credentials="MD",
    )
    live = approved(people, [guideline])
    new_edition(guideline, both)
    client.force_login(both)
    page = client.get(reverse("admin:articles_revision_review", args=[live.pk]))
    assert 'value="still_accurate"' not in page.content.decode()
    assert "You recorded the source change, so another medical reviewer must check" in said(page)
    response = landed(
        client,
        client.post(
            reverse("admin:articles_revision_act", args=[live.pk]),
            {"action": "still_accurate", "comment": "Mine is fine.", "expected_state": "approved"},
        ),
    )
    assert response.status_code == 400
    live.refresh_from_db()
    assert live.needs_recheck


def test_approving_a_stale_revision_in_the_admin_names_the_source(client, people, guideline):
    live = approved(people, [guideline])
    draft = workflow.start_revision(live.article, people["author"])
    workflow.submit(draft, people["author"], "Clearer wording.")
    workflow.start_review(draft, people["second_checker"])
    new_edition(guideline, people["recorder"])
    client.force_login(people["second_checker"])
    page = client.get(reverse("admin:articles_revision_review", args=[draft.pk]))
    assert (
        f"A source this revision cites has changed since it was submitted: {GUIDELINE_NAME}."
        in said(page)
    )
    response = landed(
        client,
        client.post(
            reverse("admin:articles_revision_act", args=[draft.pk]),
            {"action": "approve", "comment": "", "expected_state": "under_review"},
        ),
    )
    assert response.status_code == 400
    assert (
        f"A source this revision cites changed after it was submitted ({GUIDELINE_NAME})."
        in said(response)
    )
    draft.refresh_from_db()
    assert draft.state == State.UNDER_REVIEW


# Emails. -----------------------------------------------------------------------------------------


def test_reviewers_but_not_the_recorder_get_one_recheck_email_each(
    people, guideline, django_capture_on_commit_callbacks
):
    both = UserFactory(
        email="both.roles@example.com",
        roles=[EDITORS, REVIEWERS],
        display_name="Dr. Both Roles",
        credentials="MD",
    )
    live = approved(people, [guideline], title="Is low-dose isotretinoin enough?")
    approved(people, [SourceFactory()])  # not citing it: no email about it
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        new_edition(guideline, both, note=NOTE)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "checker@example.com",
        "second.checker@example.com",
    ]
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    for message in mail.outbox:
        assert message.subject.endswith("Re-check needed: Is low-dose isotretinoin enough?")
        assert f"{GUIDELINE_NAME} (new edition)" in message.body
        assert NOTE in message.body
        assert f"/admin/articles/revision/{live.pk}/review/" in message.body
        assert "Dr. Both Roles, MD recorded a change" in message.body


def test_a_refused_change_sends_no_email(people, guideline, django_capture_on_commit_callbacks):
    approved(people, [guideline])
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(workflow.TransitionError),
    ):
        new_edition(guideline, people["recorder"], note="")
    assert mail.outbox == []


# What the review page compares. ----------------------------------------------------------------


def test_the_review_page_compares_title_summary_and_references(
    client, people, guideline, django_assert_max_num_queries
):
    kept = SourceFactory(key="kept-trial", title="Kept trial")
    dropped = SourceFactory(key="dropped-trial", title="Dropped trial")
    added = SourceFactory(key="added-trial", title="Added trial")
    live = approved(
        people,
        [kept, dropped, guideline],
        title="Is low-dose isotretinoin enough?",
        summary="Low doses clear most acne.",
    )
    new_edition(guideline, people["recorder"])
    draft = workflow.start_revision(live.article, people["author"])
    Revision.objects.filter(pk=draft.pk).update(
        title="Is micro-dose isotretinoin enough for severe acne?",
        summary="Low doses clear most moderate acne.",
    )
    Citation.objects.get(revision=draft, source=dropped).delete()
    moved = Citation.objects.get(revision=draft, source=guideline)
    moved.position = 2
    moved.save()
    CitationFactory(revision=draft, source=added, position=3)
    workflow.submit(draft, people["author"], "Severe acne; 2026 guideline; new trial.")

    client.force_login(people["second_checker"])
    url = reverse("admin:articles_revision_review", args=[draft.pk])
    # Two are the "Your work" counts (revisions, questions), one the comments, one the readers'
    # questions and answers shown with the revision.
    with django_assert_max_num_queries(22):
        response = client.get(url)
    assert response.status_code == 200
    section = response.content.decode().split('id="other-changes-heading"', 1)[1]
    section = section.split("</section>", 1)[0]
    assert "<h3>Title</h3>" in section and "<h3>Summary</h3>" in section
    title = section.split("<h3>Title</h3>", 1)[1].split("</div>", 1)[0]
    assert "Is <del>low</del> <ins>micro</ins>-dose isotretinoin enough" in title
    assert "<ins>for severe acne</ins>?" in title
    summary = section.split("<h3>Summary</h3>", 1)[1].split("</div>", 1)[0]
    assert "Low doses clear most <ins>moderate</ins> acne." in summary
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "Added [3] Example A, Sample B: Added trial" in text
    assert "Removed [was 2] Example A, Sample B: Dropped trial" in text
    assert "Changed [2] (was [3]) Reynolds RV, Yeung H: Guidelines of care" in text
    assert "Edition 2024 edition 2026 update" in text
    assert "Publication date" in text
    assert "Kept trial" not in text  # unchanged references are not listed
    assert text.index("Changed [2]") < text.index("Added [3]") < text.index("Removed [was 2]")
