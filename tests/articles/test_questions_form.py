"""Readers ask a follow-up question at the end of an article: the form, its words, its limits.

Posted the way a browser does without JavaScript (post, then the ask page) and the way htmx does
(the form swapped in place); the browser itself is in test_browser_questions.py.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from articles import asking
from articles.models import EmailDelivery, Question, Revision
from tests.factories import UserFactory, audience, revision_with_content
from tests.pages import said, text_of

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
GOOD = "Can I take it with my vitamin A cream? The article does not say."


@pytest.fixture
def article():
    return revision_with_content(state=Revision.State.APPROVED).article


def ask_url(article):
    return reverse("articles:ask", args=[article.slug])


def ask(client, article, htmx=False, **fields):
    data = {"text": GOOD, "email": "", "revision": "", "reading_level": "", "website": ""}
    data.update(fields)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(ask_url(article), data, **headers)


def typed_text(response):
    """What the question box holds in the page that came back."""
    html = response.content.decode()
    match = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1) if match else None


def test_every_article_ends_with_the_question_form_its_warnings_and_where_to_go_instead(
    client, article
):
    response = client.get(article.get_absolute_url())
    page = said(response)
    html = response.content.decode()
    assert "Have a follow-up question?" in page
    assert "Not for emergencies, and not for advice about you." in page
    assert "Please do not include personal health details" in page
    # The crisis and urgent-care lines, exactly as the articles give them.
    assert (
        "If you think about hurting yourself, get help now. In the US, call 988. In the UK, "
        "call 111, or 999 in an emergency. You can also call Samaritans on 116 123."
    ) in page
    # A plain form that works without JavaScript, and htmx in place when there is some.
    form = re.search(r"<form[^>]*data-ask-form[^>]*>", html, re.S).group(0)
    assert f'action="{ask_url(article)}"' in form and 'method="post"' in form
    assert f'hx-post="{ask_url(article)}"' in form and 'hx-target="#ask-form"' in form
    assert '<label for="ask-text">Your question</label>' in html
    assert '<label for="ask-email">Your email address (optional)</label>' in html
    assert 'for="ask-email_consent"' in html
    # What the reader was viewing goes with the question, without them typing it.
    assert f'name="revision" value="{article.shown_revision().number}"' in html
    assert 'name="reading_level" value="patient"' in html
    # The honeypot is there for bots, hidden from people (stylesheet, screen readers, keyboard).
    assert re.search(r'<div class="ask-trap" aria-hidden="true">.*?name="website"', html, re.S)
    assert 'tabindex="-1"' in re.search(r'<input[^>]*name="website"[^>]*>', html).group(0)


def test_a_question_sent_without_javascript_is_stored_with_what_the_reader_was_viewing(
    client, article
):
    revision = article.shown_revision()
    response = ask(
        client,
        article,
        text=GOOD,
        email="reader@example.com",
        email_consent="on",
        revision=str(revision.number),
        reading_level="caregiver",
    )
    assert response.status_code == 302
    assert response["Location"] == ask_url(article)
    question = Question.objects.get()
    assert (question.article, question.revision, question.audience) == (
        article,
        revision,
        audience("caregiver"),
    )
    assert (question.text, question.email, question.email_consent) == (
        GOOD,
        "reader@example.com",
        True,
    )
    assert question.status == Question.Status.NEW and question.user is None
    # The page says what happens next, and nothing is emailed now.
    page = said(client.get(response["Location"]))
    assert "Thank you. Your question is sent." in page
    assert "a medical reviewer checks the answer first. Then we email it" in page
    assert "We delete what you wrote and your email address 180 days after you sent it." in page
    assert mail.outbox == [] and not EmailDelivery.objects.exists()
    # The note is shown once: reloading the page gives the form again.
    assert "Thank you" not in said(client.get(ask_url(article)))


def test_with_htmx_the_answer_replaces_the_form_and_is_announced(client, article):
    UserFactory(email="reader@example.com")
    client.force_login(UserFactory(email="signed.in@example.com"))
    response = ask(client, article, htmx=True, text=GOOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ask-form"')  # only the form's block
    assert "<html" not in html
    assert "You did not ask for an email, so we will not contact you." in said(response)
    assert '<div hx-swap-oob="innerHTML:#announcer">Your question is sent.</div>' in html
    assert "autofocus" in html
    assert response["Vary"].count("HX-Request") == 1
    question = Question.objects.get()
    assert question.user.email == "signed.in@example.com" and question.email == ""


def test_a_revision_or_reading_level_that_is_not_real_falls_back_to_what_readers_see(
    client, article
):
    draft = revision_with_content(article=article)  # never shown to readers
    ask(client, article, revision=str(draft.number), reading_level="nobody")
    ask(client, article, text=GOOD + " Again.", revision="1; drop table")
    first, second = Question.objects.order_by("pk")
    assert first.revision == second.revision == article.shown_revision()
    assert first.audience is None


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"text": ""}, "Write your question."),
        ({"text": "Too short"}, "Your question is too short: write at least 10 characters."),
        (
            {"text": "x" * 2001},
            "Your question is too long: at most 2,000 characters (it has 2001).",
        ),
        (
            {"email": "reader@example.com"},
            "Tick this box to get the answer by email, or leave the email address empty.",
        ),
        (
            {"email_consent": "on"},
            "Give the address to send the answer to, or untick the box below.",
        ),
        (
            {"email": "not an address", "email_consent": "on"},
            "That email address does not look right",
        ),
        ({"email": "a" * 250 + "@example.com", "email_consent": "on"}, "too long"),
        ({"text": "A question with a \x00 NUL byte in it."}, "Null characters are not allowed."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_bad_input_is_a_400_with_words_and_the_text_kept(client, article, fields, error, htmx):
    response = ask(client, article, htmx=htmx, **fields)
    assert response.status_code == 400
    page = said(response)
    assert "Your question is not sent yet." in page
    assert error in page
    assert not Question.objects.exists()
    typed = fields.get("text", GOOD)
    if "\x00" not in typed:
        assert typed_text(response).strip() == typed
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert ('id="ask-problems" role="alert" tabindex="-1" autofocus') in html
    if htmx:
        assert "<html" not in html
    else:
        assert "<title>Ask a follow-up question:" in html


def test_the_limits_are_counted_in_characters_with_line_breaks_counted_once(client, article):
    assert ask(client, article, text="Ten chars!").status_code == 302
    # 2,000 characters as the browser counts them, sent with Windows line breaks (2,100 bytes).
    lines = "\r\n".join(["x" * 19] * 100)
    assert len(lines.replace("\r\n", "\n")) == 1999
    assert ask(client, article, text=lines + "!").status_code == 302
    assert Question.objects.order_by("pk").last().text == lines.replace("\r\n", "\n") + "!"


def test_the_database_refuses_a_longer_question_whatever_the_way_in(article):
    from django.db import IntegrityError, transaction

    revision = article.shown_revision()
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(article=article, revision=revision, text="x" * 2001)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(
            article=article, revision=revision, text=GOOD, email="x@example.com"
        )


def test_a_filled_honeypot_looks_sent_but_nothing_is_stored(client, article):
    for htmx in (False, True):
        response = ask(client, article, htmx=htmx, website="http://spam.example")
        if htmx:
            assert "Thank you. Your question is sent." in said(response)
        else:
            assert response.status_code == 302
            assert "Thank you. Your question is sent." in said(client.get(response["Location"]))
    assert not Question.objects.exists()


def test_questions_are_limited_per_session_with_how_long_to_wait(
    client, article, settings, monkeypatch
):
    settings.QUESTIONS_PER_HOUR_PER_SESSION = 3
    hour_started = 1_800_000_000 - 1_800_000_000 % 3600
    monkeypatch.setattr(asking.time, "time", lambda: hour_started + 60 * 35 + 5)
    for n in range(3):
        assert ask(client, article, text=f"{GOOD} ({n})").status_code == 302
    for htmx in (False, True):
        refused = ask(client, article, htmx=htmx, text="My fourth question, kept as typed.")
        assert refused.status_code == 429
        page = said(refused)
        assert "Your question is not sent yet." in page
        assert "try again in 25 minutes" in page
        assert typed_text(refused).strip() == "My fourth question, kept as typed."
    assert Question.objects.count() == 3
    # Another browser at the same address may still ask.
    other = type(client)()
    assert ask(other, article).status_code == 302
    # The next hour, this one may ask again.
    monkeypatch.setattr(asking.time, "time", lambda: hour_started + 3600 + 1)
    assert ask(client, article).status_code == 302


def test_questions_are_limited_per_address_across_sessions(client, article, settings):
    settings.QUESTIONS_PER_HOUR_PER_ADDRESS = 4
    client_class = type(client)
    for n in range(4):
        assert ask(client_class(), article, text=f"{GOOD} ({n})").status_code == 302
    refused = ask(client_class(), article)
    assert refused.status_code == 429
    assert "try again in" in said(refused)
    # Bad input is not counted: fixing a typo never locks a reader out.
    settings.QUESTIONS_PER_HOUR_PER_ADDRESS = 5
    for _ in range(5):
        assert ask(client_class(), article, text="short").status_code == 400
    assert ask(client_class(), article).status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(article, settings):
    """Without a trusted proxy named, X-Forwarded-For is the client's own say: ignored."""
    settings.QUESTIONS_PER_HOUR_PER_ADDRESS = 2
    from django.test import Client

    for n in range(2):
        forged = Client(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert ask(forged, article, text=f"{GOOD} ({n})").status_code == 302
    assert ask(Client(HTTP_X_FORWARDED_FOR="198.51.100.9"), article).status_code == 429


def test_behind_the_trusted_proxy_each_reader_has_their_own_limit(article, settings):
    settings.QUESTIONS_PER_HOUR_PER_ADDRESS = 2
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    from django.test import Client

    def through_proxy(address):
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)

    for n in range(2):
        assert ask(through_proxy("203.0.113.5"), article, text=f"{GOOD} {n}").status_code == 302
    assert ask(through_proxy("203.0.113.5"), article).status_code == 429
    assert ask(through_proxy("198.51.100.7"), article).status_code == 302
    # A client adding its own entry in front changes nothing: the proxy's entry counts.
    spoofed = through_proxy("1.2.3.4, 203.0.113.5")
    assert ask(spoofed, article).status_code == 429


