"""deploy/entrypoint.sh, the image's start-up, run as the container runs it: it refuses to start
without what production must not guess, and its web role serves through deploy/gunicorn.conf.py
and passes the image's health check (deploy/healthcheck.py)."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.isoapp_settings.test_compose import MUST_BE_GIVEN

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy/entrypoint.sh"


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A complete production environment, and nothing else from this process's."""
    environment = {
        # `python` and `gunicorn` are this test run's own.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_ALLOWED_HOSTS": "isoapp.example",
        "DJANGO_SITE_URL": "https://isoapp.example",
        # Nothing listens there: liveness must not need the cache.
        "DJANGO_REDIS_URL": "redis://127.0.0.1:9/0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_DEFAULT_FROM_EMAIL": "isoapp <noreply@isoapp.example>",
    }
    environment.update(overrides)
    return {name: value for name, value in environment.items() if value is not None}


def start(environment: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        ["sh", str(ENTRYPOINT), *command],  # noqa: S607
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nothing_starts_without_the_settings_and_the_message_names_each_one(tmp_path):
    marker = tmp_path / "started"
    environment = {"PATH": production_environment(tmp_path)["PATH"]}
    refused = start(environment, "touch", str(marker))
    assert refused.returncode == 78
    assert "isoapp cannot start: these settings are missing:" in refused.stderr
    for name in MUST_BE_GIVEN:
        assert name in refused.stderr
    assert ".env.production.example" in refused.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (
            {"DJANGO_SECRET_KEY": "change-me-in-.env" + "x" * 50},
            "DJANGO_SECRET_KEY is a placeholder",
        ),
        (
            {"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 50},
            "DJANGO_SECRET_KEY is a placeholder",
        ),
        ({"DJANGO_SECRET_KEY": "x" * 49}, "DJANGO_SECRET_KEY is shorter than 50 characters"),
        ({"DJANGO_DEBUG": "1"}, "set DJANGO_DEBUG=0"),
        ({"DJANGO_DEBUG": "True"}, "DJANGO_DEBUG is 'True'"),
        # Unset is the settings' development default: debug on.
        ({"DJANGO_DEBUG": None}, "DJANGO_DEBUG is '' (unset means on)"),
        (
            {"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "which sends no email",
        ),
        ({"DJANGO_SITE_URL": ""}, "these settings are missing: DJANGO_SITE_URL."),
    ],
)
def test_nothing_starts_with_a_placeholder_secret_debug_on_or_no_real_email(
    tmp_path, overrides, says
):
    marker = tmp_path / "started"
    refused = start(production_environment(tmp_path, **overrides), "touch", str(marker))
    assert refused.returncode == 78
    assert says in refused.stderr
    assert not marker.exists()


def test_with_every_setting_given_any_other_command_runs_as_given(tmp_path):
    marker = tmp_path / "started"
    started = start(production_environment(tmp_path), "touch", str(marker))
    assert started.returncode == 0, started.stderr
    assert marker.exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers=headers)
    return connection.getresponse()


def test_the_web_role_collects_static_files_serves_and_passes_the_image_health_check(tmp_path):
    port = free_port()
    environment = production_environment(
        tmp_path,
        ISOAPP_BIND=f"127.0.0.1:{port}",
        ISOAPP_INSTANCE="web-under-test",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="2",
        DJANGO_BEHIND_TLS_PROXY="1",
        DJANGO_SECURE_SSL_REDIRECT="1",
    )
    log = (tmp_path / "web.log").open("w")
    web = subprocess.Popen(  # noqa: S603
        ["sh", str(ENTRYPOINT), "web"],  # noqa: S607
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            check = subprocess.run(  # noqa: S603
                [sys.executable, "deploy/healthcheck.py"],
                cwd=ROOT,
                env=environment,
                capture_output=True,
                text=True,
                timeout=10,
            )
            if check.returncode == 0:
                break
            assert web.poll() is None, (tmp_path / "web.log").read_text()
            assert time.monotonic() < deadline, check.stdout + (tmp_path / "web.log").read_text()
            time.sleep(0.5)

        answer = get(port, "/healthz", {"Host": "isoapp.example", "X-Forwarded-Proto": "https"})
        assert answer.status == 200
        assert answer.getheader("X-Served-By") == "web-under-test"
        # Collected at start, fingerprinted: the manifest whitenoise serves from.
        assert (ROOT / "staticfiles/staticfiles.json").exists()
        assert "gthread" in (tmp_path / "web.log").read_text()
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=40)
        log.close()
