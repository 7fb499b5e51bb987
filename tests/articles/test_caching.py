"""Issue 11, point 4: the cached article page is never stale and never anyone else's.

The page is rendered once per what it shows (articles/caching.py); these tests change what it
shows the way staff and readers do, and read the very next response.
"""

import datetime
import gzip
import pickle
import re

import pytest
from django.core.cache import cache
from django.db.models import F
from django.middleware.csrf import _unmask_cipher_token
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import caching, workflow
from articles.models import Audience, Revision, SavedArticle
from tests.articles.source_helpers import approved, new_edition
from tests.factories import SourceFactory, UserFactory, reviewer, revision_with_content
from tests.pages import said, text_of

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def page(client, article, query="", **headers):
    response = client.get(article.get_absolute_url() + query, headers=headers)
    assert response.status_code == 200
    return response


def stored_pages():
    """The bodies in the shared cache (the test settings' per-process memory)."""
    return [
        pickle.loads(value)  # noqa: S301 (our own cache)
        for key, value in cache._cache.items()
        if caching.KEY_PREFIX in key
    ]


def csrf_token_of(response):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


# Changes readers must see on the very next request -------------------------------------------


def test_an_approval_shows_on_the_next_request(client, people):
    revision = revision_with_content(author=people["author"], state=Revision.State.SUBMITTED)
    workflow.start_review(revision, people["checker"])
    article = revision.article
    assert "Not yet checked by a doctor" in text_of(page(client, article))
    assert "Not yet checked by a doctor" in text_of(page(client, article))  # from the cache
    workflow.approve(
        revision, people["checker"], "Checked.", attested=True, pemat_reason="Not rated here."
    )
    text = said(page(client, article))
    assert "Not yet checked by a doctor" not in text
    assert "Medically reviewed: checked by Dr. Rowan Reviewer, MD, FAAD" in text


def test_a_re_review_flag_and_every_later_source_change_show_on_the_next_request(
    client, people, guideline
):
    second = SourceFactory(key="second", short_name="Second trial", title="Second trial")
    article = approved(people, sources=[guideline, second]).article
    assert "Our medical reviewers are checking" not in text_of(page(client, article))
    new_edition(guideline, people["recorder"])
    text = text_of(page(client, article))
    assert "The American Academy of Dermatology acne guideline this article relies on was" in text
    # Flagged already, so the revision's own row keeps its first flag date: only the
    # article's content version tells the cache.
    flagged_since = Revision.objects.get(article=article).recheck_since
    new_edition(second, people["recorder"], edition="2nd", published_on=datetime.date(2026, 4, 2))
    assert Revision.objects.get(article=article).recheck_since == flagged_since
    assert "The Second trial this article relies on was updated" in text_of(page(client, article))


def test_still_accurate_moves_the_references_on_the_next_request(client, people, guideline):
    revision = approved(people, sources=[guideline])
    article = revision.article
    new_edition(guideline, people["recorder"])
    assert "2026 update" not in text_of(page(client, article))
    workflow.still_accurate(revision, people["checker"], "Dose advice unchanged.")
    text = text_of(page(client, article))
    assert "2026 update" in text and "Our medical reviewers are checking" not in text


def test_a_new_review_interval_shows_on_the_next_request(client, people):
    revision = approved(people)
    article = revision.article
    due = revision.review_due_at
    assert f"Next review due {due:%B} {due.day}, {due.year}" in text_of(page(client, article))
    article.review_interval_months = 3
    article.save()
    article.refresh_review_due()
    due = Revision.objects.get(pk=revision.pk).review_due_at
    assert f"Next review due {due:%B} {due.day}, {due.year}" in text_of(page(client, article))


def test_a_review_falling_due_shows_without_any_write(client, people, monkeypatch):
    revision = approved(people)
    assert "review is overdue" not in text_of(page(client, revision.article))
    later = revision.review_due_at + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "this article's medical review is overdue" in text_of(page(client, revision.article))


def test_new_audience_wording_shows_on_the_next_request(client):
    article = revision_with_content(state=Revision.State.SUBMITTED).article
    assert "Talk to your doctor" in text_of(page(client, article))
    Audience.objects.filter(slug="patient").update(disclaimer="Ask your own pharmacist first.")
    assert "Ask your own pharmacist first." in text_of(page(client, article))
    assert "Ask your own pharmacist first." in text_of(page(client, article, **HTMX))


def test_audience_wording_with_any_line_separator_keeps_every_page_up(client):
    """Pasted text can carry U+2028, U+2029 or U+0085: the audiences come to the page as JSON
    lines, which must not be cut there."""
    article = revision_with_content(state=Revision.State.SUBMITTED).article
    pasted = "Ask first.\u2028Then ask again.\x85And\u2029once more.\nNew line."
    Audience.objects.filter(slug="patient").update(disclaimer=pasted, label="Patient\u2028")
    for headers in ({}, HTMX):
        response = page(client, article, **headers)
        assert response.status_code == 200
        assert "Then ask again." in text_of(response)


