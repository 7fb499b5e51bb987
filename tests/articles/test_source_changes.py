"""Recorded changes to sources: what they write, whom they flag, what readers keep seeing, and
how the flag is cleared (articles.source_changes and the re-check steps of articles.workflow)."""

import datetime
import re

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Citation, ReviewEvent, Revision, Source, SourceVersion
from articles.source_changes import record_source_change
from tests.articles.source_helpers import (
    EDITION_NOTE,
    GUIDELINE_NAME,
    NEW_EDITION,
    approved,
    long_date,
    new_edition,
)
from tests.factories import (
    EDITORS,
    REVIEWERS,
    CitationFactory,
    SourceFactory,
    UserFactory,
    revision_with_content,
)
from tests.pages import said

pytestmark = pytest.mark.django_db
State = Revision.State
Change = SourceVersion.Change


def new_revision(revision, people, change_summary="Updated."):
    """Start, submit and approve the next revision of `revision`'s article, unchanged."""
    draft = workflow.start_revision(revision.article, people["author"])
    workflow.submit(draft, people["author"], change_summary)
    workflow.start_review(draft, people["second_checker"])
    workflow.approve(
        draft,
        people["second_checker"],
        "Checked again.",
        attested=True,
        pemat_reason="Not rated in this test.",
    )
    draft.refresh_from_db()
    return draft


def references_html(response):
    """The reference list as the page prints it, markup and all."""
    html = response.content.decode()
    return re.search(r'<section class="references".*?</section>', html, re.S)[0]


def page(client, revision):
    response = client.get(revision.article.get_absolute_url())
    assert response.status_code == 200
    return response


# 1. Editing a source never changes an approved page. ------------------------------------------


def test_a_new_edition_leaves_the_approved_page_as_it_was(client, people, guideline):
    live = approved(people, [guideline], title="Is low-dose isotretinoin enough?")
    before = page(client, live)
    new_edition(guideline, people["recorder"], title="Acne guideline, 2026 update")
    after = page(client, live)
    assert references_html(after) == references_html(before)
    assert "2024 edition, published January 30, 2024." in said(after)
    assert "2026 update" not in after.content.decode()
    assert "<h1>Is low-dose isotretinoin enough?</h1>" in after.content.decode()
    assert live.citations.get().version.number == 1


CORRECTIONS = {
    "url": "https://aad-org.login-verify.example/acne",
    "doi": "10.9999/fake.0000",
    "pmid": "99999999",
    "title": "Isotretinoin is safe in pregnancy",
}


def test_a_bad_correction_never_reaches_the_approved_page(client, people, guideline):
    live = approved(people, [guideline])
    before = page(client, live)
    version, flagged = record_source_change(
        guideline,
        people["recorder"],
        Change.CORRECTION,
        "Typo fix from the publisher.",
        **CORRECTIONS,
    )
    assert [r.pk for r in flagged] == [live.pk]
    guideline.refresh_from_db()
    assert guideline.title == CORRECTIONS["title"] and version.url == CORRECTIONS["url"]
    after = page(client, live)
    assert references_html(after) == references_html(before)
    html = after.content.decode()
    for value in CORRECTIONS.values():
        assert value not in html
    assert "Guidelines of care for the management of acne vulgaris" in references_html(after)
    assert f"<h1>{live.title}</h1>" in html
    # Readers are told a check is under way, naming the source as they knew it.
    assert f"The {GUIDELINE_NAME} this article relies on was updated on" in said(after)


