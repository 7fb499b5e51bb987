"""The floor: a minimal Django app that serves constant bytes, to compare isoapp against.

`make bench-http` captures isoapp's responses (the article page, the htmx swap, and their gzip
forms) into files, then starts this app under the same gunicorn settings (bench/gunicorn_bench.py).
Each body is read once at start-up into a constant; a request costs gunicorn, Django's WSGI
handler, URL resolving and one dict lookup: no middleware, no database, no template. What isoapp
needs beyond that is its own cost.

    BENCH_FLOOR_DIR=<dir with NAME.body files and bodies.json> \
        gunicorn --pythonpath bench -c bench/gunicorn_bench.py floor:application
"""

import json
import os
from pathlib import Path

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="floor-bench-only",  # noqa: S106
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_I18N=False,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import Http404, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

FLOOR_DIR = Path(os.environ["BENCH_FLOOR_DIR"])
# {name: (body, content type, content encoding or "")}, loaded once: the constants served.
BODIES = {
    name: ((FLOOR_DIR / f"{name}.body").read_bytes(), meta["content_type"], meta["encoding"])
    for name, meta in json.loads((FLOOR_DIR / "bodies.json").read_text()).items()
}


def serve(request, name):
    try:
        body, content_type, encoding = BODIES[name]
    except KeyError:
        raise Http404(name) from None
    response = HttpResponse(body, content_type=content_type)
    if encoding:
        response["Content-Encoding"] = encoding
    return response


urlpatterns = [path("<str:name>", serve)]
application = get_wsgi_application()
