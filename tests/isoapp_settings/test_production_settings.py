"""Production refuses to start without what it must not guess: the secret key and the public
address search engines, emails and handouts are given."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    environment.update(DJANGO_SETTINGS_MODULE="isoapp.settings", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_needs_the_public_address():
    refused = check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert refused.returncode != 0
    assert "DJANGO_SITE_URL must be set when DJANGO_DEBUG is off" in refused.stderr
    started = check(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_SITE_URL="https://isoapp.example"
    )
    assert started.returncode == 0, started.stderr