def test_an_unreviewed_title_never_reaches_the_public_notice(client, people):
    trial = SourceFactory(short_name="", title="Low-dose isotretinoin for moderate acne")
    live = approved(people, [trial])
    record_source_change(
        trial,
        people["recorder"],
        Change.CORRECTION,
        "Title as the publisher prints it.",
        title="Isotretinoin is safe in pregnancy",
    )
    after = page(client, live)
    assert "safe in pregnancy" not in after.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Isotretinoin is safe in pregnancy"),
        ("url", "https://phish.example/"),
        ("doi", "10.9999/fake"),
        ("edition", "2026 update"),
        ("published_on", datetime.date(2026, 3, 1)),
        ("status", Source.Status.RETRACTED),
    ],
)
def test_saving_a_source_with_changed_printed_details_is_refused(guideline, field, value):
    source = Source.objects.get(pk=guideline.pk)
    setattr(source, field, value)
    with pytest.raises(TypeError, match="recorded change"):
        source.save()
    assert Source.objects.get(pk=guideline.pk).printed() == guideline.printed()
    assert guideline.versions.count() == 1


def test_saving_what_a_source_does_not_print_writes_no_version(guideline):
    guideline.short_name = "AAD guideline"
    guideline.save()
    assert Source.objects.get(pk=guideline.pk).short_name == "AAD guideline"
    assert guideline.versions.count() == 1


def test_source_versions_are_never_changed_or_deleted(people, guideline):
    version, _ = new_edition(guideline, people["recorder"])
    version.title = "Something else"
    with pytest.raises(TypeError, match="never changed"):
        version.save()
    with pytest.raises(TypeError, match="kept"):
        version.delete()
    assert SourceVersion.objects.get(pk=version.pk).edition == "2026 update"


# 2. Which articles a change flags. ---------------------------------------------------------------


def test_a_change_flags_exactly_the_live_revisions_that_cite_the_source(people, guideline):
    other = SourceFactory(key="other-trial")
    first_a = approved(people, [other, guideline])
    live_a = new_revision(first_a, people)  # A's older approved revision is not live
    live_b = approved(people, [guideline])
    live_c = approved(people, [other])  # does not cite it
    live_d = approved(people, [other])
    draft_d = workflow.start_revision(live_d.article, people["author"])
    CitationFactory(revision=draft_d, source=guideline, position=2)  # cites it only in a draft
    submitted_e = revision_with_content(
        sources=[guideline], state=State.SUBMITTED
    )  # never approved
    events_before = ReviewEvent.objects.count()

    version, flagged = new_edition(guideline, people["recorder"])

    assert {r.pk for r in flagged} == {live_a.pk, live_b.pk}
    assert set(Revision.objects.flagged().values_list("pk", flat=True)) == {live_a.pk, live_b.pk}
    for revision in (first_a, live_c, live_d, draft_d, submitted_e):
        revision.refresh_from_db()
        assert revision.recheck_since is None
        assert not revision.events.filter(action="source_changed").exists()
    assert ReviewEvent.objects.count() == events_before + 2
    for revision in (live_a, live_b):
        revision.refresh_from_db()
        assert revision.needs_recheck and revision.state == State.APPROVED
        [event] = revision.events.filter(action="source_changed")
        assert (event.from_state, event.to_state) == (State.APPROVED, State.APPROVED)
        assert event.actor == people["recorder"] and event.actor_name == "Rita Recorder"
        assert event.comment == EDITION_NOTE
        assert event.details["source"] == GUIDELINE_NAME
        assert event.details["source_id"] == guideline.pk
        assert event.details["change"] == "new_edition"
        assert event.details["change_label"] == "New edition"
        assert event.details["version"] == version.number == 2
        assert event.details["date"] == "2026-03-01"
        assert event.details["fields"] == {
            "Edition": ["2024 edition", "2026 update"],
            "Publication date": ["2024-01-30", "2026-03-01"],
        }
        assert revision.recheck_reasons() == [event]
        # The reference still prints what was approved.
        assert revision.citations.get(source=guideline).version.number == 1
    assert (version.change, version.note, version.recorded_by) == (
        Change.NEW_EDITION,
        EDITION_NOTE,
        people["recorder"],
    )
    assert version.edition == "2026 update" and version.title == guideline.title


