"""Benchmark: persistent connections or psycopg's pool, under gunicorn gthread workers.

Starts `gunicorn isoapp.wsgi` (gthread) once per connection mode against the PostgreSQL
database in DATABASE_URL, loads the article page from concurrent keep-alive clients for a fixed
time, and prints requests per second, latency percentiles, errors and the most server
connections the site held. The modes take turns for several rounds, so load from anything else
on the machine falls on all of them alike; the last table is each column's median over rounds.
Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/isoapp_bench \
        .venv/bin/python bench/db_connections.py [seconds] [clients] [rounds]

The database is migrated and given the demo content first (it is the bench's own: use a
throwaway name).

Measured 2026-11-29 on the shared 2-core machine (load average 8-9 from other work), 10 s runs,
medians over rounds (req/s, median ms, p95 ms, peak connections):

    no persistence (CONN_MAX_AGE=0)                 40-49    286-374   656-908   6-7
    persistent (CONN_MAX_AGE=60, health checks)     83-84    150-154   475-485   8
    psycopg pool (max_size=4 per worker)            81-89    143-160   448-520   7.5-8
    psycopg pool (max_size=2 per worker)               72        217       513     4

Persistent and pooled are equal within the noise between runs; isoapp/settings.py keeps
persistent connections (no extra dependency, no pool checkout wait when the database hangs).
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
URL = "/articles/micro-dose-vs-conventional-isotretinoin/"
WORKERS, THREADS = 2, 4
MODES = {
    "no persistence (CONN_MAX_AGE=0)": {"DJANGO_DB_CONN_MAX_AGE": "0"},
    "persistent (CONN_MAX_AGE=60, health checks)": {"DJANGO_DB_CONN_MAX_AGE": "60"},
    f"psycopg pool (max_size={THREADS} per worker)": {"DJANGO_DB_POOL_MAX_SIZE": str(THREADS)},
    f"psycopg pool (max_size={THREADS // 2} per worker)": {
        "DJANGO_DB_POOL_MAX_SIZE": str(THREADS // 2)
    },
}


def environment(database_url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="isoapp.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-" + "k" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SITE_URL="http://127.0.0.1",
        DJANGO_STATIC_MANIFEST="0",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONWARNINGS="ignore::UserWarning",  # whitenoise: no collected static files here
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        **extra,
    )
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def site_connections(database_url):
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()
    return row[0]


def load(port, seconds, clients, database_url):
    latencies, errors, stop = [], [], time.monotonic() + seconds
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                connection.request("GET", URL)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(response.status)
            except (OSError, http.client.HTTPException) as error:
                errors.append(type(error).__name__)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)

    peak = [0]

    def watch():
        while time.monotonic() < stop:
            peak[0] = max(peak[0], site_connections(database_url))
            time.sleep(0.25)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    threads.append(threading.Thread(target=watch))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "req/s": len(latencies) / seconds,
        "median ms": statistics.median(latencies),
        "p95 ms": latencies[int(len(latencies) * 0.95) - 1],
        "max ms": latencies[-1],
        "errors": len(errors),
        "connections": peak[0],
    }


def run_mode(database_url, extra, seconds, clients):
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "isoapp.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--worker-class=gthread",
            f"--workers={WORKERS}",
            f"--threads={THREADS}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=environment(database_url, **extra),
    )
    try:
        wait_until_up(port)
        load(port, 3, clients, database_url)  # warm up: templates, connections
        return load(port, seconds, clients, database_url)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database for this benchmark.")
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    env = environment(database_url)
    for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    print(
        f"gunicorn gthread {WORKERS} workers x {THREADS} threads, {clients} keep-alive clients, "
        f"{seconds} s per run, {rounds} rounds, GET {URL}"
    )
    results = {name: [] for name in MODES}
    print_header()
    for _ in range(rounds):
        for name, extra in MODES.items():
            results[name].append(run_mode(database_url, extra, seconds, clients))
            print_row(name, results[name][-1])
    print("\nmedian over rounds")
    print_header()
    for name, runs in results.items():
        print_row(name, {c: statistics.median(run[c] for run in runs) for c in COLUMNS})


COLUMNS = ["req/s", "median ms", "p95 ms", "max ms", "errors", "connections"]


def print_header():
    print(f"{'mode':<46}" + "".join(f"{c:>12}" for c in COLUMNS))


def print_row(name, result):
    print(f"{name:<46}" + "".join(f"{result[c]:>12.1f}" for c in COLUMNS), flush=True)


if __name__ == "__main__":
    main()
