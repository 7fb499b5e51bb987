"""gunicorn settings for isoapp: the image's `web` role (deploy/entrypoint.sh) and `make stack`.

gthread workers: each process serves several requests at once on threads. nginx in front buffers
slow clients (deploy/nginx/isoapp.conf.template), so a thread is held only while Django works.
Every value can be changed from the environment; the defaults suit a 2-core machine.
"""

import os
from pathlib import Path

# ISOAPP_BIND: where this instance listens. The container listens on all of its own addresses
# (compose publishes nothing of it); `make stack` gives each instance a loopback port.
bind = os.environ.get("ISOAPP_BIND", "0.0.0.0:8000")  # noqa: S104
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A request still running after this many seconds has its worker restarted. The database's own
# statement timeout (settings) ends a stuck query well before, with the site's 503 page.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 25
# Longer than nginx's upstream keepalive_timeout (4 s), so nginx is always the side that closes.
keepalive = 5

# Workers are replaced now and then, so slow leaks can't build up.
max_requests = 2000
max_requests_jitter = 200

# The workers' heartbeat files in memory, not on a container's overlay disk (gunicorn makes them
# with mkstemp, private to this user).
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108
if SHARED_MEMORY.is_dir():
    worker_tmp_dir = str(SHARED_MEMORY)

# Django logs each request (as JSON lines); gunicorn's own access log is off unless asked for.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
proc_name = "isoapp-" + os.environ.get("ISOAPP_INSTANCE", "web")