def test_source_change_events_are_append_only(people, guideline):
    live = approved(people, [guideline])
    new_edition(guideline, people["recorder"])
    first = live.events.get(action="source_changed")
    kept = (first.comment, first.details, first.actor_id, first.created_at)
    with pytest.raises(TypeError, match="append-only"):
        first.save()
    with pytest.raises(TypeError, match="append-only"):
        first.delete()
    with pytest.raises(TypeError, match="append-only"):
        ReviewEvent.objects.filter(pk=first.pk).update(comment="Nothing happened.")
    with pytest.raises(TypeError, match="append-only"):
        live.events.all().delete()
    # A second change adds its own event; the first stays as written, and so does the flag date.
    live.refresh_from_db()
    since = live.recheck_since
    record_source_change(
        guideline, people["recorder"], Change.CORRECTION, "Page numbers.", pages="1006-1030"
    )
    events = list(live.events.filter(action="source_changed"))
    assert len(events) == 2
    again = ReviewEvent.objects.get(pk=first.pk)
    assert (again.comment, again.details, again.actor_id, again.created_at) == kept
    assert events[1].details["fields"] == {"Pages": ["1006.e1-1006.e30", "1006-1030"]}
    live.refresh_from_db()
    assert live.recheck_since == since
    assert [e.pk for e in live.recheck_reasons()] == [e.pk for e in events]


# 3. Refusals: a clear message, and nothing written. ------------------------------------------


def _withdrawn(source, people):
    record_source_change(
        source,
        people["recorder"],
        Change.RETRACTION,
        "Withdrawn by the issuer.",
        status=Source.Status.WITHDRAWN,
    )


REFUSALS = [
    pytest.param(
        "recorder", Change.NEW_EDITION, "  ", NEW_EDITION, "Write a note", id="missing-note"
    ),
    pytest.param(
        "recorder",
        Change.NEW_EDITION,
        "New one.",
        {"published_on": datetime.date(2026, 3, 1)},
        "A new edition needs its edition label and its publication date.",
        id="edition-without-label",
    ),
    pytest.param(
        "recorder",
        Change.NEW_EDITION,
        "New one.",
        {"edition": "2026 update"},
        "A new edition needs its edition label and its publication date.",
        id="edition-without-date",
    ),
    pytest.param(
        "recorder",
        Change.NEW_EDITION,
        "Same one.",
        {"edition": "2024 edition", "published_on": datetime.date(2024, 1, 30)},
        "2024 edition is already the recorded edition",
        id="same-edition",
    ),
    pytest.param(
        "recorder",
        Change.CORRECTION,
        "Fixing.",
        {"title": "Guidelines of care for the management of acne vulgaris", "year": 2024},
        "Nothing changed: every detail is as recorded already.",
        id="nothing-changed",
    ),
    pytest.param(
        "recorder",
        Change.CORRECTION,
        "Sneaky.",
        {"status": Source.Status.RETRACTED},
        "cannot change: status.",
        id="correction-cannot-retract",
    ),
    pytest.param(
        "recorder",
        Change.RETRACTION,
        "Gone.",
        {"status": Source.Status.CURRENT},
        "Say whether the source was retracted or withdrawn.",
        id="retraction-without-status",
    ),
    pytest.param(
        "recorder", "rewrite", "Hm.", {}, "That is not a kind of source change.", id="unknown"
    ),
    pytest.param(
        "checker",
        Change.NEW_EDITION,
        "New one.",
        NEW_EDITION,
        "Only editors can record changes to sources.",
        id="reviewer",
    ),
    pytest.param(
        "reader",
        Change.NEW_EDITION,
        "New one.",
        NEW_EDITION,
        "Only editors can record changes to sources.",
        id="reader",
    ),
]


def _snapshot(source):
    return (
        Source.objects.get(pk=source.pk).printed(),
        SourceVersion.objects.count(),
        ReviewEvent.objects.count(),
        list(Revision.objects.filter(recheck_since__isnull=False)),
    )


