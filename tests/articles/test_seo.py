"""What search engines and link previews read: structured data, robots, canonical, sitemap."""

import datetime
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Revision
from tests.articles.source_helpers import approved, new_edition
from tests.factories import (
    ArticleFactory,
    SourceFactory,
    editor,
    reviewer,
    revision_with_content,
)

pytestmark = pytest.mark.django_db
State = Revision.State
SITE = "https://isoapp.example"
XSS = "</script><script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


class Head(HTMLParser):
    """The tags a crawler reads in <head>: meta, link and JSON-LD scripts."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self.nonces = {}, [], [], []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            key = attrs.get("name") or attrs.get("property")
            self.meta.setdefault(key, []).append(attrs.get("content"))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.nonces.append(attrs.get("nonce"))
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data


def head_of(response):
    assert response.status_code == 200
    parser = Head()
    parser.feed(response.content.decode())
    return parser


def structured_data(head):
    assert len(head.json_ld) == 1
    return json.loads(head.json_ld[0])


def canonical(head):
    return [link["href"] for link in head.links if link.get("rel") == "canonical"]


def live(author=None, checker=None, **fields):
    """An approved revision 1 citing two sources, one with a DOI and a PMID."""
    checker = checker or reviewer()
    sources = [
        SourceFactory(title="Trial of dose", doi="10.1000/xyz", pmid="123456"),
        SourceFactory(title="Second trial", url="https://example.org/second"),
    ]
    revision = revision_with_content(
        sources=sources, state=State.SUBMITTED, author=author or editor(), **fields
    )
    workflow.start_review(revision, checker)
    workflow.approve(revision, checker, attested=True, pemat_reason="Not rated in this test.")
    revision.refresh_from_db()
    return revision


def test_approved_page_carries_medical_webpage_json_ld(client):
    revision = live(article=ArticleFactory(title="Is it safe?"), summary="Short answer.")
    response = client.get(revision.article.get_absolute_url())
    head = head_of(response)
    data = structured_data(head)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == "Is it safe?" and data["description"] == "Short answer."
    assert data["url"] == f"{SITE}/articles/{revision.article.slug}/"
    assert data["lastReviewed"] == timezone.localdate(revision.approved_at).isoformat()
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr. Rowan Reviewer",
        "honorificSuffix": "MD, FAAD",
    }
    assert data["audience"] == {"@type": "MedicalAudience", "audienceType": "Patient"}
    assert data["dateModified"].startswith(
        timezone.localdate(revision.updated_at).isoformat() + "T"
    )
    first, second = data["citation"]
    assert first["name"] == "Trial of dose" and first["url"] == "https://doi.org/10.1000/xyz"
    assert first["sameAs"] == ["https://pubmed.ncbi.nlm.nih.gov/123456/"]
    assert first["identifier"] == "doi:10.1000/xyz"
    assert first["author"] == "Example A, Sample B" and first["datePublished"] == "2020"
    assert second["name"] == "Second trial" and second["url"] == "https://example.org/second"
    assert "robots" not in head.meta
    # The page's Content-Security-Policy allows this script element by its nonce.
    nonce = head.nonces[0]
    assert nonce and f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_json_ld_names_the_audience_shown(client):
    revision = live()
    url = revision.article.get_absolute_url()
    data = structured_data(head_of(client.get(f"{url}?audience=clinician")))
    assert data["audience"]["audienceType"] == "Clinician"


def test_a_changed_profile_keeps_the_frozen_label_whole(client):
    checker = reviewer()
    revision = live(checker=checker)
    checker.credentials = "MD, PhD"
    checker.save()
    data = structured_data(head_of(client.get(revision.article.get_absolute_url())))
    assert data["reviewedBy"] == {"@type": "Person", "name": "Dr. Rowan Reviewer, MD, FAAD"}


def test_pending_page_has_no_reviewer_and_is_noindex(client):
    pending = revision_with_content(state=State.SUBMITTED)
    workflow.start_review(pending, reviewer())
    head = head_of(client.get(pending.article.get_absolute_url()))
    data = structured_data(head)
    assert data["@type"] == "MedicalWebPage"
    assert "reviewedBy" not in data and "lastReviewed" not in data
    assert head.meta["robots"] == ["noindex"]


def test_flagged_page_has_no_reviewer_and_is_noindex(client, people, guideline):
    revision = approved(people, sources=[guideline])
    url = revision.article.get_absolute_url()
    assert "robots" not in head_of(client.get(url)).meta
    new_edition(guideline, people["recorder"])
    revision.refresh_from_db()
    assert revision.needs_recheck
    head = head_of(client.get(url))
    data = structured_data(head)
    assert "reviewedBy" not in data and "lastReviewed" not in data
    assert head.meta["robots"] == ["noindex"]


def test_staff_preview_is_noindex(client):
    revision = live()
    client.force_login(editor())
    head = head_of(client.get(f"{revision.article.get_absolute_url()}?revision=1"))
    assert head.meta["robots"] == ["noindex"]


def test_one_canonical_url_per_article_whatever_the_audience(client):
    revision = live()
    url = revision.article.get_absolute_url()
    expected = [f"{SITE}{url}"]
    assert canonical(head_of(client.get(url))) == expected
    assert canonical(head_of(client.get(f"{url}?audience=clinician"))) == expected
    assert canonical(head_of(client.get(f"{url}?audience=nobody"))) == expected


def test_open_graph_title_and_description(client):
    revision = live(
        article=ArticleFactory(title='Can I take "it" & drink?'), summary="Not with <alcohol>."
    )
    meta = head_of(client.get(revision.article.get_absolute_url())).meta
    assert meta["og:title"] == ['Can I take "it" & drink?']
    assert meta["og:description"] == ["Not with <alcohol>."]
    assert meta["description"] == ["Not with <alcohol>."]
    assert meta["og:type"] == ["article"]
    assert meta["og:url"] == [f"{SITE}{revision.article.get_absolute_url()}"]


def test_a_title_cannot_break_out_of_the_json_ld(client):
    revision = live(article=ArticleFactory(title=f"Safe?{XSS}"), summary=f"Summary {XSS}")
    response = client.get(revision.article.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert len(re.findall(r"<script\b", html)) == len(re.findall(r"</script>", html))
    head = head_of(response)
    data = structured_data(head)
    assert data["name"] == f"Safe?{XSS}" and data["description"] == f"Summary {XSS}"
    assert head.meta["og:title"] == [f"Safe?{XSS}"]


def test_the_article_page_costs_no_extra_queries(client, django_assert_max_num_queries):
    revision = live()
    url = revision.article.get_absolute_url()
    client.get(url)
    # Article, audiences, revision (with its approver), variant, citations with their versions,
    # and the published answers to readers' questions.
    with django_assert_max_num_queries(6):
        assert structured_data(head_of(client.get(url)))["reviewedBy"]


def lastmods(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(response.content)  # noqa: S314 (our own response)
    return {
        url.findtext("s:loc", namespaces=namespace): url.findtext("s:lastmod", namespaces=namespace)
        for url in root.findall("s:url", namespace)
    }


def test_sitemap_lists_approved_unflagged_articles_with_their_review_date(
    client, people, guideline
):
    shown = live()
    pending = revision_with_content(state=State.SUBMITTED)
    flagged = approved(people, sources=[guideline])
    new_edition(guideline, people["recorder"])
    # An approved article whose newer revision is in review: dated by the approved one.
    renewed = live()
    newer = workflow.start_revision(renewed.article, editor())
    workflow.submit(newer, newer.author, "Rewrote it.")
    Revision.objects.filter(pk=renewed.pk).update(
        approved_at=timezone.now() - datetime.timedelta(days=40)
    )
    renewed.refresh_from_db()

    entries = lastmods(client.get("/sitemap.xml"))
    assert entries == {
        f"{SITE}{shown.article.get_absolute_url()}": timezone.localdate(
            shown.approved_at
        ).isoformat(),
        f"{SITE}{renewed.article.get_absolute_url()}": timezone.localdate(
            renewed.approved_at
        ).isoformat(),
    }
    assert pending.article.get_absolute_url() not in str(entries)
    assert flagged.article.get_absolute_url() not in str(entries)


def test_robots_txt_points_to_the_sitemap_and_keeps_staff_pages_out(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines and "Disallow: /accounts/" in lines
    assert "Disallow: /" not in lines  # public pages stay crawlable
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert client.post("/robots.txt").status_code == 405
