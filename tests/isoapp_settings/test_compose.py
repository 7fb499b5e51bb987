"""The production stack as files: docker-compose.yml, the Dockerfile, .dockerignore and the start-up
script, checked against what the settings read. No Docker engine runs here, so these facts are what
can be checked; `.ci/run` also runs `docker compose config` where a compose CLI is installed.
"""

import ast
import re
import runpy
from pathlib import Path

import pytest
import yaml

from tests.isoapp_settings.test_proxy_config import render

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker")
ENTRYPOINT = (ROOT / "deploy/entrypoint.sh").read_text()
# What production must not guess (issue 10): the start-up script refuses to start without each.
MUST_BE_GIVEN = {
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_SITE_URL",
    "DJANGO_REDIS_URL",
    "DJANGO_EMAIL_BACKEND",
    "DJANGO_DEFAULT_FROM_EMAIL",
}


def names_read_by(path: Path) -> set[str]:
    """Every string constant in a module: the environment variable names it can read."""
    tree = ast.parse(path.read_text())
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def required_by_entrypoint() -> set[str]:
    match = re.search(r'^REQUIRED_SETTINGS="([^"]*)"', ENTRYPOINT, re.MULTILINE)
    assert match, "deploy/entrypoint.sh lists REQUIRED_SETTINGS on one line"
    return set(match.group(1).split())


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), grouped by stage."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_the_stack_is_a_database_a_cache_a_one_shot_migration_web_a_worker_and_a_proxy():
    assert set(SERVICES) == {"db", "redis", "migrate", "web", "worker", "proxy"}


def test_only_the_proxy_publishes_a_port_and_web_is_reachable_only_inside():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert [port.rsplit(":", 1)[1] for port in SERVICES["proxy"]["ports"]] == ["80"]
    assert SERVICES["web"]["expose"] == ["8000"]


