import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from articles.models import Article, Audience, Revision
from tests.factories import (
    ArticleFactory,
    RevisionFactory,
    SourceFactory,
    VariantFactory,
    audience,
    revision_with_content,
)

pytestmark = pytest.mark.django_db


def test_migration_seeds_four_audiences_with_one_default():
    slugs = list(Audience.objects.values_list("slug", flat=True))
    assert slugs == ["patient", "caregiver", "student", "clinician"]
    assert list(Audience.objects.filter(is_default=True).values_list("slug", flat=True)) == [
        "patient"
    ]
    assert audience("patient").reading_grade == 6
    assert audience("clinician").reading_grade is None


def test_only_one_default_audience():
    with pytest.raises(IntegrityError):
        Audience.objects.filter(slug="student").update(is_default=True)


def test_pick_prefers_the_first_known_slug_then_the_default():
    audiences = list(Audience.objects.all())
    assert Audience.pick(audiences, "student", "caregiver").slug == "student"
    assert Audience.pick(audiences, "nonsense", "caregiver").slug == "caregiver"
    assert Audience.pick(audiences, "", None, "<script>").slug == "patient"


def test_variant_html_is_rendered_at_save():
    variant = VariantFactory(body_markdown="## Hello\n\nWorld [1].")
    assert "<h2>Hello</h2>" in variant.body_html
    variant.body_markdown = "Changed."
    variant.save(update_fields=["body_markdown"])
    variant.refresh_from_db()
    assert variant.body_html == "<p>Changed.</p>"


def test_variant_rejects_a_citation_number_outside_the_reference_list():
    revision = revision_with_content(sources=[SourceFactory(), SourceFactory()])
    variant = revision.variants.get(audience__slug="patient")
    variant.body_markdown = "Claim [2]. Another [3, 7]."
    with pytest.raises(ValidationError) as error:
        variant.full_clean()
    assert "Citation 3, 7 does not exist" in str(error.value)
    assert "2 sources" in str(error.value)


def test_public_articles_need_a_submitted_in_review_or_approved_revision():
    draft_only = RevisionFactory(state=Revision.State.DRAFT).article
    sent_back = RevisionFactory(state=Revision.State.CHANGES_REQUESTED).article
    submitted = RevisionFactory(state=Revision.State.SUBMITTED).article
    approved = RevisionFactory(state=Revision.State.APPROVED).article
    public = set(Article.objects.public())
    assert public == {submitted, approved}
    assert draft_only not in public and sent_back not in public


def test_shown_revision_is_the_latest_approved_even_when_a_newer_one_is_in_review():
    article = ArticleFactory()
    RevisionFactory(article=article, number=1, state=Revision.State.APPROVED)
    live = RevisionFactory(article=article, number=2, state=Revision.State.APPROVED)
    RevisionFactory(article=article, number=3, state=Revision.State.UNDER_REVIEW)
    assert article.shown_revision() == live
    annotated = Article.objects.with_shown_revision().get(pk=article.pk)
    assert annotated.shown_state == "approved"
    assert annotated.shown_state_label == "Approved"


def test_without_an_approval_the_submitted_or_in_review_revision_is_shown():
    article = ArticleFactory()
    in_review = RevisionFactory(article=article, number=1, state=Revision.State.UNDER_REVIEW)
    assert article.shown_revision() == in_review
    Revision.objects.filter(pk=in_review.pk).update(state=Revision.State.CHANGES_REQUESTED)
    assert article.shown_revision() is None


def test_an_article_has_at_most_one_revision_in_progress():
    from django.db import IntegrityError, transaction

    article = ArticleFactory()
    RevisionFactory(article=article, state=Revision.State.APPROVED)
    RevisionFactory(article=article, state=Revision.State.DRAFT)
    for state in Revision.OPEN_STATES:
        with pytest.raises(IntegrityError), transaction.atomic():
            RevisionFactory(article=article, state=state)
    RevisionFactory(article=article, state=Revision.State.APPROVED)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("submitted", ["current", "todo", "todo"]),
        ("under_review", ["done", "current", "todo"]),
        ("approved", ["done", "done", "current"]),
    ],
)
def test_review_steps_mark_the_current_step(state, expected):
    revision = RevisionFactory(state=state)
    steps = revision.review_steps()
    assert [label for label, _ in steps] == ["Submitted", "Under review", "Approved"]
    assert [status for _, status in steps] == expected


def test_source_links_and_citation_line():
    source = SourceFactory(
        publisher="Br J Dermatol",
        year=2011,
        volume="164(6)",
        pages="1369-75",
        doi="10.1111/j.1365-2133.2010.10152.x",
        pmid="21114478",
    )
    assert source.details == "Br J Dermatol. 2011;164(6):1369-75"
    assert source.doi_url == "https://doi.org/10.1111/j.1365-2133.2010.10152.x"
    assert source.pubmed_url == "https://pubmed.ncbi.nlm.nih.gov/21114478/"
    assert SourceFactory(doi="", pmid="").pubmed_url == ""
