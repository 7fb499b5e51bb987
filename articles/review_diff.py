"""One audience's text compared with the version readers see now, block by block, for reviewers.

`diff_audience` splits both rendered texts into blocks (`articles.blocks`), aligns the blocks,
and prints the new text in its own shape: headings stay headings (one level down, under the
review page's own h2), paragraphs, list items in their lists, quotes. A block that was edited
shows its word diff in place (`articles.diff.word_diff` on the block alone); a block added or
removed is marked whole. Each change (a run of consecutive changed blocks) is numbered, can be
jumped to (`{id_prefix}-change-{n}`) and ends with a link to the next one; unchanged blocks away
from any change fold into a `<details>`, keeping the nearest headings above a change in view.

A table prints as its caption and its rows, each row as a card (its heading, then each cell
after its column's heading: what a phone shows); an edited row marks the changes in each cell.

Blocks are compared by what readers see of them (`diff.comparable`, so formatting and link
addresses count, citation ids do not) together with their kind and whether a list item starts
a new list; so `changes` is 0 exactly when `diff.has_changes` is false. Edited blocks are paired
by the similarity of their words (`blocks.similarity`).

Nothing from the compared HTML is copied into the output as markup: block contents come from
`articles.diff` (escaped text plus our own <del>, <ins>, <br>), and every element and attribute
here is our own.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape

from django.utils.safestring import mark_safe

from .blocks import Block, split_blocks
from .diff import NAMES, comparable, has_changes, marked_text, word_diff
from .tables import diffed_card

# How alike (difflib ratio of the words) a removed and an added block must be to be shown as one
# edited block with a word diff, rather than as a removal and an addition.
PAIRED_ENOUGH = 0.5
PAIRING_LIMIT = 2_500  # old x new blocks in one replaced run compared in full
PAIRING_BAND = 8  # beyond it, blocks this far from their place are not compared
SAME, EDITED, ADDED, REMOVED = "same", "edited", "added", "removed"
# Read out before a changed block (hidden on screen, where colour, strike-through and underline
# tell the same).
SPOKEN_PREFIX = {EDITED: "Changed: ", ADDED: "Added: ", REMOVED: "Removed: "}
KIND_WORDS = {  # singular, plural: for the summary of folded blocks
    "paragraph": ("paragraph", "paragraphs"),
    "heading": ("heading", "headings"),
    "list item": ("list item", "list items"),
    "quote": ("quote", "quotes"),
    "line": ("horizontal line", "horizontal lines"),
    "table row": ("table row", "table rows"),
    "caption": ("table caption", "table captions"),
}


@dataclass
class AudienceDiff:
    html: str  # safe HTML (SafeString)
    changes: int  # number of changes: a change = a maximal run of consecutive changed blocks
    anchors: list[str]  # the element ids of the changes, in order


@dataclass(frozen=True)
class _Side:
    """A block of one of the two texts, with what aligning and printing it needs."""

    block: Block
    starts_list: bool  # a list item that is the first of its list
    ends_list: bool
    number: int  # a list item's position in its list, from 1; 0 for other blocks

    @property
    def key(self) -> tuple:
        block = self.block
        return (
            block.tag,
            block.container,
            block.checklist,
            self.starts_list,
            comparable(block.html),
        )

    @property
    def shown_tag(self) -> str:
        """The element printing this block in the review page."""
        tag = self.block.tag
        if self.block.is_heading:
            return f"h{min(max(int(tag[1]) + 1, 3), 6)}"
        if tag == "tr":
            return "div"
        return tag if tag in ("li", "blockquote", "hr") else "p"

    @property
    def list_tag(self) -> str:
        return "ol" if self.block.container == "ol" else "ul"

    @property
    def kind_name(self) -> str:
        """What readers see it as, in a label: "heading 2", "numbered list item", ..."""
        block = self.block
        if block.tag == "li":
            if block.checklist:
                return "checklist item"
            names = {"ul": "bulleted list item", "ol": "numbered list item"}
            return names.get(block.container, "list item")
        return NAMES.get(block.tag, block.tag)


def _sides(rendered_html: str) -> list[_Side]:
    blocks = split_blocks(rendered_html)

    def same_list(a: Block | None, b: Block | None) -> bool:
        return bool(a and b and a.tag == b.tag == "li" and a.list_number == b.list_number)

    sides, number = [], 0
    for i, block in enumerate(blocks):
        before = blocks[i - 1] if i else None
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        is_item = block.tag == "li"
        number = (number + 1 if same_list(before, block) else 1) if is_item else 0
        sides.append(
            _Side(
                block,
                starts_list=is_item and not same_list(before, block),
                ends_list=is_item and not same_list(block, after),
                number=number,
            )
        )
    return sides


@dataclass(frozen=True)
class _Row:
    kind: str  # SAME, EDITED, ADDED or REMOVED
    old: _Side | None
    new: _Side | None

    @property
    def shown(self) -> _Side:
        return self.new or self.old

    @property
    def changed(self) -> bool:
        return self.kind != SAME


def _pair(olds: list[_Side], news: list[_Side]) -> list[_Row]:
    """Rows for a group of blocks replaced by others: the most alike blocks, in order, pair up
    as edited blocks (maximizing their total similarity); the rest are removed or added."""
    texts_old = [side.block.text for side in olds]
    texts_new = [side.block.text for side in news]

    words_old = [text.split() for text in texts_old]
    words_new = [text.split() for text in texts_new]

    def alike(i, j) -> float:
        a, b = len(words_old[i]), len(words_new[j])
        if a + b and 2 * min(a, b) / (a + b) < PAIRED_ENOUGH:  # ratio cannot reach it
            return 0.0
        matcher = SequenceMatcher(a=words_old[i], b=words_new[j], autojunk=False)
        if matcher.quick_ratio() < PAIRED_ENOUGH:  # an upper bound, in linear time
            return 0.0
        score = matcher.ratio()
        return score if score >= PAIRED_ENOUGH else 0.0

    n, m = len(olds), len(news)
    # A big rewrite compares each block only with those near its place (a band around the
    # diagonal), so a page with hundreds of rewritten paragraphs still renders in time.
    band = max(n, m) if n * m <= PAIRING_LIMIT else PAIRING_BAND
    scores = {
        (i, j): alike(i, j) if abs(i * m / n - j) <= band else 0.0
        for i in range(n)
        for j in range(m)
    }
    best = [[0.0] * (m + 1) for _ in range(n + 1)]  # best[i][j]: for olds[i:] and news[j:]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            paired = scores[i, j] + best[i + 1][j + 1] if scores[i, j] else 0.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], paired)
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if scores[i, j] and best[i][j] == scores[i, j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    rows, i, j = [], 0, 0
    for pi, pj in [*pairs, (n, m)]:
        rows += [_Row(REMOVED, side, None) for side in olds[i:pi]]
        rows += [_Row(ADDED, None, side) for side in news[j:pj]]
        if pi < n:
            rows.append(_Row(EDITED, olds[pi], news[pj]))
        i, j = pi + 1, pj + 1
    return rows


def _rows(old: list[_Side], new: list[_Side]) -> list[_Row]:
    matcher = SequenceMatcher(
        a=[side.key for side in old], b=[side.key for side in new], autojunk=False
    )
    rows = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            rows += [_Row(SAME, o, n) for o, n in zip(old[a0:a1], new[b0:b1], strict=True)]
        elif op == "delete":
            rows += [_Row(REMOVED, side, None) for side in old[a0:a1]]
        elif op == "insert":
            rows += [_Row(ADDED, None, side) for side in new[b0:b1]]
        else:
            rows += _pair(old[a0:a1], new[b0:b1])
    return rows


def _changes(rows: list[_Row]) -> list[tuple[int, int]]:
    """(first, last) row of each maximal run of changed rows."""
    runs = []
    for i, row in enumerate(rows):
        if not row.changed:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _heading_level(row: _Row) -> int:
    block = row.shown.block
    return int(block.tag[1]) if block.is_heading else 0


def _visible(rows: list[_Row], changes: list[tuple[int, int]]) -> list[bool]:
    """Changed rows, the row on either side of a change, and the headings a change sits under
    (the nearest heading above it, and the nearest of each higher level above that; for a
    change that starts with a heading, those of a higher level than its own)."""
    visible = [False] * len(rows)
    for first, last in changes:
        for i in range(max(first - 1, 0), min(last + 2, len(rows))):
            visible[i] = True
        level = _heading_level(rows[first]) or 7
        for i in range(first - 1, -1, -1):
            if 0 < _heading_level(rows[i]) < level:
                visible[i] = True
                level = _heading_level(rows[i])
    return visible


def _segments(rows, visible, folding_all: bool) -> list[tuple[bool, list[int]]]:
    """(folded, row indexes): runs of rows shown, and runs folded away. A single row is not
    worth folding (its summary would take its place), unless everything is folded."""
    segments = []
    for i in range(len(rows)):
        folded = not visible[i]
        if segments and segments[-1][0] == folded:
            segments[-1][1].append(i)
        else:
            segments.append((folded, [i]))
    if not folding_all:
        segments = [(folded and len(indexes) > 1, indexes) for folded, indexes in segments]
    return segments


def _kind(side: _Side) -> str:
    block = side.block
    if block.is_heading:
        return "heading"
    kinds = {"li": "list item", "blockquote": "quote", "hr": "line", "tr": "table row"}
    return kinds.get(block.tag, "caption" if block.tag == "caption" else "paragraph")


def _fold_summary(rows: list[_Row]) -> str:
    """ "12 unchanged paragraphs", or "5 unchanged paragraphs, 1 heading and 3 list items"."""
    counts: dict[str, int] = {}
    for row in rows:
        kind = _kind(row.shown)
        counts[kind] = counts.get(kind, 0) + 1
    parts = [f"{count} {KIND_WORDS[kind][count != 1]}" for kind, count in counts.items()]
    parts[0] = parts[0].replace(" ", " unchanged ", 1)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _same_list(before: _Row, row: _Row) -> bool:
    """Whether two consecutive list-item rows print in one list."""
    if before.shown.block.tag != "li" or before.shown.list_tag != row.shown.list_tag:
        return False
    for side in ("new", "old"):
        a, b = getattr(before, side), getattr(row, side)
        if a and b:
            return a.block.list_number == b.block.list_number
    # A removed item next to an added one: one list unless a list ends and another starts.
    return not (before.shown.ends_list and row.shown.starts_list)


def _row_card(row: _Row) -> str:
    """A table row as a card, its changes marked cell by cell (`tables.diffed_card`)."""
    if row.kind == SAME:
        return diffed_card(None, row.shown.block.cells)
    if row.kind == ADDED:
        return diffed_card([], row.new.block.cells)
    if row.kind == REMOVED:
        return diffed_card(row.old.block.cells, [])
    return diffed_card(row.old.block.cells, row.new.block.cells) or word_diff(
        row.old.block.html, row.new.block.html
    )


def _kind_key(side: _Side) -> tuple:
    return (side.block.tag, side.block.container, side.block.checklist)


def _content(row: _Row) -> str:
    """The block's text as HTML: escaped words and our own <del>, <ins>, <br>."""
    shown = row.shown
    if shown.block.is_table_row:
        return _row_card(row)
    if row.kind == SAME:
        return marked_text(shown.block.html)
    if row.kind in (ADDED, REMOVED):
        mark = "ins" if row.kind == ADDED else "del"
        text = marked_text(shown.block.html, mark)
        return text or f"<{mark}>[{escape(shown.kind_name)}]</{mark}>"
    old, new = row.old, row.new
    note = ""
    if _kind_key(old) != _kind_key(new):
        note = f"<del>[{escape(old.kind_name)}]</del> <ins>[{escape(new.kind_name)}]</ins> "
    elif old.starts_list != new.starts_list:
        mark = "ins" if new.starts_list else "del"
        note = f"<{mark}>[starts a new list]</{mark}> "
    return note + word_diff(old.block.html, new.block.html)


