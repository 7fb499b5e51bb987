"""WSGI entry point: `gunicorn isoapp.wsgi:application`."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isoapp.settings")

application = get_wsgi_application()

# What is loaded by now (Django, the apps, the admin, the URLconf: about 95,000 objects) lives as
# long as the worker. Frozen, the garbage collector's full passes no longer walk it: one such
# pass took 40-55 ms, and every request queued behind it waited that long (bench/RESULTS.md).
get_resolver().check()  # loads the URLconf now rather than on the first request
gc.freeze()
