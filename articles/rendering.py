"""Markdown -> sanitized HTML, with numbered citation markers turned into links.

Pure functions, no database: `Variant.save()` calls `render_variant` once, and pages only ever
print the stored result.

A citation marker is one or more numbers in square brackets right after a claim: `[3]` or
`[2, 5]`. The numbers are positions in the revision's reference list; each becomes a link to
`#ref-<n>` in that list, with an id naming that citation: `cite-<n>-<k>` for the k-th time the
text cites reference n (so `cite-3-1` is the first, the one its reference's "Back to the text"
link returns to). `render_variant` numbers them, so they are unique within one rendered text;
the sanitizer lets the pattern through on any link, so an editor typing one in raw HTML can at
worst move where a back link lands (the first of two equal ids wins), never add anything seen.

The sanitizer is an explicit allow-list (editors are not trusted to write HTML):

- tags: `ALLOWED_TAGS`; anything else is unwrapped (its text stays, visibly) and `<script>` /
  `<style>` are dropped with their content;
- attributes: only those in `ALLOWED_ATTRIBUTES`. The `"*": set()` entry matters: without it
  nh3 keeps its default generic attributes (`title`, `lang`) on every tag;
- tables (`articles.tables`): the table elements a comparison table needs (caption, head, body,
  rows, header and data cells) with no attribute at all; after sanitizing, `label_tables`
  adds each header cell's `scope` and each data cell's `data-label` from the table's own
  headings. No `colspan`, `rowspan`, `style`, `<tfoot>` or `<col>`: a table that needs them is
  not one a phone can stack into cards;
- values (`_filter_attribute`): `href` must be an http(s) address with a host, a `mailto:`
  address, or an in-page `#ref-<n>`; `aria-label` must read `Reference <n>`; `class` is
  reduced to `cite` on citation links and superscripts, or `checklist` on a list
  (`articles.checklists`), the only classes the renderer adds, or dropped; `id` (links only)
  must read `cite-<n>-<k>`;
- every link gets `rel="noopener noreferrer"`, and comments are stripped.

So nothing an editor writes can hide text from readers (`hidden`, `style`, `class`,
`aria-hidden`) or carry words only some readers get (`title`, free `aria-label`, a
`data-label` of its own): what survives is what the review diff shows.
"""

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3

from .checklists import CHECKLIST_CLASS, ChecklistExtension
from .tables import TableExtension, label_tables

CITATION_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?![(\[:])")
CITATION_HREF = re.compile(r"#ref-\d{1,3}")
CITATION_LABEL = re.compile(r"Reference \d{1,3}")
CITATION_ID = re.compile(r"cite-\d{1,3}-\d{1,4}")
CITATION_CLASS = "cite"
LINK_REL = "noopener noreferrer"

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "caption",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "li",
    "ol",
    "p",
    "strong",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": set(),
    "a": {"href", "class", "aria-label", "id"},
    "sup": {"class"},
    "ul": {"class"},
}
# The one class each tag may keep: the renderer's own.
ALLOWED_CLASS = {"a": CITATION_CLASS, "sup": CITATION_CLASS, "ul": CHECKLIST_CLASS}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def _allowed_href(value: str) -> bool:
    if CITATION_HREF.fullmatch(value):
        return True
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return bool(parts.netloc)
    return scheme == "mailto"


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep an allowed attribute only with a value the renderer itself could have produced."""
    if attribute == "href":
        return value if _allowed_href(value) else None
    if attribute == "aria-label":
        return value if CITATION_LABEL.fullmatch(value) else None
    if attribute == "class":
        kept = ALLOWED_CLASS.get(tag)
        return kept if kept in value.split() else None
    if attribute == "id":
        return value if CITATION_ID.fullmatch(value) else None
    return value  # rel, which nh3 sets itself from `link_rel`


def citation_numbers(text: str) -> list[int]:
    """Every citation number used in `text`, in order of appearance (repeats kept)."""
    return [
        int(number)
        for marker in CITATION_MARKER.finditer(text)
        for number in marker.group(1).split(",")
    ]


def citation_id(number: int, occurrence: int) -> str:
    """The id of the `occurrence`-th (from 1) citation of reference `number` in a text."""
    return f"cite-{number}-{occurrence}"


class _MarkerToHtml:
    """Replaces citation markers one by one, counting each reference's citations."""

    def __init__(self, with_ids: bool):
        self.with_ids = with_ids
        self.seen: dict[int, int] = {}

    def link(self, number: int) -> str:
        id_attribute = ""
        if self.with_ids:
            self.seen[number] = self.seen.get(number, 0) + 1
            id_attribute = f' id="{citation_id(number, self.seen[number])}"'
        return (
            f'<a class="cite" href="#ref-{number}"{id_attribute}'
            f' aria-label="Reference {number}">{number}</a>'
        )

    def __call__(self, match: re.Match) -> str:
        links = ", ".join(self.link(int(n)) for n in match.group(1).split(","))
        return f'<sup class="cite">[{links}]</sup>'


def _filter_attribute_without_ids(tag: str, attribute: str, value: str) -> str | None:
    return None if attribute == "id" else _filter_attribute(tag, attribute, value)