@pytest.mark.parametrize(("who", "change", "note", "fields", "message"), REFUSALS)
def test_refused_changes_say_why_and_write_nothing(
    people, guideline, who, change, note, fields, message
):
    approved(people, [guideline])
    people["reader"] = UserFactory(email="reader@example.com")
    before = _snapshot(guideline)
    with pytest.raises(workflow.TransitionError) as refused:
        record_source_change(guideline, people[who], change, note, **fields)
    assert message in str(refused.value)
    assert _snapshot(guideline) == before


def test_retracting_a_withdrawn_source_again_is_refused(people, guideline):
    approved(people, [guideline])
    _withdrawn(guideline, people)
    before = _snapshot(guideline)
    with pytest.raises(workflow.TransitionError, match="already marked withdrawn"):
        record_source_change(
            guideline,
            people["recorder"],
            Change.RETRACTION,
            "Retracted too.",
            status=Source.Status.RETRACTED,
        )
    assert _snapshot(guideline) == before


def test_a_refusal_names_only_the_fields_that_kind_of_change_may_not_set(people, guideline):
    with pytest.raises(workflow.TransitionError) as refused:
        record_source_change(
            guideline,
            people["recorder"],
            Change.CORRECTION,
            "Fixing the title; also withdrawn?",
            title="Guidelines of care for acne vulgaris",
            status=Source.Status.WITHDRAWN,
        )
    assert "status" in str(refused.value)
    assert "title" not in str(refused.value)


# 4. What readers are told. ---------------------------------------------------------------------


def test_readers_are_told_of_a_new_edition_until_a_reviewer_checks(client, people, guideline):
    live = approved(people, [guideline])
    assert "this article relies on" not in said(page(client, live))
    new_edition(guideline, people["recorder"])
    text = said(page(client, live))
    assert (
        f"The {GUIDELINE_NAME} this article relies on was updated on March 1, 2026. "
        "Our medical reviewers are checking this article." in text
    )
    assert '<time datetime="2026-03-01">' in page(client, live).content.decode()
    assert "Medically reviewed by Dr. Rowan Reviewer, MD, FAAD" in text

    workflow.still_accurate(live, people["second_checker"], "Dosing advice unchanged in 2026.")
    after = page(client, live)
    text = said(after)
    assert "this article relies on" not in text
    assert "Our medical reviewers are checking" not in text
    assert "2026 update, published March 1, 2026." in references_html(after)
    assert "2024 edition" not in references_html(after)
    # The approval itself is unchanged.
    assert "Medically reviewed by Dr. Rowan Reviewer, MD, FAAD" in text


def test_readers_are_told_of_a_retraction(client, people):
    trial = SourceFactory(key="retracted-trial", short_name="the SMALL-DOSE trial")
    live = approved(people, [trial])
    record_source_change(
        trial,
        people["recorder"],
        Change.RETRACTION,
        "Retraction notice in the journal.",
        status=Source.Status.RETRACTED,
    )
    today = timezone.localdate()
    response = page(client, live)
    assert (
        f"A study this article cites (the SMALL-DOSE trial) was withdrawn on {long_date(today)}. "
        "Our medical reviewers are checking this article." in said(response)
    )
    # The approved reference does not yet print the retraction: the reviewer decides.
    assert "Retracted" not in references_html(response)
    workflow.still_accurate(live, people["second_checker"], "The claim rests on the guideline.")
    response = page(client, live)
    assert "was withdrawn on" not in said(response)
    assert "Retracted" in references_html(response)


def test_approving_a_new_revision_ends_the_notice(client, people, guideline):
    live = approved(people, [guideline])
    new_edition(guideline, people["recorder"])
    newer = new_revision(live, people, "Brought the guideline up to date.")
    response = page(client, newer)
    assert "this article relies on" not in said(response)
    assert "2026 update, published March 1, 2026." in references_html(response)
    assert "Dr. Sam Second, MD" in said(response)
    live.refresh_from_db()
    assert live.recheck_since is None and not Revision.objects.flagged().exists()


