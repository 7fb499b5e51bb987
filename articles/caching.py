"""The article page's HTML, rendered once per what it shows and cached; per-request parts filled in.

WHAT IS CACHED. The whole page (or the htmx `#variant` partial), rendered without a request:
everything that belongs to one reader or one request is left out as a marker, and filled in for
each request by `page_response` (articles/page_pieces.py cuts the page at its markers once):

- values: the CSRF token (`csrf_token`), the CSP nonce (`csp_nonce`) and the text size
  (`text_size`) are rendered as markers and replaced by this request's values, so a cached page
  never holds a token or a nonce (each response gets its own, as without caching);
- holes: `{% hole "template.html" %}` (articles/templatetags/page_cache.py) marks a part that
  depends on the reader: the navigation (signed in or not), the messages, "Save this article".
  In a cached render it leaves a marker; `render_holes` renders that template for this request,
  with the view's per-request context (`reader_context`).

A cached render has no `request`, `user`, `messages` or `perms` in its context: they are
`PerRequest` stand-ins that raise `PerRequestValueInCachedPage` as soon as a template uses them,
so a reader's state can't slip into what everyone gets. A template change that needs one must
put that part in a hole. `{% csrf_token %}` anywhere is safe: it becomes the marker.

KEYS, AND HOW ENTRIES ARE DROPPED. An entry's key names everything the page shows, so a change
never needs a purge: it changes the key, and the old entry is never asked for again (it expires,
or the cache evicts it). The key is built from the one row the view reads anyway (the shown
revision with its article and approver, `articles.page_queries.shown_revision`) and the
audiences:

- `Article.content_version`, which `content_changed(article_id, ...)` increments. **Call it in the
  same transaction as any change to what readers see of an article** that does not change the
  shown revision's own row: articles.workflow calls it in every transition (submit, review,
  approve, request changes, still accurate ...), when a source change flags the article
  (`flag_citing_revisions`), and when the review interval moves the due date. Anything added to
  the page later (reader questions answered, a new section fed by another table) calls it when
  that content changes. Incrementing a column under the transaction's row lock is atomic with
  the change itself: no reader can see the change without the new key, even if the process dies
  right after the commit, and no request can cache the old page under the new key;
- the shown revision's id, state and dates, and the approver's public name and credentials (the
  JSON-LD names them), so a row changed directly still changes the key;
- the audience shown and every audience's wording (the selector, the disclaimers);
- whether the review is overdue at this moment (a date passing changes the page with no write);
- SITE_URL, and a fingerprint of the code and templates that render the page (a deploy starts
  new keys; see `code_fingerprint`).

Because the key comes from the database, several worker processes never disagree, and a cache
that forgets (Redis restarted, or FallbackRedisCache answering from process memory while Redis is
down) only costs a render. Entries are immutable, so each process also keeps the most recently
used ones in its own memory (`LOCAL_ENTRIES`), in front of the shared cache.

Staff previews (`?revision=`) and error pages are never cached.
"""

import hashlib
from pathlib import Path

import django
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db.models import F
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template import Context, RequestContext, engines
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
)
from django.utils.safestring import mark_safe

from .models import Article
from .page_pieces import (
    ACCEPTS_GZIP,
    CSRF_MARKER,
    LRU,
    NONCE_MARKER,
    TEXT_SIZE_MARKER,
    Split,
)

TIMEOUT = 60 * 60 * 24  # seconds a shared entry lives: keys never go stale, this frees memory
LOCAL_ENTRIES = 200  # pages each process keeps in memory (~40 KiB each)
KEY_PREFIX = "isoapp:page:"

CACHED_RENDER = "_isoapp_cached_render"  # context flag: the hole tag leaves markers


def content_changed(*article_ids) -> None:
    """What readers see of these articles changed: their cached pages are no longer used.

    Call it inside the transaction that makes the change (see the module docstring)."""
    Article.objects.filter(pk__in=article_ids).update(content_version=F("content_version") + 1)


class PerRequestValueInCachedPage(Exception):
    """A template used a reader's or a request's value in the part of a page that is cached."""


class PerRequest:
    """Stands in for `request`, `user`, `messages` and `perms` in a cached render."""

    def __init__(self, name):
        self._name = name

    def _refuse(self, *args, **kwargs):
        raise PerRequestValueInCachedPage(
            f"The article page's cached part used `{self._name}`, which differs between "
            "readers or requests. Put that part in a {% hole %} (articles/caching.py)."
        )

    __getattr__ = __getitem__ = __str__ = __bool__ = __iter__ = __len__ = __eq__ = _refuse
    __hash__ = object.__hash__