def test_a_new_default_or_order_of_audiences_shows_on_the_next_request(client):
    article = revision_with_content(
        texts={"student": "Student words.", "patient": "Patient words."},
        state=Revision.State.SUBMITTED,
    ).article
    assert "Patient words." in text_of(page(client, article))
    Audience.objects.update(is_default=False)
    Audience.objects.filter(slug="student").update(is_default=True)
    assert "Student words." in text_of(page(client, article))
    order = [a.slug for a in Audience.objects.order_by("order", "pk")]
    Audience.objects.update(order=F("order") + 10)
    Audience.objects.filter(slug=order[-1]).update(order=0)
    options = page(client, article).content.decode().split('name="audience" value="')[1:]
    assert options[0].startswith(order[-1])


def test_a_preference_change_shows_on_the_next_request(client):
    article = revision_with_content(
        texts={"student": "Student words."}, state=Revision.State.SUBMITTED
    ).article
    reader = UserFactory()
    client.force_login(reader)
    assert 'class="text-standard"' in page(client, article).content.decode()
    client.post(
        reverse("accounts:preferences"), {"reading_audience": "student", "text_size": "large"}
    )
    response = page(client, article)
    assert 'class="text-large"' in response.content.decode()
    assert "Student words." in text_of(response)


# Nobody gets another reader's page, token or state ------------------------------------------


def test_signed_in_readers_never_get_each_others_page_token_or_saved_state():
    article = revision_with_content(state=Revision.State.SUBMITTED).article
    ana, ben = UserFactory(), UserFactory(is_staff=True)
    readers = {}
    for user in (ana, ben):
        readers[user] = Client(enforce_csrf_checks=True)
        readers[user].force_login(user)
    SavedArticle.objects.create(user=ana, article=article)
    anonymous = Client()
    for _ in range(2):  # the second round comes from the cache
        ana_page, ben_page = (page(readers[user], article) for user in (ana, ben))
        stranger = page(anonymous, article).content.decode()
        assert "Remove from saved articles" in ana_page.content.decode()
        assert "Save this article" in ben_page.content.decode()
        assert ">Admin</a>" in ben_page.content.decode()
        assert ">Admin</a>" not in ana_page.content.decode()
        assert "Sign out" not in stranger and "Sign in to save this article" in stranger
        for user in (ana, ben):
            response = ana_page if user is ana else ben_page
            secret = readers[user].cookies["csrftoken"].value
            tokens = set(re.findall(r'"X-CSRFToken": "([^"]+)"', response.content.decode()))
            tokens.add(csrf_token_of(response))
            assert len(tokens) == 1  # one token in the whole page, this reader's
            assert _unmask_cipher_token(tokens.pop()) == secret
    # Each reader's token works for them, not for the other.
    ana_token = csrf_token_of(page(readers[ana], article))
    ok = readers[ana].post(
        article.get_absolute_url(), {"audience": "student"}, HTTP_X_CSRFTOKEN=ana_token
    )
    assert ok.status_code == 302
    refused = readers[ben].post(
        article.get_absolute_url(), {"audience": "student"}, HTTP_X_CSRFTOKEN=ana_token
    )
    assert refused.status_code == 403


def test_the_cached_page_holds_no_nonce_token_or_reader(client):
    article = revision_with_content(state=Revision.State.APPROVED).article
    first, second = page(client, article), page(client, article)
    nonces = []
    for response in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
        assert f'nonce="{nonce}"' in response.content.decode()
        assert "\x00" not in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert csrf_token_of(first) != csrf_token_of(second)
    stored = stored_pages()
    assert stored and all(caching.NONCE_MARKER in body for body in stored)
    for body in stored:
        assert nonces[0] not in body and csrf_token_of(first) not in body
        assert "Sign in to save" not in body  # the reader's part is a hole


def test_a_template_using_a_readers_value_in_the_cached_part_fails_loudly():
    template = "{% if user.is_authenticated %}Hello{% endif %}"
    compiled = engines["django"].from_string(template).template
    with pytest.raises(caching.PerRequestValueInCachedPage, match="user"):
        compiled.render(caching.Context(caching.cached_render_context()))
    form = engines["django"].from_string("{% csrf_token %}{{ csp_nonce }}").template
    rendered = form.render(caching.Context(caching.cached_render_context()))
    assert caching.CSRF_MARKER in rendered and caching.NONCE_MARKER in rendered


