"""What tests/test_hostile_input.py throws at the site: every route the URLconf has, filled
with real ids or with garbage, the form fields each page really shows, and hostile values.

Routes come from walking the resolver, so a new URL is fuzzed without anyone listing it; a URL
whose path parameter has no known filler fails `test_every_route_can_be_filled` instead of
being skipped quietly.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import strategies as st

# Path parameters: `<conv:name>` and `(?P<name>...)` (allauth's regex routes).
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
ADMIN_MODEL = re.compile(r"^admin/(\w+)/(\w+)/")

# Query keys worth trying everywhere, beyond the ones a page's own forms and links use.
COMMON_KEYS = [
    "audience", "revision", "next", "q", "o", "p", "e", "all", "_changelist_filters",
    "_popup", "_to_field", "action", "_selected_action", "index", "select_across", "post",
    "format", "page", "state", "status", "id", "pk", "term", "app_label", "model_name",
    "field_name",
]  # fmt: skip

METHODS = ["GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def all_routes():
    """Every route of the site as a template such as 'articles/<slug:slug>/'."""
    return sorted(set(walk(get_resolver().url_patterns)))


def route_params(route):
    return CONVERTER.findall(route) + REGEX_GROUP.findall(route)


def fill(route, values):
    """The path for `route` with each parameter replaced by values[name] (already quoted)."""
    route = route.replace("^", "").replace("$", "")
    route = REGEX_GROUP.sub(lambda m: values[m.group(1)], route)
    route = CONVERTER.sub(lambda m: values[m.group(1)], route)
    return "/" + route


def admin_model(route):
    """The model behind an admin route like 'admin/articles/source/<path:object_id>/'."""
    match = ADMIN_MODEL.match(route)
    if not match:
        return None
    try:
        return apps.get_model(match.group(1), match.group(2))
    except LookupError:
        return None


# Hostile values.

NASTY = [
    "\x00", "a\x00b", "%00", "\x00" * 40, "'", '"', "' OR 1=1 --", "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>', "../../../../etc/passwd", "\u202etxt.exe", "\ufeff",
    "\U0001f600" * 50, "-1", "0", "9" * 40, "1e309", "NaN", "[]", "{}", "null", "true",
    " ", "\t\n\r", "\\", "%", "%%", "%2e%2e%2f", "\u0000\u0001\u001f", "ÿ", "İ", "ß",
    "x" * 10_001, "é" * 3_000, "a" * 100_000,
]  # fmt: skip

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=20).map(lambda text: text + "\x00"),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.builds(lambda n, c: c * n, st.integers(0, 20_000), st.sampled_from("a\x00<9 é")),
)


def path_value(real_values):
    """A path parameter: mostly a real one (so the page behind it is reached), else garbage."""
    garbage = hostile_text.map(lambda text: quote(text, safe="") or "x")
    if not real_values:
        return garbage
    return st.one_of(st.sampled_from(real_values), st.sampled_from(real_values), garbage)


# What pages show: form fields (with their offered values) and the query keys of their links.


class FieldCollector(HTMLParser):
    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.values = defaultdict(set)
        self.query_keys = set()  # of links back to this page and of GET forms
        self.post_forms = []  # each a set of field names
        self.form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.form = set()
            if (attrs.get("method") or "get").lower() == "post":
                self.post_forms.append(self.form)
            else:
                self.form = self.query_keys
        elif tag in ("input", "select", "textarea", "button") and name:
            self.values[name].add(attrs.get("value") or "")
            if self.form is not None:
                self.form.add(name)
        elif tag == "option" and attrs.get("value") is not None:
            self.values["__option__"].add(attrs["value"])
        elif tag == "a" and attrs.get("href"):
            parts = urlsplit(attrs["href"])
            if parts.path in ("", self.path):
                for key, value in parse_qsl(parts.query, keep_blank_values=True):
                    self.values[key].add(value)
                    self.query_keys.add(key)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


@dataclass
class PageFields:
    """Field names seen on one page and values seen for each (options lumped together); which
    names the page reads from its query string, and the fields of each of its POST forms."""

    values: dict = field(default_factory=dict)
    query_keys: list = field(default_factory=list)
    post_forms: list = field(default_factory=list)

    @classmethod
    def of(cls, path, html):
        collector = FieldCollector(path)
        collector.feed(html)
        options = collector.values.pop("__option__", set())
        values = {name: sorted(seen | options) for name, seen in collector.values.items()}
        forms = [sorted(form) for form in collector.post_forms if form]
        return cls(values, sorted(collector.query_keys), forms)


# The values the sweep tries in every field: a NUL, an overlong value, unicode that reverses.
SWEEP_VALUES = ["a\x00b", "x" * 10_001, "\u202e\U0001f600ü" * 3]


def field_value(offered):
    """A value for one field: one the page offered (reaching deeper code) or a hostile one."""
    offered = [value for value in offered if len(value) < 200][:30]
    if offered:
        return st.one_of(st.sampled_from(offered), hostile_text)
    return hostile_text


def form_data(fields: PageFields):
    """Query or form data for one page, as (name, [values]) pairs.

    Mostly the page's own fields, each present or missing, with one to three values (a value
    the page offered, or a hostile one): every field gets hostile values in many cases, which
    is what finds a field whose garbage reaches the database. Else a few of the page's fields,
    common keys and invented names, in any order.
    """
    page = sorted(fields.values)
    own = st.fixed_dictionaries(
        {},
        optional={
            name: st.lists(field_value(fields.values[name]), min_size=1, max_size=3)
            for name in page
        },
    ).map(lambda data: sorted(data.items()))
    names = st.sampled_from(page or COMMON_KEYS)
    names = st.one_of(names, names, st.sampled_from(COMMON_KEYS))
    entry = names.flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.lists(field_value(fields.values.get(name, [])), min_size=1, max_size=3),
        )
    )
    invented = st.tuples(hostile_text.map(lambda s: s[:50]), st.lists(hostile_text, max_size=2))
    mixed = st.lists(st.one_of(entry, entry, entry, invented), max_size=12)
    return st.one_of(own, own, mixed) if page else mixed


def as_query(pairs):
    """A raw query string: every value percent-encoded as UTF-8, repeats kept."""
    return "&".join(
        f"{quote(key, safe='')}={quote(value, safe='')}"
        for key, values in pairs
        for value in values
    )


def as_post(pairs):
    data = defaultdict(list)
    for key, values in pairs:
        data[key].extend(values)
    return dict(data)