PER_REQUEST_NAMES = ("request", "user", "messages", "perms")


def cached_render_context() -> dict:
    return {
        CACHED_RENDER: True,
        "csrf_token": CSRF_MARKER,
        "csp_nonce": NONCE_MARKER,
        "text_size": TEXT_SIZE_MARKER,
        **{name: PerRequest(name) for name in PER_REQUEST_NAMES},
    }


def render_cacheable(template_name: str, context: dict) -> str:
    """Render `template_name` ("name.html" or "name.html#partial") for every reader: markers
    for the per-request values and holes, and no request in the context."""
    template = engines["django"].get_template(template_name).template
    return template.render(Context({**context, **cached_render_context()}))


# The shared cache, with this process's most recent entries in front of it. ----------------

_local = LRU(LOCAL_ENTRIES)
# Pages with their holes filled for readers without any state: no session, no messages.
_stateless = LRU(LOCAL_ENTRIES)


def clear_local() -> None:
    """Forget this process's entries (tests; the shared cache is cleared with cache.clear())."""
    _local.clear()
    _stateless.clear()


def cached_page(key: str, render) -> Split:
    """The page cached under `key`, else `render()`'s result, which is then cached."""
    page = _local.get(key)
    if page is None:
        body = cache.get(key)
        if body is None:
            body = render()
            cache.set(key, body, TIMEOUT)
        page = Split(body)
        _local.set(key, page)
    return page


# Keys. ---------------------------------------------------------------------------------------

_fingerprint = None


def code_fingerprint() -> str:
    """A hash of the code and templates that shape a page (computed once per process): a deploy
    that changes any of them starts new keys rather than serving pages rendered by old code."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256(django.get_version().encode())
        roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
        roots += [settings.BASE_DIR / app for app in ("articles", "accounts", "isoapp")]
        for root in roots:
            for path in sorted(root.rglob("*")):
                if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                    digest.update(str(path.relative_to(root)).encode())
                    digest.update(path.read_bytes())
        manifest = Path(settings.STATIC_ROOT or "") / "staticfiles.json"
        if manifest.is_file():  # fingerprinted static file names change with their content
            digest.update(manifest.read_bytes())
        _fingerprint = digest.hexdigest()[:16]
    return _fingerprint


def audiences_fingerprint(audiences) -> str:
    """Every field of every audience (articles.page_queries.Audiences has it ready)."""
    if fingerprint := getattr(audiences, "fingerprint", ""):
        return fingerprint
    rows = [[getattr(a, f.attname) for f in a._meta.concrete_fields] for a in audiences]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def page_key(kind: str, shown, audience, audiences) -> str:
    """The key of `kind` ("page" or "variant") of the revision `shown`
    (articles.page_queries.Shown: its article, its approver) shown to `audience`."""
    parts = (
        code_fingerprint(),
        settings.SITE_URL,
        kind,
        shown.values,
        shown.review_overdue,
        audience.pk,
        audiences_fingerprint(audiences),
    )
    key = _keys.get(parts)  # hashing the tuple is cheaper than writing it out for sha256
    if key is None:
        key = KEY_PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()
        _keys.set(parts, key)
    return key


_keys = LRU(LOCAL_ENTRIES * 4)


# Filling in a request's parts. ------------------------------------------------------------------


def render_hole(request, name: str, reader_context: dict) -> str:
    """One hole, rendered for this request (tokens still as markers, replaced by `values`)."""
    template = engines["django"].engine.get_template(name)
    context = RequestContext(request, reader_context)
    context.update({"csrf_token": CSRF_MARKER, "csp_nonce": NONCE_MARKER})
    return template.render(context)


def render_holes(request, page: Split, reader_context) -> dict[str, str]:
    """{marker: what it renders for this request} for each hole of `page`. `reader_context()`
    gives the holes' context from the view."""
    if not (names := page.holes):
        return {}
    context = reader_context()
    return {f"\x00hole:{name}\x00": render_hole(request, name, context) for name in names}


