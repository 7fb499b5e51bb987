from articles.rendering import citation_numbers, render_variant


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
    assert "Low doses work <ins>about as</ins> well [1]." in diff
    assert "<del>Keep this.</del>" in diff
    assert "**" not in diff and "<script" not in diff and "<strong>" not in diff


def test_word_diff_shows_a_changed_link_address():
    from articles.diff import has_changes, word_diff

    old = render_variant("See [the guide](https://example.org/guide) [1].")
    new = render_variant("See [the guide](https://example.net/other) [1].")
    assert has_changes(old, new)
    assert "<ins>https://example.net/other]</ins>" in word_diff(old, new)
