"""Citation integrity: markers resolve, every reference is cited, a "From the guidelines"
section cites a guideline; checked when a text is saved (next to the field) and at submit."""

import html

import pytest
from django.urls import reverse

from articles import workflow
from articles.citation_checks import guideline_section_problem, guideline_sections
from articles.models import Source
from tests.articles.test_second_read import change_form_data
from tests.factories import SourceFactory, editor, revision_with_content
from tests.pages import said

pytestmark = pytest.mark.django_db

GUIDED = """## Short answer

Low doses work [2].

## From the Guidelines

Skin doctors back it [1].

### Who it is for

Adults with acne [2].

## From the Research

A trial found it [2].
"""


def test_a_guideline_section_runs_to_the_next_heading_of_its_level():
    [section] = guideline_sections(GUIDED)
    assert "Skin doctors back it [1]." in section and "Adults with acne [2]." in section
    assert "A trial found it" not in section


@pytest.mark.parametrize(
    ("kinds", "problem"),
    [
        ({1: "guideline", 2: "trial"}, ""),
        ({1: "regulator", 2: "trial"}, ""),
        ({1: "trial", 2: "trial"}, "cites [1], [2], but no guideline"),
    ],
)
def test_a_guideline_section_must_cite_a_guideline(kinds, problem):
    found = guideline_section_problem(GUIDED, kinds)
    assert (problem in found) if problem else found == ""


def test_an_uncited_guideline_section_says_it_cites_nothing():
    text = "## From the guidelines\n\nThey agree.\n"
    assert "cites nothing, but no guideline" in guideline_section_problem(text, {})


@pytest.fixture
def draft():
    author = editor()
    trial = SourceFactory(title="Trial of low doses")
    guideline = SourceFactory(title="Acne guideline", kind=Source.Kind.GUIDELINE)
    revision = revision_with_content(author=author, sources=[guideline, trial])
    return revision, author


def test_submit_is_refused_for_a_reference_no_text_cites(draft):
    revision, author = draft
    extra = SourceFactory(title="A study nobody cites")
    revision.citations.create(source=extra, position=3)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.submit(revision, author, "Adds a study.")
    assert str(refused.value) == (
        "No text cites this reference: [3] A study nobody cites. Cite it where it supports a "
        "claim, or remove it from the list."
    )


def test_submit_is_refused_when_the_guideline_section_cites_no_guideline(draft):
    revision, author = draft
    variant = revision.variants.get(audience__slug="caregiver")
    variant.body_markdown = "## From the guidelines\n\nA trial says so [2].\n\n## Next\n\n[1]."
    variant.save()
    with pytest.raises(workflow.TransitionError, match="The caregiver text: The “From the"):
        workflow.submit(revision, author, "Wording.")


def editor_form(client, revision):
    url = reverse("admin:articles_revision_change", args=[revision.pk])
    return url, change_form_data(client.get(url))


def test_the_editor_sees_the_guideline_error_next_to_the_text_and_keeps_it(client, draft):
    revision, author = draft
    client.force_login(author)
    url, data = editor_form(client, revision)
    typed = "## From the guidelines\n\nOnly a trial backs this [2].\n\n## More\n\nGuide [1]."
    key = next(k for k, v in data.items() if k.endswith("body_markdown") and "patient" in v)
    data[key] = typed
    response = client.post(url, data)
    assert response.status_code == 200  # shown again, not saved
    html = response.content.decode()
    assert "cites [2], but no guideline" in said(response)
    # The message sits in the patient text's own field row, and the text is as typed.
    row = html.split("cites [2], but no guideline", 1)[1].split("</textarea>", 1)[0]
    assert "Only a trial backs this [2]." in row
    assert (
        "Only a trial backs this"
        not in revision.variants.get(audience__slug="patient").body_markdown
    )


def test_saving_with_an_uncited_reference_saves_and_warns(client, draft):
    revision, author = draft
    revision.citations.create(source=SourceFactory(title="Cited later"), position=3)
    client.force_login(author)
    url, data = editor_form(client, revision)
    data["change_summary"] = "Adds a study to cite next."
    response = client.post(url, data, follow=True)
    assert "No text cites this reference: [3] Cited later." in said(response)
    revision.refresh_from_db()
    assert revision.change_summary == "Adds a study to cite next."


def test_an_uncited_reference_is_marked_on_its_own_row(client, draft):
    revision, author = draft
    revision.citations.create(source=SourceFactory(title="Cited later"), position=3)
    client.force_login(author)
    html = client.get(reverse("admin:articles_revision_change", args=[revision.pk])).content
    rows = html.decode().split('id="citations-')
    [marked] = [row for row in rows if "No text cites [" in row]
    assert marked.startswith("2") and "No text cites [3] yet" in marked


def test_a_reference_added_and_cited_in_one_save_is_found(client, draft):
    revision, author = draft
    added = SourceFactory(title="NICE acne guideline", kind=Source.Kind.GUIDELINE)
    client.force_login(author)
    url, data = editor_form(client, revision)
    data["citations-TOTAL_FORMS"] = "3"
    data.update({"citations-2-position": "3", "citations-2-source": str(added.pk)})
    key = next(k for k, v in data.items() if k.endswith("body_markdown") and "patient" in v)
    data[key] = "## From the guidelines\n\nUK doctors agree [3].\n\n## More\n\nSee [1, 2]."
    response = client.post(url, data)
    assert response.status_code == 302, said(response)[:800]
    assert revision.citations.get(position=3).source == added
    assert "UK doctors agree" in revision.variants.get(audience__slug="patient").body_markdown


def test_a_reference_removed_in_the_same_save_is_missed(client, draft):
    revision, author = draft
    client.force_login(author)
    url, data = editor_form(client, revision)
    data["citations-1-DELETE"] = "on"  # reference 2 goes ...
    response = client.post(url, data)  # ... while texts still cite [2]
    assert response.status_code == 200
    assert "Citation 2 does not exist: this revision's reference list has 1 source." in (
        html.unescape(said(response))
    )
    assert revision.citations.count() == 2
