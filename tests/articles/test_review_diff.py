"""The reviewers' block-level diff of one audience's text: changes in place, counted, linked,
and everything else folded away."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.safestring import SafeString
from hypothesis import given
from hypothesis import strategies as st

from articles.blocks import split_blocks
from articles.diff import has_changes
from articles.rendering import render_variant
from articles.review_diff import diff_audience

DEMO = Path(settings.BASE_DIR) / "articles/demo_content/micro-dose-vs-conventional-isotretinoin"
PATIENT_MD = (DEMO / "patient.md").read_text()
PATIENT = render_variant(PATIENT_MD)
OUR_TAGS = {
    "div", "p", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr", "details",
    "summary", "del", "ins", "br", "span", "a",
}  # fmt: skip
OUR_ATTRIBUTES = {"id", "tabindex", "class", "value", "href"}
VOID = {"br", "hr"}


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)
    parent: "Node | None" = None

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def words(self) -> str:
        return " ".join(self.text().split())

    def all(self, tag=None, cls=None):
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                    yield child
                yield from child.all(tag, cls)

    def by_id(self, id_):
        found = [node for node in self.all() if node.attrs.get("id") == id_]
        assert len(found) == 1, f"{len(found)} elements with id {id_}"
        return found[0]

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def inside(self, tag) -> bool:
        node = self.parent
        while node is not None:
            if node.tag == tag:
                return True
            node = node.parent
        return False


class _StrictTree(HTMLParser):
    """Parses our output, failing on any end tag that does not close the open element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.open[-1])
        self.open[-1].children.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data):
        self.open[-1].children.append(data)


def tree(html: str) -> Node:
    parser = _StrictTree()
    parser.feed(html)
    parser.close()
    assert parser.open == [parser.root], "unclosed elements"
    return parser.root


def assert_only_our_markup(root: Node):
    for node in root.all():
        assert node.tag in OUR_TAGS, node.tag
        assert set(node.attrs) <= OUR_ATTRIBUTES, node.attrs
        if node.tag == "a":
            assert node.attrs["href"].startswith("#") and node.classes == ["next-change"]
        if node.tag in ("ul", "ol"):
            assert all(isinstance(c, str) and not c.strip() or c.tag == "li" for c in node.children)


def reading(node: Node, without: str) -> str:
    """The words of a changed block as one side reads them: without its <ins> or <del>, and
    without our labels."""
    parts = [
        child if isinstance(child, str) else reading(child, without)
        for child in node.children
        if isinstance(child, str) or child.tag not in (without, "span", "a")
    ]
    text = " ".join("".join(parts).split())
    return text.replace(" .", ".")  # the space left where a run was dropped before a stop


def edit(markdown: str, old: str, new: str) -> str:
    assert old in markdown
    return markdown.replace(old, new, 1)


def outside_folds(root: Node, tag=None):
    return [node for node in root.all(tag) if not node.inside("details")]


