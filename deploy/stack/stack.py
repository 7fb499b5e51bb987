"""`make stack` and `make stack-down`: the scale-out rehearsal on one machine, without Docker.

    python deploy/stack/stack.py up   [--run-dir .stack]
    python deploy/stack/stack.py down [--run-dir .stack]

`up` runs, on loopback only and from the repo's own deploy files, what compose runs in
containers: migrations once (deploy/entrypoint.sh migrate, on the local PostgreSQL, in a database
of the stack's own that is created if missing), static files collected once, then two gunicorn
instances (deploy/gunicorn.conf.py, ISOAPP_INSTANCE=web1 and web2) behind Debian's nginx (the
compose proxy's template, deploy/nginx/isoapp.conf.template, inside deploy/stack/nginx.conf), the
task worker (entrypoint.sh worker), and a test mail server that keeps every message as a file
(aiosmtpd's Maildir handler). Settings are production's (debug off, a generated secret, SMTP
email, the database task backend, Redis), except cookies: plain http on loopback, so not Secure.

Everything it makes is in the run directory: `env` (the stack's environment; `set -a; . RUN/env`
before `manage.py` to work on the stack's database), the rendered nginx files, `logs/`, `mail/new/`
(one file per message sent), and `pids/`. `down` stops exactly the processes whose pid files `up`
wrote, after checking each is still the process that was started (its start time is recorded with
its pid), and nothing else.

Where it listens, and what it uses, can be changed from the environment:
    STACK_PORT (8080), STACK_WEB_PORTS ("8001 8002"), STACK_SMTP_PORT (8025),
    STACK_DATABASE_URL (postgres://postgres@127.0.0.1:5432/isoapp_stack),
    STACK_REDIS_URL (redis://127.0.0.1:6379/15), NGINX (/usr/sbin/nginx).
"""

import argparse
import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ENTRYPOINT = ROOT / "deploy/entrypoint.sh"
LOOPBACK = "127.0.0.1"
DEFAULTS = {
    "STACK_PORT": "8080",
    "STACK_WEB_PORTS": "8001 8002",
    "STACK_SMTP_PORT": "8025",
    "STACK_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/isoapp_stack",
    "STACK_REDIS_URL": "redis://127.0.0.1:6379/15",
}
START_TIMEOUT = 60
STOP_TIMEOUT = 30


class StackError(Exception):
    """Something `up` or `down` cannot do; the message says what and where to look."""


def option(name: str) -> str:
    return os.environ.get(name, "").strip() or DEFAULTS[name]


def nginx_binary() -> str:
    return os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"


# --- processes and their pid files ----------------------------------------------------------


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat, field 22), or None
    when there is no such live process. With the pid it names one process for good: a pid that
    is reused later belongs to a process that started later."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    state, started = fields[0], fields[19]
    return None if state in {"Z", "X"} else started


def pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / "pids" / f"{name}.pid"


def recorded(run_dir: Path) -> dict[str, tuple[int, str]]:
    """{name: (pid, start time)} for every pid file `up` wrote."""
    found = {}
    for path in sorted((run_dir / "pids").glob("*.pid")):
        pid, started = path.read_text().split()
        found[path.stem] = (int(pid), started)
    return found


def still_ours(pid: int, started: str) -> bool:
    return start_time(pid) == started


