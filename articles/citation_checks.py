"""Whether a revision's texts and its reference list fit together, in words for the editor.

Three rules, checked when a text is saved (next to the field) and again at submit (under the
workflow's lock):

- every citation marker resolves to a reference of the revision (`cited_text_problem` in
  `articles.models.article` says so for one text);
- every reference is cited by at least one reading level's text, or the key facts
  (`uncited_references`): a reference nobody cites tells readers nothing about which claim it
  supports;
- a "From the guidelines" section cites at least one guideline (`guideline_section_problem`):
  readers are told the words come from a guideline, so a guideline must back them. A
  regulator's rules (the FDA's iPLEDGE programme, the EMA's pregnancy prevention programme)
  count: they are the official guidance that section reports.
"""

import re

from .rendering import citation_numbers

GUIDELINE_HEADING = re.compile(r"^(#{1,6})\s*from the guidelines?\b.*$", re.I | re.M)
HEADING = re.compile(r"^(#{1,6})\s", re.M)
ID = re.compile(r"[0-9]{1,9}")
GUIDANCE_KINDS = {"guideline", "regulator"}


def guideline_sections(markdown_text: str) -> list[str]:
    """The text of each "From the guidelines" section: from its heading to the next heading of
    the same or a higher level."""
    sections = []
    for match in GUIDELINE_HEADING.finditer(markdown_text):
        level = len(match.group(1))
        end = len(markdown_text)
        for heading in HEADING.finditer(markdown_text, match.end()):
            if len(heading.group(1)) <= level:
                end = heading.start()
                break
        sections.append(markdown_text[match.end() : end])
    return sections


def guideline_section_problem(markdown_text: str, kinds_by_position: dict[int, str]) -> str:
    """What is wrong with the text's "From the guidelines" sections, or "".

    `kinds_by_position` maps each reference number to its source's kind."""
    for section in guideline_sections(markdown_text):
        cited = set(citation_numbers(section))
        if not any(kinds_by_position.get(number) in GUIDANCE_KINDS for number in cited):
            named = ", ".join(f"[{n}]" for n in sorted(cited)) or "nothing"
            return (
                "The “From the guidelines” section cites "
                f"{named}, but no guideline or regulator's guidance: cite the guideline its "
                "words come from."
            )
    return ""


def uncited_references(positions, texts) -> list[int]:
    """Reference numbers among `positions` that none of `texts` cites."""
    cited = {number for text in texts for number in citation_numbers(text)}
    return sorted(set(positions) - cited)


def kinds_by_position(revision) -> dict[int, str]:
    """{position: source kind} of the revision's reference list: as the editor's form posts it
    while it is being saved (`pending_reference_kinds`, set by the admin, so a reference added
    and cited in one save is found), else as saved."""
    pending = getattr(revision, "pending_reference_kinds", None)
    if pending is not None:
        return pending
    return dict(revision.citations.values_list("position", "source__kind"))


def posted_reference_kinds(data, prefix="citations") -> dict[int, str] | None:
    """{position: source kind} of the reference list a form posts, rows marked for removal
    left out; None when it posts no reference list. Rows that do not parse are skipped: the
    reference form reports them itself."""
    from .models import Source

    def number(value):
        return int(value) if isinstance(value, str) and ID.fullmatch(value) else None

    total = number(data.get(f"{prefix}-TOTAL_FORMS"))
    if total is None:
        return None
    rows = {}
    for index in range(min(total, 1000)):
        row = f"{prefix}-{index}-"
        position, source = number(data.get(row + "position")), number(data.get(row + "source"))
        if position and source and not data.get(row + "DELETE"):
            rows[position] = source
    kinds = dict(Source.objects.filter(pk__in=rows.values()).values_list("pk", "kind"))
    return {position: kinds[source] for position, source in rows.items() if source in kinds}


def uncited_message(revision, positions: list[int]) -> str:
    names = dict(revision.citations.values_list("position", "source__title"))
    listed = "; ".join(f"[{n}] {names.get(n, '')}".strip() for n in positions)
    one = len(positions) == 1
    return (
        f"No text cites {'this reference' if one else 'these references'}: {listed}. "
        f"Cite {'it' if one else 'each'} where it supports a claim, or remove it from the list."
    )
