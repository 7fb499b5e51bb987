"""The live preview beside each Markdown field of the editor's page.

The widget prints the text as readers will get it, rendered by `articles.rendering.
render_variant` (the function `Variant.save` uses) with its citation markers resolved against
the revision's reference list as last saved, says what the sanitizer removed
(`stripped_markup`), and for a variant its reading level and the reviewer's comments
(`editor_comments`). With JavaScript, htmx posts the text to `EditorViewsMixin.preview_view` as
the editor types; without it, "Save and continue editing" shows the saved text rendered.
Previews render without citation ids: several texts share the page, and ids are not seen.
"""

import re

from django.forms import Textarea
from django.template.loader import render_to_string
from django.urls import reverse

from ..rendering import citation_numbers, render_variant, stripped_markup
from .editor_comments import editor_comments, for_audience

MARKDOWN_HELP = (
    "Allowed Markdown: paragraphs, ## and ### headings, - and 1. lists, **bold**, *italic*, "
    "[links](https://…), > quotes, and citation markers [1] or [2, 5]. Everything else is "
    "removed."
)
LONGEST_PREVIEW = 100_000  # characters; far beyond any article, short of a flood


def preview(
    text: str, references, audience=None, revision=None, rights=None, comments=(), posted=None
):
    """What the preview of `text` shows: its HTML as readers get it, what the sanitizer removed,
    and each citation number with the reference it points at (None: not in the list). For a
    variant (`audience`), also its reading level and the reviewer's comments placed on it."""
    by_position = {citation.position: citation for citation in references}
    cited = [(n, by_position.get(n)) for n in sorted(set(citation_numbers(text)))]
    missing = [n for n, citation in cited if citation is None]
    stripped = stripped_markup(text)
    html = render_variant(text, citation_ids=False)  # sanitized: printed as is
    if missing:
        html = _flag_missing(html, set(missing))
    problems = []
    if stripped:
        problems.append(f"{len(stripped)} thing{'s' if len(stripped) > 1 else ''} removed")
    if missing:
        listed = ", ".join(f"[{n}]" for n in missing)
        problems.append(f"{listed} not in the reference list")
    extra = {}
    if audience is not None:
        extra = for_audience(html, revision, audience, rights, comments, posted)
    return {
        **extra,
        "html": html,
        "empty": not text.strip(),
        "stripped": stripped,
        "cited": cited,
        "missing": missing,
        "reference_count": len(references),
        # For the polite status line: only problems are announced, never the text itself.
        "summary": f"Preview: {'; '.join(problems)}." if problems else "",
    }


# A citation link as render_variant prints it without ids.
CITATION_LINK = re.compile(r'<a class="cite" href="#ref-(\d{1,3})" aria-label="Reference \1"')


def _flag_missing(html: str, missing: set[int]) -> str:
    """Mark the citation links whose number is not in the reference list (preview only)."""

    def flag(match):
        number = int(match.group(1))
        if number not in missing:
            return match.group(0)
        return (
            f'<a class="cite cite-missing" href="#ref-{number}" '
            f'aria-label="Reference {number}: not in the reference list"'
        )

    return CITATION_LINK.sub(flag, html)


class MarkdownPreviewWidget(Textarea):
    """A Markdown textarea with its preview beside it (templates/admin/articles/revision/
    markdown_widget.html). htmx posts the text to `preview_url` as it changes."""

    template_name = "admin/articles/revision/markdown_widget.html"

    def __init__(
        self, attrs=None, *, preview_url="", references=(), label="", comments=None, posted=None
    ):
        super().__init__(attrs)
        self.preview_url = preview_url
        self.references = references
        self.label = label
        self.audience = None  # a variant's (name_preview_by_audience)
        self.revision = None
        self.comments = comments or (None, [])  # (rights, comments): editor_comments()
        self.posted = posted  # a POST that comes back: its ticks and replies are kept

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["preview_url"] = self.preview_url
        context["preview_label"] = self.label
        context["audience"] = self.audience
        rights, comments = self.comments
        context["preview"] = preview(
            self.format_value(value) or "",
            self.references,
            audience=self.audience,
            revision=self.revision,
            rights=rights,
            comments=comments,
            posted=self.posted,
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine (templates/), not the form renderer's, which only
        # knows Django's own widget templates and the apps' ones.
        return render_to_string(self.template_name, self.get_context(name, value, attrs))


def saved_references(request, revision):
    """The revision's reference list as saved, read once per request."""
    cache = request.__dict__.setdefault("_editor_references", {})
    if revision.pk not in cache:
        cache[revision.pk] = list(revision.citations.select_related("source").order_by("position"))
    return cache[revision.pk]


def use_previews(request, revision, form_class, labels: dict[str, str], rows: int):
    """Give `form_class`'s Markdown fields (`labels`: name -> what the preview is of) the
    preview widget and the Markdown help, when `revision` can be edited."""
    if revision is None or not revision.is_editable:
        return
    url = reverse("admin:articles_revision_preview", args=[revision.pk])
    for name, label in labels.items():
        field = form_class.base_fields.get(name)
        if field is None:
            continue
        field.widget = MarkdownPreviewWidget(
            {"rows": rows, "cols": 60},
            preview_url=url,
            references=saved_references(request, revision),
            label=label,
            comments=editor_comments(request, revision),
            posted=request.POST if request.method == "POST" else None,
        )
        field.widget.revision = revision
        if MARKDOWN_HELP not in (field.help_text or ""):
            field.help_text = f"{field.help_text} {MARKDOWN_HELP}".strip()


def name_preview_by_audience(form_class):
    """`form_class` (a variant's), with its preview named after its reader: "Preview: the
    patient version, as readers see it" (each preview region needs a name of its own)."""

    class VariantForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            widget = self.fields["body_markdown"].widget
            if isinstance(widget, MarkdownPreviewWidget) and self.instance.audience_id:
                audience = self.instance.audience.label.lower()
                widget.label = f"Preview: the {audience} version, as readers see it"
                widget.audience = self.instance.audience

    return VariantForm
