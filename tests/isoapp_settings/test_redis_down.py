"""With Redis down, pages and sign-in keep working: the cache falls back to this process's
memory (so rate limits still count, per process), logs an error once a minute, and goes back to
Redis when it answers again."""

import logging

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from isoapp import cache as fallback
from isoapp.cache import FallbackRedisCache
from tests.factories import UserFactory
from tests.pages import said

CLOSED_PORT = "redis://127.0.0.1:1/0"
LIVE_REDIS = "redis://127.0.0.1:6379/12"
PASSWORD = "correct horse battery staple"


def forget_outages():
    """What a process knows about Redis outages outlives a test: start each one afresh."""
    for outage in fallback._outages.values():
        outage.__init__()


@pytest.fixture(autouse=True)
def _no_outage_from_another_test():
    forget_outages()
    yield
    forget_outages()


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {"BACKEND": "isoapp.cache.FallbackRedisCache", "LOCATION": CLOSED_PORT}
    }
    cache = caches["default"]
    cache.clear()  # the per-process memory from earlier tests
    forget_outages()  # ... and the outage clear() just noticed
    return cache


def test_the_cache_answers_from_memory_and_logs_once(redis_down, caplog):
    with caplog.at_level(logging.ERROR, logger="isoapp.cache"):
        redis_down.set("choice", "caregiver", 60)
        assert redis_down.get("choice") == "caregiver"
        assert redis_down.add("counter", 1)
        assert redis_down.incr("counter") == 2
        assert redis_down.get_many(["choice", "counter"]) == {"choice": "caregiver", "counter": 2}
        redis_down.delete("choice")
        assert redis_down.get("choice") is None
    assert redis_down.degraded
    [logged] = [r for r in caplog.records if r.name == "isoapp.cache"]
    assert "Redis cache redis://127.0.0.1:1/0 is unreachable" in logged.getMessage()


def test_every_thread_shares_the_fallback_and_the_outage(redis_down):
    """Django makes one cache object per thread: they must share the per-process memory."""
    other_thread = FallbackRedisCache(CLOSED_PORT, {})
    redis_down.set("shared", "yes")
    assert other_thread.degraded
    assert other_thread.get("shared") == "yes"


@pytest.mark.django_db
def test_sign_in_works_while_redis_is_down(redis_down, caplog):
    UserFactory(email="reader@example.com")
    client = Client()
    with caplog.at_level(logging.ERROR):
        response = client.post(
            reverse("account_login"), {"login": "reader@example.com", "password": PASSWORD}
        )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert "is unreachable" in caplog.text
    assert client.get(reverse("articles:list")).status_code == 200


@pytest.mark.django_db
def test_rate_limits_still_count_while_redis_is_down(redis_down):
    UserFactory(email="target@example.com")
    client = Client()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "target@example.com", "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": "target@example.com", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in said(response)


@pytest.mark.django_db
def test_without_the_fallback_redis_down_breaks_sign_in(settings):
    """Django's own RedisCache: what the fallback is for."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
        }
    }
    UserFactory(email="reader@example.com")
    client = Client(raise_request_exception=False)
    response = client.post(
        reverse("account_login"), {"login": "reader@example.com", "password": PASSWORD}
    )
    assert response.status_code == 500


@pytest.fixture
def live_redis(settings):
    try:
        redis.Redis.from_url(LIVE_REDIS, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        reason = f"no Redis at {LIVE_REDIS}"
        print(f"\nSKIPPING: {reason}")
        pytest.skip(reason)
    settings.CACHES = {
        "default": {"BACKEND": "isoapp.cache.FallbackRedisCache", "LOCATION": LIVE_REDIS}
    }
    cache = caches["default"]
    yield cache
    cache.clear()


def test_a_reachable_redis_is_used_and_a_recovery_noticed(live_redis, caplog):
    live_redis.set("where", "redis", 60)
    raw = redis.Redis.from_url(LIVE_REDIS)
    assert raw.exists(live_redis.make_key("where"))
    assert not live_redis.degraded

    # Redis went away a moment ago: this process answers from memory until the retry time.
    error = redis.exceptions.ConnectionError("gone")
    live_redis._outage.failed(LIVE_REDIS, error, retry_after=0, log_every=60)
    with caplog.at_level(logging.WARNING, logger="isoapp.cache"):
        assert live_redis.get("where") == "redis"  # retry time passed: asked Redis again
    assert not live_redis.degraded
    assert "is reachable again" in caplog.text
