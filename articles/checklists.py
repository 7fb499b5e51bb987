"""Checklists in a text: a bulleted list whose every item starts with "[ ]" is a checklist.

    - [ ] Ask your doctor what dose is right for you.
    - [ ] Have two pregnancy tests before you start [3, 13].

It renders as `<ul class="checklist">` with the "[ ]" taken off each item: without JavaScript a
plain list, on screen `static/js/site.js` gives each item a tick box whose ticks stay in the
reader's browser (never sent anywhere), and on paper `print.css` prints a box before each item.
Ticks are the reader's own, so the text has no way to tick an item: "[x]" is not a checklist.
A list in which only some items start with "[ ]" stays a plain list, its brackets as typed.
"""

import re

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

CHECKLIST_CLASS = "checklist"
BOX = re.compile(r"^\[ \]\s+")


def _first_text_holder(item):
    """The element whose `.text` starts the item's words: the item, or the paragraph it opens
    with in a loose list."""
    if not (item.text or "").strip() and len(item) and item[0].tag == "p":
        return item[0]
    return item


class _ChecklistTreeprocessor(Treeprocessor):
    def run(self, root):
        for listing in root.iter("ul"):
            items = [child for child in listing if child.tag == "li"]
            holders = [_first_text_holder(item) for item in items]
            if not items or not all(BOX.match(holder.text or "") for holder in holders):
                continue
            for holder in holders:
                holder.text = BOX.sub("", holder.text, count=1)
            listing.set("class", CHECKLIST_CLASS)


class ChecklistExtension(Extension):
    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.treeprocessors.register(_ChecklistTreeprocessor(md), "isoapp_checklists", 6)
