import re

import pytest
from django.urls import reverse

from articles.models import Revision
from tests.factories import (
    ArticleFactory,
    RevisionFactory,
    SourceFactory,
    revision_with_content,
)
from tests.pages import text_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def article():
    revision = revision_with_content(
        article=ArticleFactory(slug="doses", title="How do the doses differ?"),
        state=Revision.State.UNDER_REVIEW,
        sources=[
            SourceFactory(doi="10.1000/one", pmid="111", title="First trial"),
            SourceFactory(doi="10.1000/two", pmid="", title="Second trial"),
        ],
        texts={
            "patient": "## What is the short answer?\n\nPatient words [1].",
            "caregiver": "## What is the short answer?\n\nCaregiver words [2].",
            "student": "## Short answer\n\nStudent words [1, 2].",
            "clinician": "## Short answer\n\nClinician words at 0.5 mg/kg/day [1].",
        },
    )
    return revision.article


def url(article, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return article.get_absolute_url() + (f"?{query}" if query else "")


def test_article_page_shows_its_parts_in_order(client, article):
    response = client.get(url(article))
    assert response.status_code == 200
    text = text_of(response).split("Skip to main content", 1)[1]
    # A page nobody approved yet leads with the caution, and claims no review.
    assert "Medical Advisory Board" not in text and "Medically reviewed" not in text
    parts = [
        "Not yet checked by a doctor. Exercise caution: this content is pending human review",
        "How do the doses differ?",
        "Key facts",
        "Important: pregnancy",
        "Educational purpose only",
        "✓ Submitted (done) ● Under review (current step) ○ Approved (not yet)",
        "Last updated",
        "View editorial policy",
        "Which best describes you?",
        "Your choice helps us use language that's most understandable for you",
        "Patient words",
        "References",
        "First trial",
        "Talk to your doctor",
    ]
    positions = [text.find(part) for part in parts]
    assert -1 not in positions, [p for p, i in zip(parts, positions, strict=True) if i == -1]
    assert positions == sorted(positions)
    html = response.content.decode()
    assert 'aria-current="step"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert f'href="{reverse("editorial-policy")}"' in html


def test_references_link_to_doi_and_pubmed(client, article):
    html = client.get(url(article)).content.decode()
    assert '<li id="ref-1"' in html
    assert 'href="https://doi.org/10.1000/one"' in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/111/"' in html
    assert 'href="#ref-1"' in html
    assert "https://pubmed.ncbi.nlm.nih.gov//" not in html


def test_approved_page_has_no_caution_and_can_be_indexed(client):
    revision = revision_with_content(state=Revision.State.APPROVED)
    response = client.get(revision.article.get_absolute_url())
    text = text_of(response)
    assert "Educational purpose only" in text
    assert "pending human review" not in text
    assert "noindex" not in response.content.decode()
    assert "Approved (current step)" in text


def test_clinicians_get_the_professional_disclaimer(client, article):
    text = text_of(client.get(url(article, audience="clinician")))
    assert "Clinician words at 0.5 mg/kg/day" in text
    assert "Professional medical disclaimer" in text
    assert "Talk to your doctor" not in text


def test_htmx_request_gets_only_the_variant_partial(client, article):
    full = client.get(url(article, audience="caregiver"))
    partial = client.get(url(article, audience="caregiver"), headers=HTMX)
    body = partial.content.decode()
    assert "<html" not in body and "Which best describes you?" not in body
    assert 'id="variant"' in body and "Caregiver words" in body
    assert "Talk to their doctor" in body  # the caregivers' disclaimer, swapped out of band
    # The reference list reads the same at every reading level: only its back links come.
    assert "Second trial" in full.content.decode() and "Second trial" not in body
    back_link = '<span id="ref-2-back" hx-swap-oob="true"><a class="back-to-text" href="#cite-2-1">'
    assert back_link in body
    assert len(body) * 3 < len(full.content)
    for response in (full, partial):
        assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(client, article):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    response = client.get(url(article, audience="student"), headers=headers)
    body = response.content.decode()
    assert "<html" in body and "Student words" in body
    assert "hx-swap-oob" not in body


def test_htmx_post_stores_choice_swaps_variant_announces_and_pushes_url(client, article):
    response = client.post(url(article), {"audience": "caregiver"}, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Caregiver words" in body and "<html" not in body
    assert response["HX-Push-Url"] == url(article, audience="caregiver")
    assert 'hx-swap-oob="innerHTML:#announcer"' in body
    assert "Now showing the caregiver version." in body
    # Remembered: a plain visit now shows the caregiver version.
    assert "Caregiver words" in text_of(client.get(url(article)))


def test_form_without_javascript_redirects_to_the_chosen_version(client, article):
    response = client.post(url(article), {"audience": "student"})
    assert response.status_code == 302
    assert response["Location"] == url(article, audience="student")
    page = client.get(response["Location"])
    assert "Student words" in text_of(page)
    assert 'value="student" checked' in page.content.decode()


def test_choice_applies_to_every_article(client, article):
    other = revision_with_content(
        texts={"clinician": "Other clinician text."}, state=Revision.State.SUBMITTED
    ).article
    client.post(url(article), {"audience": "clinician"})
    assert "Other clinician text." in text_of(client.get(other.get_absolute_url()))


def test_get_with_audience_never_changes_the_stored_choice(client, article):
    client.post(url(article), {"audience": "caregiver"})
    assert "Student words" in text_of(client.get(url(article, audience="student")))
    assert "Caregiver words" in text_of(client.get(url(article)))


@pytest.mark.parametrize("value", ["", "nobody", "<script>alert(1)</script>", "PATIENT"])
def test_unknown_audience_falls_back_never_errors(client, article, value):
    client.post(url(article), {"audience": "caregiver"})
    response = client.get(article.get_absolute_url(), {"audience": value})
    assert response.status_code == 200
    assert "Caregiver words" in text_of(response)
    posted = client.post(url(article), {"audience": value}, headers=HTMX)
    assert posted.status_code == 200
    assert "Caregiver words" in posted.content.decode()
    assert "<script>alert(1)</script>" not in posted.content.decode()


def test_unknown_audience_for_a_new_visitor_shows_the_default(client, article):
    response = client.get(article.get_absolute_url(), {"audience": "nobody"})
    assert "Patient words" in text_of(response)


def test_a_new_visitor_never_sees_another_visitors_choice(client, article, django_user_model):
    from django.test import Client

    client.post(url(article), {"audience": "clinician"})
    stranger = Client()
    assert "Patient words" in text_of(stranger.get(url(article)))


def test_post_without_csrf_token_is_refused(article):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url(article), {"audience": "student"})
    assert response.status_code == 403


def test_unknown_article_is_a_styled_404(client):
    response = client.get("/articles/no-such-question/")
    assert response.status_code == 404
    text = text_of(response)
    assert "We couldn't find that page" in text
    assert "See all articles" in text


def test_drafts_are_not_public(client):
    draft = RevisionFactory(state=Revision.State.DRAFT)
    assert client.get(draft.article.get_absolute_url()).status_code == 404


def test_other_methods_are_refused_with_405(client, article):
    assert client.put(url(article)).status_code == 405
    assert client.delete(url(article)).status_code == 405


def test_article_page_query_count_does_not_grow_with_references_or_variants(
    client, article, django_assert_num_queries
):
    # Rendered (not cached yet): the shown revision with the audiences, the whole revision,
    # the variant, citations with sources, "Readers asked".
    with django_assert_num_queries(5):
        client.get(url(article))
    bigger = revision_with_content(
        sources=[SourceFactory() for _ in range(10)], state=Revision.State.SUBMITTED
    ).article
    with django_assert_num_queries(5):
        response = client.get(bigger.get_absolute_url())
    assert response.content.decode().count('class="reference"') == 10


def test_index_lists_public_articles_with_review_state(client, article, django_assert_num_queries):
    approved = revision_with_content(state=Revision.State.APPROVED).article
    draft = RevisionFactory(state=Revision.State.DRAFT).article
    with django_assert_num_queries(1):
        response = client.get("/")
    text = text_of(response)
    assert "How do the doses differ?" in text
    # Badges say it once, in plain words.
    assert "Not yet checked by a doctor" in text and "Pending review: Under review" not in text
    assert approved.title in text and "Checked by a doctor" in text
    assert draft.title not in text


def test_editorial_policy_is_a_real_page(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("editorial-policy"))
    assert response.status_code == 200
    assert "What do the review steps mean?" in text_of(response)


def test_security_headers(client, article):
    response = client.get(url(article))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[^']+'", csp)
    assert "style-src 'self'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert " style=" not in response.content.decode()


def test_healthz(client):
    assert client.get("/healthz").content == b"ok"
