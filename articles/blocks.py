"""A rendered text as a list of blocks: its headings, paragraphs, list items, quotes, and the
captions and rows of its tables.

The review diff compares texts block by block, and reviewers' comments are anchored to a block.
Works on the sanitized HTML `articles.rendering` stores, so it sees exactly what readers see.

A comment is anchored by the block's text, with its position as the fallback (`locate`): after
an edit it stays on the same paragraph when that paragraph is unchanged or only slightly edited,
wherever it moved, and falls back to the old position when no paragraph is alike any more.

Markdown wraps all text in blocks, but raw HTML an editor types may leave some outside any (the
sanitizer unwraps a `<div>` or a `<table>`, keeping its text). Readers see that text, so it is a
block too: a paragraph ("p") running up to the next block or list.

A table (`articles.tables`) is not a block: its caption is one, and so is each of its rows
(the row of column headings included), so a reviewer comments on the row a fact is in and the
review diff marks the row that changed. A row's `html` is its cells (`tables.row_cells` reads
them back) and its `text` their words in order.
"""

import difflib
import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .checklists import CHECKLIST_CLASS
from .tables import row_cells

HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Elements that are one block each. A list is not a block: each of its items is.
BLOCK_TAGS = HEADING_TAGS | {"p", "li", "blockquote", "hr", "pre", "caption", "tr"}
LIST_TAGS = {"ul", "ol"}
TABLE_ROW_TAGS = {"caption", "tr"}  # blocks only inside a table
VOID_TAGS = {"br", "hr", "img", "wbr"}
# Tags inside a block that separate words in its text ("a<br>b" reads "a b", not "ab").
WORD_BREAK_TAGS = BLOCK_TAGS | LIST_TAGS | {"br", "th", "td", "table"}
# How alike (difflib ratio of the words) a paragraph must be to keep a comment after an edit.
SIMILAR_ENOUGH = 0.6


@dataclass(frozen=True)
class Block:
    index: int  # position among the text's blocks, from 0
    tag: str  # "p", "h2", "li", "blockquote", "hr", ...
    container: str  # "ul" or "ol" for a list item, "" otherwise
    list_number: int  # which list of the text a list item belongs to (from 1); 0 otherwise
    html: str  # the block's inner HTML, as stored
    text: str  # its visible text, white space folded
    table_number: int = 0  # which table of the text a caption or row belongs to (from 1)
    checklist: bool = False  # a list item of a checklist (`articles.checklists`)

    @property
    def is_heading(self):
        return self.tag in HEADING_TAGS

    @property
    def is_prose(self):
        """Paragraphs and list items: what readers read as sentences (not headings, nor a
        table's caption and headings; `articles.readability` reads a row's data cells)."""
        return self.tag in ("p", "li", "blockquote")

    @property
    def is_table_row(self):
        return self.tag == "tr"

    @property
    def cells(self):
        """A table row's cells (`tables.Cell`); [] for other blocks."""
        return row_cells(self.html) if self.tag == "tr" else []


