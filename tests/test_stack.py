"""The scale-out rehearsal (`make stack`): Debian's nginx in front of two gunicorn instances and
the task worker, on the local PostgreSQL and Redis, started by deploy/stack/stack.py exactly as
`make stack` starts it (on ports and in a run directory of this test's own), and exercised only
through the proxy, the way readers reach it.

Needs nginx, PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; without them it is
skipped with the reason printed, except under CI=true, where it must run (.ci/run installs nginx).
The stack's database is its own (STACK_DATABASE_URL, default isoapp_stack), never the suite's.
"""

import email
import email.policy
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
import redis

from tests.pages import said

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "deploy/stack/stack.py"
NGINX = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
PG_DUMP, PG_RESTORE = shutil.which("pg_dump"), shutil.which("pg_restore")
DATABASE_URL = os.environ.get(
    "STACK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/isoapp_stack"
)
REDIS_URL = os.environ.get("STACK_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "a stack rehearsal password 42"  # noqa: S105 (test accounts in the stack's database)
WRONG_PASSWORD = "not the password at all"  # noqa: S105
LOGIN_LIMIT = 5  # allauth's default: 5 failed sign-ins per account in 5 minutes
ARTICLES_TO_SAVE = 16
WEB2_THREADS = 2 * 4  # deploy/gunicorn.conf.py's defaults: 2 workers of 4 threads


# --- what the stack needs -------------------------------------------------------------------


def listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def stack_or_skip():
    database, redis = urlsplit(DATABASE_URL), urlsplit(REDIS_URL)
    missing = []
    if not Path(NGINX).exists():
        missing.append("nginx (apt-get install nginx, Debian's package)")
    if not (PG_DUMP and PG_RESTORE):
        missing.append("pg_dump and pg_restore (Debian's postgresql-client)")
    if not listening(database.hostname, database.port or 5432):
        missing.append(f"PostgreSQL on {database.hostname}:{database.port or 5432}")
    if not listening(redis.hostname, redis.port or 6379):
        missing.append(f"Redis on {redis.hostname}:{redis.port or 6379}")
    if missing:
        reason = "the scale-out rehearsal needs " + ", ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: the stack test must run)")
        print(f"\nSKIPPING stack test: {reason}")
        pytest.skip(reason)


def free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


# --- a reader's browser, as far as these tests need one --------------------------------------


class Response:
    def __init__(self, status: int, headers, body: bytes, complete: bool = True):
        self.status_code = status
        self.headers = headers
        self.content = body
        # False when the connection closed before the whole body came (Content-Length said more).
        self.complete = complete

    @property
    def served_by(self) -> str | None:
        return self.headers.get("X-Served-By")


class Browser:
    """Cookies kept between requests; one connection per request, as a fresh visitor makes."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})

    def copy(self) -> "Browser":
        return Browser(self.port, self.cookies)

    def request(self, method: str, path: str, form: dict | None = None) -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            try:
                response = Response(answer.status, answer.headers, answer.read())
            except http.client.IncompleteRead as cut_off:
                response = Response(answer.status, answer.headers, cut_off.partial, False)
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Response:
        if "csrftoken" not in self.cookies:
            self.get("/accounts/login/")
        return self.request("POST", path, form)

    def sign_in(self, address: str, password: str = PASSWORD) -> Response:
        self.get("/accounts/login/")
        return self.post("/accounts/login/", {"login": address, "password": password})


# --- the stack ------------------------------------------------------------------------------


class Stack:
    def __init__(self, run_dir: Path, port: int):
        self.run_dir = run_dir
        self.port = port
        self.settings = {}
        for line in (run_dir / "env").read_text().splitlines():
            if line and not line.startswith("#"):
                name, value = line.split("=", 1)
                self.settings[name] = " ".join(shlex.split(value))

    def browser(self) -> Browser:
        return Browser(self.port)

    def environment(self) -> dict[str, str]:
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        return {"PATH": path, "HOME": os.environ.get("HOME", "/"), **self.settings}

    def shell(self, code: str) -> str:
        """`manage.py shell -c CODE` on the stack's database, with the stack's settings."""
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def messages(self) -> list:
        """Every message the stack's test mail server received, parsed."""
        folder = self.run_dir / "mail" / "new"
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*"))
            if path.is_file()
        ]

    def pid(self, name: str) -> int:
        return int((self.run_dir / "pids" / f"{name}.pid").read_text().split()[0])

    def logs(self) -> str:
        parts = []
        for log in sorted((self.run_dir / "logs").glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-15:]
            parts.append(f"== {log.name}\n" + "\n".join(lines))
        return "\n".join(parts)