def spawn(run_dir: Path, name: str, command: list[str], environment: dict[str, str]):
    """Start `command` in a session of its own (so it and its children can be stopped as one
    group, and outlive `up`), with its output in logs/NAME.log; record its pid."""
    log = (run_dir / "logs" / f"{name}.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 (our own commands)
        command,
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    started = None
    for _ in range(50):
        started = start_time(process.pid)
        if started:
            break
        time.sleep(0.01)
    if started is None:
        raise StackError(f"{name} exited at once; see {run_dir / 'logs' / (name + '.log')}")
    pid_file(run_dir, name).write_text(f"{process.pid} {started}\n")
    return process


def stop(run_dir: Path, name: str, pid: int, started: str) -> str:
    """Stop one recorded process group: SIGTERM (each program's clean stop), then SIGKILL if it
    is still there after STOP_TIMEOUT seconds. A pid no longer ours is left alone."""
    path = pid_file(run_dir, name)
    if not still_ours(pid, started):
        path.unlink(missing_ok=True)
        return f"{name}: not running"
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and still_ours(pid, started):
        time.sleep(0.1)
    how = "stopped"
    if still_ours(pid, started):
        os.killpg(pid, signal.SIGKILL)
        how = f"killed (did not stop within {STOP_TIMEOUT} s)"
    path.unlink(missing_ok=True)
    return f"{name} (pid {pid}): {how}"


# --- readiness ----------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def answers(port: int, path: str, timeout: float = 2.0) -> bool:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": f"{LOOPBACK}:{port}"})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(check, what: str, process, log: Path):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.poll() is not None:
            raise StackError(f"{what} exited (status {process.returncode}); see {log}")
        time.sleep(0.2)
    raise StackError(f"{what} was not ready within {START_TIMEOUT} s; see {log}")


# --- the stack's settings -----------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the stack's PostgreSQL database when it does not exist yet."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
        raise StackError(f"STACK_DATABASE_URL must name a plain database, got {name!r}.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
                print(f"Created the database {name}.")
    except psycopg.OperationalError as error:
        raise StackError(
            f"PostgreSQL at {parts.hostname}:{parts.port} did not answer: {error}"
        ) from error


def secret_key(run_dir: Path) -> str:
    """Made once per run directory, readable by its owner only."""
    path = run_dir / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def stack_settings(run_dir: Path, port: int, smtp_port: int) -> dict[str, str]:
    """The production settings of .env.production.example, for plain http on loopback."""
    site = f"http://{LOOPBACK}:{port}"
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secret_key(run_dir),
        "DATABASE_URL": option("STACK_DATABASE_URL"),
        "DJANGO_REDIS_URL": option("STACK_REDIS_URL"),
        "DJANGO_ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        "DJANGO_SITE_URL": site,
        "DJANGO_CSRF_TRUSTED_ORIGINS": site,
        # Plain http on loopback: Secure cookies would never be sent back.
        "DJANGO_SECURE_COOKIES": "0",
        # nginx sets X-Forwarded-Proto from its own scheme (http here) and one X-Forwarded-For.
        "DJANGO_BEHIND_TLS_PROXY": "1",
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": LOOPBACK,
        "DJANGO_EMAIL_PORT": str(smtp_port),
        "DJANGO_EMAIL_USE_TLS": "0",
        "DJANGO_DEFAULT_FROM_EMAIL": "isoapp <noreply@isoapp.test>",
        "DJANGO_TASKS_BACKEND": "database",
        "DJANGO_SETTINGS_MODULE": "isoapp.settings",
        # Marks every process of this stack (visible in /proc/PID/environ).
        "ISOAPP_STACK_DIR": str(run_dir),
    }


def base_environment() -> dict[str, str]:
    """Only what programs need to run: the caller's DJANGO_* and the like do not leak in.
    `python` and `gunicorn` are this interpreter's (the project's virtualenv)."""
    names = ("HOME", "LANG", "LC_ALL", "TZ")
    keep = {name: os.environ[name] for name in names if name in os.environ}
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
    return {**keep, "PATH": path, "PYTHONUNBUFFERED": "1"}


def write_env_file(run_dir: Path, settings: dict[str, str]) -> Path:
    path = run_dir / "env"
    path.touch(mode=0o600)
    lines = [f"{name}={shlex.quote(value)}" for name, value in settings.items()]
    path.write_text(
        "# The stack's environment (deploy/stack/stack.py). To run manage.py on its database:\n"
        "#   set -a; . "
        + shlex.quote(str(path))
        + "; set +a; python manage.py shell\n"
        + "\n".join(lines)
        + "\n"
    )
    return path


def render_nginx(run_dir: Path, port: int, web_ports: list[int]) -> Path:
    upstreams = " ".join(f"server {LOOPBACK}:{web};" for web in web_ports)
    environment = {
        **base_environment(),
        "ISOAPP_LISTEN": f"{LOOPBACK}:{port}",
        "ISOAPP_UPSTREAMS": upstreams,
        "ISOAPP_TLS_ENDS_AT": "proxy",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "deploy/nginx/render.py"), "--output", "isoapp.conf"],
        cwd=run_dir,
        env=environment,
        check=True,
    )
    # Included from the run directory, so its relative paths are the run directory's.
    shutil.copyfile(HERE / "nginx.conf", run_dir / "nginx.conf")
    return run_dir / "nginx.conf"


# --- up and down --------------------------------------------------------------------------


