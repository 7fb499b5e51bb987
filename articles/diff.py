"""A readable word-level diff of two rendered variants, for reviewers.

Compares what readers read (the rendered HTML, reduced to text with its paragraphs), not the
Markdown source, and marks words removed with <del> and added with <ins>.
"""

import difflib
import html
import re

BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote)>|<br\s*/?>", re.I)
# A link's address is part of what readers get, so a changed address must show in the diff.
LINK = re.compile(r'<a\s[^>]*href="(?!#)([^"]*)"[^>]*>(.*?)</a>', re.I | re.S)
TAG = re.compile(r"<[^>]+>")
TOKEN = re.compile(r"\n|[^\s]+")


def readable_text(rendered_html: str) -> str:
    """Text of rendered HTML with one line per block, and link addresses spelled out."""
    text = LINK.sub(r"\2 [link: \1]", rendered_html or "")
    text = BLOCK_END.sub("\n", text)
    text = html.unescape(TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _render(tokens, tag=None):
    """Words joined by spaces, wrapped in `tag` run by run; line breaks stay outside the tag."""
    lines, current = [], []
    for word in tokens:
        if word == "\n":
            lines.append(current)
            current = []
        else:
            current.append(html.escape(word))
    lines.append(current)
    runs = [" ".join(words) for words in lines]
    if tag:
        runs = [f"<{tag}>{run}</{tag}>" if run else "" for run in runs]
    return "<br>\n".join(runs)


def word_diff(old_html: str, new_html: str) -> str:
    """HTML showing `new_html`'s text with changes against `old_html` marked."""
    old = TOKEN.findall(readable_text(old_html))
    new = TOKEN.findall(readable_text(new_html))
    parts = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            parts.append(_render(new[b0:b1]))
        if op in ("delete", "replace"):
            parts.append(_render(old[a0:a1], "del"))
        if op in ("insert", "replace"):
            parts.append(_render(new[b0:b1], "ins"))
    return " ".join(part for part in parts if part).replace(" <br>", "<br>").replace("\n ", "\n")


def has_changes(old_html: str, new_html: str) -> bool:
    return readable_text(old_html) != readable_text(new_html)
