"""`make bench-http`: isoapp under gunicorn against a floor, measured with wrk on loopback.

For each database backend (SQLite and PostgreSQL):

1. two throwaway databases are built: the demo plus 10,000 synthetic articles (four reading
   levels, ten references each; `load_demo --synthetic`, bulk inserts), and the demo plus 7
   (an index of 10);
2. isoapp is started under gunicorn on each (bench/gunicorn_bench.py: 2 sync workers, loopback),
   with production's settings (.env.production.example: debug off, JSON request logs, Redis
   cache, HTTPS behind a proxy: every request carries the proxy's `X-Forwarded-Proto: https`);
3. its responses are captured, and the floor (bench/floor.py) serves those identical bytes from
   constants under the same gunicorn settings;
4. wrk loads them side by side in alternating rounds (A, B, A, B …), 16 connections each:
   the article page and the htmx swap against the floor, with and without gzip, and the index
   at 10,000 articles against the index at 10;
5. then it prints requests/s, p50 and p99, bytes per response, SQL queries per request (counted
   in-process, bench/count_queries.py), the workers' RSS before and after at least 20,000
   requests, and the ratios to the floor, and writes them all to a JSON file.

Loopback only; every run and the whole bench are bounded in time (BENCH_MAX_SECONDS). Nothing
here runs in `make test`. Settings (environment, defaults in brackets):

    BENCH_BACKENDS [sqlite postgresql]   BENCH_SECONDS [8]      BENCH_ROUNDS [3]
    BENCH_CONNECTIONS [16]               BENCH_ARTICLES [10000] BENCH_MEMORY_REQUESTS [20000]
    BENCH_PG_URL [postgres://postgres@127.0.0.1:5432/isoapp_bench]  (and <name>_small)
    BENCH_REDIS_URL [redis://127.0.0.1:6379/11]  ("" for per-process memory)
    BENCH_OUTPUT [bench/results/http-<date>.json]   BENCH_MAX_SECONDS [1800]
    BENCH_ONLY [all pairs]: labels separated by ";" of the pairs to run (e.g. "article page")
    BENCH_BEFORE_ROOT: another checkout of isoapp (e.g. the commit before a change), served
        on the same database as a third server: its article page and swap join the rounds
        against the same floor, so before and after are measured under the same load
"""

import contextlib
import datetime
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
ARTICLE = "/articles/micro-dose-vs-conventional-isotretinoin/"
SWAP = ARTICLE + "?audience=caregiver"
DEMO_ARTICLES = 3
HOST = "127.0.0.1"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
HX = {"HX-Request": "true"}
GZIP = {"Accept-Encoding": "gzip"}


def setting(name, default):
    value = os.environ.get(name)
    return default if value is None else value


