"""What search engines and link previews read of an article page: its canonical address, whether
it may be indexed, and its schema.org structured data (MedicalWebPage JSON-LD)."""

import json

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

SITE_NAME = "isoapp"

# The characters that could end a <script> element or start markup inside it, as JSON escapes
# (the same ones Django's json_script filter escapes): a title holding "</script>" stays data.
_SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def canonical_url(article) -> str:
    """One address per article: the bare article URL. `?audience=` (and the staff-only
    `?revision=`) show the same article, so every variant names this one as canonical."""
    return absolute(article.get_absolute_url())


def is_reviewed(revision) -> bool:
    """An approved revision with no re-check pending (a cited source changed since)."""
    return revision.is_approved and not revision.needs_recheck


def is_indexable(revision, *, preview=False) -> bool:
    """Only reviewed pages are offered to search engines; staff previews never are."""
    return not preview and is_reviewed(revision)


def reviewer_person(revision) -> dict:
    """The approver as a schema.org Person, from the name and credentials frozen at approval.

    `approved_by_label` is "Name, credentials" as one string, and both parts may hold commas,
    so it is never split by guessing. When the approver's profile still reads exactly as the
    label, the profile tells where the name ends: name and `honorificSuffix` come apart. Else
    (profile changed since, account deleted) the whole label is the name.
    """
    label = revision.approved_by_label
    person = {"@type": "Person", "name": label}
    user = revision.approved_by
    if user is not None and user.credentials and user.signature == label:
        person["name"] = user.public_name
        person["honorificSuffix"] = user.credentials
    return person


def cited_work(version) -> dict:
    """A cited source, as the page prints it (the version pinned by the citation)."""
    links = [link for link in (version.doi_url, version.pubmed_url, version.url) if link]
    work = {"@type": "CreativeWork", "name": version.title}
    if version.authors:
        work["author"] = version.authors
    if version.publisher:
        work["publisher"] = version.publisher
    if version.published_on:
        work["datePublished"] = version.published_on.isoformat()
    elif version.year:
        work["datePublished"] = str(version.year)
    if version.edition:
        work["version"] = version.edition
    if version.doi:
        work["identifier"] = f"doi:{version.doi}"
    if links:
        work["url"] = links[0]
    if links[1:]:
        work["sameAs"] = links[1:]
    if version.is_withdrawn:
        work["creativeWorkStatus"] = version.get_status_display()
    return work


def medical_webpage(article, revision, audience, citations) -> dict:
    """schema.org MedicalWebPage for the page showing `revision` to `audience`.

    The review claim (`lastReviewed`, `reviewedBy`) is made only for an approved revision with
    no re-check pending; pending and flagged pages describe themselves without it.
    """
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": canonical_url(article),
        "name": revision.title,
        "description": revision.summary,
        "inLanguage": "en",
        "isPartOf": {"@type": "WebSite", "name": SITE_NAME, "url": absolute("/")},
        "dateModified": timezone.localtime(revision.updated_at).isoformat(),
        "audience": {"@type": "MedicalAudience", "audienceType": audience.label},
        "citation": [cited_work(citation.version) for citation in citations],
    }
    if is_reviewed(revision) and revision.approved_at:
        data["lastReviewed"] = timezone.localdate(revision.approved_at).isoformat()
        data["reviewedBy"] = reviewer_person(revision)
    return data


def script_json(data) -> SafeString:
    """`data` as JSON that is safe inside a <script> element (never inside an attribute)."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_SAFE))  # noqa: S308


def page_meta(article, revision, audience, citations, *, preview=False) -> dict:
    """What templates/articles/_head_meta.html prints in the article page's <head>."""
    return {
        "canonical_url": canonical_url(article),
        "indexable": is_indexable(revision, preview=preview),
        "structured_data": script_json(medical_webpage(article, revision, audience, citations)),
    }