def test_the_counters_live_in_the_shared_cache(article, settings):
    """With Redis configured every app process counts in the same place."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/12"
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=1)
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "isoapp.cache.FallbackRedisCache", "LOCATION": url}}
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    settings.QUESTIONS_PER_HOUR_PER_ADDRESS = 2
    for n in range(2):
        assert ask(Client(), article, text=f"{GOOD} {n}").status_code == 302
    keys = [key.decode() for key in server.keys("*questions:address:*")]
    assert len(keys) == 1 and server.ttl(keys[0]) <= 3660
    assert ask(Client(), article).status_code == 429
    cache.clear()


def test_a_question_with_markup_stays_text_on_every_page(client, article):
    response = ask(client, article, text=f"Is it safe? {XSS}", email="not an address")
    html = response.content.decode()
    assert XSS not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert response.status_code == 400


def test_the_ask_page_and_the_privacy_page_answer_plainly(client, article):
    page = client.get(ask_url(article))
    assert page.status_code == 200
    assert '<meta name="robots" content="noindex">' in page.content.decode()
    assert f"Back to the article: {article.title}" in said(page)
    assert client.get(reverse("articles:ask", args=["nope"])).status_code == 404
    draft = revision_with_content()
    assert client.get(reverse("articles:ask", args=[draft.article.slug])).status_code == 404
    assert client.put(ask_url(article)).status_code == 405
    privacy = text_of(client.get(reverse("privacy")))
    assert "After 180 days we delete what you wrote and your email address" in privacy


def test_a_revision_number_in_other_digits_falls_back_instead_of_failing(client, article):
    assert ask(client, article, revision="²").status_code == 302
    assert Question.objects.get().revision == article.shown_revision()
