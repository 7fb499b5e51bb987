"""WSGI entry point: `gunicorn isoapp.wsgi:application`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isoapp.settings")

application = get_wsgi_application()

# What is loaded by now (Django, the apps, the admin, the URLconf, which the middleware reads at
# start: about 85,000 objects) lives as long as the worker. Frozen, the garbage collector's full
# passes no longer walk it: one such pass took 40-55 ms, and every request queued behind it
# waited that long (bench/RESULTS.md). Start-up's own garbage is collected first, not kept.
gc.collect()
gc.freeze()