def given_values(request, page: Split, holes: dict[str, str], text_size) -> dict[str, str]:
    """This request's CSRF token, CSP nonce and text size (`text_size()`), for the markers
    `page` and its `holes` have."""
    in_holes = "".join(holes.values())
    given = {}
    if page.has(CSRF_MARKER) or CSRF_MARKER in in_holes:
        given[CSRF_MARKER] = csrf_token(request)
    if page.has(NONCE_MARKER) or NONCE_MARKER in in_holes:
        nonce = get_nonce(request)
        given[NONCE_MARKER] = "" if nonce is None else str(nonce)
    if page.has(TEXT_SIZE_MARKER) or TEXT_SIZE_MARKER in in_holes:
        given[TEXT_SIZE_MARKER] = text_size()
    return given


def fill_in(request, page: Split, holes: dict[str, str], text_size):
    """`page` with its `holes` and this request's values (`given_values`)."""
    given = given_values(request, page, holes, text_size)
    filled = {}
    for marker, text in holes.items():
        for value_marker, value in given.items():
            text = text.replace(value_marker, value)  # a hole is small
        filled[marker] = text
    return page.fill({**filled, **given})


def has_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def is_stateless(request) -> bool:
    """A reader without a session or messages (never signed in, never chose anything): their
    holes depend only on the address, and nothing of theirs is read or written."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def csrf_secret(request, has_form: bool) -> str:
    """The CSRF cookie this response goes with: the reader's, or the one it will set (a page
    with a form gets one), so the next visit's ETag matches."""
    secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not secret and has_form:
        csrf_token(request)
        secret = request.META.get("CSRF_COOKIE", "")
    return secret


def csrf_token(request) -> str:
    """The request's masked CSRF token, made once (every form and header of the page gets the
    same one: masking costs two dozen random choices)."""
    token = getattr(request, "_isoapp_csrf_token", None)
    if token is None:
        token = request._isoapp_csrf_token = get_token(request)
    return token


def _etag(parts, csrf_cookie) -> str:
    return f'W/"{hashlib.sha256(f"{parts}:{csrf_cookie}".encode()).hexdigest()[:32]}"'


def uncacheable(body) -> HttpResponse:
    response = HttpResponse(body)
    add_never_cache_headers(response)
    return response


def page_response(request, key, render, reader_context, *, text_size) -> HttpResponse:
    """The page cached under `key` (else `render()`d and cached), filled in for this request.

    GET and HEAD get an ETag naming the page and everything filled in for this reader (hole
    contents, text size, their CSRF cookie), so a repeat visit or swap with `If-None-Match`
    gets a 304; never while a message waits to be shown. Cache-Control is `private, no-cache`:
    the browser may keep it but asks each time, and no shared cache keeps it (it carries a CSRF
    token and may set the CSRF cookie). POST answers are never kept.

    A stateless reader's page (`is_stateless`) is filled once per address and kept in this
    process: no session is opened for them, and `Vary: Cookie` says the page would differ with
    one.
    """
    page = cached_page(key, render)
    if request.method not in ("GET", "HEAD"):
        holes = render_holes(request, page, reader_context)
        return uncacheable(fill_in(request, page, holes, text_size))
    stateless = is_stateless(request)
    if stateless:
        stateless_key = (key, request.get_full_path())
        entry = _stateless.get(stateless_key)
        if entry is None:
            holes = render_holes(request, page, reader_context)
            entry = (Split(page.fill(holes), encoded=True), repr((key, sorted(holes.items()))))
            _stateless.set(stateless_key, entry)
        page, parts = entry
        holes, size = {}, "standard"
    else:
        holes = render_holes(request, page, reader_context)
        if has_messages(request):  # shown now, once: no 304 may hide them
            return uncacheable(fill_in(request, page, holes, text_size))
        size = text_size() if page.has(TEXT_SIZE_MARKER) else ""
        parts = repr((key, sorted(holes.items()), size))
    has_form = page.has(CSRF_MARKER) or any(CSRF_MARKER in text for text in holes.values())
    etag = _etag(parts, csrf_secret(request, has_form))
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        # The browser keeps the page it has, whose scripts carry the nonce of the policy it
        # stored with it: a new policy here would not match them.
        response._csp_config = None
    elif stateless and ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(page.gzipped(given_values(request, page, {}, lambda: size)))
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(fill_in(request, page, holes, lambda: size))
    # A response made just now has none of these yet: set, not patched (patching parses first).
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = (
        "Accept-Encoding, Cookie" if response.has_header("Content-Encoding") else "Cookie"
    )
    return response


def hole_marker(name: str) -> str:
    return mark_safe(f"\x00hole:{name}\x00")  # noqa: S308 (a fixed marker, no input)
