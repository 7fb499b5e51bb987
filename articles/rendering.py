"""Markdown -> sanitized HTML, with numbered citation markers turned into links.

Pure functions, no database: `Variant.save()` calls `render_variant` once, and pages only ever
print the stored result.

A citation marker is one or more numbers in square brackets right after a claim: `[3]` or
`[2, 5]`. The numbers are positions in the revision's reference list; each becomes a link to
`#ref-<n>` in that list.
"""

import re

import markdown
import nh3

CITATION_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?![(\[:])")

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
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
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "class", "aria-label"},
    "sup": {"class"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def citation_numbers(text: str) -> list[int]:
    """Every citation number used in `text`, in order of appearance (repeats kept)."""
    return [
        int(number)
        for marker in CITATION_MARKER.finditer(text)
        for number in marker.group(1).split(",")
    ]


def _marker_to_html(match: re.Match) -> str:
    numbers = [int(n) for n in match.group(1).split(",")]
    links = ", ".join(
        f'<a class="cite" href="#ref-{n}" aria-label="Reference {n}">{n}</a>' for n in numbers
    )
    return f'<sup class="cite">[{links}]</sup>'


def render_variant(text: str) -> str:
    """Render a variant's Markdown to HTML that is safe to print as-is."""
    with_links = CITATION_MARKER.sub(_marker_to_html, text)
    html = markdown.markdown(with_links, extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
