"""Two people at once, on PostgreSQL: each test races two connections for many rounds.

Every round puts two threads behind a `threading.Barrier` and then lets each act through its
own database connection, the way two gunicorn workers would. One side waits a little longer
each round (a sweep of small delays) so that over the rounds both orders happen, and the tests
whose outcomes tell the orders apart check that both came up: a race that only ever ran one way
would prove nothing.

SQLite has no row locks (a writer locks the whole file), so these skip there.
"""

import contextlib
import datetime
import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse

from articles import workflow
from articles.models import Article, Citation, Revision, SourceVersion, Variant
from articles.models.article import add_months
from articles.rendering import render_variant
from articles.source_changes import record_source_change
from tests.factories import (
    ArticleFactory,
    SourceFactory,
    editor,
    reviewer,
    revision_with_content,
)

State = Revision.State
ROUNDS = 50
SKIP_REASON = "needs two real connections with row locks: runs on PostgreSQL in CI"


def _postgresql_only():
    if connection.vendor != "postgresql":
        print(f"\nSKIPPING concurrency test: {SKIP_REASON}")
        pytest.skip(SKIP_REASON)


def _delays(round_number, slowest):
    """(first, second) head start for this round: sweeps 0..`slowest` seconds on one side, then
    on the other, so that both orders of two racing steps come up."""
    step = slowest * (round_number % 10) / 9
    return (0.0, step) if (round_number // 10) % 2 == 0 else (step, 0.0)


def _race(*steps, delays=None, timeout=30):
    """Run each step in its own thread with its own connection, all released together.

    Returns one ("ok", value) or ("refused", TransitionError) per step; anything else a step
    raises fails the test. A thread still running after `timeout` means a deadlock."""
    barrier = threading.Barrier(len(steps))
    delays = delays or [0.0] * len(steps)
    outcomes = [None] * len(steps)

    def run(index, step):
        try:
            barrier.wait(timeout)
            if delays[index]:
                time.sleep(delays[index])
            outcomes[index] = ("ok", step())
        except workflow.TransitionError as error:
            outcomes[index] = ("refused", error)
        except BaseException as error:  # re-raised in the test's thread
            outcomes[index] = ("crashed", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing step never finished"
    for kind, value in outcomes:
        if kind == "crashed":
            raise value
    return outcomes


def _content(pk):
    """Everything an editor writes on a revision, as stored now."""
    revision = Revision.objects.get(pk=pk)
    variants = Variant.objects.filter(revision=pk).select_related("audience")
    for variant in variants:  # the HTML is always rendered from the Markdown beside it
        assert variant.body_html == render_variant(variant.body_markdown), variant
    return {
        "title": revision.title,
        "summary": revision.summary,
        "answer": revision.answer,
        "pregnancy_warning": revision.pregnancy_warning,
        "change_summary": revision.change_summary,
        "variants": {v.audience.slug: v.body_markdown for v in variants},
        "citations": list(
            Citation.objects.filter(revision=pk)
            .order_by("position")
            .values_list("source", "version", "position")
        ),
    }


def _change_form_data(client, url, title, change_summary, patient_text):
    """The change form as the editor's browser would post it, with three edits."""
    data = {"_save": "Save"}
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for inline in page.context["inline_admin_formsets"]:
        for inline_form in [inline.formset.management_form, *inline.formset.forms]:
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[inline_form.add_prefix(name)] = "" if value is None else value
            instance = getattr(inline_form, "instance", None)
            if isinstance(instance, Variant) and instance.audience.slug == "patient":
                data[inline_form.add_prefix("body_markdown")] = patient_text
    data.update(title=title, change_summary=change_summary)
    return data


def _quick_form_data(revision, title, change_summary, patient_text):
    """The same data as `_change_form_data`, built from the database without rendering the
    form (each round needs it; the test checks once that both agree)."""
    data = {
        "_save": "Save",
        "title": title,
        "summary": revision.summary,
        "answer": revision.answer,
        "pregnancy_warning": revision.pregnancy_warning,
        "change_summary": change_summary,
    }
    variants = revision.variants.select_related("audience").order_by("audience__order")
    inlines = {
        "citations": [
            (citation, {"source": citation.source_id, "position": citation.position})
            for citation in revision.citations.order_by("position")
        ],
        "variants": [
            (
                variant,
                {
                    "audience": variant.audience_id,
                    "body_markdown": patient_text
                    if variant.audience.slug == "patient"
                    else variant.body_markdown,
                },
            )
            for variant in variants
        ],
    }
    for prefix, rows in inlines.items():
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = len(rows)
        data[f"{prefix}-MIN_NUM_FORMS"], data[f"{prefix}-MAX_NUM_FORMS"] = 0, 1000
        for index, (row, fields) in enumerate(rows):
            fields = {"revision": revision.pk, **fields, "id": row.pk, "DELETE": ""}
            data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})
    return data