class _Writer:
    def __init__(self, rows, changes, id_prefix, next_id, next_label, comment_link=None):
        self.rows = rows
        self.comment_link = comment_link
        self.ids = [f"{id_prefix}-change-{n}" for n in range(1, len(changes) + 1)]
        self.starts = {first: n for n, (first, _) in enumerate(changes)}
        self.ends = {last: n for n, (_, last) in enumerate(changes)}
        self.next_id, self.next_label = next_id, next_label
        self.out: list[str] = []
        self.open_list: str = ""  # the list element open now, if any

    def close_list(self):
        if self.open_list:
            self.out.append(f"</{self.open_list}>\n")
            self.open_list = ""

    def next_link(self, n: int) -> str:
        if n + 1 < len(self.ids):
            target = self.ids[n + 1]
            label = f"Next change: {n + 2} of {len(self.ids)}"
        elif self.next_id:
            target, label = self.next_id, self.next_label or "Next"
        else:
            return ""
        return f'<a class="next-change" href="#{escape(target)}">{escape(label)}</a>'

    def row(self, i: int):
        row = self.rows[i]
        shown = row.shown
        tag = shown.shown_tag
        if tag == "li":
            if not (self.open_list and i and _same_list(self.rows[i - 1], row)):
                self.close_list()
                self.out.append(f"<{shown.list_tag}>\n")
                self.open_list = shown.list_tag
        else:
            self.close_list()
        if tag == "hr":
            if not row.changed:
                self.out.append("<hr>\n")
                return
            tag = "p"
        attributes = []
        start = self.starts.get(i)
        if start is not None:
            attributes.append(f'id="{escape(self.ids[start])}" tabindex="-1"')
        classes = [f"block-{row.kind}"] if row.changed else []
        if shown.block.tag in ("tr", "caption"):
            classes.append("diff-table-row" if shown.block.tag == "tr" else "diff-table-caption")
        if shown.block.checklist:
            classes.append("diff-checklist-item")
        if classes:
            attributes.append(f'class="{" ".join(classes)}"')
        if tag == "li" and shown.list_tag == "ol":
            attributes.append(f'value="{shown.number}"')
        inside = []
        if start is not None:
            inside.append(
                f'<span class="change-label">Change {start + 1} of {len(self.ids)}</span> '
            )
        if row.changed:
            inside.append(f'<span class="visually-hidden">{SPOKEN_PREFIX[row.kind]}</span>')
        inside.append(_content(row))
        if row.changed and row.new and self.comment_link:
            url = escape(self.comment_link(row.new.block.index))
            inside.append(f' <a class="diff-comment" href="{url}">Comment on this</a>')
        end = self.ends.get(i)
        link = self.next_link(end) if end is not None else ""
        if link and tag == "li":
            inside.append(f" {link}")
        opening = " ".join([tag, *attributes])
        self.out.append(f"<{opening}>{''.join(inside)}</{tag}>\n")
        if link and tag != "li":
            self.out.append(f'<p class="next-change-line">{link}</p>\n')

    def segment(self, folded: bool, indexes: list[int]):
        if folded:
            self.close_list()
            summary = _fold_summary([self.rows[i] for i in indexes])
            self.out.append(f'<details class="unchanged">\n<summary>{summary}</summary>\n')
        for i in indexes:
            self.row(i)
        if folded:
            self.close_list()
            self.out.append("</details>\n")


