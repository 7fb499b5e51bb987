"""Issue 13, points 1, 2 and 4: comparison tables and checklists in the texts: their markup, the
sanitizer's allow-list, the review page's blocks, diff and comments, reading levels, and the
demo articles' tables and checklists."""

import re

import pytest
from django.core.exceptions import ValidationError

from articles import demo_data, workflow
from articles.blocks import split_blocks
from articles.models import Revision, Variant
from articles.readability import prose_blocks
from articles.rendering import render_variant, sanitize, stripped_markup
from articles.review_diff import diff_audience
from tests.factories import SourceFactory, reviewer, revision_with_content

pytestmark = pytest.mark.django_db

TABLE = """Intro [1].

Table: A low dose and the usual dose [2]

| What to compare | Low dose | Usual *dose* |
|:---|---|--:|
| Dose each day | 20 mg [1] | By weight [2] |
| Pregnancy rules | Same rules at any dose [1]. | Same rules at any dose [1]. |
"""
CHECKLIST = """## Before you start

- [ ] Ask your doctor what dose is right for you.
- [ ] Have two pregnancy tests before you start [1].
"""


def test_a_markdown_table_becomes_a_captioned_table_with_header_cells_and_cell_labels():
    html = render_variant(TABLE)
    assert "<table>\n<caption>A low dose and the usual dose <sup" in html
    assert "<p>Table:" not in html  # the caption line became the caption
    head = re.search(r"<thead>(.*)</thead>", html, re.S).group(1)
    assert head.count('<th scope="col">') == 3 and "<td" not in head
    assert '<th scope="col">Usual <em>dose</em></th>' in head
    body = re.search(r"<tbody>(.*)</tbody>", html, re.S).group(1)
    # Each row is about its first cell: a row header, read out with each of its cells.
    assert body.count('<th scope="row">') == 2
    assert '<th scope="row">Dose each day</th>' in body
    assert body.count('<td data-label="Low dose">') == 2
    assert body.count('<td data-label="Usual dose">') == 2  # the heading's words, not markup
    assert "style=" not in html and "align" not in html  # column alignment is not kept
    assert stripped_markup(TABLE) == []  # nothing the editor wrote is lost


@pytest.mark.parametrize(
    "raw, gone",
    [
        ('<td data-label="Safe in pregnancy">x</td>', "Safe in pregnancy"),
        ('<td colspan="2">x</td>', "colspan"),
        ('<td rowspan="2">x</td>', "rowspan"),
        ('<th scope="colgroup">x</th>', "colgroup"),
        ('<td style="display:none">x</td>', "style"),
        ('<td class="visually-hidden">x</td>', "class"),
        ('<td title="Safe in pregnancy">x</td>', "title"),
        ('<td aria-hidden="true">x</td>', "aria-hidden"),
        ('<td hidden="">x</td>', "hidden"),
    ],
)
def test_no_attribute_an_editor_types_on_a_table_survives(raw, gone):
    html = render_variant(
        f"<table><thead><tr><th>A</th><th>B</th></tr></thead><tr>{raw}</tr></table>"
    )
    assert gone not in html
    assert ">x</t" in html  # the words stay, visibly


def test_the_sanitizer_allows_exactly_the_table_markup_a_comparison_needs():
    source = (
        "<table><caption>C</caption><colgroup><col></colgroup>"
        "<thead><tr><th>A</th><th>B</th></tr></thead>"
        "<tbody><tr><th>r</th><td>d</td></tr></tbody>"
        "<tfoot><tr><td>f</td><td>g</td></tr></tfoot></table>"
    )
    html = render_variant(source)
    for kept in ("<table>", "<caption>", "<thead>", "<tbody>", "<tr>", "<th", "<td"):
        assert kept in html
    for dropped in ("<tfoot", "<col", "<colgroup"):
        assert dropped not in html
    assert ">f<" in html and ">g<" in html  # a footer's words stay
    removed = stripped_markup(source)
    assert "the <tfoot> tag (a table footer)" in removed
    assert any(note.startswith("the <col> tag") for note in removed)


def test_script_in_a_cell_comes_out_inert():
    html = render_variant(
        "Table: T\n\n| A | B |\n|---|---|\n| <script>alert(1)</script> | "
        '<img src=x onerror="alert(1)"> [x](javascript:alert(1)) |\n'
    )
    lowered = html.lower()
    for dangerous in ("<script", "onerror", "javascript:", "<img"):
        assert dangerous not in lowered
    assert "<table>" in html


def test_a_table_without_a_caption_or_headings_is_refused_with_words():
    revision = revision_with_content(sources=[SourceFactory()])
    variant = revision.variants.get(audience__slug="patient")
    variant.body_markdown = "| A | B |\n|---|---|\n| x [1] | y [1] |\n"
    with pytest.raises(ValidationError, match="A table needs a caption"):
        variant.clean()
    variant.body_markdown = "<table><caption>T</caption><tr><td>x [1]</td></tr></table>"
    with pytest.raises(ValidationError, match="column headings"):
        variant.clean()
    variant.body_markdown = TABLE.replace("[2]", "[1]")
    variant.clean()  # captioned, with headings: fine


