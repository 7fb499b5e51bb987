"""Comparison tables in a text: Markdown tables with a caption and header cells, labelled so
that a phone can show each row as a card, and read back row by row for the review page.

An editor writes a table in Markdown (the `tables` extension) with its caption on the line
above it, a blank line between:

    Table: Low dose and usual dose, side by side

    | What to compare | Low dose       | Usual dose      |
    |-----------------|----------------|-----------------|
    | Daily dose      | 20 mg a day [7] | By weight [6]  |

Rendering a text (`articles.rendering`) then

- before sanitizing (`TableExtension`): turns that "Table: …" paragraph into the table's
  `<caption>`, and the first cell of every body row into a header cell (`<th>`): in a
  comparison table each row is about the thing its first cell names;
- after sanitizing (`label_tables`): gives every header cell its `scope` (`col` in the head,
  `row` elsewhere) and every data cell a `data-label` with its column's heading, which the
  stylesheet prints before the cell when the table is stacked into cards on a narrow screen.

The sanitizer lets through the table elements and no attribute on any of them, so both
attributes always come from the table's own structure and headings: nothing an editor types can
put words in a label that the table's headings do not say.

For the review page a table row is one block (`articles.blocks`): `row_cells` reads its cells
back, and `card_html` prints it as the phone does, the row's heading and then each cell after
its column's heading.
"""

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

from django.utils.text import Truncator
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .diff import marked_text, word_diff

CAPTION_PREFIX = re.compile(r"^\s*Table:\s*", re.I)
TABLE_TAGS = {"table", "caption", "thead", "tbody", "tr", "th", "td"}
# A start or end tag in serialized HTML; attribute values are double-quoted (the sanitizer's
# serializer always quotes them), and text never holds a raw "<".
TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"]|"[^"]*")*)>')
CITATION_SUPERSCRIPT = re.compile(r'\s*<sup class="cite">.*?</sup>', re.S)


class _TableTreeprocessor(Treeprocessor):
    def run(self, root):
        for parent in list(root.iter()):
            children = list(parent)
            for before, element in zip([None, *children], children, strict=False):
                if element.tag != "table":
                    continue
                if before is not None and before.tag == "p" and _is_caption(before):
                    _make_caption(parent, before, element)
                for cell in [*element.iter("th"), *element.iter("td")]:
                    # Column alignment (`|:---|`): cells keep the page's own, on a phone too.
                    cell.attrib.pop("style", None)
                    cell.attrib.pop("align", None)
                for body in element.iter("tbody"):
                    for row in body.iter("tr"):
                        cells = list(row)
                        if cells and cells[0].tag == "td":
                            cells[0].tag = "th"


def _is_caption(paragraph) -> bool:
    return bool(CAPTION_PREFIX.match(paragraph.text or ""))


def _make_caption(parent, paragraph, table):
    caption = etree.Element("caption")
    caption.text = CAPTION_PREFIX.sub("", paragraph.text or "", count=1)
    for child in list(paragraph):
        caption.append(child)
    parent.remove(paragraph)
    table.insert(0, caption)


