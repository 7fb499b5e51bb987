"""How hard a variant's text is to read: Flesch-Kincaid grade and SMOG, on the prose alone.

`Variant.save()` stores `measure(body_html)` on the variant, so pages and the submit check read
the stored numbers and never compute them per request. Pure functions, no database.

What is measured is what readers read as sentences: paragraphs, list items and quotes
(`Block.is_prose`, a checklist's items included), and the data cells of tables; not headings,
nor a table's caption, column headings and row headings (short labels would make any text look
easier). A data cell is read like a list item: a reader reads it on its own, after its row's
heading, often as a short phrase ("Often about 4 to 7 months"), and leaving cells out would let
hard words hide in a table. Citation markers ("[3]", "[2, 5]") are dropped, and every block
(and cell) ends a sentence: a list item (or a paragraph introducing a list) without final
punctuation gets a full stop, so a bullet list is not read as one endless sentence.

The grades come from textstat (pinned: later versions fetch their dictionary at run time).
"""

import re

import textstat

from .blocks import split_blocks

CITATION_MARKER = re.compile(r"\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\]")
# A sentence ends at . ! or ? (and any closing quote or bracket) followed by white space, so
# "0.5 mg" stays whole; so do "et al.", "e.g.", "i.e.", "vs." and "Dr." before a name.
SENTENCE_END = re.compile(
    r"(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bDr\.)"
    r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+"
)
FINAL_PUNCTUATION = re.compile(r"[.!?][\"'”’)\]]*$")
LONGEST_SHOWN = 3


def prose_blocks(rendered_html: str) -> list[str]:
    """The text of each prose block, citation markers out, each ending a sentence."""
    texts = []
    for block in split_blocks(rendered_html):
        if block.is_table_row:
            pieces = [cell.text for cell in block.cells if not cell.is_heading]
        elif block.is_prose:
            pieces = [block.text]
        else:
            continue
        for piece in pieces:
            text = " ".join(CITATION_MARKER.sub("", piece).split())
            if not text:
                continue
            if not FINAL_PUNCTUATION.search(text):
                text = text.rstrip(":;,–—- ") + "."
            texts.append(text)
    return texts


def sentences(blocks: list[str]) -> list[str]:
    return [part for text in blocks for part in SENTENCE_END.split(text) if part.strip()]


def _words(text: str) -> int:
    return textstat.lexicon_count(text)


def measure(rendered_html: str) -> dict:
    """The reading level of a rendered variant, JSON-able, as stored on `Variant.reading_level`.

    `{"fk_grade", "smog", "words", "sentences", "longest": [{"words", "text"}, ...]}`: the
    grades to one decimal (None when there is no prose), and the three longest sentences,
    longest first (of equal length, the first in the text first).
    """
    blocks = prose_blocks(rendered_html)
    text = " ".join(blocks)
    split = sentences(blocks)
    words = _words(text) if text else 0
    by_length = sorted(
        ((_words(sentence), index, sentence) for index, sentence in enumerate(split)),
        key=lambda item: (-item[0], item[1]),
    )
    return {
        "fk_grade": round(textstat.flesch_kincaid_grade(text), 1) if words else None,
        "smog": round(textstat.smog_index(text), 1) if words else None,
        "words": words,
        "sentences": len(split),
        "longest": [
            {"words": count, "text": sentence} for count, _, sentence in by_length[:LONGEST_SHOWN]
        ],
    }


def misses(level: dict, target: int | None) -> bool:
    """Whether a measured level reads above the audience's Flesch-Kincaid target. No target
    (or no prose to measure) never misses; a grade exactly at the target meets it."""
    grade = (level or {}).get("fk_grade")
    return target is not None and grade is not None and grade > target


def target_words(target: int | None) -> str:
    return "No target" if target is None else f"Target: grade {target} or lower"


def describe_miss(label: str, level: dict, target: int | None) -> str:
    """One line with the numbers, e.g. "Patient: Flesch-Kincaid grade 7.4 (target 6 or lower),
    SMOG 8.9; longest sentence 31 words"."""
    parts = [f"{label}: Flesch-Kincaid grade {level.get('fk_grade')}"]
    if target is not None:
        parts.append(f" (target {target} or lower)")
    if level.get("smog") is not None:
        parts.append(f", SMOG {level['smog']}")
    if longest := level.get("longest"):
        parts.append(f"; longest sentence {longest[0]['words']} words")
    return "".join(parts)