def test_a_one_phrase_change_in_the_demo_text_is_one_change_shown_in_its_paragraph():
    new = render_variant(
        edit(
            PATIENT_MD,
            "Ask your doctor what dose is right for you.",
            "Talk to your doctor about the dose [13].",
        )
    )
    diff = diff_audience(PATIENT, new, id_prefix="patient", next_id="actions", next_label="Act")
    assert isinstance(diff.html, SafeString)
    assert (diff.changes, diff.anchors) == (1, ["patient-change-1"])
    root = tree(diff.html)
    assert_only_our_markup(root)

    change = root.by_id("patient-change-1")
    assert change.tag == "p" and change.attrs["tabindex"] == "-1"
    assert change.words().startswith("Change 1 of 1")
    assert [d.text() for d in change.all("del")] == ["Ask", "what", "is right for you"]
    assert [i.text() for i in change.all("ins")] == ["Talk to", "about the", "[13]"]
    after = "Follow every safety step below."
    assert reading(change, without="del") == (
        f"What should you do? Talk to your doctor about the dose [13]. {after}"
    )
    assert reading(change, without="ins") == (
        f"What should you do? Ask your doctor what dose is right for you. {after}"
    )

    # The text's headings are headings, one level down; nothing is lost or repeated.
    source = split_blocks(new)
    headings = [b.text for b in source if b.is_heading]
    assert [h.words() for h in root.all() if h.tag in ("h3", "h4")] == headings
    assert not list(root.all("h2"))
    assert [h.words() for h in root.all("h4")] == [b.text for b in source if b.tag == "h3"]
    assert len(list(root.all("li"))) == sum(b.tag == "li" for b in source)
    # A table's caption prints as a paragraph, each of its rows as a card.
    assert len(list(root.all("p"))) == sum(b.tag in ("p", "caption") for b in source) + 1
    cards = [n for n in root.all("div") if "diff-table-row" in n.classes]
    assert len(cards) == sum(b.tag == "tr" for b in source) == 9

    # Folded: all but the change, a block either side, and the heading it sits under.
    shown = [n.words() for n in outside_folds(root) if n.tag in ("p", "li", "h3", "h4")]
    assert shown[0] == "What is the short answer?"
    assert shown[1].startswith("A low dose does not lower the risk")
    assert shown[2].startswith("Change 1 of 1")
    assert shown[3] == "Act"
    assert shown[4] == "How do the two doses compare?"
    assert len(shown) == 5
    summaries = [s.words() for s in root.all("summary")]
    assert summaries[0] == "2 unchanged paragraphs"
    assert all("unchanged" in summary for summary in summaries)
    [link] = root.all("a")
    assert link.attrs["href"] == "#actions" and link.words() == "Act"
    assert link.parent.tag == "p" and link.parent.classes == ["next-change-line"]


def test_citation_markers_read_as_they_do_for_readers():
    old = render_variant("Talk to your doctor [3].\n\nTake it with food [2, 5].")
    new = render_variant("Talk to your doctor [3].\n\nTake it with some food [2, 5].")
    root = tree(diff_audience(old, new, id_prefix="x").html)
    assert root.by_id("x-change-1").words().endswith("Take it with some food [2, 5].")
    assert [p.words() for p in root.all("p")][0] == "Talk to your doctor [3]."


def test_two_separate_edits_are_two_changes_linked_in_order():
    new_md = edit(PATIENT_MD, "Contact lenses may feel", "Contact lenses can feel")
    new_md = edit(new_md, "Most of the proof is not strong [5].", "Most proof is weak [5].")
    diff = diff_audience(
        PATIENT,
        render_variant(new_md),
        id_prefix="patient",
        next_id="caregiver-change-1",
        next_label="Next: the caregivers' text",
    )
    assert diff.changes == 2
    assert diff.anchors == ["patient-change-1", "patient-change-2"]
    root = tree(diff.html)
    first, second = root.by_id("patient-change-1"), root.by_id("patient-change-2")
    assert first.tag == "p" and reading(first, without="del").startswith("Most proof is weak [5].")
    assert reading(second, without="del").startswith("Contact lenses can feel")
    assert second.tag == "li" and second.parent.tag == "ul"
    assert first.words().startswith("Change 1 of 2")
    assert second.words().startswith("Change 2 of 2")
    links = list(root.all("a"))
    assert [a.attrs["href"] for a in links] == ["#patient-change-2", "#caregiver-change-1"]
    assert links[0].words() == "Next change: 2 of 2"
    assert links[1].words() == "Next: the caregivers' text"
    assert links[1].parent is second  # inside the list item, not between items


def test_without_next_id_the_last_change_has_no_link():
    old, new = render_variant("One.\n\nTwo."), render_variant("One.\n\nTwo!")
    diff = diff_audience(old, new, id_prefix="x")
    assert diff.changes == 1
    assert "<a " not in diff.html