def _draft(author, source, round_number):
    """A fresh article with a draft started the way editors start one, ready to submit."""
    draft = workflow.start_revision(ArticleFactory(), author)
    draft.answer, draft.pregnancy_warning = "A short answer [1].", "Prevent pregnancy [1]."
    draft.save(update_fields=["answer", "pregnancy_warning"])
    Citation.objects.create(revision=draft, source=source, position=1)
    for variant in revision_with_content().variants.select_related("audience"):
        text = f"Round {round_number}: the old patient text [1]."
        Variant.objects.create(
            revision=draft,
            audience=variant.audience,
            body_markdown=text if variant.audience.slug == "patient" else variant.body_markdown,
        )
    return draft


def _pause_after_the_article_lock(article_locked, save_done):
    """A `connection.execute_wrapper` for the submitting thread: right after a transition has
    locked the article row (its first step), hold still until the racing save is waiting on a
    lock (or has finished), then go on to lock the revision row. That is one interleaving the
    scheduler can produce by itself; this makes it happen every time."""

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        locks_article = sql.startswith('SELECT "articles_article"') and sql.endswith("FOR UPDATE")
        if locks_article and not article_locked.is_set():
            article_locked.set()
            raw = context["connection"].connection  # same session and transaction
            deadline = time.monotonic() + 5
            while not save_done.is_set() and time.monotonic() < deadline:
                with raw.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> "
                        "pg_backend_pid()"
                    )
                    if cursor.fetchone()[0]:
                        break
                time.sleep(0.005)
        return result

    return wrapper