SECONDS = int(setting("BENCH_SECONDS", "8"))
ROUNDS = int(setting("BENCH_ROUNDS", "3"))
CONNECTIONS = int(setting("BENCH_CONNECTIONS", "16"))
ARTICLES = int(setting("BENCH_ARTICLES", "10000"))
MEMORY_REQUESTS = int(setting("BENCH_MEMORY_REQUESTS", "20000"))
BACKENDS = setting("BENCH_BACKENDS", "sqlite postgresql").split()
PG_URL = setting("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/isoapp_bench")
REDIS_URL = setting("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
MAX_SECONDS = int(setting("BENCH_MAX_SECONDS", "1800"))
BEFORE_ROOT = setting("BENCH_BEFORE_ROOT", "")
ONLY = {label.strip() for label in setting("BENCH_ONLY", "").split(";") if label.strip()}
OUTPUT = Path(
    setting("BENCH_OUTPUT", str(BENCH / "results" / f"http-{datetime.date.today()}.json"))
)

# (label, side A: (server, path, headers), side B: (server, path, headers)). Server names are
# keys of the running servers; the floor's paths name the captured bodies.
PAIRS = [
    ("article page", ("big", ARTICLE, {}), ("floor", "/page", {})),
    ("htmx swap", ("big", SWAP, HX), ("floor", "/swap", {})),
    ("article page, gzip", ("big", ARTICLE, GZIP), ("floor", "/page-gzip", GZIP)),
    ("htmx swap, gzip", ("big", SWAP, {**HX, **GZIP}), ("floor", "/swap-gzip", GZIP)),
    ("index, 10,000 vs 10 articles", ("big", "/", {}), ("small", "/", {})),
]
if BEFORE_ROOT:
    PAIRS[2:2] = [
        ("article page, before", ("before", ARTICLE, {}), ("floor", "/page", {})),
        ("htmx swap, before", ("before", SWAP, HX), ("floor", "/swap", {})),
    ]
# What the floor serves: name -> (path on isoapp, request headers).
CAPTURED = {
    "page": (ARTICLE, {}),
    "swap": (SWAP, HX),
    "page-gzip": (ARTICLE, GZIP),
    "swap-gzip": (SWAP, {**HX, **GZIP}),
}


class Timeout(Exception):
    pass


def product_environment(database_url, cache_prefix):
    """Production's settings (.env.production.example), on loopback and this bench's services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BENCH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="isoapp.settings",
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-" + "k" * 50,
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SITE_URL="https://isoapp.example.org",
        DJANGO_STATIC_MANIFEST="1",
        DJANGO_LOG_LEVEL="INFO",
        DJANGO_LOG_FORMAT="json",
        DJANGO_TASKS_BACKEND="database",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_BEHIND_TLS_PROXY="1",
        DJANGO_SECURE_SSL_REDIRECT="1",
        DJANGO_SECURE_COOKIES="1",
        DJANGO_SECURE_HSTS_SECONDS="31536000",
        DJANGO_TRUSTED_PROXY_COUNT="1",
        DJANGO_CACHE_KEY_PREFIX=cache_prefix,
        PYTHONWARNINGS="ignore::UserWarning",
    )
    if REDIS_URL:
        env["DJANGO_REDIS_URL"] = REDIS_URL
    return env


def run(command, env, timeout=600):
    return subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=timeout
    )


def recreate_postgres(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"BENCH_PG_URL names an odd database: {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def build_database(url, synthetic, workdir):
    """Migrate a fresh database at `url` and load the demo plus `synthetic` articles."""
    if url.startswith("postgres"):
        recreate_postgres(url)
    env = product_environment(url, "setup")
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    env.pop("DJANGO_REDIS_URL", None)
    start = time.monotonic()
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    migrated = time.monotonic()
    run([PYTHON, "manage.py", "load_demo", "--synthetic", str(synthetic)], env)
    loaded = time.monotonic()
    # Statistics for the planner, as a database in use has them (PostgreSQL's autovacuum would
    # gather them later, in the middle of a round).
    analyze = "VACUUM ANALYZE" if url.startswith("postgres") else "ANALYZE"
    run([PYTHON, "-c", f"{SETUP}; connection.cursor().execute({analyze!r})"], env)
    return {"migrate_s": round(migrated - start, 1), "load_s": round(loaded - migrated, 1)}


SETUP = "import django; django.setup(); from django.db import connection"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(port, path, headers=None, timeout=30):
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    connection.request("GET", path, headers={**PROXY_HEADERS, **(headers or {})})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def wait_until_up(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"A server on port {port} exited with {process.returncode}.")
        try:
            response, _ = request(port, "/healthz", timeout=2)
            if response.status in (200, 404):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The server on port {port} did not start within {timeout} s.")


class Server:
    def __init__(self, name, command, env, logdir, cwd=ROOT):
        self.name, self.port = name, free_port()
        env = {**env, "BENCH_BIND": f"{HOST}:{self.port}"}
        self.log = open(logdir / f"{name}.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=self.log
        )
        self.served = 0
        wait_until_up(self.port, self.process)

    def url(self, path):
        return f"http://{HOST}:{self.port}{path}"

    def workers(self):
        out = subprocess.run(  # noqa: S603
            ["/usr/bin/ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
        ).stdout
        return [int(pid) for pid in out.split()]

    def rss_kib(self):
        sizes = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)))
        return sizes

    def drain(self, timeout=120):
        """Wait until the workers have answered what wrk left queued (a slow page can keep
        them busy after wrk stops): a health probe waits behind every queued request."""
        with contextlib.suppress(OSError):
            request(self.port, "/healthz", timeout=timeout)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def product_server(name, database_url, logdir, root=ROOT):
    config = str(BENCH / "gunicorn_bench.py")
    command = [PYTHON, "-m", "gunicorn", "-c", config, "--chdir", str(root), "isoapp.wsgi"]
    return Server(name, command, product_environment(database_url, name), logdir, cwd=root)


def floor_server(floor_dir, logdir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BENCH_"))}
    env["BENCH_FLOOR_DIR"] = str(floor_dir)
    command = [PYTHON, "-m", "gunicorn", "-c", "bench/gunicorn_bench.py", "--pythonpath", "bench"]
    return Server("floor", [*command, "floor:application"], env, logdir)


def wrk(server, path, headers, seconds):
    command = ["/usr/bin/wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["--latency", "-s", str(BENCH / "wrk_report.lua")]
    for name, value in {**PROXY_HEADERS, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603
        [*command, server.url(path)], capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    server.drain()
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    server.served += raw["requests"]
    errors = sum(raw[k] for k in raw if k.endswith(("_errors", "timeouts")))
    return {
        "req_s": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "requests": raw["requests"],
        "errors": errors,
    }


def capture(server, floor_dir):
    """Save isoapp's responses for the floor; return their sizes and encodings."""
    meta, sizes = {}, {}
    for name, (path, headers) in CAPTURED.items():
        response, body = request(server.port, path, headers)
        if response.status != 200:
            raise SystemExit(f"isoapp answered {response.status} to {path} ({name}).")
        encoding = response.getheader("Content-Encoding") or ""
        (floor_dir / f"{name}.body").write_bytes(body)
        meta[name] = {"content_type": response.getheader("Content-Type"), "encoding": encoding}
        sizes[name] = {
            "bytes": len(body),
            "encoding": encoding or "identity",
            "uncompressed_bytes": len(gzip.decompress(body)) if encoding == "gzip" else len(body),
            "etag": response.getheader("ETag"),
            "cache_control": response.getheader("Cache-Control"),
            "vary": response.getheader("Vary"),
            "set_cookie": bool(response.getheader("Set-Cookie")),
        }
    (floor_dir / "bodies.json").write_text(json.dumps(meta))
    return sizes


def count_queries(database_url):
    env = product_environment(database_url, "count-queries")
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    env["DJANGO_ALLOWED_HOSTS"] = f"{HOST},testserver"
    env["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    out = run([PYTHON, "bench/count_queries.py", ARTICLE, "/"], env).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine():
    meminfo = Path("/proc/meminfo").read_text()
    return {
        "nproc": os.cpu_count(),
        "mem_total_kib": int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        ),
        "python": sys.version.split()[0],
        "wrk": subprocess.run(  # noqa: S603
            ["/usr/bin/wrk", "--version"], capture_output=True, text=True
        ).stdout.splitlines()[0],
    }


def load_average():
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def bench_backend(backend, workdir):
    print(f"\n== {backend} ==", flush=True)
    if backend == "sqlite":
        big_url = f"sqlite:///{workdir}/big.sqlite3"
        small_url = f"sqlite:///{workdir}/small.sqlite3"
    else:
        big_url = PG_URL
        small_url = PG_URL + "_small"
    result = {"backend": backend, "load_average_before": load_average()}
    result["build"] = {
        "big": build_database(big_url, ARTICLES, workdir),
        "small": build_database(small_url, 10 - DEMO_ARTICLES, workdir),
    }
    print(f"databases built: {result['build']}", flush=True)
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    logdir = workdir / f"logs-{backend}"
    logdir.mkdir()
    floor_dir = workdir / f"floor-{backend}"
    floor_dir.mkdir()
    servers = {}
    try:
        servers["big"] = product_server("big", big_url, logdir)
        servers["small"] = product_server("small", small_url, logdir)
        if BEFORE_ROOT:
            servers["before"] = product_server("before", big_url, logdir, Path(BEFORE_ROOT))
        result["responses"] = capture(servers["big"], floor_dir)
        servers["floor"] = floor_server(floor_dir, logdir)
        result["queries"] = count_queries(big_url)
        pairs = [pair for pair in PAIRS if not ONLY or pair[0] in ONLY]
        for _, *sides in pairs:  # warm up: templates, connections, caches
            for name, path, headers in sides:
                wrk(servers[name], path, headers, 2)
        result["rss_kib_after_warm_up"] = servers["big"].rss_kib()
        served_at_warm_up = servers["big"].served
        rounds = {label: {"a": [], "b": []} for label, *_ in pairs}
        for number in range(1, ROUNDS + 1):
            for label, a, b in pairs:
                for side, (name, path, headers) in (("a", a), ("b", b)):
                    run_result = wrk(servers[name], path, headers, SECONDS)
                    rounds[label][side].append(run_result)
                print_run(number, label, rounds[label])
        # Memory: at least MEMORY_REQUESTS requests since warm-up, then RSS again.
        deadline = time.monotonic() + 120
        while (
            servers["big"].served - served_at_warm_up < MEMORY_REQUESTS
            and time.monotonic() < deadline
        ):
            wrk(servers["big"], ARTICLE, {}, SECONDS)
        result["rss_kib_after"] = servers["big"].rss_kib()
        result["requests_between_rss"] = servers["big"].served - served_at_warm_up
        result["pairs"] = summarize(rounds, pairs)
    finally:
        for server in servers.values():
            server.stop()
        for log in logdir.iterdir():
            if errors := [line for line in log.read_text().splitlines() if "Error" in line]:
                print(f"{log.name}: {len(errors)} error lines, e.g. {errors[-1]}")
    result["load_average_after"] = load_average()
    print_summary(result)
    return result


def summarize(rounds, pairs):
    summary = {}
    for label, a, b in pairs:
        runs = rounds[label]
        ratios = [x["req_s"] / y["req_s"] for x, y in zip(runs["a"], runs["b"], strict=True)]
        p99s = [x["p99_ms"] / y["p99_ms"] for x, y in zip(runs["a"], runs["b"], strict=True)]
        summary[label] = {
            "a": {"server": a[0], "path": a[1], "headers": a[2], **median_of(runs["a"])},
            "b": {"server": b[0], "path": b[1], "headers": b[2], **median_of(runs["b"])},
            "req_s_ratio_per_round": [round(r, 3) for r in ratios],
            "req_s_ratio": round(statistics.median(ratios), 3),
            "p99_ratio_per_round": [round(r, 2) for r in p99s],
            "p99_ratio": round(statistics.median(p99s), 2),
            "rounds": runs,
        }
    return summary


def median_of(runs):
    return {
        key: round(statistics.median(run[key] for run in runs), 2)
        for key in ("req_s", "p50_ms", "p99_ms", "max_ms")
    } | {"errors": sum(run["errors"] for run in runs)}


def print_run(number, label, runs):
    a, b = runs["a"][-1], runs["b"][-1]
    print(
        f"round {number} {label:<30} A {a['req_s']:8.0f} req/s p99 {a['p99_ms']:7.2f} ms | "
        f"B {b['req_s']:8.0f} req/s p99 {b['p99_ms']:7.2f} ms | A/B {a['req_s'] / b['req_s']:.3f}",
        flush=True,
    )


def print_summary(result):
    print(f"\n{result['backend']}: medians over {ROUNDS} rounds of {SECONDS} s, {CONNECTIONS} conn")
    print(
        f"{'request':<30}{'A req/s':>9}{'p50':>8}{'p99':>8}{'B req/s':>9}{'p50':>8}{'p99':>8}"
        f"{'req/s A/B':>11}{'p99 A/B':>9}"
    )
    for label, pair in result["pairs"].items():
        a, b = pair["a"], pair["b"]
        print(
            f"{label:<30}{a['req_s']:>9.0f}{a['p50_ms']:>8.2f}{a['p99_ms']:>8.2f}"
            f"{b['req_s']:>9.0f}{b['p50_ms']:>8.2f}{b['p99_ms']:>8.2f}"
            f"{pair['req_s_ratio']:>11.3f}{pair['p99_ratio']:>9.2f}"
        )
    print("bytes per response:")
    for name, info in result["responses"].items():
        print(
            f"  {name:<10} {info['bytes']:>7} ({info['encoding']}; {info['uncompressed_bytes']} "
            f"uncompressed)  Cache-Control: {info['cache_control']}  Vary: {info['vary']}"
        )
    print("SQL queries per request (cold cache, then warm):")
    for label, counts in result["queries"].items():
        print(f"  {label:<26} {counts['cold']:>3} {counts['warm']:>3}")
    print(
        f"worker RSS KiB: {result['rss_kib_after_warm_up']} after warm-up, "
        f"{result['rss_kib_after']} after {result['requests_between_rss']} more requests"
    )
    print(
        f"load average before {result['load_average_before']}, after {result['load_average_after']}"
    )


def main():
    if not shutil.which("/usr/bin/wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    def out_of_time(signum, frame):
        raise Timeout(f"The bench ran past BENCH_MAX_SECONDS={MAX_SECONDS}.")

    def stopped(signum, frame):
        raise SystemExit(f"Stopped by signal {signum}.")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.signal(signal.SIGTERM, stopped)
    signal.alarm(MAX_SECONDS)
    workdir = Path(tempfile.mkdtemp(prefix="isoapp-bench-"))
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "seconds": SECONDS,
            "rounds": ROUNDS,
            "connections": CONNECTIONS,
            "articles": ARTICLES,
            "redis": REDIS_URL or None,
            "gunicorn": "bench/gunicorn_bench.py: 2 sync workers",
            "before_root": BEFORE_ROOT or None,
            "git": subprocess.run(  # noqa: S603
                ["/usr/bin/git", "rev-parse", "--short", "HEAD"],
                cwd=ROOT,
                capture_output=True,
                text=True,
            ).stdout.strip(),
        },
        "backends": {},
    }
    print(
        f"isoapp vs floor: {ROUNDS} rounds x {SECONDS} s, {CONNECTIONS} connections, "
        f"{ARTICLES} synthetic articles, backends {BACKENDS}, cache {REDIS_URL or 'memory'}"
    )
    try:
        env = product_environment(f"sqlite:///{workdir}/static.sqlite3", "static")
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        if BEFORE_ROOT:
            subprocess.run(  # noqa: S603
                [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=BEFORE_ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        for backend in BACKENDS:
            report["backends"][backend] = bench_backend(backend, workdir)
    finally:
        signal.alarm(0)
        shutil.rmtree(workdir, ignore_errors=True)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(report, indent=1))
    print(f"\nwritten to {OUTPUT.relative_to(ROOT) if OUTPUT.is_relative_to(ROOT) else OUTPUT}")


if __name__ == "__main__":
    main()
