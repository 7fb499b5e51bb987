"""The demo content: loaded idempotently, readable at each audience's level, and safe."""

import io
import re

import pytest
import textstat
from django.core.management import call_command

from articles import demo_data
from articles.models import Article, Audience, Citation, Revision, Source, Variant
from articles.rendering import citation_numbers

pytestmark = pytest.mark.django_db

MAIN = "micro-dose-vs-conventional-isotretinoin"


def table_cells(markdown_text):
    """A table's data cells, one sentence each, as `articles.readability` reads them: its
    caption, column headings and row headings are labels, not sentences."""
    lines = markdown_text.split("\n")
    out, row = [], None
    for line in lines:
        if line.startswith("Table:"):
            continue
        if not line.startswith("|"):
            out.append(line)
            row = None
            continue
        row = 0 if row is None else row + 1
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if row < 2:  # the column headings, and the line under them
            continue
        out += ["", *(cell if cell.endswith((".", "?", "!")) else cell + "." for cell in cells[1:])]
    return "\n".join(out)


def prose(markdown_text):
    """The words a reader reads: no citation markers, heading marks or list bullets; a table's
    data cells, each a sentence; a checklist's boxes left out."""
    text = re.sub(r"\[\d+(?:\s*,\s*\d+)*\]", "", table_cells(markdown_text))
    text = text.replace("[ ] ", "")
    # A heading is its own sentence even without a full stop.
    text = re.sub(r"^#+\s*(.*?)([.?!:]?)\s*$", lambda m: f"{m[1]}{m[2] or '.'}", text, flags=re.M)
    return re.sub(r"^\s*[-*]\s+", "", text, flags=re.M)


def counts():
    return [m.objects.count() for m in (Article, Revision, Variant, Source, Citation)]


def test_load_demo_is_idempotent():
    call_command("load_demo", stdout=io.StringIO())
    first = counts()
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == first
    assert first[0] >= 3


def test_main_article_is_under_review_in_four_variants(demo_article):
    assert demo_article.title == (
        "What is the difference between micro-dose isotretinoin (Accutane) and conventional "
        "isotretinoin (Accutane)?"
    )
    revision = demo_article.shown_revision()
    assert revision.state == Revision.State.UNDER_REVIEW
    assert sorted(revision.variants.values_list("audience__slug", flat=True)) == sorted(
        Audience.objects.values_list("slug", flat=True)
    )


@pytest.mark.parametrize("spec", demo_data.ARTICLES, ids=lambda s: s["slug"])
@pytest.mark.parametrize("slug", ["patient", "caregiver", "student", "clinician"])
def test_every_variant_is_structured_and_cites_only_its_reference_list(spec, slug):
    text = demo_data.variant_text(spec["slug"], slug)
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert len(headings) >= 3
    assert "From the Guidelines" in headings and "From the Research" in headings
    numbers = citation_numbers(text)  # as the renderer reads them ("[ ]" opens a checklist item)
    assert numbers, "cites nothing"
    assert max(numbers) <= len(spec["citations"])


READING_TARGETS = {"patient": 6, "caregiver": 8, "student": 12}


@pytest.mark.parametrize("spec", demo_data.ARTICLES, ids=lambda s: s["slug"])
@pytest.mark.parametrize("slug", ["patient", "caregiver", "student"])
def test_plain_language_variants_meet_their_reading_grade(spec, slug):
    """Flesch-Kincaid at or below the audience's target; the patient text also SMOG <= 8."""
    target = Audience.objects.get(slug=slug).reading_grade
    assert target == READING_TARGETS[slug]
    text = prose(demo_data.variant_text(spec["slug"], slug))
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= target, f"grade {grade:.1f} > {target}"
    if slug == "patient":
        smog = textstat.smog_index(text)
        assert smog <= 8, f"SMOG {smog:.1f} > 8"


@pytest.mark.parametrize("spec", demo_data.ARTICLES, ids=lambda s: s["slug"])
def test_key_facts_read_plainly_and_say_the_whole_pregnancy_period(spec):
    facts = demo_data.key_facts(spec["slug"])
    assert textstat.flesch_kincaid_grade(prose(facts["answer"])) <= 6
    assert textstat.flesch_kincaid_grade(prose(facts["pregnancy_warning"])) <= 6
    callout = " ".join(facts["pregnancy_warning"].lower().split())
    assert re.search(r"(1|one) month before", callout) and re.search(r"month after", callout)
    assert "test" in callout and re.search(r"stop", callout) and "at once" in callout
    numbers = citation_numbers(facts["answer"] + facts["pregnancy_warning"])
    assert numbers and max(numbers) <= len(spec["citations"])