def run_stack(action: str, run_dir: Path, environment: dict[str, str]):
    return subprocess.run(  # noqa: S603
        [sys.executable, str(STACK), action, "--run-dir", str(run_dir)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`make stack` on ports of its own; `make stack-down` afterwards, whatever happened."""
    stack_or_skip()
    run_dir = tmp_path_factory.mktemp("stack")
    port, web1, web2, smtp = free_ports(4)
    environment = {
        **os.environ,
        "STACK_PORT": str(port),
        "STACK_WEB_PORTS": f"{web1} {web2}",
        "STACK_SMTP_PORT": str(smtp),
        "STACK_DATABASE_URL": DATABASE_URL,
        "STACK_REDIS_URL": REDIS_URL,
        "NGINX": NGINX,
    }
    try:
        started = run_stack("up", run_dir, environment)
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"isoapp stack is up: http://127.0.0.1:{port}/" in started.stdout
        running = Stack(run_dir, port)
        running.command_environment = environment
        # Every client here is 127.0.0.1, and allauth limits sign-ins per address too (failures
        # 10 a minute): start from clean counters, as the suite does, so an earlier run (whose
        # counters are still in Redis) can't trip them.
        redis.Redis.from_url(REDIS_URL).flushdb()
        yield running
    finally:
        stopped = run_stack("down", run_dir, environment)
        print(stopped.stdout, stopped.stderr)
    # Exactly what was started is gone: no pid files left, no process of this run directory.
    assert stopped.returncode == 0, stopped.stderr
    assert list((run_dir / "pids").glob("*.pid")) == []
    assert not processes_of(run_dir), processes_of(run_dir)


def processes_of(run_dir: Path) -> list[str]:
    """Live processes started for this run directory (their environment or command names it)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            marks = (proc / "environ").read_bytes() + (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if str(run_dir).encode() in marks:
            found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


@pytest.fixture(scope="module")
def people(stack):
    """A reader with saved-article rights, a reader whose sign-ins are refused, and articles
    readers can open, made in the stack's database (unique names: the database is kept)."""
    run = uuid.uuid4().hex[:10]
    made = stack.shell(
        f"""
from articles.models import Revision
from tests.factories import UserFactory, revision_with_content
for who in ("reader", "locked"):
    user = UserFactory(email=f"{{who}}-{run}@example.com")
    user.set_password({PASSWORD!r})
    user.save()
for n in range({ARTICLES_TO_SAVE}):
    revision_with_content(
        state=Revision.State.SUBMITTED,
        article__slug=f"stack-{run}-{{n}}",
        article__title=f"Stack rehearsal question {{n}} ({run})",
    )
print("made")
"""
    )
    assert "made" in made
    return {
        "reader": f"reader-{run}@example.com",
        "locked": f"locked-{run}@example.com",
        "slugs": [f"stack-{run}-{n}" for n in range(ARTICLES_TO_SAVE)],
        "run": run,
    }


# --- through the proxy ----------------------------------------------------------------------


def test_requests_land_on_both_instances(stack):
    browser = stack.browser()
    answers = [browser.get("/") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 8
    assert {a.served_by for a in answers} == {"web1", "web2"}
    # The proxy's own request id comes back on every answer.
    assert all(len(a.headers["X-Request-ID"]) >= 8 for a in answers)


def test_a_second_make_stack_refuses_and_leaves_the_running_one_alone(stack):
    again = run_stack("up", stack.run_dir, stack.command_environment)
    assert again.returncode == 1
    assert "is already running (nginx, smtp, web1, web2, worker)" in again.stderr
    assert "`make stack-down` first." in again.stderr
    answers = [stack.browser().get("/") for _ in range(2)]
    assert {a.served_by for a in answers} == {"web1", "web2"}


def test_a_reader_signed_in_on_one_instance_is_signed_in_on_the_other(stack, people):
    browser = stack.browser()
    signed_in = browser.sign_in(people["reader"])
    assert signed_in.status_code == 302, said(signed_in)

    pages = [browser.get("/accounts/me/") for _ in range(4)]
    assert [p.status_code for p in pages] == [200] * 4
    assert {p.served_by for p in pages} == {"web1", "web2"}
    for page in pages:
        assert f"Signed in as {people['reader']}." in said(page)


def test_the_sign_in_rate_limit_counts_across_both_instances(stack, people):
    browser = stack.browser()
    browser.get("/accounts/login/")
    failures = [
        browser.post("/accounts/login/", {"login": people["locked"], "password": WRONG_PASSWORD})
        for _ in range(LOGIN_LIMIT)
    ]
    for failure in failures:
        assert failure.status_code == 200
        assert "The email address and/or password you specified are not correct." in said(failure)
    # Spread over both: neither instance alone saw the limit's worth of failures.
    assert {f.served_by for f in failures} == {"web1", "web2"}

    # Now even the right password is refused, by either instance.
    refusals = [
        browser.post("/accounts/login/", {"login": people["locked"], "password": PASSWORD})
        for _ in range(2)
    ]
    assert {r.served_by for r in refusals} == {"web1", "web2"}
    for refusal in refusals:
        assert refusal.status_code == 200
        assert "Too many failed login attempts. Try again later." in said(refusal)
    assert "sessionid" not in browser.cookies


def test_a_review_actions_email_is_sent_by_the_worker(stack, people):
    run = people["run"]
    queued = stack.shell(
        f"""
from django.conf import settings
from articles import workflow
from articles.models import EmailDelivery
from tests.factories import editor, reviewer, revision_with_content
author = editor(email="editor-{run}@example.com")
checker = reviewer(email="reviewer-{run}@example.com")
revision = revision_with_content(
    author=author, article__slug="worker-{run}", article__title="Worker rehearsal {run}"
)
workflow.submit(revision, author, "Rehearsal of the worker", reading_override="rehearsal")
delivery = EmailDelivery.objects.get(recipient=checker.email)
print(settings.TASKS["default"]["BACKEND"], delivery.status, delivery.subject)
"""
    )
    # The action itself only stored and queued the email...
    assert queued.split(maxsplit=2) == [
        "django_tasks_db.DatabaseBackend",
        "pending",
        f"Review needed: Worker rehearsal {run}\n",
    ]

    # ...and the worker sent it to the mail server.
    deadline = time.monotonic() + 30
    sent = []
    while not sent and time.monotonic() < deadline:
        sent = [m for m in stack.messages() if m["To"] == f"reviewer-{run}@example.com"]
        time.sleep(0.2)
    assert sent, stack.logs()
    assert [m["Subject"] for m in sent] == [f"Review needed: Worker rehearsal {run}"]
    body = sent[0].get_body().get_content()
    assert f"http://127.0.0.1:{stack.port}/admin/" in body
    status = stack.shell(
        "from articles.models import EmailDelivery; "
        f"print(EmailDelivery.objects.get(recipient='reviewer-{run}@example.com').status)"
    )
    assert status.strip() == "sent"


class Read(NamedTuple):
    after_kill: bool
    path: str
    status: int
    served_by: str | None
    complete: bool


class SlowClient:
    """Opens a connection and sends a request's headers a few bytes at a time, never finishing."""

    REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nX-Padding: " + b"a" * 200

    def __init__(self, port: int):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sent = 0

    def trickle(self):
        try:
            self.socket.send(self.REQUEST[self.sent : self.sent + 2])
            self.sent += 2
        except OSError:
            pass

    def close(self):
        self.socket.close()


def test_twenty_slow_clients_leave_readiness_answering_within_a_second(stack):
    path = "/readyz"
    clients = [SlowClient(stack.port) for _ in range(20)]
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for client in clients:
                client.trickle()
            stop.wait(0.5)

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        time.sleep(1)  # every slow client has started its request
        timings = []
        browser = stack.browser()
        for _ in range(6):
            started = time.monotonic()
            answer = browser.get(path)
            timings.append(time.monotonic() - started)
            assert answer.status_code == 200, said(answer)
            time.sleep(0.3)
        assert max(timings) < 1.0, timings
    finally:
        stop.set()
        trickler.join()
        for client in clients:
            client.close()


def test_backup_with_pg_dump_restores_into_a_scratch_database(stack, people, tmp_path):
    """README "Backups": `pg_dump "$DATABASE_URL" -Fc` and `pg_restore --clean --if-exists
    --no-owner` into another database; the reader made above is in the restored copy."""
    import psycopg

    database_url = stack.settings["DATABASE_URL"]
    parts = urlsplit(database_url)
    scratch_name = parts.path.lstrip("/") + "_restore_check"
    scratch_url = urlunsplit(parts._replace(path="/" + scratch_name))
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    dump = tmp_path / "isoapp.dump"

    with psycopg.connect(maintenance_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')
        admin.execute(f'CREATE DATABASE "{scratch_name}"')
    try:
        subprocess.run(  # noqa: S603
            [PG_DUMP, database_url, "-Fc", "--file", str(dump)], check=True, timeout=60
        )
        subprocess.run(  # noqa: S603
            [PG_RESTORE, "-d", scratch_url, "--clean", "--if-exists", "--no-owner", str(dump)],
            check=True,
            timeout=60,
        )
        counts = (
            "SELECT (SELECT count(*) FROM articles_article), (SELECT count(*) FROM accounts_user)"
        )
        with psycopg.connect(database_url) as live, psycopg.connect(scratch_url) as restored:
            found = restored.execute(
                "SELECT email FROM accounts_user WHERE email = %s", [people["reader"]]
            ).fetchone()
            assert found == (people["reader"],)
            assert restored.execute(counts).fetchone() == live.execute(counts).fetchone()
    finally:
        with psycopg.connect(maintenance_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')


def test_with_one_instance_killed_mid_load_gets_keep_working_and_no_acknowledged_save_is_lost(
    stack, people
):
    """web2 hangs, then is killed (SIGKILL, master and workers) while six readers and a saver
    keep going. It is stopped (SIGSTOP) for half a second first, as a wedged instance is before
    its supervisor kills it: reads routed to it in that time are certainly in flight, not yet
    answered, when it dies. (Killed while running, a fast page is rarely in flight at that very
    moment, and the retry below went untested in some runs.)

    nginx sends every read web2 had not yet begun answering, and every new one, to web1. What no
    proxy can take back is an answer web2 had already begun sending: its status line and headers
    have gone to the reader when the body stops. Those few (at most one per web2 thread) are
    allowed, and only from web2; every other read must be a whole 200 page.
    Runs last in this module: it leaves web2 dead (stack-down copes with that)."""
    reader = stack.browser()
    assert reader.sign_in(people["reader"]).status_code == 302
    reader.get("/")  # a fresh csrftoken for the posts below
    slugs = people["slugs"]
    reading = [f"/articles/{slugs[0]}/", "/", f"/articles/{slugs[1]}/"]
    stop = threading.Event()
    killed = threading.Event()

    def read_until_stopped(browser: Browser):
        seen = []
        while not stop.is_set():
            for path in reading:
                answer = browser.get(path)
                seen.append(
                    Read(
                        killed.is_set(), path, answer.status_code, answer.served_by, answer.complete
                    )
                )
        return seen

    def save_each(browser: Browser):
        acknowledged, refused = [], []
        for slug in slugs:
            answer = browser.post(f"/articles/{slug}/save/", {})
            (acknowledged if answer.status_code in (200, 302, 303) else refused).append(
                (slug, answer.status_code)
            )
            time.sleep(0.15)
        return acknowledged, refused

    with ThreadPoolExecutor(max_workers=7) as pool:
        readers = [pool.submit(read_until_stopped, reader.copy()) for _ in range(6)]
        saver = pool.submit(save_each, reader.copy())
        time.sleep(1.0)
        os.killpg(stack.pid("web2"), signal.SIGSTOP)  # master and workers: requests wait
        try:
            time.sleep(0.5)
        finally:  # never left stopped: stack-down's SIGTERM would wait out its timeout
            os.killpg(stack.pid("web2"), signal.SIGKILL)  # and die unanswered
        killed.set()
        acknowledged, refused = saver.result(timeout=60)
        time.sleep(1.0)
        stop.set()
        seen = [answer for future in readers for answer in future.result(timeout=60)]

    failed = [read for read in seen if read.status != 200]
    assert not failed, failed[:10]
    cut_off = [read for read in seen if not read.complete]
    assert all(read.served_by == "web2" for read in cut_off), cut_off
    assert len(cut_off) <= WEB2_THREADS, cut_off
    assert {read.served_by for read in seen if not read.after_kill} == {"web1", "web2"}
    after = [read for read in seen if read.after_kill]
    assert after, "no reads after the kill"
    # After the kill, web1 carried the reads; the reads web2 had not begun answering when it
    # died were retried on web1 by nginx (its access log names both servers for them).
    assert "web1" in {read.served_by for read in after}
    retried = [
        line
        for line in (stack.run_dir / "logs" / "nginx-access.log").read_text().splitlines()
        if json.loads(line)["method"] == "GET" and ", " in json.loads(line)["upstream"]
    ]
    assert retried, "no read was in flight on web2 when it was killed"

    # Every save the reader was told about is in the database; the refused ones (if any: a post
    # on web2 when it died, never retried by nginx) were told so with the proxy's 503 page.
    assert len(acknowledged) >= ARTICLES_TO_SAVE - 3, refused
    assert all(status == 503 for _, status in refused), refused
    stored = stack.shell(
        "from articles.models import SavedArticle; "
        f"print(' '.join(SavedArticle.objects.filter(user__email='{people['reader']}')"
        ".values_list('article__slug', flat=True)))"
    ).split()
    assert {slug for slug, _ in acknowledged} <= set(stored)
