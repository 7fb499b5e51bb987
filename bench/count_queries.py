"""SQL queries per request, for `make bench-http`: run in-process against the bench's database
with the same settings as its gunicorn (from the environment), through Django's test client and
the whole middleware stack. Prints one JSON object: {label: {"cold": n, "warm": n}}, where cold is
the first request after the cache was emptied and warm the one after it (what a reader pays).

    python bench/count_queries.py URL [URL ...]
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isoapp.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

READER = "bench-reader@example.com"


def count(client, url, **kwargs):
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def main():
    from django.contrib.auth import get_user_model

    article, index = sys.argv[1], sys.argv[2]
    anonymous = Client(HTTP_HOST="127.0.0.1")
    reader, _ = get_user_model().objects.get_or_create(email=READER)
    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(reader)
    cases = {
        "article page": (anonymous, article, {}),
        "htmx swap": (anonymous, article + "?audience=caregiver", {"HTTP_HX_REQUEST": "true"}),
        "index": (anonymous, index, {}),
        "article page, signed in": (signed_in, article, {}),
    }
    cache.clear()
    result = {}
    for label, (client, url, headers) in cases.items():
        cold = count(client, url, **headers)
        result[label] = {"cold": cold, "warm": count(client, url, **headers)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
