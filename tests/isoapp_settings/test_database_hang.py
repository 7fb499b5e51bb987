"""A database that accepts connections and never answers: through gunicorn, as in production,
readers get the site's own 503 page within 10 s (not a hang, not gunicorn's error page), the
probes say what is wrong, and the log has the error with its traceback and the request id."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class SilentDatabase:
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte."""

    def __enter__(self):
        self.server = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.server.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.held.append(connection)

    def __exit__(self, *exc):
        self.server.close()
        for connection in self.held:
            connection.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, timeout=20, **headers):
    """(status, headers, body, seconds) of a GET, whatever the status."""
    start = time.monotonic()
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, answer_headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, body = error.code, error.headers, error.read()
    return status, answer_headers, body.decode(), time.monotonic() - start


@pytest.fixture
def site_on_a_silent_database(tmp_path):
    with SilentDatabase() as database:
        port = free_port()
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_"))
        }
        environment.update(
            DJANGO_SETTINGS_MODULE="isoapp.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="a-test-secret-" + "s" * 50,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            DJANGO_STATIC_MANIFEST="0",
            DJANGO_LOG_FORMAT="json",
            DJANGO_DB_CONNECT_TIMEOUT="3",
            DATABASE_URL=f"postgres://isoapp:a-password@127.0.0.1:{database.port}/isoapp",
            PYTHONWARNINGS="ignore::UserWarning",  # whitenoise: no collected static files
        )
        log = tmp_path / "stdout.log"
        with log.open("w") as stdout:
            server = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "isoapp.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    "--worker-class=gthread",
                    "--workers=1",
                    "--threads=4",
                    "--timeout=30",
                ],
                cwd=ROOT,
                env=environment,
                stdout=stdout,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if get(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail("gunicorn did not start:\n" + log.read_text())
            yield f"http://127.0.0.1:{port}", log
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_readers_get_the_sites_503_page_within_10_seconds(site_on_a_silent_database):
    site, log = site_on_a_silent_database
    status, headers, body, seconds = get(site + "/", **{"X-Request-ID": "silent-db-1"})
    assert status == 503
    assert seconds < 10, f"answered after {seconds:.1f} s"
    assert "isoapp is briefly unavailable" in body
    assert "Please try again in a few minutes" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert headers["Retry-After"] == "30"
    assert headers["X-Request-ID"] == "silent-db-1"
    assert "camera=()" in headers["Permissions-Policy"]

    status, _, body, seconds = get(site + "/readyz")
    assert status == 503 and seconds < 10
    report = json.loads(body)
    assert report["checks"]["database"] == {"status": "unavailable"}
    assert "a-password" not in body and "isoapp:" not in body

    status, _, body, seconds = get(site + "/healthz")
    assert (status, body) == (200, "ok")
    assert seconds < 1

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "silent-db-1"]
    access = [line for line in mine if line["logger"] == "isoapp.requests"]
    assert [(a["method"], a["path"], a["status"]) for a in access] == [("GET", "/", 503)]
    assert access[0]["duration_ms"] < 10_000
    errors = [line for line in mine if line["level"] == "ERROR" and "traceback" in line]
    assert errors and "OperationalError" in errors[0]["traceback"]
