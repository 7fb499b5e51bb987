"""Health endpoints for load balancers and container orchestrators.

- `/healthz` (liveness): the process answers requests. It never touches the database, so a
  database outage doesn't get every web container restarted.
- `/readyz` (readiness): JSON saying whether this instance can serve readers, 200 or 503:

      {"status": "ok" | "degraded" | "unavailable",
       "checks": {"database": {"status": "ok", "ms": 1.2},
                  "cache": {"status": "ok" | "degraded" | "unavailable"},
                  "migrations": {"status": "ok" | "pending" | "unknown", "pending": 0}}}

  503 when the database doesn't answer (a query under a 2 s statement timeout; connecting is
  bounded by DJANGO_DB_CONNECT_TIMEOUT), migrations are pending, or the cache fails outright.
  A Redis outage that FallbackRedisCache rides out is "degraded" with 200: the site still serves
  everyone, and taking every instance out of the load balancer would turn it into an outage.
  No error text is shown (it can name hosts and users); the log has it.

`HealthCheckMiddleware`, first in MIDDLEWARE, answers both before host validation and the HTTPS
redirect: probes come over plain HTTP, addressed to a container's IP rather than the site's name.
"""

import logging
import time
import uuid

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

READY_QUERY_TIMEOUT_MS = 2000


def check_database(alias: str = DEFAULT_DB_ALIAS) -> dict:
    connection = connections[alias]
    start = time.perf_counter()
    try:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Local to this transaction: the connection's own timeout is back afterwards.
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(READY_QUERY_TIMEOUT_MS)],
                )
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Readiness: database %r does not answer.", alias)
        return {"status": "unavailable"}
    return {"status": "ok", "ms": round((time.perf_counter() - start) * 1000, 1)}


def check_cache(alias: str = "default") -> dict:
    cache = caches[alias]
    key = f"isoapp:readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", 10)
        answered = cache.get(key) == "ok"
        cache.delete(key)
    except Exception:
        logger.exception("Readiness: cache %r fails.", alias)
        return {"status": "unavailable"}
    if not answered:
        logger.error("Readiness: cache %r does not keep what it is given.", alias)
        return {"status": "unavailable"}
    if getattr(cache, "degraded", False):
        return {"status": "degraded", "detail": "shared cache unreachable, using local memory"}
    return {"status": "ok"}


def check_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict:
    try:
        executor = MigrationExecutor(connections[alias])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        logger.exception("Readiness: migrations on %r could not be read.", alias)
        return {"status": "unknown"}
    return {"status": "pending" if plan else "ok", "pending": len(plan)}


def readiness(database: str = DEFAULT_DB_ALIAS, cache: str = "default") -> tuple[dict, int]:
    """The /readyz body and status for these database and cache aliases."""
    checks = {"database": check_database(database), "cache": check_cache(cache)}
    # Without a database the migration check would only wait for it a second time.
    if checks["database"]["status"] == "ok":
        checks["migrations"] = check_migrations(database)
    else:
        checks["migrations"] = {"status": "unknown"}
    statuses = {check["status"] for check in checks.values()}
    if statuses & {"unavailable", "pending", "unknown"}:
        return {"status": "unavailable", "checks": checks}, 503
    if "degraded" in statuses:
        return {"status": "degraded", "checks": checks}, 200
    return {"status": "ok", "checks": checks}, 200


@require_safe
@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@require_safe
@never_cache
def readyz(request):
    body, status = readiness()
    return JsonResponse(body, status=status)


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.views = {reverse("healthz"): healthz, reverse("readyz"): readyz}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
