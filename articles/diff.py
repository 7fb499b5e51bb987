"""A readable word-level diff of two rendered variants, for reviewers.

Compares what readers get: the sanitized HTML as stored (not the Markdown source), parsed with
`html.parser` into a token stream with

- words and punctuation marks (split on HTML whitespace, so runs of spaces and line breaks in
  the source count as one space; whether a token is glued to the one before it, as in "well."
  or "[3]", does count);
- an open and a close mark for every element, keyed by its tag and all its attributes (for a
  link, its attributes are keyed through the notes below, or follow from its number);
- after every link that is not a canonical citation, notes spelling out its attributes:
  `[link: https://…]` (or `[link without address]`) and e.g. `[aria-label: Reference 4]`. A
  canonical citation is `<a class="cite" href="#ref-N" aria-label="Reference N">N</a>` (with
  the sanitizer's `rel`, and an `id="cite-N-K"` or none), exactly what `rendering` writes for
  a marker; it gets no notes, so citations do not clutter the diff (nor do their ids, which
  readers do not see), while a forged one (label, address and number disagreeing, or a class
  missing) shows its attributes.

`has_changes` compares the token streams, so it reports any difference in text, formatting,
block structure, link address or surviving attribute; only differences readers cannot see
(whitespace collapsed by HTML, attribute order, how a character is escaped) are ignored.

`word_diff` prints the new text with `<del>`/`<ins>` around changed runs. Words and link notes
always show. Marks are hidden where nothing changed; inside a changed run they show as labels:
`[bold]`…`[/bold]`, `[italic]`, `[heading 2]`, `[bulleted list]`, and any element with
attributes as e.g. `[superscript class="cite"]`. Paragraphs, list items, line breaks, the ends
of blocks, link marks (their notes speak for them) and citation superscripts stay silent (their
line breaks and words already show) unless a changed run would otherwise print nothing: then
every token of the run is spelled out (`[/paragraph] [paragraph]` for a merged paragraph,
`[superscript class="cite"]` for a dropped superscript, `[link]` for a changed link mark).
So a formatting-only change (em -> strong, a heading made a paragraph) is marked by its labels,
and a run of `<del>` or `<ins>` appears exactly when `has_changes` is true.

Control, format and other invisible characters (zero-width space, bidi overrides, ...) are shown
as `⟨U+200B⟩` everywhere, and unusual spaces (no-break space, ...) in changed runs, so two words
that look alike but differ still look different. No element or attribute from the compared
HTML is ever copied into the output: everything is escaped text plus our own <del>, <ins>, <br>.
"""

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

# Elements that start and end a line in the diff.
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}  # fmt: skip
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
NAMES = {
    "a": "link",
    "blockquote": "quote",
    "br": "line break",
    "caption": "table caption",
    "code": "code",
    "em": "italic",
    "h1": "heading 1",
    "h2": "heading 2",
    "h3": "heading 3",
    "h4": "heading 4",
    "h5": "heading 5",
    "h6": "heading 6",
    "hr": "horizontal line",
    "li": "list item",
    "ol": "numbered list",
    "p": "paragraph",
    "strong": "bold",
    "sup": "superscript",
    "table": "table",
    "tbody": "table body",
    "td": "cell",
    "th": "header cell",
    "thead": "table head",
    "tr": "table row",
    "ul": "bulleted list",
}
# Marks that stay silent in a changed run when they carry no attributes.
SILENT_TAGS = {"p", "li", "br"}
CITATION_NUMBER = re.compile(r"\d{1,3}")
LINK_REL = "noopener noreferrer"  # what the sanitizer puts on every link
HTML_WHITESPACE = re.compile(r"[ \t\n\r\f]+|[^ \t\n\r\f]+")
# Words are split from punctuation, so "well." and "well" + "." across a tag compare alike.
WORD_PART = re.compile(r"\w+|\W")
INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}


