import pytest

from articles.rendering import citation_numbers, render_variant, sanitize


def test_markdown_becomes_html_with_headings_and_lists():
    html = render_variant("## Short answer\n\nIt **works**.\n\n- one\n- two")
    assert "<h2>Short answer</h2>" in html
    assert "<strong>works</strong>" in html
    assert "<li>one</li>" in html


def test_citation_markers_link_to_numbered_references():
    html = render_variant("Low doses work [6, 10] and dry the skin less [11].")
    assert 'href="#ref-6"' in html
    assert 'href="#ref-10"' in html
    assert 'href="#ref-11"' in html
    assert 'aria-label="Reference 11"' in html
    assert "[6, 10]" not in html


def test_citation_numbers_in_order_of_appearance():
    assert citation_numbers("a [2] b [1, 3] c [2]") == [2, 1, 3, 2]
    assert citation_numbers("a [link](https://example.com) b") == []


def test_xss_payloads_come_out_inert():
    payload = (
        "<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[click me](javascript:alert(1))\n\n"
        '<a href="https://example.com" onclick="alert(1)">ok</a>\n\n'
        "<iframe src='https://evil.example'></iframe>\n\n"
        '<p style="background:url(javascript:alert(1))">styled</p>'
    )
    html = render_variant(payload)
    lowered = html.lower()
    for dangerous in ("<script", "onerror", "javascript:", "onclick", "<iframe", "<img", "style="):
        assert dangerous not in lowered, dangerous
    assert 'href="https://example.com"' in html
    assert "ok" in html


def test_word_diff_marks_removed_and_added_words_in_the_rendered_text():
    from articles.diff import word_diff

    old = render_variant("## Answer\n\nLow doses work **well** [1].\n\nKeep this.")
    new = render_variant("## Answer\n\nLow doses work about as well [1].\n\n<script>x</script>")
    diff = word_diff(old, new)
    # Dropping the bold around "well" is a change readers see, so it is marked too.
    assert (
        "Low doses work <del>[bold]</del> <ins>about as</ins> well <del>[/bold]</del> [1]." in diff
    )
    assert "<del>Keep this.</del>" in diff
    assert "**" not in diff and "<script" not in diff and "<strong>" not in diff


def test_word_diff_shows_a_changed_link_address():
    from articles.diff import has_changes, word_diff

    old = render_variant("See [the guide](https://example.org/guide) [1].")
    new = render_variant("See [the guide](https://example.net/other) [1].")
    assert has_changes(old, new)
    assert "<ins>https://example.net/other]</ins>" in word_diff(old, new)


def test_the_renderers_own_citation_markup_survives_the_sanitizer_unchanged():
    assert render_variant("Claim [3].") == (
        '<p>Claim <sup class="cite">[<a class="cite" href="#ref-3" id="cite-3-1"'
        ' aria-label="Reference 3" rel="noopener noreferrer">3</a>]</sup>.</p>'
    )
    html = render_variant("Claim [3, 4] and [3].")
    assert sanitize(html) == html


def test_a_link_title_from_markdown_is_stripped_so_the_output_is_unchanged():
    plain = render_variant("Take [the usual dose](https://example.org/dose).")
    titled = render_variant(
        'Take [the usual dose](https://example.org/dose "A lower dose is safe in pregnancy").'
    )
    assert "title=" not in titled
    assert "pregnancy" not in titled
    assert titled == plain


@pytest.mark.parametrize(
    "source, text",
    [
        ('<span class="visually-hidden">Stop your other medicines.</span>', "Stop your other"),
        ("<p hidden>Stop your other medicines.</p>", "Stop your other"),
        ('<p style="display:none">Stop your other medicines.</p>', "Stop your other"),
        ('<div aria-hidden="true">Stop your other medicines.</div>', "Stop your other"),
        ("<details><summary>More</summary>Stop your other medicines.</details>", "Stop your other"),
        ('<p id="x" lang="fr" dir="rtl" tabindex="0">Stop now.</p>', "Stop now."),
    ],
)
def test_hidden_text_tricks_leave_the_text_visible_and_the_trick_gone(source, text):
    html = render_variant(source)
    assert text in html
    for leftover in (
        "<span", "class=", "hidden", "style=", "aria-", "<div", "<details", "<summary",
        "id=", "lang=", "dir=", "tabindex=",
    ):  # fmt: skip
        assert leftover not in html, leftover


@pytest.mark.parametrize(
    "attribute",
    [
        'title="A lower dose is safe in pregnancy"',
        'lang="fr"',
        'aria-hidden="true"',
        'aria-describedby="x"',
        'aria-label="Safe in pregnancy"',
        'id="ref-1"',
        'style="color:white"',
        'class="visually-hidden"',
        "hidden",
        'target="_blank"',
        'rel="opener"',
    ],
)
def test_links_keep_only_their_address_and_rel(attribute):
    html = render_variant(f'See <a href="https://example.org/" {attribute}>the guide</a>.')
    assert html == (
        '<p>See <a href="https://example.org/" rel="noopener noreferrer">the guide</a>.</p>'
    )


def test_citation_links_keep_only_the_cite_class_and_a_reference_label():
    html = render_variant(
        '<sup class="cite sr-only">[<a class="cite visually-hidden" href="#ref-2" '
        'aria-label="Reference 2" title="t">2</a>]</sup> '
        '<a class="cite" href="#ref-4" aria-label="Reference 4; safe in pregnancy">4</a>'
    )
    assert '<sup class="cite">[<a class="cite" href="#ref-2" aria-label="Reference 2"' in html
    assert "sr-only" not in html and "visually-hidden" not in html and "title" not in html
    assert "pregnancy" not in html
    assert '<a class="cite" href="#ref-4" rel="noopener noreferrer">4</a>' in html


