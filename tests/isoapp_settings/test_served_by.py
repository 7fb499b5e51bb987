"""X-Served-By names the app instance behind the proxy that answered (isoapp/middleware.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def middleware_with(**env: str) -> list[str]:
    """MIDDLEWARE as the settings build it from this environment, in a fresh process."""
    environment = {k: v for k, v in os.environ.items() if k != "ISOAPP_INSTANCE"}
    environment.update(DJANGO_SETTINGS_MODULE="isoapp.settings", **env)
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print('\\n'.join(settings.MIDDLEWARE))",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


def test_the_header_is_installed_first_and_only_when_the_instance_is_named():
    assert middleware_with(ISOAPP_INSTANCE="web-2")[0] == "isoapp.middleware.ServedBy"
    assert "isoapp.middleware.ServedBy" not in middleware_with()
    assert "isoapp.middleware.ServedBy" not in middleware_with(ISOAPP_INSTANCE="  ")


@pytest.fixture
def instance_web_2(settings):
    settings.ISOAPP_INSTANCE = "web-2"
    settings.MIDDLEWARE = ["isoapp.middleware.ServedBy", *settings.MIDDLEWARE]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"), [("/healthz", 200), ("/no-such-page/", 404), ("/admin/", 302)]
)
def test_every_answer_names_the_instance_pages_errors_and_redirects(
    client, instance_web_2, django_assert_max_num_queries, path, status
):
    with django_assert_max_num_queries(5):
        response = client.get(path)
    assert response.status_code == status
    assert response.headers["X-Served-By"] == "web-2"


@pytest.mark.django_db
def test_a_single_server_site_sends_no_such_header(client):
    assert "X-Served-By" not in client.get("/healthz").headers
