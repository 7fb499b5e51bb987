"""Production refuses to start without what it must not guess (the secret key, the public
address search engines, emails and handouts are given, a real email backend), and the documented
production variables pass Django's deployment checks."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"
PRODUCTION_BASICS = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_SITE_URL": "https://isoapp.example",
    "DJANGO_EMAIL_BACKEND": SMTP,
}


def env_file(name: str) -> dict[str, str]:
    """KEY=VALUE lines of an env file, as docker compose reads them (no quotes used)."""
    values = {}
    for line in (ROOT / name).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def run(command, code="", **env):
    """Run manage.py (or python -c code) with only `env` as the site's configuration."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SENTRY_")) and key != "DATABASE_URL"
    }
    environment.update(DJANGO_SETTINGS_MODULE="isoapp.settings", **env)
    arguments = ["-c", code] if code else ["manage.py", *command]
    return subprocess.run(  # noqa: S603
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def check(*options, **env):
    return run(["check", *options], **env)


def test_production_needs_the_public_address():
    without_address = {k: v for k, v in PRODUCTION_BASICS.items() if k != "DJANGO_SITE_URL"}
    refused = check(**without_address)
    assert refused.returncode != 0
    assert "DJANGO_SITE_URL must be set when DJANGO_DEBUG is off" in refused.stderr
    started = check(**PRODUCTION_BASICS)
    assert started.returncode == 0, started.stderr


def test_production_needs_an_email_backend_that_delivers():
    for backend in ("console", "locmem", "dummy", "filebased"):
        refused = check(
            **{
                **PRODUCTION_BASICS,
                "DJANGO_EMAIL_BACKEND": f"django.core.mail.backends.{backend}.EmailBackend",
            }
        )
        assert refused.returncode != 0, backend
        assert "a development backend that delivers no email" in refused.stderr
        assert SMTP in refused.stderr  # the message says what to use instead
    without_backend = {k: v for k, v in PRODUCTION_BASICS.items() if k != "DJANGO_EMAIL_BACKEND"}
    assert "delivers no email" in check(**without_backend).stderr
    # Development keeps printing email to the console.
    assert check(DJANGO_DEBUG="1").returncode == 0


def test_the_documented_production_variables_pass_the_deployment_checks():
    production = env_file(".env.production.example")
    assert production["DJANGO_SECRET_KEY"] == "", "the example must not carry a usable secret"
    production["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    result = check("--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_production_refuses_to_start():
    refused = check(**env_file(".env.production.example"))
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in refused.stderr


def test_the_production_settings_say_what_they_read():
    production = env_file(".env.production.example")
    show = (
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'hsts': [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD],"
        "'redirect': s.SECURE_SSL_REDIRECT, 'proxy_header': s.SECURE_PROXY_SSL_HEADER,"
        "'proxies': s.ALLAUTH_TRUSTED_PROXY_COUNT, 'ip_header': s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER,"
        "'db': s.DATABASES['default']['OPTIONS'], 'age': s.DATABASES['default']['CONN_MAX_AGE'],"
        "'mail': s.MAILERS['default'], 'cache': s.CACHES['default']['BACKEND']}))"
    )
    production["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    result = run(None, code=f"import django; django.setup(); {show}", **production)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["hsts"] == [31536000, True, True]
    assert shown["redirect"] is True
    assert shown["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["proxies"] == 1 and shown["ip_header"] is None
    assert shown["db"]["connect_timeout"] == 3
    assert "-c statement_timeout=15000" in shown["db"]["options"]
    assert shown["db"]["server_side_binding"] is True and shown["db"]["prepare_threshold"] == 5
    assert shown["age"] == 60
    assert shown["mail"]["OPTIONS"]["host"] == "smtp.example.org"
    assert shown["mail"]["OPTIONS"]["use_tls"] is True
    assert shown["cache"] == "isoapp.cache.FallbackRedisCache"

    behind_cloudflare = run(
        None,
        code="import django; django.setup(); from django.conf import settings as s; "
        "print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)",
        DJANGO_TRUSTED_CLIENT_IP_HEADER="CF-Connecting-IP",
    )
    assert behind_cloudflare.stdout.split() == ["0", "CF-Connecting-IP"]


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler():
    production = env_file(".env.production.example")
    production["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "o = s.DATABASES['default']['OPTIONS']; "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    assert run(None, code=show, **production).stdout.split() == ["True", "5"]
    for off in ("", "0"):  # as with the pool size and the statement timeout, 0 is off
        production["DJANGO_DB_PREPARE_THRESHOLD"] = off
        assert run(None, code=show, **production).stdout.split() == ["None", "None"]


def test_a_worker_freezes_what_it_loaded_so_full_collections_skip_it():
    production = env_file(".env.production.example")
    production["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    code = "import gc, isoapp.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    result = run(None, code=code, **production)
    assert result.returncode == 0, result.stderr
    frozen, still_tracked = map(int, result.stdout.split())
    assert frozen > 50_000 and still_tracked < 1_000  # the URLconf and admin included


def test_every_variable_the_settings_read_is_documented():
    source = (ROOT / "isoapp" / "settings.py").read_text()
    read = set(re.findall(r'(?:os\.environ\.get|env_bool|env_list)\(\s*"([A-Z0-9_]+)"', source))
    assert {"DJANGO_DEBUG", "DATABASE_URL", "SENTRY_DSN"} <= read
    documented = set(env_file(".env.example"))
    assert read <= documented, f"not in .env.example: {sorted(read - documented)}"
    production = set(env_file(".env.production.example"))
    compose = set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text()))
    assert production <= read | compose, f"read by nothing: {sorted(production - read - compose)}"


def test_sentry_reports_only_when_a_dsn_is_set():
    code = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.is_initialized())"
    assert run(None, code=code).stdout.strip() == "False"
    with_dsn = run(None, code=code, SENTRY_DSN="https://public@127.0.0.1:9/1")
    assert with_dsn.stdout.strip() == "True", with_dsn.stderr
