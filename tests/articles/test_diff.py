"""The reviewers' diff: every change readers could notice shows, and nothing else does."""

import pytest

from articles.diff import has_changes, readable_text, word_diff
from articles.rendering import render_variant


def changes(old_markdown, new_markdown):
    old, new = render_variant(old_markdown), render_variant(new_markdown)
    return has_changes(old, new), word_diff(old, new)


def test_identical_variants_have_no_changes_and_no_marks():
    text = "## Answer\n\nLow doses work **well** [1, 2].\n\n- [guide](https://e.org)\n- two"
    changed, diff = changes(text, text)
    assert not changed
    assert "<ins>" not in diff and "<del>" not in diff
    assert (
        diff == "Answer<br>\nLow doses work well [1, 2].<br>\nguide [link: https://e.org]<br>\ntwo"
    )


def test_whitespace_readers_cannot_see_is_not_a_change():
    old = "<p>Low doses\nwork  well.</p>"
    new = "<p>Low doses work well.</p>\n"
    assert not has_changes(old, new)


def test_citations_stay_uncluttered():
    html = render_variant("Low doses work [3] and dry the skin less [4, 12].")
    assert readable_text(html) == "Low doses work [3] and dry the skin less [4, 12]."


def test_an_href_only_change_shows():
    changed, diff = changes(
        "See [the guide](https://example.org/guide).", "See [the guide](https://evil.example/)."
    )
    assert changed
    assert "See the guide [link: <del>https://example.org/guide]</del>" in diff
    assert "<ins>https://evil.example/]</ins>" in diff


def test_a_link_added_around_unchanged_words_shows():
    changed, diff = changes("Ask your doctor.", "Ask [your doctor](https://evil.example/).")
    assert changed
    assert "<ins>[link: https://evil.example/]</ins>" in diff


def test_a_forged_citation_label_shows():
    old = render_variant("Low doses work [3].")
    new = render_variant(
        'Low doses work <sup class="cite">[<a class="cite" href="#ref-3" '
        'aria-label="Reference 4">3</a>]</sup>.'
    )
    assert 'aria-label="Reference 4"' in new  # the sanitizer lets the format through
    assert has_changes(old, new)
    diff = word_diff(old, new)
    assert "<ins>[link: #ref-3] [aria-label: Reference 4] [class: cite]</ins>" in diff


@pytest.mark.parametrize(
    "forged, note",
    [
        ('<a class="cite" href="#ref-7" aria-label="Reference 7">3</a>', "[link: #ref-7]"),
        ('<a href="#ref-3" aria-label="Reference 3">3</a>', "[aria-label: Reference 3]"),
        ('<a class="cite" aria-label="Reference 3">3</a>', "[link without address]"),
        (
            '<a class="cite" href="https://e.org" aria-label="Reference 3">3</a>',
            "[link: https://e.org]",
        ),
    ],
)
def test_a_citation_whose_parts_disagree_shows_its_attributes(forged, note):
    old = render_variant("Claim [3].")
    new = render_variant(f'Claim <sup class="cite">[{forged}]</sup>.')
    assert has_changes(old, new)
    assert note in word_diff(old, new)
    assert note in readable_text(new)


def test_a_citation_renumbered_shows_the_number():
    changed, diff = changes("Claim [3, 4].", "Claim [3, 5].")
    assert changed
    assert diff == "Claim [3, <del>4</del> <ins>5</ins>]."


def test_a_title_only_change_is_stripped_so_there_is_nothing_to_show():
    old = render_variant("See [the guide](https://example.org/).")
    new = render_variant(
        'See [the guide](https://example.org/ "A lower dose is safe in pregnancy").'
    )
    assert "title=" not in new
    assert not has_changes(old, new)


def test_an_attribute_that_survived_in_old_stored_html_shows():
    # Variants saved before the allow-list was tightened may still carry a title.
    old = '<p>See <a href="https://e.org" rel="noopener noreferrer">the guide</a>.</p>'
    new = (
        '<p>See <a href="https://e.org" title="Safe in pregnancy" rel="noopener noreferrer">'
        "the guide</a>.</p>"
    )
    assert has_changes(old, new)
    assert "<ins>[title: Safe in pregnancy]</ins>" in word_diff(old, new)


