"""The proxy's nginx template (deploy/nginx/isoapp.conf.template), rendered as `make stack` renders
it and run by Debian's nginx in front of a small echo server: what it passes upstream, what it
refuses to pass on, and what a reader sees when no app server answers."""

import http.client
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def load_render():
    """deploy/nginx/render.py, the template's renderer (deploy/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "isoapp_nginx_render", ROOT / "deploy/nginx/render.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = load_render()


def nginx_or_skip() -> str:
    if not Path(NGINX).exists():
        reason = "nginx not found: `apt-get install nginx` (Debian's package) runs these tests"
        print(f"\nSKIPPING proxy test: {reason}")
        pytest.skip(reason)
    return NGINX


def test_the_renderer_refuses_values_nginx_would_reject_or_misread():
    good = {"ISOAPP_LISTEN": "127.0.0.1:8080", "ISOAPP_UPSTREAMS": "server 127.0.0.1:8001;"}
    assert "listen 127.0.0.1:8080;" in render.render(good)
    for bad, says in [
        ({"ISOAPP_LISTEN": ""}, "Set ISOAPP_LISTEN"),
        ({"ISOAPP_UPSTREAMS": "127.0.0.1:8001"}, "ISOAPP_UPSTREAMS must be"),
        ({"ISOAPP_UPSTREAMS": "server a:1; } server {"}, "ISOAPP_UPSTREAMS must be"),
        ({"ISOAPP_LISTEN": "80; include /etc/passwd"}, "ISOAPP_LISTEN must be"),
        ({"ISOAPP_TLS_ENDS_AT": "nobody"}, "ISOAPP_TLS_ENDS_AT must be one of"),
    ]:
        with pytest.raises(render.TemplateValueError, match=says):
            render.render({**good, **bad})


class Echo(BaseHTTPRequestHandler):
    """Answers with the request headers it received, as JSON."""

    def do_GET(self):
        body = json.dumps(dict(self.headers)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def proxy(tmp_path):
    """Start nginx with the rendered template in front of an echo server and a dead port; yield
    a function that starts it with given template values and returns its port."""
    nginx = nginx_or_skip()
    echo = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    started = []

    def start(**values: str) -> int:
        port = free_port()
        dead = free_port()  # nothing listens: nginx must skip it
        upstreams = f"server 127.0.0.1:{dead}; server 127.0.0.1:{echo.server_address[1]};"
        rendered = render.render(
            {"ISOAPP_LISTEN": f"127.0.0.1:{port}", "ISOAPP_UPSTREAMS": upstreams, **values}
        )
        (tmp_path / "isoapp.conf").write_text(rendered)
        (tmp_path / "nginx.conf").write_text(
            f"""
            {"user root;" if os.geteuid() == 0 else ""}
            worker_processes 1;
            daemon off;
            pid {tmp_path}/nginx.pid;
            error_log {tmp_path}/error.log;
            events {{ worker_connections 64; }}
            http {{
                client_body_temp_path {tmp_path}/body;
                proxy_temp_path {tmp_path}/proxy;
                include {tmp_path}/isoapp.conf;
                access_log {tmp_path}/access.log isoapp_json;
            }}
            """
        )
        command = [nginx, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)]
        checked = subprocess.run(  # noqa: S603
            [*command, "-t", "-e", str(tmp_path / "error.log")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen(  # noqa: S603
            [*command, "-e", str(tmp_path / "error.log")], stderr=subprocess.DEVNULL
        )
        started.append(process)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                assert process.poll() is None, (tmp_path / "error.log").read_text()
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.1)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)
    echo.shutdown()
    echo.server_close()


def get(port: int, headers: dict[str, str] | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/some/page?token=secret", headers=headers or {})
    response = connection.getresponse()
    return response, response.read().decode()


def last_log_line(path: Path) -> str:
    """nginx writes the line as the request ends, a moment after the client has its answer."""
    deadline = time.monotonic() + 5
    while not (lines := path.read_text().splitlines()):
        assert time.monotonic() < deadline, f"nothing logged in {path}"
        time.sleep(0.05)
    return lines[-1]


def test_the_app_gets_the_scheme_client_address_and_a_request_id_and_never_a_forged_scheme(proxy):
    port = proxy()
    response, body = get(port, {"X-Forwarded-Proto": "https", "X-Request-ID": "bad id\tspaces"})
    assert response.status == 200  # the dead server was skipped
    seen = json.loads(body)
    assert seen["X-Forwarded-Proto"] == "http"  # what the client used, not what it claimed
    assert seen["X-Forwarded-For"] == "127.0.0.1"
    assert seen["Host"] == f"127.0.0.1:{port}"
    generated = seen["X-Request-ID"]
    assert len(generated) == 32 and generated != "bad id\tspaces"
    assert response.getheader("X-Request-ID") == generated

    response, body = get(port, {"X-Request-ID": "lb-4f2a-91c0"})
    assert json.loads(body)["X-Request-ID"] == "lb-4f2a-91c0"
    assert response.getheader("X-Request-ID") == "lb-4f2a-91c0"


def test_behind_a_load_balancer_its_scheme_and_client_chain_are_passed_on(proxy):
    port = proxy(ISOAPP_TLS_ENDS_AT="load-balancer")
    _, body = get(port, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    seen = json.loads(body)
    assert seen["X-Forwarded-Proto"] == "https"
    assert seen["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"


def test_with_no_app_server_answering_readers_get_a_plain_page_asking_them_to_retry(
    proxy, tmp_path
):
    port = proxy(ISOAPP_UPSTREAMS=f"server 127.0.0.1:{free_port()};")
    response, body = get(port)
    assert response.status == 503
    assert response.getheader("Retry-After") == "30"
    assert "Please try again in a few minutes." in body
    assert "nginx" not in body
    line = json.loads(last_log_line(tmp_path / "access.log"))
    assert line["status"] == 503
    assert line["path"] == "/some/page"  # no query string, so no tokens, in the log
    assert line["request_id"] == response.getheader("X-Request-ID")
