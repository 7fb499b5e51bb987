"""Reading level: measured on the prose, stored at save, shown to staff, and checked at submit."""

from importlib import import_module

import pytest
import textstat
from django.apps import apps
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from articles import readability, workflow
from articles.models import Audience, ReviewEvent, Revision, Variant
from articles.readability import describe_miss, measure, misses
from articles.rendering import render_variant
from articles.workflow import rules
from tests.factories import SourceFactory, audience, editor, reviewer, revision_with_content
from tests.pages import landed, said

pytestmark = pytest.mark.django_db

HARD = (
    "Isotretinoin treatment necessitates comprehensive contraceptive counselling, considering "
    "teratogenicity, documented pregnancy testing and meticulous monitoring of hepatic enzymes "
    "and lipid concentrations throughout therapy [1]. Take it with food."
)
# Flesch-Kincaid 5.97: shown as 6.0, exactly the patient target.
AT_GRADE_SIX = (
    "Take one capsule with food each day. Tell your pharmacist about every other medicine you take."
)


def level_of(markdown_text):
    return measure(render_variant(markdown_text))


# measure


def test_plain_text_gets_textstat_grades_words_and_sentences():
    text = "The cat sat on the mat. The dog ran to the park and back again!"
    level = level_of(text)
    assert level["fk_grade"] == round(textstat.flesch_kincaid_grade(text), 1)
    assert level["smog"] == round(textstat.smog_index(text), 1)
    assert (level["words"], level["sentences"]) == (15, 2)


def test_headings_are_not_measured():
    plain = "Take one capsule a day. Drink water with it."
    with_headings = (
        "## Comprehensive pharmacological considerations regarding isotretinoin\n\n"
        f"{plain}\n\n### Documented teratogenicity and contraceptive requirements"
    )
    assert level_of(with_headings) == level_of(plain)


def test_citation_markers_are_stripped():
    cited = "Take one capsule a day [3]. Drink water with it [2, 5]."
    level = level_of(cited)
    assert level == level_of("Take one capsule a day. Drink water with it.")
    assert level["words"] == 9
    assert [s["text"] for s in level["longest"]] == [
        "Take one capsule a day.",
        "Drink water with it.",
    ]


def test_each_list_item_is_a_sentence_even_without_a_full_stop():
    listed = level_of(
        "Avoid these:\n\n- waxing your face\n- laser skin treatment\n- sharing capsules"
    )
    assert listed["sentences"] == 4
    assert listed["words"] == 10
    as_one = level_of("Avoid these waxing your face laser skin treatment sharing capsules")
    assert as_one["sentences"] == 1
    assert listed["fk_grade"] < as_one["fk_grade"]
    assert {"words": 3, "text": "laser skin treatment."} in listed["longest"]


def test_the_three_longest_sentences_longest_first():
    level = level_of(
        "One two. One two three four five six. One two three. One two three four five. "
        "One two three four."
    )
    assert [s["words"] for s in level["longest"]] == [6, 5, 4]
    assert level["longest"][0]["text"] == "One two three four five six."


def test_decimals_and_et_al_do_not_end_a_sentence():
    level = level_of("Strauss et al. gave 0.5 mg per kilogram. It worked.")
    assert level["sentences"] == 2
    assert level["longest"][0]["text"] == "Strauss et al. gave 0.5 mg per kilogram."


@pytest.mark.parametrize("text", ["", "## Only a heading", "[1]"])
def test_no_prose_has_no_grades(text):
    level = level_of(text)
    assert level == {"fk_grade": None, "smog": None, "words": 0, "sentences": 0, "longest": []}
    assert not misses(level, 6)


def test_misses_only_above_the_target():
    assert misses({"fk_grade": 6.1}, 6)
    assert not misses({"fk_grade": 6.0}, 6)
    assert not misses({"fk_grade": 19.4}, None)
    assert not misses({}, 6)


def test_a_miss_is_described_with_its_numbers():
    level = {"fk_grade": 7.4, "smog": 8.9, "words": 120, "longest": [{"words": 31, "text": "x"}]}
    assert describe_miss("Patient", level, 6) == (
        "Patient: Flesch-Kincaid grade 7.4 (target 6 or lower), SMOG 8.9; longest sentence 31 words"
    )


# Stored at save