def test_other_classes_are_dropped_everywhere():
    html = render_variant('<p class="cite">a</p> <a class="lead" href="https://e.org">b</a>')
    assert "class=" not in html


@pytest.mark.parametrize(
    "href, kept",
    [
        ("https://example.org/a?b=c&d=e", True),
        ("http://example.org/", True),
        ("mailto:editor@example.org", True),
        ("#ref-12", True),
        ("#top", False),
        ("#ref-1x", False),
        ("/admin/", False),
        ("//evil.example/path", False),
        ("https:evil", False),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("ftp://example.org/", False),
    ],
)
def test_link_addresses_are_http_mailto_or_a_reference(href, kept):
    html = render_variant(f'<a href="{href}">x</a>')
    assert ("href=" in html) is kept, html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    "source, absent, visible",
    [
        (
            '<img src="https://e.org/x.png" alt="Safe in pregnancy">',
            ["<img", "pregnancy", "e.org"],
            "",
        ),
        ("![Safe in pregnancy](https://e.org/x.png)", ["<img", "pregnancy", "e.org"], ""),
        ("<script>document.title = 'x'</script>", ["<script", "document"], ""),
        ("<style>p { display: none }</style>", ["<style", "display"], ""),
        ('<iframe src="https://e.org"></iframe>', ["<iframe", "e.org"], ""),
        ("<!-- safe in pregnancy -->", ["<!--", "pregnancy"], ""),
        ("<svg><text>Safe in pregnancy</text></svg>", ["<svg", "pregnancy"], ""),
        ('<object data="x.swf">fallback</object>', ["<object", "x.swf"], "fallback"),
        ("<form action='https://e.org'><input value='v'></form>", ["<form", "<input", "e.org"], ""),
        ("<noscript>Only without scripts</noscript>", ["<noscript"], "Only without scripts"),
        ('<a href="https://e.org" aria-hidden="true">gone</a>', ["aria-hidden"], ">gone</a>"),
        ('<a href="https://e.org" lang="fr">Bonjour</a>', ["lang="], ">Bonjour</a>"),
    ],
)
def test_embedded_and_active_content_is_removed_and_fallback_text_shows(source, absent, visible):
    html = render_variant(f"Before.\n\n{source}\n\nAfter.")
    for text in absent:
        assert text not in html, text
    assert visible in html
    assert "<p>Before.</p>" in html and "<p>After.</p>" in html


def test_each_citation_gets_an_id_unique_in_the_text_numbered_per_reference():
    import re

    html = render_variant("A [3]. B [2, 3].\n\n- C [3]\n- D [12, 2]")
    ids = re.findall(r' id="([^"]+)"', html)
    assert ids == ["cite-3-1", "cite-2-1", "cite-3-2", "cite-3-3", "cite-12-1", "cite-2-2"]
    assert len(set(ids)) == len(ids)
    # Each id sits on the link to its own reference.
    for number, occurrence in re.findall(r'href="#ref-(\d+)" id="cite-(\d+)-\d+"', html):
        assert number == occurrence


def test_a_text_shown_beside_a_variant_can_leave_its_citations_without_ids():
    html = render_variant("Answer [3].", citation_ids=False)
    assert "id=" not in html
    assert 'href="#ref-3"' in html and 'aria-label="Reference 3"' in html


def test_every_rendering_counts_from_one_again():
    assert render_variant("A [1].") == render_variant("A [1].")
    assert 'id="cite-1-1"' in render_variant("A [1].")


@pytest.mark.parametrize(
    "source, kept",
    [
        ('<a class="cite" href="#ref-2" id="cite-2-7">2</a>', 'id="cite-2-7"'),
        ('<a href="https://e.org" id="cite-1-1">e</a>', 'id="cite-1-1"'),
        ('<a href="https://e.org" id="ref-1">e</a>', None),
        ('<a href="https://e.org" id="cite-1">e</a>', None),
        ('<a href="https://e.org" id="cite-1-1 x">e</a>', None),
        ('<a href="https://e.org" id="main">e</a>', None),
        ('<a href="https://e.org" id="cite-1234-1">e</a>', None),
        ('<sup id="cite-1-1">1</sup>', None),
        ('<p id="cite-1-1">p</p>', None),
        ('<h2 id="cite-1-1">h</h2>', None),
    ],
)
def test_only_citation_ids_survive_and_only_on_links(source, kept):
    html = render_variant(source)
    if kept:
        assert kept in html
    else:
        assert "id=" not in html, html


def test_citation_ids_do_not_show_in_the_review_diff():
    """Readers never see the ids, and adding an earlier citation renumbers the later ones."""
    from articles.diff import has_changes, readable_text, word_diff

    with_ids, without = (
        render_variant("A [3]. B [3, 4]."),
        render_variant("A [3]. B [3, 4].", citation_ids=False),
    )
    assert not has_changes(without, with_ids)
    assert readable_text(with_ids) == "A [3]. B [3, 4]."
    old, new = render_variant("A. B [3]."), render_variant("A [3]. B [3].")
    assert word_diff(old, new) == "A <ins>[3]</ins>. B [3]."
    # An id on a citation that names another reference is a forgery, and shows.
    forged = render_variant(
        'A <sup class="cite">[<a class="cite" href="#ref-3" '
        'id="cite-4-1" aria-label="Reference 3">3</a>]</sup>.'
    )
    assert "[id: cite-4-1]" in word_diff(with_ids, forged)


def test_key_facts_carry_no_citation_ids_even_typed_ones():
    """The key facts share the page with the variant, whose citation ids they must not repeat."""
    html = render_variant('A claim [1]. <a href="#ref-2" id="cite-2-1">2</a>', citation_ids=False)
    assert 'href="#ref-1"' in html and "id=" not in html