def _save_racing_submit(client, author, co_editor, source, round_number, delays, forced=False):
    """One round: the editor's admin save and a co-editor's "Submit for review" at once, on a
    fresh draft. Checks everything the issue asks of the outcome and says who won."""
    draft = _draft(author, source, round_number)
    url = reverse("admin:articles_revision_change", args=[draft.pk])
    new = {
        "title": f"Round {round_number}: a better question?",
        "change_summary": "Edited in the admin.",
        "patient_text": f"Round {round_number}: the corrected patient text [1].",
    }
    data = _quick_form_data(draft, **new)
    before = _content(draft.pk)
    after_save = {
        **before,
        "title": new["title"],
        "change_summary": new["change_summary"],
        "variants": {**before["variants"], "patient": new["patient_text"]},
    }
    article_locked, save_done = threading.Event(), threading.Event()
    if not forced:
        article_locked.set()

    def save():
        try:
            assert article_locked.wait(10)
            client.cookies.pop("messages", None)  # only this save's messages, not the last's
            response = client.post(url, data)
            errors = response.context["errors"] if response.context else ""
            assert response.status_code in (302, 409), errors
            return [str(m) for m in get_messages(response.wsgi_request)]
        finally:
            save_done.set()

    def submit_and_read():
        pause = _pause_after_the_article_lock(article_locked, save_done)
        with connection.execute_wrapper(pause) if forced else contextlib.nullcontext():
            workflow.submit(Revision.objects.get(pk=draft.pk), co_editor, "Submitted in the race.")
        return _content(draft.pk)  # as it was right after the submission

    (save_kind, messages), (submit_kind, right_after) = _race(save, submit_and_read, delays=delays)
    assert save_kind == "ok"
    assert submit_kind == "ok", right_after  # both versions of the content can be submitted

    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    events = list(draft.events.all())
    assert [e.action for e in events] == ["start", "submit"]
    assert workflow.replay(events) == draft.state
    final = _content(draft.pk)
    assert final == right_after, "content changed after it was submitted"
    assert final["change_summary"] == "Submitted in the race."
    final = {**final, "change_summary": None}
    # The index shows the submitted title, whichever content that is.
    assert Article.objects.get(pk=draft.article_id).title == final["title"]
    if any("Nothing was saved" in m for m in messages):
        assert messages == [
            "Nothing was saved. Revision 1 is submitted, so its content is frozen. "
            "Start a new revision to change it."
        ]
        assert final == {**before, "change_summary": None}, f"round {round_number}: changed"
        return "submit"
    assert any("was changed successfully" in m for m in messages), messages
    assert final == {**after_save, "change_summary": None}, f"round {round_number}: a mix"
    return "save"


@pytest.mark.django_db(transaction=True)
def test_an_admin_save_racing_submit_never_reverts_the_state_nor_changes_frozen_content():
    """The editor saves the change form (title, change summary, patient text) while a
    co-editor submits the draft. Whichever wins, the revision ends submitted with a log that
    replays to it; what was submitted is the content before the save or after it, never a
    mix; a save that lost is told "Nothing was saved" and changed nothing; and nothing
    changes after the submission. The last round forces the interleaving that deadlocks."""
    _postgresql_only()
    author, co_editor, source = editor(), editor(email="co.editor@example.com"), SourceFactory()
    client = Client()
    client.force_login(author)
    # How long a save takes (templates loaded): the sweep of head starts spans that.
    for _ in range(2):
        calibration = _draft(author, source, 0)
        url = reverse("admin:articles_revision_change", args=[calibration.pk])
        edits = ("Calibrating", "Calibrating.", "Calibrating [1].")
        data = _change_form_data(client, url, *edits)
        quick = _quick_form_data(calibration, *edits)
        assert {k: str(v) for k, v in quick.items()} == {k: str(v) for k, v in data.items()}
        started = time.monotonic()
        assert client.post(url, data).status_code == 302
        slowest = 1.5 * (time.monotonic() - started)

    winners = [
        _save_racing_submit(client, author, co_editor, source, n, delays=_delays(n, slowest))
        for n in range(ROUNDS)
    ]
    print(
        f"\n{ROUNDS} rounds: the save won {winners.count('save')}, "
        f"the submission won {winners.count('submit')}"
    )
    assert set(winners) == {"save", "submit"}, "the race only ever went one way"
    # Submit has locked the article and not yet the revision when the save takes its lock.
    _save_racing_submit(client, author, co_editor, source, ROUNDS, delays=None, forced=True)


def _live_and_under_review(author, checker, sources=(), correction="A correction."):
    """An article whose approved revision 1 is live, and revision 2, copied from it with a
    correction to the patient text, under review by `checker`."""
    live = revision_with_content(state=State.APPROVED, author=author, sources=sources)
    Revision.objects.filter(pk=live.pk).update(approved_by_label=checker.signature)
    under_review = revision_with_content(
        article=live.article,
        state=State.UNDER_REVIEW,
        author=author,
        copied_from=live,
        sources=sources,
        texts={"patient": correction},
    )
    Revision.objects.filter(pk=under_review.pk).update(assigned_reviewer=checker)
    return live, under_review