def test_a_list_whose_items_all_start_with_a_box_is_a_checklist():
    html = render_variant(CHECKLIST)
    assert '<ul class="checklist">' in html
    assert "<li>Ask your doctor what dose is right for you.</li>" in html
    assert "[ ]" not in html
    # One item without a box, or a ticked box, and it stays a plain list as typed.
    mixed = render_variant("- [ ] one\n- two\n")
    assert "<ul>" in mixed and "[ ] one" in mixed and "checklist" not in mixed
    assert "checklist" not in render_variant("- [x] done\n- [ ] not\n")


@pytest.mark.parametrize(
    "raw, kept",
    [
        ('<ul class="checklist visually-hidden"><li>a</li></ul>', '<ul class="checklist">'),
        ('<ul class="hidden"><li>a</li></ul>', "<ul>"),
        ('<ol class="checklist"><li>a</li></ol>', "<ol>"),
        ('<p class="checklist">a</p>', "<p>"),
        ('<sup class="checklist">a</sup>', "<sup>"),
    ],
)
def test_the_checklist_class_survives_only_on_a_bulleted_list(raw, kept):
    assert kept in sanitize(raw)


def test_rows_and_captions_are_blocks_that_comments_anchor_to():
    blocks = split_blocks(render_variant(TABLE + "\n" + CHECKLIST))
    kinds = [(block.tag, block.table_number, block.checklist) for block in blocks]
    assert kinds == [
        ("p", 0, False),
        ("caption", 1, False),
        ("tr", 1, False),  # the column headings
        ("tr", 1, False),
        ("tr", 1, False),
        ("h2", 0, False),
        ("li", 0, True),
        ("li", 0, True),
    ]
    row = blocks[3]
    assert row.text == "Dose each day 20 mg [1] By weight [2]"
    assert [(c.tag, c.label, c.text) for c in row.cells] == [
        ("th", "", "Dose each day"),
        ("td", "Low dose", "20 mg"),
        ("td", "Usual dose", "By weight"),
    ]


def test_reading_level_counts_data_cells_not_captions_or_headings():
    texts = prose_blocks(render_variant(TABLE + "\n" + CHECKLIST))
    assert texts == [
        "Intro.",
        "20 mg.",
        "By weight.",
        "Same rules at any dose.",
        "Same rules at any dose.",
        "Ask your doctor what dose is right for you.",
        "Have two pregnancy tests before you start.",
    ]


def test_the_review_diff_marks_the_changed_cell_of_a_row_shown_as_a_card():
    old = render_variant(TABLE)
    new = render_variant(TABLE.replace("| 20 mg [1] |", "| 20 mg a day [1] |"))
    diff = diff_audience(old, new, id_prefix="patient", comment_link=lambda i: f"?comment={i}")
    assert diff.changes == 1
    changed = re.search(r'<div id="patient-change-1"[^>]*>(.*?)</div>', diff.html, re.S).group(1)
    assert '<span class="table-card-head">Dose each day</span>' in changed
    assert '<span class="table-card-label">Low dose:</span> 20 mg <ins>a day</ins> [1]' in changed
    assert '<span class="table-card-label">Usual dose:</span> By weight [2]' in changed
    assert 'href="?comment=3"' in changed  # comment on this row
    assert "<td" not in diff.html and "data-label" not in diff.html  # our own markup only


def test_a_changed_column_heading_shows_in_every_card_of_its_column():
    old = render_variant(TABLE)
    new = render_variant(TABLE.replace("| Low dose |", "| Lower dose |"))
    html = diff_audience(old, new, id_prefix="p").html
    assert "<ins>Lower</ins>" in html and "<del>Low</del>" in html
    assert html.count('class="block-edited diff-table-row"') == 3  # headings and both rows


def test_turning_a_list_into_a_checklist_is_a_change_reviewers_see():
    old = render_variant(CHECKLIST.replace("[ ] ", ""))
    new = render_variant(CHECKLIST)
    diff = diff_audience(old, new, id_prefix="p")
    assert diff.changes == 1
    assert "[checklist item]" in diff.html


@pytest.fixture
def reviewing():
    checker = reviewer(email="checker@example.com")
    revision = revision_with_content(
        sources=[SourceFactory(), SourceFactory()],
        texts={"patient": TABLE + "\n" + CHECKLIST},
        state=Revision.State.UNDER_REVIEW,
    )
    Revision.objects.filter(pk=revision.pk).update(assigned_reviewer=checker)
    revision.refresh_from_db()
    return revision, checker


