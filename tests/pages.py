"""Reading pages the way a person does, for assertions on what they see."""

import re


def text_of(response):
    """The visible text of a response: scripts and tags stripped, white space folded."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