@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_a_new_revision_never_loses_the_correction():
    """Two approvals of revisions copied from the same live one cannot happen any more: an
    article has one open revision at most (a partial unique constraint), so the second
    revision could not even exist. What can race is the approval of revision 2 and an editor
    starting revision 3: the start must either be refused (2 is still open) or copy revision 2,
    never the revision 2 replaced, which would drop its correction."""
    _postgresql_only()
    author, checker, starter = editor(), reviewer(), editor(email="starter@example.com")
    refused = copied = 0
    for round_number in range(ROUNDS):
        correction = f"Round {round_number}: the corrected dose."
        live, second = _live_and_under_review(author, checker, correction=correction)
        article = live.article

        (approve_kind, _), (start_kind, started) = _race(
            lambda pk=second.pk: workflow.approve(
                Revision.objects.get(pk=pk),
                checker,
                "Checked.",
                State.UNDER_REVIEW,
                attested=True,
                pemat_reason="Not rated in this test.",
            ),
            lambda article=article: workflow.start_revision(
                Article.objects.get(pk=article.pk), starter
            ),
            delays=_delays(round_number, 0.01),
        )
        assert approve_kind == "ok"
        assert article.live_revision() == second
        live.refresh_from_db()
        assert live.review_due_at is None  # only the live revision is due for review
        if start_kind == "refused":
            refused += 1
            assert isinstance(started, workflow.OpenRevisionExists), started
            assert "is already in progress (under review)" in str(started)
            assert article.revisions.open().count() == 0
        else:
            copied += 1
            assert started.copied_from_id == second.pk, f"round {round_number}"
            assert started.variants.get(audience__slug="patient").body_markdown == correction
            assert list(article.revisions.open()) == [started]
    print(
        f"\n{ROUNDS} rounds: the start was refused {refused} times and copied the approval {copied}"
    )
    assert refused and copied, "the race only ever went one way: widen the delays"


@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_a_source_change_is_flagged_or_refused_never_silently_outdated():
    """Revision 2 cites source S; a reviewer approves it while an editor records a new edition
    of S. Either the approval lands first and the new live revision is flagged for a re-check,
    or the approval sees the new edition and is refused. Never: live, unflagged, outdated."""
    _postgresql_only()
    author, checker = editor(), reviewer()
    recorder = editor(email="records.sources@example.com")
    flagged_after = refused = 0
    for round_number in range(ROUNDS):
        source = SourceFactory(kind="guideline", edition="2020 edition")
        live, second = _live_and_under_review(author, checker, sources=[source])
        old_version = source.latest_version()

        (approve_kind, approval), (record_kind, recorded) = _race(
            lambda pk=second.pk: workflow.approve(
                Revision.objects.get(pk=pk),
                checker,
                "Checked.",
                State.UNDER_REVIEW,
                attested=True,
                pemat_reason="Not rated in this test.",
            ),
            lambda source=source, edition=f"2025 edition, round {round_number}": (
                record_source_change(
                    source,
                    recorder,
                    SourceVersion.Change.NEW_EDITION,
                    "The 2025 edition is out.",
                    edition=edition,
                    published_on=datetime.date(2025, 1, 1),
                )
            ),
            delays=_delays(round_number, 0.01),
        )
        assert record_kind == "ok", recorded
        version, flagged = recorded
        assert version.number == 2
        second.refresh_from_db()
        live.refresh_from_db()
        now_live = live.article.live_revision()
        assert list(flagged) == [now_live]
        assert second.citations.get().version == old_version  # frozen since submission
        if approve_kind == "ok":
            flagged_after += 1
            assert now_live == second
            assert second.recheck_since is not None, f"round {round_number}: live, unflagged"
            event = second.events.get(action="source_changed")
            assert event.details["version"] == 2
            assert live.recheck_since is None
        else:
            refused += 1
            assert "A source this revision cites changed after it was submitted" in str(approval)
            assert second.state == State.UNDER_REVIEW
            assert now_live == live
            assert live.recheck_since is not None
            assert live.events.filter(action="source_changed").count() == 1
            assert not second.events.exists()
    print(f"\n{ROUNDS} rounds: approved then flagged {flagged_after}, refused {refused}")
    assert flagged_after and refused, "the race only ever went one way: widen the delays"


