"""Where an article page request's time goes: pyinstrument's profile of isoapp's WSGI
application, middleware included, with the bench's production settings (bench/http_bench.py).

It builds a throwaway SQLite database with the demo content, warms the page up, then calls the
WSGI application directly (as gunicorn would, minus the socket) for N anonymous requests under
pyinstrument, and prints the call tree, trimmed to what takes at least 2 % of the time.

    python bench/profile_page.py [--requests 2000] [--swap] [--signed-in] [--html FILE]

PROFILE_ALL=1 shows every frame (Django's own included), not only isoapp's and the largest.

pyinstrument (a dev dependency) samples the stack every millisecond, so the profile has the
cost of each middleware, query, template and cache call without instrumenting any of them.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from http_bench import ARTICLE, SWAP, product_environment  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--swap", action="store_true", help="the htmx swap, not the page")
    parser.add_argument("--signed-in", action="store_true", help="as a signed-in reader")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args()

    # A throwaway SQLite file, or PROFILE_DATABASE_URL (a database of your own: it is migrated
    # and given the demo content).
    database = os.environ.get("PROFILE_DATABASE_URL") or (
        f"sqlite:///{tempfile.mkdtemp(prefix='isoapp-profile-')}/profile.sqlite3"
    )
    os.environ.update(product_environment(database, "profile"))
    os.environ["DJANGO_STATIC_MANIFEST"] = "0"  # no collectstatic for a profile

    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.test import Client, RequestFactory
    from pyinstrument import Profiler

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    # The JSON request log is kept (production writes it), sent nowhere.
    sys.stdout.flush()
    real_stdout = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    application = get_wsgi_application()
    headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "127.0.0.1"}
    if args.swap:
        headers["HTTP_HX_REQUEST"] = "true"
    if args.signed_in:
        from django.contrib.auth import get_user_model

        client = Client(**headers)
        client.force_login(get_user_model().objects.get(email="reader@example.com"))
        headers["HTTP_COOKIE"] = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    path = SWAP if args.swap else ARTICLE
    factory = RequestFactory()

    def one_request():
        environ = factory.get(path, **headers).environ
        statuses = []
        body = b"".join(application(environ, lambda status, h: statuses.append(status)))
        assert statuses[0].startswith("200"), statuses
        return body

    for _ in range(50):
        one_request()
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    for _ in range(args.requests):
        one_request()
    profiler.stop()
    elapsed = time.perf_counter() - start
    size = len(one_request())
    sys.stdout.flush()
    os.dup2(real_stdout, 1)
    print(
        f"{args.requests} requests of {path}{' (htmx)' if args.swap else ''}"
        f"{' signed in' if args.signed_in else ''}: {elapsed / args.requests * 1000:.3f} ms "
        f"each, profiled ({size} bytes)"
    )
    show_all = os.environ.get("PROFILE_ALL") == "1"  # every frame, Django's included
    print(profiler.output_text(color=False, show_all=show_all, time="percent_of_total"))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
