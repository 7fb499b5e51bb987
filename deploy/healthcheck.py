"""The image's health check: GET /healthz on this container's own gunicorn, exit 0 on a 200.

The request is sent the way the proxy sends it: with a Host that Django accepts (the first of
DJANGO_ALLOWED_HOSTS) and X-Forwarded-Proto: https, so neither ALLOWED_HOSTS nor the redirect to
https turns a healthy answer into a 400 or a 301. Standard library only: the image has no curl.
"""

import http.client
import os
import sys


def host_header() -> str:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    first = hosts[0].lstrip(".") if hosts else "localhost"
    return "localhost" if first in {"", "*"} else first


def main() -> int:
    port = int(os.environ.get("ISOAPP_BIND", "0.0.0.0:8000").rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        connection.request(
            "GET", "/healthz", headers={"Host": host_header(), "X-Forwarded-Proto": "https"}
        )
        status = connection.getresponse().status
    except OSError as error:
        print(f"healthcheck: no answer from 127.0.0.1:{port}: {error}")
        return 1
    if status != 200:
        print(f"healthcheck: /healthz answered {status}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