@pytest.mark.django_db(transaction=True)
def test_two_editors_starting_a_revision_at_once_make_exactly_one():
    """Two editors press "Start a new revision" on the same live article at once: one gets a
    draft copied from the live revision, the other is refused with words naming it, and the
    article has exactly one open revision."""
    _postgresql_only()
    first, second = editor(email="first.starter@example.com"), editor(email="second@example.com")
    for round_number in range(ROUNDS):
        live = revision_with_content(state=State.APPROVED, author=first)
        article = live.article
        outcomes = _race(
            *(
                lambda who=who, pk=article.pk: workflow.start_revision(
                    Article.objects.get(pk=pk), who
                )
                for who in (first, second)
            )
        )
        kinds = [kind for kind, _ in outcomes]
        assert sorted(kinds) == ["ok", "refused"], f"round {round_number}: {outcomes}"
        started = next(value for kind, value in outcomes if kind == "ok")
        error = next(value for kind, value in outcomes if kind == "refused")
        assert isinstance(error, workflow.OpenRevisionExists), error
        assert error.revision == started
        words = str(error)  # the loser sees the winner's revision, else a plain sentence
        assert words.startswith("Revision 2 of this article is already") or words == (
            "Another revision of this article was started meanwhile."
        ), words
        assert list(article.revisions.open()) == [started]
        assert started.copied_from == live and started.number == 2
        assert [e.action for e in started.events.all()] == ["start"]


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _pause_after_the_new_version(paused, starter, seen):
    """A `connection.execute_wrapper` for the recording thread: right after it has written the
    new `SourceVersion` (it holds the source's NO KEY UPDATE lock and has updated the row, and
    has not yet locked the citing articles), hold still until the racing start has finished or
    is waiting on a lock; `seen["start_waited"]` says which. `starter` holds the start's
    backend "pid" and two events: "pid_known" and "done"."""

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('INSERT INTO "articles_sourceversion"') and not paused.is_set():
            paused.set()
            assert starter["pid_known"].wait(5)
            raw = context["connection"].connection  # same session and transaction
            deadline = time.monotonic() + 5
            while not starter["done"].is_set() and time.monotonic() < deadline:
                with raw.cursor() as cursor:
                    cursor.execute("SELECT cardinality(pg_blocking_pids(%s))", [starter["pid"]])
                    if cursor.fetchone()[0]:
                        seen["start_waited"] = True
                        break
                time.sleep(0.005)
        return result

    return wrapper


