"""A Redis cache that keeps the site working while Redis is down.

Sign-in rate limits and used one-time codes live in the default cache. With Django's plain
RedisCache, Redis being unreachable turns every sign-in into a 500. `FallbackRedisCache` catches
connection errors on each call and answers from this process's memory instead (a LocMemCache), so
pages and sign-in keep working; rate limits then count per process until Redis is back. It logs
an error at most once a minute, and after a failure leaves Redis alone for `retry_after` seconds
so readers don't each wait for a dead server. /readyz reports the cache as degraded meanwhile.

    CACHES = {"default": {"BACKEND": "isoapp.cache.FallbackRedisCache",
                          "LOCATION": "redis://127.0.0.1:6379/0"}}
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class _Outage:
    """What the process knows about one Redis server. Django makes a cache object per thread;
    they share this, so one thread's failure spares the others the wait and the log line."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.logged_at = float("-inf")
        self.since = None

    def failed(self, location, error, retry_after, log_every):
        now = time.monotonic()
        with self.lock:
            self.down_until = now + retry_after
            if self.since is None:
                self.since = now
            should_log = now - self.logged_at >= log_every
            if should_log:
                self.logged_at = now
        if should_log:
            logger.error(
                "Redis cache %s is unreachable (%s: %s); using this process's memory until it is "
                "back. Sign-in rate limits now count per process.",
                location,
                type(error).__name__,
                error,
            )

    def recovered(self, location):
        with self.lock:
            was_down, self.since, self.logged_at = self.since is not None, None, float("-inf")
        if was_down:
            logger.warning("Redis cache %s is reachable again.", location)

    @property
    def down(self):
        return time.monotonic() < self.down_until


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


class FallbackRedisCache(RedisCache):
    retry_after = 10  # seconds before Redis is tried again after a failure
    log_every = 60  # seconds between error log lines while Redis stays down

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        with _outages_lock:
            self._outage = _outages.setdefault(self._location, _Outage())
        local_params = {k: v for k, v in params.items() if k in ("TIMEOUT", "KEY_PREFIX")}
        local_params["OPTIONS"] = {"MAX_ENTRIES": 10_000}
        self._local = LocMemCache(f"isoapp-fallback:{self._location}", local_params)

    @property
    def degraded(self) -> bool:
        """True while calls are answered from this process's memory instead of Redis."""
        return self._outage.down

    def ping(self) -> bool:
        """Ask Redis itself (never the fallback) whether it answers; for /readyz."""
        try:
            self._cache.get_client(write=True).ping()
        except UNREACHABLE as error:
            self._outage.failed(self._location, error, self.retry_after, self.log_every)
            return False
        self._outage.recovered(self._location)
        return True

    def _call(self, name, *args, **kwargs):
        if not self._outage.down:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self._outage.failed(self._location, error, self.retry_after, self.log_every)
            else:
                if self._outage.since is not None:
                    self._outage.recovered(self._location)
                return result
        return getattr(self._local, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")