class TableExtension(Extension):
    """Markdown tables, with a caption from the "Table: …" line above and row headings."""

    def extendMarkdown(self, md):
        md.registerExtension(self)
        # After the inline processor (20): the caption's words and links are parsed already.
        md.treeprocessors.register(_TableTreeprocessor(md), "isoapp_tables", 5)


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment, citation numbers left out, white space folded."""
    fragment = CITATION_SUPERSCRIPT.sub("", fragment)
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


@dataclass
class _Table:
    in_head: bool = False
    headings: list | None = None  # the column headings: the head's last row, as read
    row: list | None = None  # the cells of the row being read: [(tag, start offset)]
    column: int = 0


def label_tables(sanitized_html: str) -> str:
    """Sanitized HTML with `scope` on every header cell and `data-label` on every data cell
    (its column's heading; none when the column has none). Expects the sanitizer's output,
    where table cells carry no attributes."""
    if "<table" not in sanitized_html:
        return sanitized_html
    out, position, stack = [], 0, []
    cell_start = None  # (tag, offset of the text after its start tag) of a head cell being read
    for match in TAG.finditer(sanitized_html):
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag not in TABLE_TAGS:
            continue
        table = stack[-1] if stack else None
        if tag == "table":
            if closing:
                stack and stack.pop()
            else:
                stack.append(_Table())
            continue
        if table is None:
            continue
        if tag == "thead":
            table.in_head = not closing
            if not closing:
                table.headings = None
        elif tag == "tr" and not closing:
            table.column = 0
            if table.in_head:
                table.headings = []
        elif tag in ("th", "td") and not closing:
            if table.in_head:
                cell_start = match.end()
                attribute = ' scope="col"' if tag == "th" else ""
            elif tag == "th":
                attribute = ' scope="row"'
            else:
                headings = table.headings or []
                label = headings[table.column] if table.column < len(headings) else ""
                attribute = f' data-label="{html.escape(label)}"' if label else ""
            out.append(sanitized_html[position : match.end() - 1] + attribute + ">")
            position = match.end()
            table.column += 1
        elif tag in ("th", "td") and closing and table.in_head and cell_start is not None:
            table.headings.append(_text(sanitized_html[cell_start : match.start()]))
            cell_start = None
    out.append(sanitized_html[position:])
    return "".join(out)


@dataclass(frozen=True)
class Cell:
    tag: str  # "th" or "td"
    label: str  # a data cell's column heading ("" for none, and for header cells)
    html: str  # the cell's inner HTML, as stored
    text: str  # its visible text, citation numbers left out

    @property
    def is_heading(self):
        return self.tag == "th"


CELL = re.compile(r"<(th|td)((?:[^>\"]|\"[^\"]*\")*)>(.*?)</\1>", re.S)
DATA_LABEL = re.compile(r'data-label="([^"]*)"')


def row_cells(row_html: str) -> list[Cell]:
    """The cells of one table row, from the inner HTML of its `<tr>` (as `articles.blocks`
    keeps it). Cells hold no tables, so the first closing tag of a cell's kind ends it."""
    cells = []
    for match in CELL.finditer(row_html or ""):
        label = DATA_LABEL.search(match.group(2))
        cells.append(
            Cell(
                tag=match.group(1),
                label=html.unescape(label.group(1)) if label else "",
                html=match.group(3).strip(),
                text=_text(match.group(3)),
            )
        )
    return cells


def is_heading_row(cells: list[Cell]) -> bool:
    """A row of column headings: every cell a header cell."""
    return bool(cells) and all(cell.is_heading for cell in cells)


def card_html(parts) -> str:
    """A row as the phone shows it: its heading, then each data cell after its column's
    heading; a row of column headings reads "Columns: a | b | c". `parts` are (cell, its
    content's HTML, its label's HTML), both already safe: the caller decides how each shows
    (as stored, or with its changes marked)."""
    cells = [cell for cell, _, _ in parts]
    if is_heading_row(cells):
        separator = ' <span class="table-card-sep">|</span> '
        columns = separator.join(content for _, content, _ in parts)
        return (
            '<span class="table-card-columns"><span class="table-card-label">Columns:</span> '
            f"{columns}</span>"
        )
    out = []
    for cell, content, label in parts:
        if cell.is_heading:
            out.append(f'<span class="table-card-head">{content}</span>')
            continue
        prefix = f'<span class="table-card-label">{label}:</span> ' if label else ""
        out.append(f'<span class="table-card-cell">{prefix}{content}</span>')
    return "".join(out)


def diffed_card(old_cells, new_cells) -> str:
    """A row as a card for the review diff, from our own markup and `articles.diff`'s escaped
    text: unchanged (`old_cells` None), added (`old_cells` []), removed (`new_cells` []), or
    edited, each cell's changes marked against the cell in the same column, headings included.
    "" when an edited row's number of cells changed: the caller marks it as one text."""
    if old_cells is None:
        return card_html([(c, marked_text(c.html), html.escape(c.label)) for c in new_cells])
    if not old_cells or not new_cells:
        mark, cells = ("ins", new_cells) if new_cells else ("del", old_cells)
        return card_html(
            [
                (
                    c,
                    marked_text(c.html, mark),
                    f"<{mark}>{html.escape(c.label)}</{mark}>" if c.label else "",
                )
                for c in cells
            ]
        )
    if len(old_cells) != len(new_cells):
        return ""
    return card_html(
        [
            (
                new,
                word_diff(old.html, new.html),
                word_diff(html.escape(old.label), html.escape(new.label))
                if old.label or new.label
                else "",
            )
            for old, new in zip(old_cells, new_cells, strict=True)
        ]
    )


def row_label(cells, text: str) -> str:
    """How a form names a row of a table: "the table row “Daily dose”" (by its heading, else
    its first cell), or "the table's column headings"."""
    if is_heading_row(cells):
        return "the table's column headings"
    first = cells[0].text if cells else text
    return f"the table row “{Truncator(first).chars(60, truncate='…')}”"


def table_problem(rendered_html: str) -> str:
    """What a table in the rendered text lacks for readers, or "": a caption (screen readers
    announce it before the table; it also names the table on paper) and a row of column
    headings (they label each cell when the table is stacked on a phone)."""
    tables = rendered_html.count("<table>")
    if not tables:
        return ""
    if rendered_html.count("<caption>") < tables:
        return (
            "A table needs a caption: write a line starting “Table:” right above it, with a "
            "blank line between, e.g. “Table: Low dose and usual dose, side by side”."
        )
    if rendered_html.count("<thead>") < tables:
        return "A table needs a row of column headings at the top."
    return ""