def test_a_staff_preview_is_never_cached(client):
    staff = reviewer()
    shown = revision_with_content(texts={"patient": "Public words."}, state=Revision.State.APPROVED)
    article = shown.article
    draft = workflow.start_revision(article, UserFactory(roles=["Editors"]))
    variant = draft.variants.get(audience__slug="patient")
    variant.body_markdown = "Draft words."
    variant.save()
    client.force_login(staff)
    before = stored_pages()
    preview = page(client, article, f"?revision={draft.number}")
    assert "Draft words." in text_of(preview) and "Staff preview" in text_of(preview)
    assert "no-store" in preview["Cache-Control"] and "ETag" not in preview
    assert stored_pages() == before  # nothing stored
    variant.body_markdown = "Newer draft words."
    variant.save()
    assert "Newer draft words." in text_of(page(client, article, f"?revision={draft.number}"))
    assert "Public words." in text_of(page(Client(), article))


# Headers for each kind of response -------------------------------------------------------------


def test_cache_headers_for_each_kind_of_response(client):
    article = revision_with_content(state=Revision.State.SUBMITTED).article
    public = page(client, article)
    partial = page(client, article, "?audience=student", **HTMX)
    signed_in = Client()
    signed_in.force_login(UserFactory())
    personal = page(signed_in, article)
    for response in (public, partial, personal):
        assert response["Cache-Control"] == "private, no-cache"
        assert {"HX-Request", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
        assert response["ETag"].startswith('W/"')
    assert len({public["ETag"], partial["ETag"], personal["ETag"]}) == 3
    posted = client.post(article.get_absolute_url(), {"audience": "student"}, headers=HTMX)
    assert "no-store" in posted["Cache-Control"] and "ETag" not in posted


def test_a_repeat_visit_or_swap_gets_a_304_until_something_changes(client, people):
    revision = revision_with_content(author=people["author"], state=Revision.State.SUBMITTED)
    article = revision.article
    for query, headers in (("", {}), ("?audience=student", HTMX)):
        first = page(client, article, query, **headers)
        again = client.get(
            article.get_absolute_url() + query,
            headers={**headers, "If-None-Match": first["ETag"]},
        )
        assert again.status_code == 304 and again.content == b""
        assert again["ETag"] == first["ETag"]
        assert "Content-Security-Policy" not in again  # the stored page keeps its own
    etag = page(client, article)["ETag"]
    workflow.start_review(revision, people["checker"])
    changed = client.get(article.get_absolute_url(), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    # Another reader (another CSRF cookie) never gets a 304 for this reader's page.
    other = Client().get(article.get_absolute_url(), headers={"If-None-Match": changed["ETag"]})
    assert other.status_code == 200


def test_a_waiting_message_is_shown_not_hidden_by_a_304(client):
    article = revision_with_content(state=Revision.State.SUBMITTED).article
    client.force_login(UserFactory())
    etag = page(client, article)["ETag"]
    # A plain form leaves a message for the next page; saved and removed again, the page
    # itself is as it was.
    client.post(article.get_absolute_url() + "save/")
    client.post(article.get_absolute_url() + "save/")
    response = client.get(article.get_absolute_url(), headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Removed from your saved articles." in text_of(response)
    assert "no-store" in response["Cache-Control"]


def test_the_sign_in_link_follows_each_address_of_a_cached_page(client):
    article = revision_with_content(state=Revision.State.SUBMITTED).article
    for query in ("", "?audience=student", "?audience=clinician&x=1"):
        html = page(client, article, query).content.decode()
        expected = (article.get_absolute_url() + query).replace("?", "%3F").replace("=", "%3D")
        assert f"?next={expected.replace('&', '%26')}" in html


def test_pages_are_compressed_for_clients_that_accept_it_but_not_account_pages(client):
    article = revision_with_content(state=Revision.State.SUBMITTED).article
    plain = page(client, article)
    packed = page(client, article, **{"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert len(packed.content) * 2 < len(html)
    assert "Key facts" in html and html.rstrip().endswith("</html>")
    # A reader without a session gets the page compressed once and kept: their CSRF token and
    # nonce go in uncompressed (stored blocks), never sharing a window with the page's text.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    nonce = re.search(r"'nonce-([^']+)'", packed["Content-Security-Policy"])[1]
    assert token.encode() in packed.content and nonce.encode() in packed.content
    swap = page(client, article, "?audience=student", **{**HTMX, "Accept-Encoding": "gzip"})
    assert swap["Content-Encoding"] == "gzip"
    assert gzip.decompress(swap.content).decode().lstrip().startswith('<div id="variant"')
    client.force_login(UserFactory())
    signed_in = page(client, article, **{"Accept-Encoding": "gzip"})
    assert "Sign out" in gzip.decompress(signed_in.content).decode()
    account = client.get(reverse("accounts:home"), headers={"Accept-Encoding": "gzip"})
    assert account.status_code == 200 and "Content-Encoding" not in account


def test_templates_are_compiled_once_per_process():
    """The cached template loader (Django's default, kept: no `loaders` option in settings)."""
    loaders = engines["django"].engine.loaders
    assert loaders[0][0] == "django.template.loaders.cached.Loader"