def run_once(run_dir: Path, name: str, command: list[str], environment: dict[str, str]):
    log = run_dir / "logs" / f"{name}.log"
    with log.open("ab") as output:
        done = subprocess.run(  # noqa: S603
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        raise StackError(f"{name} failed (status {done.returncode}); see {log}:\n{tail(log)}")


def tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def refuse_to_start(run_dir: Path) -> None:
    """Checks made before anything starts; a refusal here stops nothing (least of all a stack
    already running in this run directory)."""
    running = [name for name, process in recorded(run_dir).items() if still_ours(*process)]
    if running:
        raise StackError(
            f"The stack in {run_dir} is already running ({', '.join(running)}): "
            "`make stack-down` first."
        )
    taken = [p for p in ports() if not port_is_free(p)]
    if taken:
        raise StackError(
            f"Port(s) {', '.join(map(str, taken))} on {LOOPBACK} are in use. "
            "Choose others with STACK_PORT, STACK_WEB_PORTS and STACK_SMTP_PORT."
        )
    if not Path(nginx_binary()).exists():
        raise StackError(
            f"nginx not found at {nginx_binary()}: apt-get install nginx (Debian's package)."
        )


def ports() -> tuple[int, ...]:
    """(proxy, web instances..., mail server)."""
    web_ports = [int(p) for p in option("STACK_WEB_PORTS").split()]
    return (int(option("STACK_PORT")), *web_ports, int(option("STACK_SMTP_PORT")))


def up(run_dir: Path) -> None:
    port, *web_ports, smtp_port = ports()
    nginx = nginx_binary()
    # mail/ is a Maildir (aiosmtpd's Mailbox handler): a message goes to tmp/, then to new/.
    for folder in ("logs", "pids", "tmp", "mail/tmp", "mail/new", "mail/cur"):
        (run_dir / folder).mkdir(parents=True, exist_ok=True)

    settings = stack_settings(run_dir, port, smtp_port)
    environment = {**base_environment(), **settings}
    write_env_file(run_dir, settings)
    ensure_database(settings["DATABASE_URL"])

    entrypoint = ["sh", str(ENTRYPOINT)]
    print("Migrating the stack's database (once, before any app server starts)...")
    run_once(run_dir, "migrate", [*entrypoint, "migrate"], environment)
    # Once, before the instances start: they share this checkout's STATIC_ROOT.
    run_once(
        run_dir,
        "collectstatic",
        [*entrypoint, "python", "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        environment,
    )

    logs = run_dir / "logs"
    smtp = spawn(
        run_dir,
        "smtp",
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "--nosetuid",
            "--listen",
            f"{LOOPBACK}:{smtp_port}",
            "--class",
            "aiosmtpd.handlers.Mailbox",
            str(run_dir / "mail"),
        ],
        environment,
    )
    webs = []
    for number, web_port in enumerate(web_ports, start=1):
        instance = f"web{number}"
        webs.append(
            (
                instance,
                web_port,
                spawn(
                    run_dir,
                    instance,
                    [
                        *entrypoint,
                        "gunicorn",
                        "--config",
                        "deploy/gunicorn.conf.py",
                        # gunicorn's control socket defaults to one path in $HOME, which
                        # two instances on one machine would fight over.
                        "--control-socket",
                        str(run_dir / "tmp" / f"{instance}.ctl"),
                        "isoapp.wsgi:application",
                    ],
                    {
                        **environment,
                        "ISOAPP_BIND": f"{LOOPBACK}:{web_port}",
                        "ISOAPP_INSTANCE": instance,
                    },
                ),
            )
        )
    worker = spawn(run_dir, "worker", [*entrypoint, "worker"], environment)
    conf = render_nginx(run_dir, port, web_ports)
    proxy_command = [nginx, "-p", f"{run_dir}/", "-c", str(conf), "-e", str(logs / "nginx.log")]
    subprocess.run([*proxy_command, "-t", "-q"], check=True, env=environment)  # noqa: S603
    proxy = spawn(run_dir, "nginx", proxy_command, environment)

    wait_until(lambda: accepts(smtp_port), "the mail server", smtp, logs / "smtp.log")
    for instance, web_port, process in webs:
        log = logs / f"{instance}.log"
        wait_until(lambda p=web_port: answers(p, "/healthz"), instance, process, log)
    wait_until(lambda: answers(port, "/proxy-healthz"), "nginx", proxy, logs / "nginx.log")
    if worker.poll() is not None:
        log = logs / "worker.log"
        raise StackError(f"the worker exited; see {log}:\n{tail(log)}")

    instances = ", ".join(f"{name} {LOOPBACK}:{p}" for name, p, _ in webs)
    print(
        f"\nisoapp stack is up: http://{LOOPBACK}:{port}/  (nginx)\n"
        f"  app servers: {instances}; the task worker\n"
        f"  PostgreSQL {redact(settings['DATABASE_URL'])}; Redis {settings['DJANGO_REDIS_URL']}\n"
        f"  email goes to a test mail server on {LOOPBACK}:{smtp_port}, "
        f"kept as files in {run_dir / 'mail' / 'new'}\n"
        f"  logs: {logs}   manage.py on the stack: set -a; . {run_dir / 'env'}; set +a\n"
        "  stop it with: make stack-down"
    )


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)


# nginx first (no new requests), then the app servers, the worker, and the mail server last
# (the worker may still be sending).
STOP_ORDER = ("nginx", "web", "worker", "smtp")


def down(run_dir: Path) -> None:
    processes = recorded(run_dir) if (run_dir / "pids").is_dir() else {}
    if not processes:
        print(f"Nothing to stop: no pid files in {run_dir / 'pids'}.")
        return

    def order(name):
        return next((i for i, p in enumerate(STOP_ORDER) if name.startswith(p)), len(STOP_ORDER))

    for name in sorted(processes, key=order):
        print(stop(run_dir, name, *processes[name]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".stack")
    arguments = parser.parse_args(argv)
    run_dir = arguments.run_dir.resolve()
    try:
        if arguments.action == "up":
            run_dir.mkdir(parents=True, exist_ok=True)
            refuse_to_start(run_dir)
            try:
                up(run_dir)
            except BaseException:
                # Leave nothing half-started behind.
                down(run_dir)
                raise
        else:
            down(run_dir)
    except StackError as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