def diff_audience(
    old_html: str,
    new_html: str,
    *,
    id_prefix: str,
    next_id: str = "",
    next_label: str = "",
    comment_link=None,
) -> AudienceDiff:
    """The new text of one audience, with its changes against `old_html` marked block by block.

    `id_prefix` makes the changes' ids unique on the page (`{id_prefix}-change-{n}`). The last
    change links to `next_id` (e.g. the next audience's first change, or the review actions)
    with the words `next_label`; without `next_id` it has no link. `old_html` "" (a first
    revision) shows the whole text as added, as one change. `comment_link(block_index)`, if
    given, is the address of a form to comment on the new text's block at that index: each
    edited or added block links to it ("Comment on this").
    """
    old, new = _sides(old_html), _sides(new_html)
    changed = has_changes(old_html, new_html)
    # When readers see no difference there is nothing to mark, whatever the blocks say.
    rows = _rows(old, new) if changed else [_Row(SAME, None, side) for side in new]
    changes = _changes(rows)
    unseen = changed and not changes
    writer = _Writer(rows, changes, id_prefix, next_id, next_label, comment_link)
    writer.out.append('<div class="audience-diff">\n')
    if unseen:
        writer.out.append(_unseen_change(writer, id_prefix))
    elif not changes:
        writer.out.append('<p class="no-changes">No changes to this text.</p>\n')
    visible = _visible(rows, changes)
    for folded, indexes in _segments(rows, visible, folding_all=not changes):
        writer.segment(folded, indexes)
    writer.close_list()
    writer.out.append("</div>\n")
    return AudienceDiff(
        # Our own elements around `diff`'s escaped text; ids and labels escaped here.
        html=mark_safe("".join(writer.out)),  # noqa: S308
        changes=len(writer.ids),
        anchors=writer.ids,
    )


def _unseen_change(writer: _Writer, id_prefix: str) -> str:
    """A change readers could notice that is in no block's words, kind or list (markup outside
    any block, or attributes kept in a text saved before the sanitizer took its present form):
    told as one change, rather than passed over."""
    writer.ids = [f"{id_prefix}-change-1"]
    link = writer.next_link(0)
    return (
        f'<p id="{escape(writer.ids[0])}" tabindex="-1" class="block-edited">'
        '<span class="change-label">Change 1 of 1</span> '
        "Something readers may notice has changed outside the words of the paragraphs, headings "
        "and lists below (for example, how the text is laid out): compare the full texts.</p>\n"
        + (f'<p class="next-change-line">{link}</p>\n' if link else "")
    )