def test_an_added_and_a_removed_list_item_keep_the_list():
    old = render_variant("Steps:\n\n- Do not give blood.\n- Never share pills.\n- Avoid sun.")
    new = render_variant("Steps:\n\n- Do not give blood.\n- Avoid sun.\n- Do not take vitamin A.")
    diff = diff_audience(old, new, id_prefix="x", next_id="y", next_label="Next")
    assert diff.changes == 2
    root = tree(diff.html)
    assert_only_our_markup(root)
    [ul] = root.all("ul")
    items = [li for li in ul.children if isinstance(li, Node)]
    assert [li.classes for li in items] == [[], ["block-removed"], [], ["block-added"]]
    removed, added = items[1], items[3]
    assert [d.text() for d in removed.all("del")] == ["Never share pills."]
    assert [i.text() for i in added.all("ins")] == ["Do not take vitamin A."]
    assert removed.attrs["id"] == "x-change-1" and added.attrs["id"] == "x-change-2"
    assert "Removed:" in [s.text().strip() for s in removed.all("span", "visually-hidden")]
    assert "Added:" in [s.text().strip() for s in added.all("span", "visually-hidden")]


def test_a_numbered_list_keeps_its_numbers_across_a_fold():
    old = render_variant("\n".join(f"{n}. Step {n} of the plan." for n in range(1, 8)))
    new = render_variant(
        "\n".join(f"{n}. Step {n} of the plan." for n in range(1, 7)) + "\n7. Step 7 changed."
    )
    root = tree(diff_audience(old, new, id_prefix="x").html)
    values = [li.attrs["value"] for li in root.all("li")]
    assert values == [str(n) for n in range(1, 8)]
    folded = [li.attrs["value"] for li in root.all("li") if li.inside("details")]
    assert folded == ["1", "2", "3", "4", "5"]
    assert [s.words() for s in root.all("summary")] == ["5 unchanged list items"]
    assert len(list(root.all("ol"))) == 2  # closed before the fold's end, reopened after


def test_a_heading_made_a_paragraph_is_a_change_and_says_so():
    diff = diff_audience(
        render_variant("## Side effects\n\nDry lips."),
        render_variant("Side effects\n\nDry lips."),
        id_prefix="x",
    )
    assert diff.changes == 1
    change = tree(diff.html).by_id("x-change-1")
    assert change.tag == "p"
    assert [d.text() for d in change.all("del")] == ["[heading 2]"]
    assert [i.text() for i in change.all("ins")] == ["[paragraph]"]


def test_the_heading_a_change_sits_under_stays_in_view():
    paragraphs = "\n\n".join(f"Paragraph {n} says something." for n in range(1, 6))
    old_md = f"## Dose\n\n{paragraphs}\n\n## Safety\n\n{paragraphs}"
    new_md = old_md.replace("Paragraph 5 says something.", "Paragraph 5 says more.", 2)
    new_md = new_md.replace("Paragraph 5 says more.", "Paragraph 5 says something.", 1)
    root = tree(diff_audience(render_variant(old_md), render_variant(new_md), id_prefix="x").html)
    visible = [n.words() for n in outside_folds(root) if n.tag in ("p", "h3")]
    assert visible == [
        "Safety",
        "Paragraph 4 says something.",
        "Change 1 of 1 Changed: Paragraph 5 says something more.",
    ]
    summaries = [s.words() for s in root.all("summary")]
    assert summaries == ["1 unchanged heading and 5 paragraphs", "3 unchanged paragraphs"]


