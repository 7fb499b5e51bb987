"""Reading pages the way a person does, for assertions on what they see."""

import re


def text_of(response):
    """The visible text of a response: scripts and tags stripped, white space folded."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def said(response):
    """The visible text, without the space a closing tag leaves before punctuation."""
    return re.sub(r" ([.,;:)])", r"\1", text_of(response))


def landed(client, response):
    """The page a post/redirect/get lands on: review actions answer with a redirect to the
    review page, which shows the outcome (with the refusal's status, when refused)."""
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"])
