"""/healthz says the process is alive without touching the database; /readyz says whether this
instance can serve readers: database, cache and migrations, as JSON with no secrets in it."""

import logging

import pytest
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.test import Client
from django.urls import reverse

from isoapp import health

pytestmark = pytest.mark.django_db

CLOSED_REDIS = "redis://127.0.0.1:1/0"
SECRET_PASSWORD = "a-db-password-nobody-may-see"


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


def test_probes_answer_on_any_host_and_over_plain_http(settings):
    """Container health checks address the container, not the site's name, over HTTP."""
    settings.SECURE_SSL_REDIRECT = True
    probe = Client(HTTP_HOST="10.0.0.7:8000")
    assert probe.get(reverse("healthz")).status_code == 200
    assert probe.get(reverse("readyz")).status_code == 200
    # Everything else still refuses an unknown host and redirects to HTTPS.
    assert probe.get(reverse("articles:list")).status_code == 400
    assert Client().get(reverse("articles:list")).status_code == 301


def test_readyz_reports_each_check(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"] == {"status": "ok"}
    assert body["checks"]["migrations"] == {"status": "ok", "pending": 0}


def test_readyz_is_503_while_migrations_are_pending(client):
    MigrationRecorder.Migration.objects.filter(app="articles").order_by("-id").first().delete()
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"status": "pending", "pending": 1}


@pytest.fixture
def broken_database():
    """A database alias whose server refuses connections (a closed port). It is put straight
    into the connection handler, not into settings, so the test run neither creates a test
    database for it nor forbids queries on it."""
    settings_dict = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": "1",
        "NAME": "isoapp",
        "USER": "isoapp",
        "PASSWORD": SECRET_PASSWORD,
        "OPTIONS": {"connect_timeout": 2},
    }
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "broken")
    connections._connections.broken = wrapper
    yield "broken"
    wrapper.close()
    delattr(connections._connections, "broken")


def test_readiness_is_503_when_the_database_does_not_answer(broken_database, caplog):
    body, status = health.readiness(database=broken_database)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"status": "unavailable"}
    # The migration check doesn't wait for the database a second time.
    assert body["checks"]["migrations"] == {"status": "unknown"}
    assert "Readiness: database 'broken' does not answer" in caplog.text
    assert "127.0.0.1" not in str(body) and SECRET_PASSWORD not in str(body)


def test_readyz_says_degraded_while_redis_is_down_but_stays_in_service(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "isoapp.cache.FallbackRedisCache", "LOCATION": CLOSED_REDIS}
    }
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "degraded"
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_is_503_when_a_plain_cache_fails(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS,
        }
    }
    with caplog.at_level(logging.ERROR):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {"status": "unavailable"}
    assert "Readiness: cache 'default' fails" in caplog.text
