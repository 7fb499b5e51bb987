"""Benchmark: the article page, full and htmx partial, on the demo content.

Runs against a throwaway SQLite database (or DATABASE_URL if set), through Django's full
middleware stack, and prints latency percentiles, response sizes, queries per request and peak
Python memory per request. Usage: `make bench` (or `.venv/bin/python bench/article_page.py [N]`).
"""

import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isoapp.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SITE_URL", "http://testserver")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
# Production settings refuse development email backends; the article page sends none anyway.
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

URL = "/articles/micro-dose-vs-conventional-isotretinoin/"


def measure(client, n, **kwargs):
    times, sizes = [], []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(URL, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        sizes.append(len(response.content))
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        client.get(URL, **kwargs)
    tracemalloc.start()
    client.get(URL, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times.sort()
    return {
        "median ms": statistics.median(times),
        "p95 ms": times[int(len(times) * 0.95) - 1],
        "max ms": times[-1],
        "bytes": sizes[0],
        "queries": len(queries),
        "peak KiB": peak / 1024,
    }


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    client = Client()
    client.get(URL)  # warm up templates and connections
    print(f"isoapp article page, {n} requests each, {connection.vendor}")
    print(
        f"{'rendering':<22}{'median ms':>10}{'p95 ms':>9}{'max ms':>9}{'bytes':>8}"
        f"{'queries':>9}{'peak KiB':>10}"
    )
    for label, kwargs in [
        ("full page", {}),
        ("htmx partial", {"headers": {"HX-Request": "true"}}),
        ("full, ?audience=", {"QUERY_STRING": "audience=clinician"}),
    ]:
        r = measure(client, n, **kwargs)
        print(
            f"{label:<22}{r['median ms']:>10.2f}{r['p95 ms']:>9.2f}{r['max ms']:>9.2f}"
            f"{r['bytes']:>8}{r['queries']:>9}{r['peak KiB']:>10.0f}"
        )


if __name__ == "__main__":
    main()