def test_an_attribute_on_any_other_element_shows():
    old = "<p>Stop now.</p>"
    new = '<p lang="fr">Stop now.</p>'
    assert has_changes(old, new)
    assert "<ins>[paragraph lang=&quot;fr&quot;]</ins>" in word_diff(old, new)


@pytest.mark.parametrize(
    "old, new, marks",
    [
        ("It *works*.", "It **works**.", ["<del>[italic]</del>", "<ins>[bold]</ins>"]),
        ("It works.", "It **works**.", ["<ins>[bold]</ins>", "<ins>[/bold]</ins>"]),
        ("It `works`.", "It works.", ["<del>[code]</del>"]),
        ("## Side effects", "### Side effects",
         ["<del>[heading 2]</del>", "<ins>[heading 3]</ins>"]),
        ("## Side effects", "Side effects", ["<del>[heading 2]</del>"]),
        ("- one\n- two", "1. one\n2. two",
         ["<del>[bulleted list]</del>", "<ins>[numbered list]</ins>"]),
        ("Stop now.", "> Stop now.", ["<ins>[quote]</ins>"]),
        ("First.\n\nSecond.", "First. Second.", ["<del>[/paragraph] [paragraph]</del>"]),
        ("First. Second.", "First.\n\nSecond.", ["<ins>[/paragraph] [paragraph]</ins>"]),
        ("First.", "First.\n\n---", ["<ins>[horizontal line]</ins>"]),
        ("Claim [3].", "Claim [<a class='cite' href='#ref-3' aria-label='Reference 3'>3</a>].",
         ['<del>[superscript class=&quot;cite&quot;]</del>']),
    ],
)  # fmt: skip
def test_a_formatting_only_change_is_marked(old, new, marks):
    changed, diff = changes(old, new)
    assert changed
    for mark in marks:
        assert mark in diff, diff
    assert "<strong>" not in diff and "<em>" not in diff and "<h2>" not in diff


def test_every_change_has_changes_reports_is_marked_in_word_diff():
    texts = [
        "", "Low doses work.", "Low doses *work*.", "Low doses **work**.",
        "Low doses work [1].", "Low doses work [2].", "Low doses work [2, 3].",
        "Low [doses](https://e.org) work.", "Low [doses](https://e.net) work.",
        "## Low doses work.", "- Low doses work.", "Low doses\n\nwork.", "Low doses work .",
        "Low doses wor\u200bk.", "Low doses\u00a0work.", "> Low doses work.",
    ]  # fmt: skip
    rendered = [render_variant(text) for text in texts]
    for old in rendered:
        for new in rendered:
            changed, diff = has_changes(old, new), word_diff(old, new)
            assert changed == (old != new), (old, new)
            assert changed == ("<ins>" in diff or "<del>" in diff), (old, new, diff)


def test_invisible_characters_are_spelled_out():
    changed, diff = changes("Take 10 mg.", "Take 1\u200b0 mg.")
    assert changed
    assert "<ins>1⟨U+200B⟩0</ins>" in diff
    bidi = word_diff("", render_variant("safe \u202eycnangerp\u202c"))
    assert "⟨U+202E⟩" in bidi and "\u202e" not in bidi


def test_no_markup_from_the_compared_html_reaches_the_diff():
    old = render_variant("Hello.")
    new = '<p>Hello <img src=x onerror=alert(1)> <a href="javascript:alert(1)">&lt;b&gt;x</a></p>'
    diff = word_diff(old, new)
    assert "<img" not in diff and "<a" not in diff and "<b>" not in diff
    assert "&lt;b&gt;x" in diff
    assert "[link: javascript:alert(1)]" in diff  # spelled out as text, never a live link


def test_a_new_variant_is_all_inserted():
    assert word_diff("", render_variant("New text [2].")) == "<ins>New text [2].</ins>"
    assert has_changes("", render_variant("New text."))