def test_the_database_is_postgres_17_on_a_named_volume_with_a_health_check():
    db = SERVICES["db"]
    assert db["image"].split(":")[1].split(".")[0] == "17"
    assert db["image"].startswith("postgres:")
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "pgdata" in COMPOSE["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "redis-cli" in SERVICES["redis"]["healthcheck"]["test"]


def test_web_and_worker_start_after_a_healthy_database_cache_and_finished_migrations():
    for name in ("web", "worker"):
        assert SERVICES[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
    assert SERVICES["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["proxy"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_every_long_running_service_has_a_health_check_and_the_others_say_they_have_none():
    for name in ("db", "redis", "web", "proxy"):
        assert SERVICES[name]["healthcheck"]["test"], name
    # The image's HEALTHCHECK asks for /healthz, which neither of these serves.
    for name in ("migrate", "worker"):
        assert SERVICES[name]["healthcheck"] == {"disable": True}, name
    assert SERVICES["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]
    assert '"/healthz"' in (ROOT / "deploy/healthcheck.py").read_text()


def test_each_app_service_runs_its_role_of_the_entrypoint():
    assert {name: SERVICES[name]["command"] for name in APP_SERVICES} == {
        "migrate": ["migrate"],
        "web": ["web"],
        "worker": ["worker"],
    }
    roles = {
        role: ENTRYPOINT.split(f"\n    {role})\n", 1)[1].split(";;", 1)[0]
        for role in ("migrate", "web", "worker")
    }
    assert "exec python manage.py migrate --noinput" in roles["migrate"]
    assert "collectstatic --noinput" in roles["web"]
    assert "exec gunicorn --config deploy/gunicorn.conf.py isoapp.wsgi:application" in roles["web"]
    assert "exec python manage.py db_worker" in roles["worker"]


def test_gunicorn_runs_gthread_workers_on_the_port_the_proxy_and_health_check_use(monkeypatch):
    for name in ("ISOAPP_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(ROOT / "deploy/gunicorn.conf.py"))
    assert config["worker_class"] == "gthread"
    assert config["threads"] > 1
    assert config["bind"] == "0.0.0.0:8000"
    assert SERVICES["proxy"]["environment"]["ISOAPP_UPSTREAMS"] == "server web:8000 resolve;"
    # nginx closes idle upstream connections (4 s) before gunicorn does.
    assert config["keepalive"] > 4


def test_secrets_come_only_from_the_env_file_with_no_default_and_no_insecure_cookies():
    text = (ROOT / "docker-compose.yml").read_text()
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["env_file"] == ["${ISOAPP_ENV_FILE:-.env}"], name
        environment = service["environment"]
        assert environment["DJANGO_DEBUG"] == "0"
        assert not {"DJANGO_SECRET_KEY", "DJANGO_SECURE_COOKIES"} & set(environment), name
    assert "DJANGO_SECRET_KEY" not in text
    assert "SECURE_COOKIES" not in text
    # The database password has no fallback: compose stops and says to set it.
    assert "${POSTGRES_PASSWORD:?" in SERVICES["db"]["environment"]["POSTGRES_PASSWORD"]
    assert "${POSTGRES_PASSWORD:?" in SERVICES["web"]["environment"]["DATABASE_URL"]
    assert not re.search(r"\$\{POSTGRES_PASSWORD:?-", text)


def test_every_setting_compose_passes_to_the_app_is_one_the_settings_read():
    settings_names = names_read_by(ROOT / "isoapp/settings.py")
    for name in APP_SERVICES:
        passed = set(SERVICES[name]["environment"])
        assert passed <= settings_names, passed - settings_names


def test_the_entrypoint_requires_what_production_cannot_guess_and_the_settings_read_it():
    required = required_by_entrypoint()
    assert required >= MUST_BE_GIVEN
    assert required <= names_read_by(ROOT / "isoapp/settings.py")


def test_every_setting_the_entrypoint_requires_is_in_the_production_example():
    example = ROOT / ".env.production.example"
    if not example.exists():
        pytest.skip(".env.production.example is not written yet")
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example.read_text(), re.MULTILINE))
    assert required_by_entrypoint() - {"DATABASE_URL", "DJANGO_REDIS_URL"} <= listed
    assert "POSTGRES_PASSWORD" in listed


def test_the_proxy_renders_the_shared_template_with_values_it_accepts():
    proxy = SERVICES["proxy"]
    assert proxy["image"].startswith("nginx:1.28")  # `server ... resolve` needs nginx >= 1.27.3
    assert (
        "./deploy/nginx/isoapp.conf.template:/etc/nginx/templates/isoapp.conf.template:ro"
        in proxy["volumes"]
    )
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert (
        "include /etc/nginx/conf.d/isoapp.conf;" in (ROOT / "deploy/nginx/nginx.conf").read_text()
    )
    environment = {
        **proxy["environment"],
        "ISOAPP_TLS_ENDS_AT": "proxy",  # compose's own default for ${ISOAPP_TLS_ENDS_AT:-proxy}
    }
    template_names = render.template_variables(render.TEMPLATE.read_text())
    assert template_names == {"ISOAPP_LISTEN", "ISOAPP_UPSTREAMS", "ISOAPP_TLS_ENDS_AT"}
    assert template_names <= set(environment)
    assert proxy["environment"]["NGINX_ENVSUBST_FILTER"] == "^ISOAPP_"
    rendered = render.render(environment)
    assert "listen 80;" in rendered
    assert "server web:8000 resolve;" in rendered


def test_the_image_builds_in_two_stages_and_runs_without_compilers_as_a_non_root_user():
    build, final = dockerfile_stages()
    assert build[0] == "FROM python:3.13-slim AS build"
    assert final[0] == "FROM python:3.13-slim"
    assert any("pip wheel" in line for line in build)
    assert any("build-essential" in line for line in build)
    final_text = "\n".join(final).lower()
    for tool in ("build-essential", "gcc", "g++", "apt-get install", "make ", "-dev "):
        assert tool not in final_text, tool
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users, "the final stage sets USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert "USER" not in "\n".join(build)  # the one USER is the final stage's
    assert any(line.startswith("HEALTHCHECK") and "deploy/healthcheck.py" in line for line in final)
    assert 'ENTRYPOINT ["/app/deploy/entrypoint.sh"]' in final
    # The running user can write its static files and nothing else of the app.
    assert any("chown isoapp:isoapp staticfiles" in line for line in final)
    assert (ROOT / "deploy/entrypoint.sh").stat().st_mode & 0o111, "entrypoint is executable"


def dockerignore_excludes(path: str) -> bool:
    """Docker's .dockerignore rules: the last pattern matching the path or one of its parent
    folders decides; `!` re-includes; `*` stays within a folder, `**` crosses folders."""

    def pattern_regex(pattern: str) -> re.Pattern:
        out = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            elif pattern[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif pattern[i] == "?":
                out, i = out + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                out, i = out + pattern[i : end + 1], end + 1
            else:
                out, i = out + re.escape(pattern[i]), i + 1
        return re.compile(out)

    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        regex = pattern_regex(line.lstrip("!").strip("/"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not negate
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        ".env.example",
        "deploy/.env",
        "db.sqlite3",
        "db.sqlite3-journal",
        ".venv/bin/python",
        "articles/__pycache__/models.cpython-313.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".ruff_cache/0.1/x",
        ".hypothesis/examples/x",
        ".git/HEAD",
        "node_modules/x/index.js",
        "staticfiles/css/site.css",
        "tests/conftest.py",
        "tests/articles/test_views.py",
        "deploy/stack/run/gunicorn-1.pid",
    ],
)
def test_dockerignore_keeps_secrets_databases_venvs_caches_and_tests_out(path):
    assert dockerignore_excludes(path)


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "pyproject.toml",
        "isoapp/settings.py",
        "articles/models/revision.py",
        "templates/base.html",
        "static/css/site.css",
        "deploy/entrypoint.sh",
        "deploy/gunicorn.conf.py",
        "deploy/healthcheck.py",
        # `manage.py load_demo` builds the demo content with the tests' factories.
        "tests/__init__.py",
        "tests/factories.py",
    ],
)
def test_dockerignore_keeps_what_the_app_runs(path):
    assert not dockerignore_excludes(path)