def normalized(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _OpenBlock:
    tag: str
    container: str
    list_number: int
    table_number: int = 0
    checklist: bool = False
    loose: bool = False  # text outside any block: ends where the next block or list starts
    depth: int = 1  # open elements of the block's own tag (a list item holding a list)
    html: list = field(default_factory=list)
    text: list = field(default_factory=list)


class _Splitter(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.blocks: list[Block] = []
        self.lists: list[tuple[str, int, bool]] = []  # open lists: (tag, number, checklist)
        self.lists_seen = 0
        self.tables: list[int] = []  # open tables, by number
        self.tables_seen = 0
        self.current: _OpenBlock | None = None

    def _raw(self):
        return self.get_starttag_text() or ""

    def handle_starttag(self, tag, attrs):
        current = self.current
        if current is not None and current.loose and tag in BLOCK_TAGS | LIST_TAGS | {"table"}:
            self._close()
            current = None
        if current is not None:
            if tag == current.tag and tag not in VOID_TAGS and not current.loose:
                current.depth += 1
            current.html.append(self._raw())
            if tag in WORD_BREAK_TAGS:
                current.text.append(" ")
            return
        if tag in LIST_TAGS:
            self.lists_seen += 1
            checklist = tag == "ul" and CHECKLIST_CLASS in (dict(attrs).get("class") or "").split()
            self.lists.append((tag, self.lists_seen, checklist))
            return
        if tag == "table":
            self.tables_seen += 1
            self.tables.append(self.tables_seen)
            return
        if tag in {"thead", "tbody"} and self.tables:
            return
        if tag in BLOCK_TAGS and (tag not in TABLE_ROW_TAGS or self.tables):
            container, number, checklist = ("", 0, False)
            if tag == "li" and self.lists:
                container, number, checklist = self.lists[-1]
            table = self.tables[-1] if tag in TABLE_ROW_TAGS else 0
            self.current = _OpenBlock(tag, container, number, table, checklist)
            if tag in VOID_TAGS:
                self._close()
            return
        self._open_loose()
        self.current.html.append(self._raw())
        if tag in WORD_BREAK_TAGS:
            self.current.text.append(" ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        current = self.current
        if current is not None and current.loose and tag in LIST_TAGS:
            self._close()
            current = None
        if current is not None and current.loose and tag == "table":
            self._close()
            current = None
        if current is None:
            if tag in LIST_TAGS and self.lists:
                self.lists.pop()
            if tag == "table" and self.tables:
                self.tables.pop()
            return
        if tag == current.tag and not current.loose:
            current.depth -= 1
            if current.depth == 0:
                self._close()
                return
        current.html.append(f"</{tag}>")
        if tag in WORD_BREAK_TAGS:
            current.text.append(" ")

    def handle_data(self, data):
        if self.current is None and data.strip():
            self._open_loose()
        if self.current is not None:
            self.current.html.append(data)
            self.current.text.append(html.unescape(data))

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")

    def _open_loose(self):
        self.current = _OpenBlock("p", "", 0, loose=True)

    def _close(self):
        current = self.current
        self.blocks.append(
            Block(
                index=len(self.blocks),
                tag=current.tag,
                container=current.container,
                list_number=current.list_number,
                html="".join(current.html).strip(),
                text=normalized("".join(current.text)),
                table_number=current.table_number,
                checklist=current.checklist,
            )
        )
        self.current = None


def split_blocks(rendered_html: str) -> list[Block]:
    """The blocks of a rendered text, in order."""
    splitter = _Splitter(rendered_html or "")
    splitter.feed(rendered_html or "")
    splitter.close()
    if splitter.current is not None:
        splitter._close()
    return splitter.blocks


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(a=a.split(), b=b.split(), autojunk=False).ratio()


def locate(anchor_text: str, anchor_index: int, blocks: list[Block]) -> tuple[Block | None, str]:
    """Where a comment anchored to a block reading `anchor_text` at `anchor_index` belongs now.

    Returns (block, how), `how` being "exact" (the same text; the nearest to the old position
    when it occurs twice), "similar" (the most alike block, if alike enough), "position" (no
    block is alike: the block now at the old position) or "gone" (the text has fewer blocks).
    """
    anchor_text = normalized(anchor_text)
    same = [block for block in blocks if block.text == anchor_text]
    if same:
        return min(same, key=lambda block: abs(block.index - anchor_index)), "exact"
    scored = [(similarity(anchor_text, block.text), block) for block in blocks]
    best = max(scored, key=lambda pair: (pair[0], -abs(pair[1].index - anchor_index)), default=None)
    if best and best[0] >= SIMILAR_ENOUGH:
        return best[1], "similar"
    if 0 <= anchor_index < len(blocks):
        return blocks[anchor_index], "position"
    return None, "gone"
