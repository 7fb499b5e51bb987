"""Logs are JSON lines with the request id, user id (never an email), path, status and duration;
errors go to the log with their traceback and the same request id, never to the page."""

import io
import json
import logging

import pytest
from django.test import Client
from django.urls import path, reverse

from isoapp import urls as site_urls
from isoapp.logs import JsonFormatter, RequestIdFilter
from tests.factories import UserFactory
from tests.pages import said

pytestmark = pytest.mark.django_db

EMAIL = "pat.reader@example.com"


def fails(request):
    raise ValueError(f"could not save the choice of {EMAIL}")


urlpatterns = [*site_urls.urlpatterns, path("fails/", fails)]
handler500 = site_urls.handler500


@pytest.fixture
def log_lines():
    """What the site writes to its JSON log handler during the test, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)

    def lines():
        text = stream.getvalue()
        assert "@example.com" not in text
        return [json.loads(line) for line in text.splitlines()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_each_request_is_one_line_naming_the_user_by_id(log_lines):
    reader = UserFactory(email=EMAIL)
    client = Client()
    client.force_login(reader)
    response = client.get(reverse("accounts:home"), headers={"X-Request-ID": "req-42"})
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-42"
    [line] = [line for line in log_lines() if line["logger"] == "isoapp.requests"]
    assert line["request_id"] == "req-42"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/accounts/me/", 200)
    assert line["user_id"] == reader.pk
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_a_request_id_is_made_when_the_proxy_sent_none_or_a_strange_one(client, log_lines):
    first = client.get(reverse("articles:list"))
    second = client.get(reverse("articles:list"), headers={"X-Request-ID": "x\u202e<script>"})
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert all(len(i) == 32 for i in ids) and ids[0] != ids[1]
    logged = [line for line in log_lines() if line["logger"] == "isoapp.requests"]
    assert [line["request_id"] for line in logged] == ids
    assert all("user_id" not in line for line in logged)  # nobody signed in


def test_errors_go_to_the_log_with_their_traceback_not_to_the_page(settings, log_lines):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/fails/", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert "Something went wrong on our side" in said(response)
    assert "Traceback" not in response.content.decode() and EMAIL not in said(response)
    lines = [line for line in log_lines() if line["request_id"] == "req-500"]
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["logger"] == "django.request"
    assert "ValueError: could not save the choice of [email]" in error["traceback"]
    assert [line["status"] for line in lines if line["logger"] == "isoapp.requests"] == [500]


def test_secret_parts_of_a_path_are_masked(client, log_lines):
    client.get(reverse("account_confirm_email", args=["MQ:1tXyZ:a-secret-signature"]))
    [line] = [line for line in log_lines() if line["logger"] == "isoapp.requests"]
    assert line["path"] == "/accounts/confirm-email/[secret]/"


def test_health_probes_that_pass_are_not_logged(client, log_lines):
    client.get(reverse("healthz"))
    client.get(reverse("readyz"))
    assert [line for line in log_lines() if line["logger"] == "isoapp.requests"] == []