def test_equal_texts_have_no_changes_and_everything_folded():
    diff = diff_audience(PATIENT, PATIENT, id_prefix="patient", next_id="y", next_label="Next")
    assert (diff.changes, diff.anchors) == (0, [])
    root = tree(diff.html)
    assert root.words().startswith("No changes to this text.")
    assert [n.tag for n in outside_folds(root) if n.tag not in ("div", "details", "summary")] == [
        "p"
    ]
    assert "<a " not in diff.html and "<del>" not in diff.html and "<ins>" not in diff.html
    [summary] = root.all("summary")
    assert summary.words() == (
        "16 unchanged headings, 28 paragraphs, 1 table caption, 9 table rows and 30 list items"
    )
    one = diff_audience("<p>Same.</p>", "<p>Same.</p>", id_prefix="x").html
    assert "<summary>1 unchanged paragraph</summary>" in one


def test_a_first_revision_is_one_change_all_added():
    diff = diff_audience("", PATIENT, id_prefix="patient")
    assert (diff.changes, diff.anchors) == (1, ["patient-change-1"])
    root = tree(diff.html)
    blocks = [
        n
        for n in root.all()
        if n.tag in ("p", "li", "h3", "h4") or (n.tag == "div" and "diff-table-row" in n.classes)
    ]
    assert len(blocks) == len(split_blocks(PATIENT))
    assert all(n.classes[0] == "block-added" for n in blocks)
    assert blocks[0].attrs["id"] == "patient-change-1" and blocks[0].tag == "h3"
    assert "<details" not in diff.html and "<del>" not in diff.html


def test_a_wholly_removed_text_is_one_change():
    diff = diff_audience(render_variant("One.\n\nTwo."), "", id_prefix="x")
    assert diff.changes == 1
    assert [d.text() for d in tree(diff.html).all("del")] == ["One.", "Two."]


def test_a_change_outside_any_block_still_counts():
    # Text the sanitizer left outside a paragraph, then put in one: readers see its margins move.
    old, new = render_variant("<div>Loose text.</div>"), render_variant("Loose text.")
    assert (old, new) == ("Loose text.", "<p>Loose text.</p>")
    diff = diff_audience(old, new, id_prefix="x", next_id="y", next_label="Next")
    assert diff.changes == 1
    assert "compare the full texts" in tree(diff.html).by_id("x-change-1").words()


def test_invisible_characters_are_spelled_out_in_changed_runs():
    diff = diff_audience(
        render_variant("Take 10 mg."), render_variant("Take 1\u200b0\u00a0mg."), id_prefix="x"
    )
    assert "<ins>1⟨U+200B⟩0⟨U+00A0⟩mg</ins>" in diff.html
    assert "\u200b" not in diff.html and "\u00a0" not in diff.html


@pytest.mark.parametrize(
    "payload",
    [
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">click</a>',
        '"><script>alert(1)</script>',
        "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
        '<p onclick="alert(1)" style="color:red">styled</p>',
        "<details open><summary>x</summary>y</details>",
    ],
)
@pytest.mark.parametrize("side", ["old", "new"])
def test_markup_in_either_text_comes_out_as_text(payload, side):
    # Raw, as if the stored HTML had escaped the sanitizer, and as the sanitizer leaves it.
    for text in (f"<h2>Hi {payload}</h2><ul><li>x {payload}</li></ul>", render_variant(payload)):
        old, new = ("<p>Hello.</p>", text) if side == "new" else (text, "<p>Hello.</p>")
        diff = diff_audience(old, new, id_prefix="x")
        root = tree(diff.html)
        assert_only_our_markup(root)
        for forbidden in ("<img", "<script", "onerror=", "onclick=", 'href="javascript', "style="):
            assert forbidden not in diff.html
    if payload.startswith("&quot;"):  # markup typed as text reads as that text
        assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in diff.html


def test_ids_are_unique_on_a_page_of_audiences():
    new_md = edit(PATIENT_MD, "Contact lenses may feel", "Contact lenses can feel")
    new_md = edit(new_md, "Most of the proof is not strong", "Most proof is weak")
    new_md = edit(new_md, "## What about my mood?", "## Your mood")
    page = [
        diff_audience(PATIENT, render_variant(new_md), id_prefix=audience)
        for audience in ("patient", "caregiver")
    ]
    ids = [node.attrs["id"] for d in page for node in tree(d.html).all() if "id" in node.attrs]
    assert ids == [anchor for d in page for anchor in d.anchors]
    assert len(ids) == len(set(ids)) == 2 * page[0].changes
    assert page[0].changes == 3