def test_every_change_since_the_flag_is_listed(client, people, guideline):
    trial = SourceFactory(key="second-trial", short_name="the LOW-DOSE trial")
    live = approved(people, [guideline, trial])
    new_edition(guideline, people["recorder"])
    record_source_change(
        trial, people["recorder"], Change.RETRACTION, "Retracted.", status=Source.Status.RETRACTED
    )
    text = said(page(client, live))
    assert f"The {GUIDELINE_NAME} this article relies on was updated on March 1, 2026." in text
    assert "A study this article cites (the LOW-DOSE trial) was withdrawn on" in text


def test_the_page_with_notices_stays_cheap(
    client, people, guideline, django_assert_max_num_queries
):
    trial = SourceFactory(key="cheap-trial", short_name="the CHEAP trial")
    live = approved(people, [guideline, trial, SourceFactory()])
    new_edition(guideline, people["recorder"])
    record_source_change(
        trial, people["recorder"], Change.RETRACTION, "Retracted.", status=Source.Status.RETRACTED
    )
    # Article, audiences, revision, variant, the flag's events, the references with versions,
    # the answers to readers' questions: no query per notice or per reference.
    url = live.article.get_absolute_url()
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert said(response).count("Our medical reviewers are checking this article.") == 2
    assert references_html(response).count('class="reference"') == 3


# 5. "Still accurate". ----------------------------------------------------------------------------


def test_still_accurate_repins_the_references_and_is_on_record(client, people, guideline):
    trial = SourceFactory(key="unchanged-trial")
    live = approved(people, [trial, guideline])
    new_edition(guideline, people["recorder"])
    correct = lambda: record_source_change(  # noqa: E731
        guideline, people["recorder"], Change.CORRECTION, "Pages.", pages="1006-1030"
    )
    correct()
    live.refresh_from_db()
    workflow.still_accurate(live, people["second_checker"], "  Dosing advice is unchanged.  ")
    live.refresh_from_db()
    assert live.state == State.APPROVED and live.recheck_since is None
    assert live.rechecked_by_label == "Dr. Sam Second, MD"
    assert live.rechecked_at is not None
    assert live.approved_by_label == "Dr. Rowan Reviewer, MD, FAAD"
    event = live.events.last()
    assert event.action == "still_accurate"
    assert (event.from_state, event.to_state) == (State.APPROVED, State.APPROVED)
    assert event.actor == people["second_checker"]
    assert event.comment == "Dosing advice is unchanged."
    assert event.details == {
        "references": [{"source": GUIDELINE_NAME, "from_version": 1, "to_version": 3}]
    }
    assert dict(live.citations.values_list("source__key", "version__number")) == {
        "unchanged-trial": 1,
        "aad-2024": 3,
    }
    assert not workflow.outdated_citations(live).exists()
    text = said(page(client, live))
    assert (
        f"References re-checked {long_date(timezone.localdate(live.rechecked_at))} "
        "by Dr. Sam Second, MD" in text
    )


def test_still_accurate_refusals(people, guideline):
    both = UserFactory(
        email="both.roles@example.com",
        roles=[EDITORS, REVIEWERS],
        display_name="Dr. Both Roles",
        credentials="MD",
    )
    live = approved(people, [guideline])
    with pytest.raises(workflow.TransitionError, match="No cited source has changed"):
        workflow.still_accurate(live, people["second_checker"], "Checked.")
    new_edition(guideline, both)
    live.refresh_from_db()
    events = live.events.count()
    with pytest.raises(workflow.TransitionError, match="You recorded the source change"):
        workflow.still_accurate(live, both, "I checked my own change.")
    with pytest.raises(workflow.TransitionError, match="Say what you checked"):
        workflow.still_accurate(live, people["second_checker"], "   ")
    with pytest.raises(workflow.TransitionError, match="Only medical reviewers"):
        workflow.still_accurate(live, people["author"], "Looks fine to me.")
    live.refresh_from_db()
    assert live.needs_recheck and live.events.count() == events
    assert live.citations.get().version.number == 1
    assert workflow.STILL_ACCURATE not in workflow.available_actions(live, both)
    assert workflow.STILL_ACCURATE in workflow.available_actions(live, people["checker"])


