"""The demo content: loaded idempotently, readable at each audience's level, and safe."""

import io
import re

import pytest
import textstat
from django.core.management import call_command

from articles import demo_data
from articles.models import Article, Audience, Citation, Revision, Source, Variant

pytestmark = pytest.mark.django_db

MAIN = "micro-dose-vs-conventional-isotretinoin"


def prose(markdown_text):
    """The words a reader reads: no citation markers, heading marks or list bullets."""
    text = re.sub(r"\[\d+(?:\s*,\s*\d+)*\]", "", markdown_text)
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
    numbers = [int(n) for group in re.findall(r"\[([\d,\s]+)\]", text) for n in group.split(",")]
    assert numbers, "cites nothing"
    assert max(numbers) <= len(spec["citations"])


@pytest.mark.parametrize("spec", demo_data.ARTICLES, ids=lambda s: s["slug"])
@pytest.mark.parametrize("slug", ["patient", "caregiver", "student"])
def test_plain_language_variants_meet_their_reading_grade(spec, slug):
    target = Audience.objects.get(slug=slug).reading_grade
    grade = textstat.flesch_kincaid_grade(prose(demo_data.variant_text(spec["slug"], slug)))
    assert grade <= target + (2 if slug == "patient" else 0), f"grade {grade:.1f} > {target}"
    assert grade <= 8 or slug == "student"


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


def test_sources_carry_only_checked_identifiers():
    call_command("load_demo", stdout=io.StringIO())
    strauss = Source.objects.get(key="strauss-1984")
    assert strauss.pmid == "" and strauss.doi == "10.1016/s0190-9622(84)80100-0"
    aad = Source.objects.get(key="aad-2024")
    assert (aad.doi, aad.pmid) == ("10.1016/j.jaad.2023.12.017", "38300170")
