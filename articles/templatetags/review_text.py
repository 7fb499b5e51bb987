"""Printing a stored, sanitized text inside the review page."""

import re

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

CITATION_ID = re.compile(r' id="cite-\d{1,3}-\d{1,4}"')
HEADING_TAG = re.compile(r"<(/?)h([1-5])>")


@register.filter
def nested_text(rendered_html):
    """A variant's HTML (already sanitized at save) set one heading level down, under the page's
    own heading for it, and without its citation ids: four texts on one page would repeat them.
    The sanitizer allows headings only without attributes, so the tag match is exact."""
    without_ids = CITATION_ID.sub("", rendered_html or "")
    shifted = HEADING_TAG.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}>", without_ids)
    return mark_safe(shifted)  # noqa: S308 (the input is sanitized HTML; only tags are renamed)