# 6. A revision submitted before its source changed. ------------------------------------------


def test_a_revision_submitted_before_the_change_cannot_be_approved(people, guideline):
    live = approved(people, [guideline])
    draft = workflow.start_revision(live.article, people["author"])
    workflow.submit(draft, people["author"], "Clearer wording.")
    workflow.start_review(draft, people["second_checker"])
    new_edition(guideline, people["recorder"])
    events = draft.events.count()
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.approve(
            draft,
            people["second_checker"],
            "Fine.",
            attested=True,
            pemat_reason="Not rated in this test.",
        )
    assert f"A source this revision cites changed after it was submitted ({GUIDELINE_NAME})" in str(
        refused.value
    )
    draft.refresh_from_db()
    assert draft.state == State.UNDER_REVIEW and draft.events.count() == events
    assert workflow.APPROVE not in workflow.available_actions(draft, people["second_checker"])

    workflow.request_changes(draft, people["second_checker"], "Use the 2026 update.")
    assert [c.source.name_for_readers for c in workflow.outdated_citations(draft)] == [
        GUIDELINE_NAME
    ]
    workflow.submit(draft, people["author"], "Now cites the 2026 update.")
    assert not workflow.outdated_citations(draft).exists()
    assert draft.citations.get().version.edition == "2026 update"
    workflow.start_review(draft, people["second_checker"])
    workflow.approve(
        draft,
        people["second_checker"],
        "Checked against the 2026 update.",
        attested=True,
        pemat_reason="Not rated in this test.",
    )
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.state == State.APPROVED and live.recheck_since is None
    assert list(Revision.objects.flagged()) == []


def test_an_edit_while_a_draft_pins_the_latest_version(people, guideline):
    live = approved(people, [guideline])
    new_edition(guideline, people["recorder"])
    draft = workflow.start_revision(live.article, people["author"])
    # Copied as approved, then brought up to date on save and on submit.
    assert draft.citations.get().version.number == 1
    Citation.objects.get(revision=draft).save()
    assert draft.citations.get().version.number == 2


# Found by a second read: rules that hold whoever calls, and a check that saw every change. -------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"title": ""}, "This field cannot be blank."),
        ({"doi": "x" * 200}, "at most 120 characters"),
    ],
)
def test_a_change_obeys_the_field_rules_even_outside_the_admin(people, guideline, fields, message):
    before = _snapshot(guideline)
    with pytest.raises(workflow.TransitionError, match=message):
        record_source_change(guideline, people["recorder"], Change.CORRECTION, "Fix.", **fields)
    assert _snapshot(guideline) == before


def test_still_accurate_is_refused_when_another_source_changed_since_the_page_was_read(
    people, guideline
):
    trial = SourceFactory(short_name="Lee 2011 trial")
    live = approved(people, [guideline, trial])
    new_edition(guideline, people["recorder"])
    live.refresh_from_db()
    seen = live.recheck_reasons()[-1].pk
    record_source_change(
        trial, people["recorder"], Change.CORRECTION, "Pages fixed.", pages="1369-1375"
    )
    with pytest.raises(workflow.ConflictError, match="Another source change was recorded"):
        workflow.perform(
            "still_accurate", live, people["checker"], "Read the new edition.", seen=seen
        )
    live.refresh_from_db()
    assert live.needs_recheck and not live.events.filter(action="still_accurate").exists()
    # Having read both, the reviewer can record it.
    assert len(live.recheck_reasons()) == 2
    newest = live.recheck_reasons()[-1].pk
    workflow.perform("still_accurate", live, people["checker"], "Read both.", seen=newest)
    live.refresh_from_db()
    assert not live.needs_recheck