def _source_change_racing_a_start(starter, recorder, round_number, delays, forced=False):
    """One round: an editor records a new edition of source S while another starts a revision
    of an approved article citing S. Checks the outcome and says who had the article first."""
    source = SourceFactory(kind="guideline", edition="2020 edition")
    live = revision_with_content(state=State.APPROVED, author=starter, sources=[source])
    Revision.objects.filter(pk=live.pk).update(approved_at=datetime.datetime.now(datetime.UTC))
    article, old_version = live.article, source.latest_version()
    paused, seen = threading.Event(), {"start_waited": False}
    start_side = {"pid": None, "pid_known": threading.Event(), "done": threading.Event()}
    if not forced:
        paused.set()

    def record():
        pause = _pause_after_the_new_version(paused, start_side, seen)
        with connection.execute_wrapper(pause) if forced else contextlib.nullcontext():
            return record_source_change(
                source,
                recorder,
                SourceVersion.Change.NEW_EDITION,
                "The 2025 edition is out.",
                edition=f"2025 edition, round {round_number}",
                published_on=datetime.date(2025, 1, 1),
            )

    def start():
        try:
            start_side["pid"] = _backend_pid()
            start_side["pid_known"].set()
            assert paused.wait(10)
            return workflow.start_revision(Article.objects.get(pk=article.pk), starter)
        finally:
            start_side["done"].set()

    (record_kind, recorded), (start_kind, draft) = _race(record, start, delays=delays)
    assert record_kind == "ok", recorded
    assert start_kind == "ok", draft  # no revision was open: the start cannot be refused
    version, flagged = recorded
    assert version.number == 2
    assert not seen["start_waited"], "the start waited on the source change's locks"

    # The article ends flagged: its live revision, once.
    live.refresh_from_db()
    assert list(flagged) == [live]
    assert live.recheck_since is not None, f"round {round_number}: live, unflagged"
    changed = live.events.get(action="source_changed")  # exactly one
    assert changed.details["version"] == 2
    # Exactly one open revision: the new draft, copied from the live one.
    draft.refresh_from_db()
    assert list(article.revisions.open()) == [draft]
    assert draft.state == State.DRAFT and draft.copied_from_id == live.pk
    assert draft.recheck_since is None
    assert [e.action for e in draft.events.all()] == ["start"]
    # Its reference to S is a version of S that exists: the old one or the new one.
    cited = Citation.objects.select_related("version").get(revision=draft)
    assert cited.source_id == source.pk
    assert cited.version_id in (old_version.pk, version.pk), f"round {round_number}"
    assert cited.version.source_id == source.pk
    first = "start" if draft.events.get().pk < changed.pk else "record"
    return first, "old" if cited.version_id == old_version.pk else "new", draft, version


@pytest.mark.django_db(transaction=True)
def test_a_source_change_racing_a_new_revision_never_deadlocks_and_flags_the_article():
    """An editor records a new edition of source S while another starts a revision of an
    approved article citing S. The source change locks S (NO KEY UPDATE), then the citing
    articles; the start locks the article, then inserts citations of S (whose foreign-key
    checks take KEY SHARE on S). Those two locks on S must not conflict, else each side waits
    for the other. Whoever had the article first: no deadlock; the live revision is flagged
    once; the new draft is the one open revision and cites a version of S that exists. The
    last round forces the interleaving that would deadlock."""
    _postgresql_only()
    starter, recorder = editor(), editor(email="records.sources@example.com")
    rounds = 40
    outcomes = [
        _source_change_racing_a_start(starter, recorder, n, delays=_delays(n, 0.01))[:2]
        for n in range(rounds)
    ]
    firsts = [first for first, _ in outcomes]
    versions = [cited for _, cited in outcomes]
    print(
        f"\n{rounds} rounds: the start had the article first {firsts.count('start')}, "
        f"the source change {firsts.count('record')}; the draft cites the old version "
        f"{versions.count('old')}, the new {versions.count('new')}"
    )
    assert set(firsts) == {"start", "record"}, "the race only ever went one way"
    # The source change holds S, updated, when the start locks the article and cites S.
    first, _, draft, version = _source_change_racing_a_start(
        starter, recorder, rounds, delays=None, forced=True
    )
    assert first == "start"
    workflow.submit(draft, starter, "Checked against the 2025 edition.")
    assert draft.citations.get().version == version  # submitting pins the new edition


def _interval_form_data(client, url):
    """The article change form as a reviewer's browser posts it, the interval set to 6."""
    data = {"review_interval_months": "6", "_save": "Save"}
    page = client.get(url)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {"review_interval_months"}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
    return data


def _quick_interval_form_data(article):
    """The same as `_interval_form_data`, without rendering the form."""
    count = article.revisions.count()
    return {
        "review_interval_months": "6",
        "_save": "Save",
        "revisions-TOTAL_FORMS": str(count),
        "revisions-INITIAL_FORMS": str(count),
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "0",  # no revision is added here
    }


