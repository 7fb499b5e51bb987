"""What changed between two revisions besides the text: title, summary and the references as
printed. The review page shows this beside the per-audience text diff."""

from dataclasses import dataclass, field

from django.utils.html import escape

from .diff import has_changes, word_diff
from .models import SourceVersion


@dataclass
class ReferenceChange:
    kind: str  # "added", "removed" or "edited"
    position: int
    version: SourceVersion
    old_position: int | None = None
    fields: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def moved(self):
        return self.old_position is not None and self.old_position != self.position


@dataclass
class Comparison:
    title_diff: str = ""
    summary_diff: str = ""
    answer_diff: str = ""
    pregnancy_diff: str = ""
    references: list[ReferenceChange] = field(default_factory=list)

    @property
    def changes(self):
        """How many of the title, summary, key facts and references changed (each reference
        added, removed or edited counts once)."""
        texts = (self.title_diff, self.summary_diff, self.answer_diff, self.pregnancy_diff)
        return sum(1 for diff in texts if diff) + len(self.references)

    @property
    def has_changes(self):
        return bool(
            self.title_diff
            or self.summary_diff
            or self.answer_diff
            or self.pregnancy_diff
            or self.references
        )


def _text_diff(old, new):
    if old == new:
        return ""
    return word_diff(f"<p>{escape(old)}</p>", f"<p>{escape(new)}</p>")


def _html_diff(old, new):
    return word_diff(old, new) if has_changes(old, new) else ""


def _citations(revision):
    return {
        c.source_id: c for c in revision.citations.select_related("version").order_by("position")
    }


def compare(old, new) -> Comparison:
    """Changes from revision `old` (what readers see now) to revision `new`."""
    before, after = _citations(old), _citations(new)
    references = []
    for source_id, citation in after.items():
        previous = before.get(source_id)
        if previous is None:
            references.append(ReferenceChange("added", citation.position, citation.version))
            continue
        fields = [
            (SourceVersion.field_label(name), old_value, new_value)
            for name, old_value, new_value in (
                (name, getattr(previous.version, name), getattr(citation.version, name))
                for name in SourceVersion.PRINTED_FIELDS
            )
            if old_value != new_value
        ]
        if fields or previous.position != citation.position:
            references.append(
                ReferenceChange(
                    "edited", citation.position, citation.version, previous.position, fields
                )
            )
    references += [
        ReferenceChange("removed", c.position, c.version)
        for source_id, c in before.items()
        if source_id not in after
    ]
    references.sort(key=lambda change: (change.kind == "removed", change.position))
    return Comparison(
        title_diff=_text_diff(old.title, new.title),
        summary_diff=_text_diff(old.summary, new.summary),
        answer_diff=_html_diff(old.answer_html, new.answer_html),
        pregnancy_diff=_html_diff(old.pregnancy_warning_html, new.pregnancy_warning_html),
        references=references,
    )
