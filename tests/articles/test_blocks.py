"""A rendered text as blocks, and finding a reviewer's comment's block again after an edit."""

from articles.blocks import Block, locate, similarity, split_blocks
from articles.rendering import render_variant


def shape(blocks: list[Block]):
    return [(b.tag, b.container, b.list_number, b.text) for b in blocks]


def test_headings_paragraphs_and_list_items_are_blocks_in_order():
    blocks = split_blocks(
        render_variant(
            "## Short answer\n\nLow doses work [3].\n\n### Doses\n\n- one\n- two\n\n"
            "1. first\n2. second\n\n> Ask your doctor."
        )
    )
    assert shape(blocks) == [
        ("h2", "", 0, "Short answer"),
        ("p", "", 0, "Low doses work [3]."),
        ("h3", "", 0, "Doses"),
        ("li", "ul", 1, "one"),
        ("li", "ul", 1, "two"),
        ("li", "ol", 2, "first"),
        ("li", "ol", 2, "second"),
        ("blockquote", "", 0, "Ask your doctor."),
    ]
    assert [b.index for b in blocks] == list(range(8))
    assert [b.is_heading for b in blocks[:3]] == [True, False, True]
    assert blocks[1].html.startswith('Low doses work <sup class="cite">[<a ')


def test_a_nested_list_belongs_to_its_item():
    blocks = split_blocks(render_variant("- outer\n    - inner one\n    - inner two\n- next"))
    assert shape(blocks) == [
        ("li", "ul", 1, "outer inner one inner two"),
        ("li", "ul", 1, "next"),
    ]
    assert "<li>inner one</li>" in blocks[0].html


def test_items_of_a_loose_list_are_still_one_block_each():
    blocks = split_blocks(render_variant("- one\n\n- two"))
    assert shape(blocks) == [("li", "ul", 1, "one"), ("li", "ul", 1, "two")]
    assert blocks[0].html == "<p>one</p>"


def test_entities_are_text_and_stay_escaped_in_html():
    blocks = split_blocks(render_variant("## A &amp; B &lt;b&gt;\n\nTom & Jerry's: 5 < 6"))
    assert blocks[0].text == "A & B <b>"
    assert blocks[0].html == "A &amp; B &lt;b&gt;"
    assert blocks[1].text == "Tom & Jerry's: 5 < 6"
    assert blocks[1].html == "Tom &amp; Jerry's: 5 &lt; 6"


def test_a_line_break_separates_words():
    assert split_blocks(render_variant("first<br>second"))[0].text == "first second"
    assert split_blocks("<li><p>one</p><p>two</p></li>")[0].text == "one two"


def test_text_outside_any_block_is_a_paragraph_readers_see():
    html = render_variant("<div>Outside <strong>any</strong> block</div>\n\nInside.")
    assert html.startswith("Outside <strong>any</strong> block")  # the sanitizer unwraps divs
    blocks = split_blocks(html)
    assert shape(blocks) == [("p", "", 0, "Outside any block"), ("p", "", 0, "Inside.")]
    assert blocks[0].html == "Outside <strong>any</strong> block"
    assert shape(split_blocks("<ul>stray<li>item</li></ul>")) == [
        ("p", "", 0, "stray"),
        ("li", "ul", 1, "item"),
    ]


def test_a_horizontal_line_is_an_empty_block():
    blocks = split_blocks(render_variant("Above.\n\n---\n\nBelow."))
    assert shape(blocks) == [("p", "", 0, "Above."), ("hr", "", 0, ""), ("p", "", 0, "Below.")]


def test_an_empty_text_has_no_blocks():
    assert split_blocks("") == []
    assert split_blocks(None) == []


def test_similarity_counts_words_in_common():
    assert similarity("take it with food", "take it with food") == 1.0
    assert similarity("take it with food", "take it with a meal") > 0.6
    assert similarity("take it with food", "never share pills") == 0.0


TEXT = render_variant(
    "## Dose\n\nTake it with food.\n\nSee your doctor.\n\n## Safety\n\nSee your doctor."
)


def test_locate_finds_the_same_text_nearest_the_old_position():
    blocks = split_blocks(TEXT)
    block, how = locate("See your doctor.", 4, blocks)
    assert (block.index, how) == (4, "exact")
    block, how = locate("See your doctor.", 1, blocks)
    assert (block.index, how) == (2, "exact")


def test_locate_follows_a_paragraph_that_moved_and_was_slightly_edited():
    edited = render_variant(
        "## New opening\n\nA new paragraph.\n\n## Dose\n\nTake it with some food.\n\n"
        "See your doctor."
    )
    block, how = locate("Take it  with\nfood.", 1, split_blocks(edited))
    assert how == "similar"
    assert block.text == "Take it with some food."


def test_locate_falls_back_to_the_old_position_when_nothing_is_alike():
    blocks = split_blocks(render_variant("## Dose\n\nSomething else entirely.\n\nMore."))
    block, how = locate("Take it with food.", 1, blocks)
    assert (block.index, block.text, how) == (1, "Something else entirely.", "position")


def test_locate_says_gone_when_the_text_is_shorter_than_the_old_position():
    blocks = split_blocks(render_variant("Only this."))
    assert locate("Take it with food.", 3, blocks) == (None, "gone")
    assert locate("Take it with food.", 0, []) == (None, "gone")