def test_clinician_variant_gives_doses_in_mg_per_kg_per_day():
    assert "mg/kg/day" in demo_data.variant_text(MAIN, "clinician")


@pytest.mark.parametrize("slug", ["patient", "caregiver"])
def test_plain_language_variants_avoid_mg_per_kg(slug):
    assert "mg/kg" not in demo_data.variant_text(MAIN, slug)


ALL_TEXTS = [
    (spec["slug"], slug, demo_data.variant_text(spec["slug"], slug))
    for spec in demo_data.ARTICLES
    for slug in ("patient", "caregiver", "student", "clinician")
]


@pytest.mark.parametrize(("article", "slug", "text"), ALL_TEXTS, ids=lambda v: str(v)[:40])
def test_claims_check(article, slug, text):
    """The seed page's unsupported claims never come back; pregnancy risk applies at any dose."""
    lowered = " ".join(text.lower().split())
    assert not re.search(r"(2|two)\s*(-|–|to)\s*(3|three) times (a |per )?week", lowered)
    assert "less frequent" not in lowered
    assert not re.search(
        r"(lower|smaller|low)[- ]dose[^.]*(safer|less risk|lower risk)[^.]*pregnan", lowered
    )
    assert "pregnan" in lowered, "every variant states the pregnancy warning"
    assert re.search(r"any dose|every dose|all doses|however small|no safe dose", lowered)
    # The whole period, never "while you take it" alone.
    assert re.search(r"(1|one) month before", lowered), "contraception from 1 month before"
    assert re.search(r"(1|one) month after", lowered), "and for 1 month after"
    assert re.search(r"pregnancy tests?", lowered)
    assert re.search(r"(each|every) month|monthly", lowered), "a pregnancy test every month"
    # Efficacy: "about as well" holds for moderate acne, never for "mild to moderate".
    assert not re.search(r"mild to moderate[^.]*as well", lowered)
    assert not re.search(r"as well[^.]*mild to moderate", lowered)
    # 20 mg on alternate days is not 0.25-0.4 mg/kg/day.
    assert not re.search(r"alternate days?[^.]*0\.25", lowered)
    # No internal notes.
    assert "not summarised here" not in lowered and "attributed here" not in lowered


@pytest.mark.parametrize("spec", demo_data.ARTICLES, ids=lambda s: s["slug"])
@pytest.mark.parametrize("slug", ["patient", "caregiver"])
def test_patients_and_carers_get_mood_help_and_the_safety_list(spec, slug):
    lowered = " ".join(demo_data.variant_text(spec["slug"], slug).lower().split())
    for crisis_line in ("988", "111", "999", "116 123"):
        assert crisis_line in lowered
    assert "samaritans" in lowered and "mood" in lowered
    for point in ("blood", "share", "wax", "laser", "night", "sun", "vitamin a", "breastfe"):
        assert point in lowered, point
    assert "off-label" in lowered or "licensed dose" in lowered


@pytest.mark.parametrize(("article", "slug", "text"), ALL_TEXTS, ids=lambda v: str(v)[:40])
def test_every_findings_sentence_is_cited(article, slug, text):
    """In "From the Research", every sentence of a paragraph carries a citation."""
    research = text.split("## From the Research", 1)[1].split("\n## ", 1)[0]
    for block in research.split("\n\n"):
        block = block.strip()
        if not block or block.startswith("#") or block.startswith(("-", "*")):
            continue
        for sentence in re.split(r"(?<=[.!])\s+(?=[A-Z])", block):
            if sentence.strip().endswith("?"):
                continue
            assert re.search(r"\[\d", sentence), f"uncited: {sentence[:80]}"


def test_sources_carry_only_checked_identifiers():
    call_command("load_demo", stdout=io.StringIO())
    strauss = Source.objects.get(key="strauss-1984")
    assert strauss.pmid == "" and strauss.doi == "10.1016/s0190-9622(84)80100-0"
    aad = Source.objects.get(key="aad-2024")
    assert (aad.doi, aad.pmid) == ("10.1016/j.jaad.2023.12.017", "38300170")