def _interval_save_racing_approval(client, author, checker, round_number, delays):
    """One round: a reviewer sets the article's interval to 6 months in the admin while another
    approves revision 2 (new title). Checks the outcome and says whose due date came first."""
    live, second = _live_and_under_review(author, checker)
    approved_long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    Revision.objects.filter(pk=live.pk).update(
        approved_at=approved_long_ago, review_due_at=add_months(approved_long_ago, 12)
    )
    new_title = f"Round {round_number}: a clearer question?"
    Revision.objects.filter(pk=second.pk).update(title=new_title)
    article = live.article
    assert article.title != new_title and article.review_interval_months is None
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = _quick_interval_form_data(article)
    dated = []  # the revisions the admin save re-dated

    def spy(execute, sql, params, many, context):
        if sql.startswith('UPDATE "articles_revision" SET "review_due_at"'):
            dated.append(params[-1])
        return execute(sql, params, many, context)

    def save():
        with connection.execute_wrapper(spy):
            response = client.post(url, data)
        errors = response.context["errors"] if response.context else ""
        assert response.status_code == 302, errors
        return response

    (save_kind, _), (approve_kind, approved) = _race(
        save,
        lambda: workflow.approve(
            Revision.objects.get(pk=second.pk),
            checker,
            "Checked.",
            State.UNDER_REVIEW,
            attested=True,
            pemat_reason="Not rated in this test.",
        ),
        delays=delays,
    )
    assert save_kind == "ok"
    assert approve_kind == "ok", approved

    article.refresh_from_db()
    assert article.review_interval_months == 6
    # The admin save never writes the title back: the index shows the approved revision's.
    assert article.title == new_title, f"round {round_number}: the old title came back"
    shown = Article.objects.with_shown_revision().get(pk=article.pk)
    assert shown.shown_title == new_title
    # The live revision is due 6 months after its approval, whichever ran first.
    second.refresh_from_db()
    live.refresh_from_db()
    assert article.live_revision() == second and second.state == State.APPROVED
    assert second.review_due_at == add_months(second.approved_at, 6), f"round {round_number}"
    assert shown.shown_review_due_at == second.review_due_at
    assert live.review_due_at is None  # only the live revision is due for review
    assert len(dated) == 1 and dated[0] in (live.pk, second.pk), dated
    return "save" if dated[0] == live.pk else "approval"


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_changing_the_interval_racing_an_approval_keeps_title_and_due_date():
    """A reviewer sets an article's review interval to 6 months in the admin while another
    approves revision 2, which changes the title. Whichever runs first: the save succeeds and
    never writes the old title back (the index and the article show the approved title), and
    the live revision is due 6 months after its approval (the save re-dates the live revision
    it sees; an approval after it reads the stored interval under the article's lock)."""
    _postgresql_only()
    author, checker = editor(), reviewer()
    client = Client()
    client.force_login(reviewer(email="sets.interval@example.com"))
    # How long a save takes (templates loaded): the sweep of head starts spans that.
    for _ in range(2):
        calibration, _ = _live_and_under_review(author, checker)
        url = reverse("admin:articles_article_change", args=[calibration.article.pk])
        data = _interval_form_data(client, url)
        assert data == _quick_interval_form_data(calibration.article)
        started = time.monotonic()
        assert client.post(url, data).status_code == 302
        slowest = 1.5 * (time.monotonic() - started)

    rounds = 40
    firsts = [
        _interval_save_racing_approval(client, author, checker, n, delays=_delays(n, slowest))
        for n in range(rounds)
    ]
    print(
        f"\n{rounds} rounds (head starts up to {slowest * 1000:.0f} ms): the save re-dated "
        f"revision 1 first {firsts.count('save')}, the approval came first "
        f"{firsts.count('approval')}"
    )
    assert set(firsts) == {"save", "approval"}, "the race only ever went one way"