def test_id_prefix_and_next_link_are_escaped():
    diff = diff_audience(
        "", "<p>New.</p>", id_prefix='a"b', next_id='c"><script>', next_label="<b>Next</b>"
    )
    assert 'id="a&quot;b-change-1"' in diff.html
    assert 'href="#c&quot;&gt;&lt;script&gt;"' in diff.html
    assert "&lt;b&gt;Next&lt;/b&gt;" in diff.html


MARKDOWN_LINES = [
    "Low doses work.", "Low doses work [2].", "Low doses **work**.", "Low doses *work*.",
    "Low [doses](https://e.org) work.", "High doses work.", "## Dose", "### Dose", "- Dry lips.",
    "- Dry lips [3].", "1. Dry lips.", "> Ask your doctor.", "---", "Low doses\u00a0work.",
    "- Dry lips.\n    - nested", "Ask your doctor.", "",
]  # fmt: skip
texts = st.lists(st.sampled_from(MARKDOWN_LINES), max_size=6).map(lambda lines: "\n\n".join(lines))


@given(old_md=texts, new_md=texts, separator=st.sampled_from(["\n\n", "\n"]))
def test_changes_are_counted_exactly_when_readers_could_see_a_difference(old_md, new_md, separator):
    old = render_variant(old_md.replace("\n\n", separator))
    new = render_variant(new_md)
    diff = diff_audience(old, new, id_prefix="p", next_id="next", next_label="Next")
    assert (diff.changes == 0) == (not has_changes(old, new))
    assert "compare the full texts" not in diff.html  # every change shows in its block
    root = tree(diff.html)
    assert_only_our_markup(root)
    assert [root.by_id(anchor).attrs["tabindex"] for anchor in diff.anchors] == ["-1"] * len(
        diff.anchors
    )
    hrefs = [a.attrs["href"] for a in root.all("a")]
    assert hrefs == [f"#{anchor}" for anchor in diff.anchors[1:]] + ["#next"] * bool(diff.changes)


@pytest.mark.browser
def test_a_reviewer_can_jump_from_change_to_change_and_nothing_fails_axe(browser):
    from axe_playwright_python.sync_playwright import Axe

    new_md = edit(PATIENT_MD, "Contact lenses may feel", "Contact lenses can feel")
    new_md = edit(new_md, "Most of the proof is not strong", "Most proof is weak")
    diff = diff_audience(
        PATIENT, render_variant(new_md), id_prefix="patient", next_id="actions", next_label="Act"
    )
    admin_css = Path(settings.BASE_DIR) / "static/css/admin.css"
    django_css = Path(__import__("django").__file__).parent / "contrib/admin/static/admin/css"
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="en"><head><title>Review</title></head><body><main>'
            f"<h1>Review</h1><h2>The text</h2>{diff.html}"
            '<h2 id="actions" tabindex="-1">Actions</h2></main></body></html>'
        )
        page.add_style_tag(path=str(django_css / "base.css"))
        page.add_style_tag(path=str(admin_css))
        page.get_by_role("link", name="Next change: 2 of 2").click()
        assert page.evaluate("document.activeElement.id") == "patient-change-2"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Act"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "actions"
        label = page.locator("#patient-change-1 .change-label")
        assert label.is_visible() and label.inner_text() == "Change 1 of 2"
        spoken = page.locator("#patient-change-1 .visually-hidden")
        assert spoken.inner_text() == "Changed:"
        assert spoken.bounding_box()["width"] <= 1
        page.locator("details.unchanged summary").first.click()
        assert page.locator("details.unchanged").first.get_attribute("open") is not None
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
