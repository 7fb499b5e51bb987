"""The article page's one query, compiled to SQL once per thread.

Django turns a QuerySet into SQL on every evaluation. For the page's query (the shown
revision, `RevisionQuerySet.shown_first`, with its article and approver) that compiling took
longer than running it: in the profile of a cached page it was the largest single cost
(bench/RESULTS.md). `Prepared` builds the QuerySet once with placeholder values, keeps its SQL
and Django's converters for its columns, and runs that SQL with the real values. The QuerySet
stays the one statement of the rule; only its compiling is done once.
"""

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import cached_property

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Exists, OuterRef, Subquery, TextField, Value
from django.db.models.aggregates import StringAgg
from django.db.models.functions import Cast, JSONArray
from django.utils import timezone

from .models import Article, Audience, Revision, SavedArticle


class Prepared:
    """`build(**placeholders)` compiled once per thread; `rows(**values)` runs it with each
    placeholder's value replaced. Each placeholder must be a value that appears among the SQL
    parameters only where it was given (a string or number nothing else in the query uses).
    `convert`: the indexes of the only columns that need Django's conversion from the
    database's values (None: all)."""

    def __init__(self, build, convert=None, **placeholders):
        self.build, self.convert, self.placeholders = build, convert, placeholders
        self._local = threading.local()

    def _compiled(self, using):
        connection = connections[using]
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled[0] is not connection:
            compiler = self.build(**self.placeholders).query.get_compiler(using)
            sql, params = compiler.as_sql()
            params = list(params)
            slots = {}
            for name, placeholder in self.placeholders.items():
                slots[name] = [i for i, param in enumerate(params) if param == placeholder]
                if not slots[name]:
                    raise ValueError(f"The placeholder for {name} is not in the SQL.")
            columns = [select[0] for select in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(columns)
            if self.convert is not None:
                converters = {i: c for i, c in converters.items() if i in self.convert}
            compiled = (connection, compiler, sql, params, slots, converters)
            self._local.compiled = compiled
        return compiled

    def rows(self, using=DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        connection, compiler, sql, params, slots, converters = self._compiled(using)
        params = list(params)
        for name, positions in slots.items():
            for position in positions:
                params[position] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows


SLUG = "\x00prepared-slug\x00"
USER = -918_273_645  # no user has a negative id

SHOWN_FIELDS = (
    "pk",
    "created_at",
    "number",
    "state",
    "submitted_at",
    "approved_at",
    "approved_by_label",
    "review_due_at",
    "recheck_since",
    "rechecked_at",
    "rechecked_by_label",
    "article_id",
    "article__slug",
    "article__created_at",
    "article__content_version",
    "approved_by_id",
    "approved_by__display_name",
    "approved_by__first_name",
    "approved_by__last_name",
    "approved_by__email",
    "approved_by__credentials",
)


AUDIENCE_FIELDS = tuple(field.attname for field in Audience._meta.concrete_fields)


def _every_audience():
    """Every audience's row, as one text: a JSON array of its fields a line (in no particular
    order: `audiences_from` sorts them)."""
    return (
        Audience.objects.order_by()
        .annotate(everyone=Value(1))
        .values("everyone")  # one group: the whole table
        .annotate(
            rows=StringAgg(Cast(JSONArray(*AUDIENCE_FIELDS), TextField()), delimiter=Value("\n"))
        )
        .values("rows")
    )


def _shown(slug, user=None):
    """The shown revision's row (SHOWN_FIELDS), every audience (`_every_audience`), and for a
    `user` whether they saved the article: a page's whole key in one round trip."""
    shown = (
        Revision.objects.filter(article__slug=slug)
        .shown_first()
        .annotate(audience_rows=Subquery(_every_audience()))
    )
    if user is not None:
        saved = SavedArticle.objects.filter(user_id=user, article=OuterRef("article"))
        shown = shown.annotate(is_saved=Exists(saved))
        return shown.values_list(*SHOWN_FIELDS, "audience_rows", "is_saved")[:1]
    return shown.values_list(*SHOWN_FIELDS, "audience_rows")[:1]


# Only the due date is read as a date (is the review overdue?); the other values only name the
# page, as the database gives them.
_DUE = {SHOWN_FIELDS.index("review_due_at")}
_shown_to_anyone = Prepared(_shown, convert=_DUE, slug=SLUG)
_shown_to_user = Prepared(_shown, convert=_DUE, slug=SLUG, user=USER)


@dataclass(frozen=True)
class Shown:
    """The revision readers see of an article, as the page's query reads it: enough to
    name the cached page (`articles.caching.page_key`) and fill in its holes. `revision()`
    fetches the whole revision, for rendering the page when the cache misses. Values are as the
    database gives them (dates as text on SQLite), but for `review_due_at`."""

    values: tuple
    is_saved: bool
    audiences: "Audiences"

    def __getattr__(self, name):
        try:
            return self.values[SHOWN_FIELDS.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    @cached_property
    def article(self) -> Article:
        return Article(
            pk=self.article_id,
            slug=self.article__slug,
            content_version=self.article__content_version,
        )

    @property
    def review_overdue(self) -> bool:  # as Revision.review_overdue
        return (
            self.state == Revision.State.APPROVED
            and self.review_due_at is not None
            and self.review_due_at < timezone.now()
        )

    def revision(self) -> Revision:
        return Revision.objects.select_related("article", "approved_by").get(pk=self.pk)


def shown_revision(slug: str, user=None) -> Shown | None:
    """One query: the revision readers see of the article at `slug` (None when it is not
    public), every audience, and for a signed-in `user` whether they saved the article."""
    count = len(SHOWN_FIELDS)
    if user is not None and user.is_authenticated:
        rows = _shown_to_user.rows(slug=slug, user=user.pk)
    else:
        rows = _shown_to_anyone.rows(slug=slug)
    if not rows:
        return None
    row = rows[0]
    is_saved = bool(row[count + 1]) if len(row) > count + 1 else False
    return Shown(row[:count], is_saved, audiences_from(row[count] or ""))


class Audiences(list):
    """The audiences, in order, and `fingerprint`: a digest of every field of every row, so a
    change to any wording names other cached pages (articles.caching.page_key)."""

    fingerprint = ""


_audience_lists = {}  # text -> Audiences: the same rows give the same (read-only) objects
_AUDIENCE_MODEL_FIELDS = [Audience._meta.get_field(name) for name in AUDIENCE_FIELDS]
_ORDER = (AUDIENCE_FIELDS.index("order"), AUDIENCE_FIELDS.index("id"))


def audiences_from(text: str, using=DEFAULT_DB_ALIAS) -> Audiences:
    """Every audience, in order, from `_every_audience`'s text."""
    found = _audience_lists.get(text)
    if found is None:
        rows = [
            tuple(
                field.to_python(value)
                for field, value in zip(_AUDIENCE_MODEL_FIELDS, row, strict=True)
            )
            # Only "\n" ends a line: JSON escapes it inside a value, but not U+2028 or U+0085,
            # which str.splitlines() would split on.
            for row in (json.loads(line) for line in text.split("\n") if line)
        ]
        rows.sort(key=lambda row: tuple(row[i] for i in _ORDER))
        found = Audiences(Audience.from_db(using, AUDIENCE_FIELDS, row) for row in rows)
        found.fingerprint = hashlib.sha256(repr(rows).encode()).hexdigest()
        if len(_audience_lists) > 16:  # wording edited many times in one process's life
            _audience_lists.clear()
        _audience_lists[text] = found
    return found