@dataclass
class _Element:
    tag: str
    attrs: tuple
    children: list


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Element("", (), [])
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        attrs = tuple(sorted((name, value or "") for name, value in attrs))
        element = _Element(tag, attrs, [])
        self.open[-1].children.append(element)
        if tag not in VOID_TAGS:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.open.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


@dataclass(frozen=True)
class Token:
    key: tuple  # what is compared
    text: str = ""  # shown in every run (words, link notes)
    label: str = ""  # shown in a changed run ("" = silent)
    verbose: str = ""  # shown in a changed run that would otherwise show nothing
    glued: bool = False  # no space before it
    block: bool = False  # a block boundary: starts a new line in the diff


def _text_of(element) -> str:
    if isinstance(element, str):
        return element
    return "".join(_text_of(child) for child in element.children)


def _is_canonical_citation(element: _Element) -> bool:
    """Exactly what `rendering` writes for citation number N, with the link text N.

    Its id (`cite-N-K`, the K-th citation of N) is left out: readers do not see it, and it
    changes whenever an earlier citation of N is added or removed."""
    number = _text_of(element).strip()
    canonical = {
        "aria-label": f"Reference {number}",
        "class": "cite",
        "href": f"#ref-{number}",
        "rel": LINK_REL,
    }
    attrs = dict(element.attrs)
    if re.fullmatch(rf"cite-{re.escape(number)}-\d{{1,4}}", attrs.get("id", "")):
        del attrs["id"]
    return bool(CITATION_NUMBER.fullmatch(number)) and attrs == canonical


def _link_notes(element: _Element) -> list[str]:
    attrs = dict(element.attrs)
    href = attrs.pop("href", None)
    notes = [f"[link: {href}]" if href is not None else "[link without address]"]
    rel = attrs.pop("rel", "none")
    if rel != LINK_REL:
        attrs["rel"] = rel
    notes += [f"[{name}: {value}]" for name, value in sorted(attrs.items())]
    return notes


def _label(element: _Element, closing=False) -> str:
    name = NAMES.get(element.tag, element.tag)
    if closing:
        return f"[/{name}]"
    if element.tag == "a":
        return f"[{name}]"  # its attributes show in its notes
    return "[" + " ".join([name, *(f'{k}="{v}"' for k, v in element.attrs)]) + "]"


class _Tokenizer:
    def __init__(self):
        self.tokens = []
        self.pending = ""  # text since the last mark, split into words when the next one comes
        self.space = False  # whitespace seen since the last word
        self.line_start = True

    def flush(self):
        for piece in HTML_WHITESPACE.findall(self.pending):
            if piece[0] in " \t\n\r\f":
                self.space = True
                continue
            for part in WORD_PART.findall(piece):
                glued = not self.space and not self.line_start
                self.tokens.append(Token(("word", part, glued), text=part, glued=glued))
                self.space = self.line_start = False
        self.pending = ""

    def notes(self, notes: list[str]):
        self.flush()
        for note in notes:
            for position, piece in enumerate(note.split()):
                self.tokens.append(Token(("note", piece, position == 0), text=piece))

    def mark(self, element: _Element, closing: bool, silent: bool):
        self.flush()
        block = element.tag in BLOCK_TAGS
        verbose = _label(element, closing)
        label = "" if silent or (closing and block) else verbose
        if closing:
            key = ("close", element.tag)
        elif element.tag == "a":
            key = ("open", "a")  # its attributes are in its notes, or follow from its number
        else:
            key = ("open", element.tag, element.attrs)
        self.tokens.append(Token(key, label=label, verbose=verbose, block=block))
        if block:
            self.space, self.line_start = False, True

    def element(self, element: _Element):
        for child in element.children:
            if isinstance(child, str):
                self.pending += child
                continue
            if child.tag == "a":
                silent = True  # its notes tell, or it is a canonical citation
            elif child.tag == "sup":
                silent = child.attrs == (("class", "cite"),)
            else:
                silent = child.tag in SILENT_TAGS and not child.attrs
            self.mark(child, False, silent)
            if child.tag in VOID_TAGS:
                continue
            self.element(child)
            self.mark(child, True, silent)
            if child.tag == "a" and not _is_canonical_citation(child):
                self.notes(_link_notes(child))