def sanitize(html: str, *, citation_ids: bool = True) -> str:
    """Reduce HTML to the allow-list above (without any id when `citation_ids` is False)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute if citation_ids else _filter_attribute_without_ids,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_variant(text: str, *, citation_ids: bool = True) -> str:
    """Render a variant's Markdown to HTML that is safe to print as-is.

    `citation_ids=False` leaves the citation links without ids: for a text shown on the same
    page as a variant (the key facts), whose ids would otherwise repeat the variant's.
    """
    return label_tables(sanitize(_unsanitized_html(text, citation_ids), citation_ids=citation_ids))


def _markdown(text: str) -> str:
    return markdown.markdown(
        text,
        extensions=["sane_lists", "tables", TableExtension(), ChecklistExtension()],
        output_format="html",
    )


def _unsanitized_html(text: str, citation_ids: bool = True) -> str:
    """The Markdown's HTML with citation links, before the sanitizer sees it."""
    with_links = CITATION_MARKER.sub(_MarkerToHtml(citation_ids), text)
    return _markdown(with_links)


class _LinkTargets(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.targets = set()

    def handle_starttag(self, tag, attrs):
        self.targets.update(value or "" for name, value in attrs if name == "href")


def unsafe_link_targets(text: str) -> list[str]:
    """Link addresses in `text` that the sanitizer would drop, so an editor can be told rather
    than readers getting a link that goes nowhere."""
    parser = _LinkTargets()
    parser.feed(_markdown(text))
    parser.close()
    return sorted(target for target in parser.targets if not _allowed_href(target))


FIRST_CITATION = re.compile(r'id="cite-(\d{1,3})-1"')


def first_citations(rendered_html: str) -> set[int]:
    """The reference numbers `rendered_html` cites: each has a first citation (`cite-<n>-1`)
    that its reference's "Back to the text" link can point at."""
    return {int(number) for number in FIRST_CITATION.findall(rendered_html or "")}


# What the sanitizer removed, for the editor: tags whose content goes with them, and plain words
# for the tags an editor most often meets (Markdown makes some of them: # is <h1>, ![…](…) <img>).
DROPPED_WITH_CONTENT = {"script", "style"}
TAG_WORDS = {
    "h1": "a # heading: use ## or ###",
    "img": "an image",
    "pre": "a code block",
    "iframe": "an embedded page",
    "col": "a column setting",
    "colgroup": "a column group",
    "tfoot": "a table footer",
    "span": "",
    "div": "",
}
SHOWN_ADDRESS_LENGTH = 60


class _Markup(HTMLParser):
    """Counts the tags, attributes, link addresses and comments in a piece of HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[tuple[str, str]] = Counter()
        self.addresses: Counter[str] = Counter()
        self.comments = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for name, value in attrs:
            self.attributes[tag, name] += 1
            if tag == "a" and name == "href":
                self.addresses[value or ""] += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):
        self.comments += 1


def _times(count: int) -> str:
    return f", {count} times" if count > 1 else ""


def _shown_address(address: str) -> str:
    """A dropped link address as the editor may see it: a non-web scheme only by its name (its
    payload is noise), a long address shortened."""
    scheme = urlsplit(address).scheme.lower() if ":" in address else ""
    if scheme and scheme not in ALLOWED_URL_SCHEMES:
        return f"{scheme}:…"
    if len(address) > SHOWN_ADDRESS_LENGTH:
        return address[: SHOWN_ADDRESS_LENGTH - 1] + "…"
    return address or "(empty)"


def stripped_markup(text: str) -> list[str]:
    """What the sanitizer removes from `text`'s HTML, each named in plain words for the editor
    ("the <img> tag (an image)", "the style attribute on <p>", "a <script> block and its
    content", "the link address javascript:…"), in a stable order; [] when nothing is removed.

    Both versions of the HTML are parsed and compared by what they contain: a tag, an attribute
    on a tag that stays, or a link address present before sanitizing and missing (or fewer)
    after. Attributes the sanitizer adds (`rel`) do not count. The names are plain text: a page
    escapes them, so removed markup is never rendered."""
    before = _Markup(_unsanitized_html(text))
    after = _Markup(sanitize(_unsanitized_html(text)))
    removed = []
    for tag, count in sorted((before.tags - after.tags).items()):
        if tag in DROPPED_WITH_CONTENT:
            removed.append(f"a <{tag}> block and its content{_times(count)}")
        else:
            words = f" ({TAG_WORDS[tag]})" if TAG_WORDS.get(tag) else ""
            removed.append(f"the <{tag}> tag{words}{_times(count)}")
    for address, count in sorted((before.addresses - after.addresses).items()):
        removed.append(f"the link address {_shown_address(address)}{_times(count)}")
    dropped_addresses = sum((before.addresses - after.addresses).values())
    for (tag, name), count in sorted((before.attributes - after.attributes).items()):
        if tag not in ALLOWED_TAGS:
            continue  # the tag itself is named above
        if (tag, name) == ("a", "href"):
            count -= dropped_addresses  # named above, by address
        if count > 0:
            removed.append(f"the {name} attribute on <{tag}>{_times(count)}")
    if comments := before.comments - after.comments:
        removed.append(f"an HTML comment (<!-- … -->){_times(comments)}")
    return removed
