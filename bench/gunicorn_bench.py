"""gunicorn settings shared by isoapp and the floor in `make bench-http`: the same for both, so
the difference between them is the application's own cost.

Two sync workers (the machine has 2 cores), as the measurements in issue 11 were taken. No
max_requests: a worker is never replaced during the run, so its memory growth shows.
"""

import os

bind = os.environ["BENCH_BIND"]  # always a loopback address (bench/http.py sets it)
workers = int(os.environ.get("BENCH_WORKERS", "2"))
worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
threads = int(os.environ.get("BENCH_THREADS", "1"))
timeout = 30
max_requests = 0
accesslog = None
errorlog = "-"
loglevel = "warning"
