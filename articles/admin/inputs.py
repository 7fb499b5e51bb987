"""Reading what a form posted, without exceptions for what no form of ours sends."""

import re

ID = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() also accepts "²"


def posted_id(value) -> int | None:
    """A primary key as a form posts it, or None for anything else (letters, "²", huge
    numbers, nothing)."""
    return int(value) if isinstance(value, str) and ID.fullmatch(value) else None