def test_a_reviewer_comments_on_a_table_row_and_it_shows_beside_that_row(reviewing):
    revision, checker = reviewing
    patient = revision.variants.get(audience__slug="patient")
    row = split_blocks(patient.body_html)[3]
    comment = workflow.add_comment(
        revision, checker, patient.audience, row.index, "Say what 'by weight' means.", row.text
    )
    placed = workflow.placed_comments(revision, patient)
    item = placed.blocks[row.index]
    assert item.label == "the table row “Dose each day”"
    assert [c.comment for c in item.comments] == [comment]
    shown = str(item.html)
    assert '<span class="table-card-label">Low dose:</span> 20 mg' in shown
    assert "<td" not in shown
    labels = [block.label for block in placed.blocks]
    assert labels[1:3] == ["the table's caption", "the table's column headings"]
    assert labels[-2:] == ["checklist item 1", "checklist item 2"]


def test_the_review_page_shows_the_table_rows_as_cards(client, reviewing):
    revision, checker = reviewing
    client.force_login(checker)
    html = client.get(f"/admin/articles/revision/{revision.pk}/review/").content.decode()
    assert '+ Comment<span class="visually-hidden"> on the table row “Dose each day”' in html
    assert '<span class="table-card-head">Pregnancy rules</span>' in html


# The demo articles (point 4)

DEMO = [
    (spec["slug"], audience)
    for spec in demo_data.ARTICLES
    for audience in ("patient", "caregiver", "student", "clinician")
]


def demo_tables(article, audience):
    html = render_variant(demo_data.variant_text(article, audience))
    return html, re.findall(r"<table>.*?</table>", html, re.S)


@pytest.mark.parametrize(("article", "audience"), DEMO)
def test_every_demo_text_has_a_comparison_table_with_a_cited_fact_in_every_cell(article, audience):
    html, tables = demo_tables(article, audience)
    assert len(tables) == 1, "one comparison table"
    table = tables[0]
    assert re.search(r"<caption>[^<]+</caption>", table)
    headings = re.findall(r'<th scope="col">(.*?)</th>', table)
    assert len(headings) == 3
    assert re.search(r"low dose|5 mg", headings[1], re.I)
    assert re.search(r"usual|conventional", headings[2], re.I)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)
    rows = re.findall(r'<th scope="row">(.*?)</th>', table)
    assert len(cells) == 2 * len(rows) >= 10
    for cell in cells:
        assert 'class="cite"' in cell, f"uncited cell: {cell[:80]}"
    # The pregnancy rules are the same for both doses, and the row says so itself.
    pregnancy = [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        if re.search(r'<th scope="row">[^<]*(pregnancy|birth control)', row, re.I)
    ]
    assert pregnancy, "a pregnancy row"
    assert any(all("same rules at any dose" in cell.lower() for cell in row) for row in pregnancy)


def test_the_main_article_compares_the_eight_points_the_issue_names():
    for audience in ("patient", "caregiver", "student", "clinician"):
        _, (table,) = demo_tables("micro-dose-vs-conventional-isotretinoin", audience)
        rows = [row.lower() for row in re.findall(r'<th scope="row">(.*?)</th>', table)]
        assert len(rows) == 8, audience
        for words in ("dose", "course|long", "stud", "work|efficacy", "side|adverse", "blood|lab",
                      "relapse|coming back", "pregnancy"):  # fmt: skip
            assert any(re.search(words, row) for row in rows), (audience, words)


CHECKLIST_GROUPS = ("question", "pregnan", "avoid", "at once")


@pytest.mark.parametrize("article", [spec["slug"] for spec in demo_data.ARTICLES])
@pytest.mark.parametrize("audience", ["patient", "caregiver"])
def test_patients_and_carers_get_a_before_you_start_checklist(article, audience):
    text = demo_data.variant_text(article, audience)
    section = text.split("## Before you start", 1)[1].split("\n## ", 1)[0]
    groups = re.findall(r"^### (.+)$", section, re.M)
    assert len(groups) == 4
    for group, words in zip(groups, CHECKLIST_GROUPS, strict=True):
        assert words in group.lower(), group
    html = render_variant(section)
    assert html.count('<ul class="checklist">') == 4
    assert "[ ]" not in html
    lowered = section.lower()
    assert re.search(r"1 month before", lowered) and re.search(r"1 month after", lowered)
    assert "each month" in lowered or "every month" in lowered
    for crisis_line in ("988", "999", "116 123"):
        assert crisis_line in section


@pytest.mark.parametrize("audience", ["student", "clinician"])
def test_students_and_clinicians_get_the_table_but_no_checklist(audience):
    for spec in demo_data.ARTICLES:
        assert "checklist" not in render_variant(demo_data.variant_text(spec["slug"], audience))


def test_the_stored_demo_texts_hold_the_rendered_tables(demo_article):
    variant = Variant.objects.get(revision=demo_article.shown_revision(), audience__slug="patient")
    assert variant.body_html.count("<table>") == 1
    assert variant.body_html.count('<ul class="checklist">') == 4
    # The reading level counts the table's cells and the checklist's items.
    assert variant.reading_level["fk_grade"] <= 6