def test_stored_at_save_and_when_the_text_is_saved_with_update_fields():
    revision = revision_with_content(sources=[SourceFactory()])
    variant = revision.variants.get(audience__slug="patient")
    assert Variant.objects.get(pk=variant.pk).reading_level == measure(variant.body_html)
    assert variant.reading_level["words"] == 5

    variant.body_markdown = HARD
    variant.save(update_fields=["body_markdown"])
    stored = Variant.objects.get(pk=variant.pk).reading_level
    assert stored["fk_grade"] > 15 and stored["words"] == 26
    assert stored["longest"][0]["words"] == 22


def test_the_migration_measures_rows_saved_before_levels_were_stored():
    revision = revision_with_content(texts={"patient": HARD})
    Variant.objects.filter(revision=revision).update(reading_level={})
    import_module("articles.migrations.0011_variant_reading_level").measure_existing(apps, None)
    for variant in Variant.objects.filter(revision=revision):
        assert variant.reading_level == measure(variant.body_html)
        assert variant.reading_level["words"] > 0


def test_a_new_revision_keeps_the_levels_it_copies(cast):
    revision = revision_with_content(texts={"patient": HARD}, state=Revision.State.APPROVED)
    copy = workflow.start_revision(revision.article, cast["author"])
    patient = copy.variants.get(audience__slug="patient")
    assert patient.reading_level == measure(patient.body_html)
    assert patient.reading_level["fk_grade"] > 15


# The gate at submit


@pytest.fixture
def cast():
    return {"author": editor()}


def draft(**texts):
    return revision_with_content(sources=[SourceFactory()], texts=texts)


def test_a_text_above_its_target_is_refused_with_the_numbers(cast):
    revision = draft(patient=HARD, caregiver=HARD)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.submit(revision, cast["author"], "First version.")
    message = str(refused.value)
    assert "The texts read above their target reading level." in message
    assert (
        "Patient: Flesch-Kincaid grade 19.4 (target 6 or lower), SMOG 17.1; longest sentence "
        "22 words." in message
    )
    assert "Caregiver: Flesch-Kincaid grade 19.4 (target 8 or lower)" in message
    assert "Student" not in message and "Clinician" not in message
    assert message.endswith("or give a reason to submit anyway.")
    revision.refresh_from_db()
    assert revision.state == Revision.State.DRAFT
    assert not revision.events.filter(action="submit").exists()


def test_the_editor_sees_the_refusal_on_the_review_page(client, cast):
    revision = draft(patient=HARD)
    client.force_login(cast["author"])
    act = reverse("admin:articles_revision_act", args=[revision.pk])
    before = said(client.get(reverse("admin:articles_revision_review", args=[revision.pk])))
    assert "The patient text reads at Flesch-Kincaid grade 19.4, above its target" in before
    response = landed(
        client,
        client.post(
            act, {"action": "submit", "comment": "First version.", "expected_state": "draft"}
        ),
    )
    assert response.status_code == 400
    assert (
        "The text reads above its target reading level. Patient: Flesch-Kincaid grade 19.4 "
        "(target 6 or lower), SMOG 17.1; longest sentence 22 words. Shorten long sentences and "
        "use everyday words, or give a reason to submit anyway."
    ) in said(response)
    assert Revision.objects.get(pk=revision.pk).state == Revision.State.DRAFT

    # With a reason, from the same form: submitted, and the reviewer reads the reason.
    reason = "Drug names cannot be shortened."
    done = client.post(
        act,
        {
            "action": "submit",
            "comment": "First version.",
            "expected_state": "draft",
            "reading_override": reason,
        },
    )
    assert done.status_code == 302
    assert Revision.objects.get(pk=revision.pk).state == Revision.State.SUBMITTED
    client.force_login(reviewer(email="reads.reasons@example.com"))
    shown = said(client.get(reverse("admin:articles_revision_review", args=[revision.pk])))
    assert (
        f"Submitted although a text reads above its target. The editor's reason: {reason}"
    ) in shown


def test_with_a_reason_it_is_submitted_and_the_reason_recorded(cast):
    revision = draft(patient=HARD)
    workflow.perform(
        "submit",
        revision,
        cast["author"],
        "First version.",
        reading_override="  Drug names cannot be shortened; reviewed with the patient panel.  ",
    )
    assert revision.state == Revision.State.SUBMITTED
    details = ReviewEvent.objects.get(revision=revision, action="submit").details
    assert details["reading_override"] == (
        "Drug names cannot be shortened; reviewed with the patient panel."
    )
    assert details["reading_levels"]["patient"] == {
        "fk_grade": 19.4,
        "smog": 17.1,
        "words": 26,
        "target": 6,
    }
    assert details["reading_levels"]["clinician"]["target"] is None
    assert set(details["reading_levels"]) == set(Audience.objects.values_list("slug", flat=True))