def _tokens(rendered_html: str) -> list[Token]:
    builder = _TreeBuilder()
    builder.feed(rendered_html or "")
    builder.close()
    tokenizer = _Tokenizer()
    tokenizer.element(builder.root)
    tokenizer.flush()
    return tokenizer.tokens


def _visible(text: str, changed: bool) -> str:
    def spell(char):
        category = unicodedata.category(char)
        if category in INVISIBLE or (changed and category == "Zs" and char != " "):
            return f"⟨U+{ord(char):04X}⟩"
        return char

    return "".join(spell(char) for char in text)


BREAK = None  # a line break among the pieces below


def _pieces(tokens, mark=None):
    """(text, glued, mark) pieces and BREAKs for a run of tokens; `mark` is None if unchanged."""
    if mark is None:
        for token in tokens:
            if token.block:
                yield BREAK
            if token.text:
                yield token.text, token.glued, None
        return
    spell_out = not any(token.text or token.label for token in tokens)
    for token in tokens:
        if token.block and not spell_out:
            yield BREAK
        shown = token.text or (token.verbose if spell_out else token.label)
        if shown:
            yield shown, token.glued, mark


def _join(pieces) -> str:
    out, current, line_break = [], None, False
    for piece in pieces:
        if piece is BREAK:
            if current:
                out.append(f"</{current}>")
                current = None
            line_break = bool(out)
            continue
        text, glued, mark = piece
        space = "" if glued or not out else " "
        if line_break:
            out.append("<br>\n")
            space, line_break = "", False
        if mark != current:
            if current:
                out.append(f"</{current}>")
            out.append(space)
            space = ""
            if mark:
                out.append(f"<{mark}>")
            current = mark
        out.append(space + html.escape(_visible(text, changed=bool(mark))))
    if current:
        out.append(f"</{current}>")
    return "".join(out)


def readable_text(rendered_html: str) -> str:
    """Text of rendered HTML with one line per block, and link notes spelled out."""
    lines, line = [], ""
    for piece in _pieces(_tokens(rendered_html)):
        if piece is BREAK:
            lines.append(line)
            line = ""
            continue
        text, glued, _ = piece
        line += text if glued or not line else " " + text
    lines.append(line)
    return "\n".join(line for line in lines if line)


def word_diff(old_html: str, new_html: str) -> str:
    """HTML showing `new_html`'s text with changes against `old_html` marked."""
    old, new = _tokens(old_html), _tokens(new_html)
    matcher = difflib.SequenceMatcher(
        a=[token.key for token in old], b=[token.key for token in new], autojunk=False
    )
    pieces = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            pieces += _pieces(new[b0:b1])
        if op in ("delete", "replace"):
            pieces += _pieces(old[a0:a1], "del")
        if op in ("insert", "replace"):
            pieces += _pieces(new[b0:b1], "ins")
    return _join(pieces)


def comparable(rendered_html: str) -> tuple:
    """What `has_changes` compares: equal for two texts exactly when readers see no difference."""
    return tuple(token.key for token in _tokens(rendered_html))


def has_changes(old_html: str, new_html: str) -> bool:
    """Whether readers of `new_html` could notice any difference from `old_html`."""
    return comparable(old_html) != comparable(new_html)


def marked_text(rendered_html: str, mark: str = "") -> str:
    """HTML showing the text of `rendered_html` as `word_diff` shows an unchanged run, one line
    per block, all of it inside `<del>` or `<ins>` when `mark` is "del" or "ins" (for a wholly
    removed or added text: its formatting is not labelled, only its words and link notes show,
    with the spelling of a changed run). "" when the text shows nothing (an `<hr>`)."""
    if mark not in ("", "del", "ins"):
        raise ValueError(f"not a mark: {mark!r}")
    pieces = _pieces(_tokens(rendered_html))
    return _join(piece if piece is BREAK else (*piece[:2], mark or None) for piece in pieces)