def test_every_submit_records_the_levels_and_no_reason_unless_given(cast):
    revision = draft()
    workflow.submit(revision, cast["author"], "First version.")
    details = ReviewEvent.objects.get(revision=revision, action="submit").details
    assert "reading_override" not in details
    assert details["reading_levels"]["patient"]["words"] == 5
    assert details["reading_levels"]["student"]["target"] == 12


def test_the_clinician_text_has_no_target(cast):
    revision = draft(clinician=HARD)
    assert rules.reading_level_misses(revision) == []
    workflow.submit(revision, cast["author"], "First version.")
    assert revision.state == Revision.State.SUBMITTED


def test_a_grade_exactly_at_the_target_passes(cast):
    revision = draft(patient=AT_GRADE_SIX)
    assert revision.variants.get(audience__slug="patient").reading_level["fk_grade"] == 6.0
    workflow.submit(revision, cast["author"], "First version.")
    assert revision.state == Revision.State.SUBMITTED


def test_the_target_follows_the_audience_as_edited(cast):
    revision = draft(patient=AT_GRADE_SIX)
    Audience.objects.filter(slug="patient").update(reading_grade=5)
    with pytest.raises(workflow.TransitionError, match=r"grade 6\.0 \(target 5 or lower\)"):
        workflow.submit(revision, cast["author"], "First version.")


def test_a_row_without_a_stored_level_is_measured_at_submit(cast):
    revision = draft(patient=HARD)
    Variant.objects.filter(revision=revision).update(reading_level={})
    with pytest.raises(workflow.TransitionError, match="Patient: Flesch-Kincaid grade 19.4"):
        workflow.submit(revision, cast["author"], "First version.")


def test_misses_for_display_name_the_variant_its_level_and_target():
    revision = draft(patient=HARD, student=HARD)
    missed = rules.reading_level_misses(revision)
    assert [(v.audience.slug, level["fk_grade"], target) for v, level, target in missed] == [
        ("patient", 19.4, 6),
        ("student", 19.4, 12),
    ]


# Shown to staff


def shown(level, slug):
    html = render_to_string(
        "admin/articles/_reading_level.html", {"level": level, "audience": audience(slug)}
    )
    return said(HttpResponse(html))


def test_the_partial_says_a_miss_in_words_with_the_numbers():
    text = shown(level_of(HARD), "patient")
    assert "Above the target Flesch-Kincaid grade 19.4; Target: grade 6 or lower." in text
    assert "SMOG 17.1 Words 26 Sentences 2 Target grade 6 or lower" in text
    assert "Longest sentences 22 words: Isotretinoin treatment necessitates" in text
    assert "Meets the target" not in text


def test_the_partial_says_when_the_target_is_met():
    text = shown(level_of(AT_GRADE_SIX), "patient")
    assert "Meets the target Flesch-Kincaid grade 6.0; Target: grade 6 or lower." in text
    assert "Above the target" not in text


def test_the_partial_for_an_audience_without_a_target():
    text = shown(level_of(HARD), "clinician")
    assert "No target for clinician readers." in text
    assert "Meets the target" not in text and "Above the target" not in text


@pytest.mark.parametrize(
    ("level", "words"),
    [({}, "not measured yet"), (level_of(""), "no text to measure yet")],
)
def test_the_partial_without_numbers(level, words):
    assert f"Reading level: {words}." in shown(level, "patient")


def test_the_audience_help_says_what_the_target_is():
    help_text = Audience._meta.get_field("reading_grade").help_text
    assert "Flesch-Kincaid" in help_text and "SMOG is shown beside it" in help_text


# The demo content


def test_every_demo_variant_meets_its_target_as_stored(demo_article):
    variants = Variant.objects.select_related("audience")
    assert variants.count() >= 12
    for variant in variants:
        level = variant.reading_level
        assert level == measure(variant.body_html)
        assert not readability.misses(level, variant.audience.reading_grade), describe_miss(
            str(variant), level, variant.audience.reading_grade
        )
    submitted = ReviewEvent.objects.filter(action="submit")
    assert submitted.exists()
    assert all("reading_override" not in event.details for event in submitted)
