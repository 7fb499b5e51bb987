"""The one settings module. Every knob is an environment variable, documented in .env.example.

Development defaults apply when nothing is set: debug on, an SQLite file in the project folder,
console email. With DJANGO_DEBUG off, DJANGO_SECRET_KEY is required.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "articles",
]

MIDDLEWARE = [
    # Outermost: the request id, and the status and duration of everything below.
    "isoapp.logs.RequestLogMiddleware",
    "isoapp.headers.PermissionsPolicyMiddleware",
    # /healthz and /readyz, answered before host validation and the HTTPS redirect.
    "isoapp.health.HealthCheckMiddleware",
    # Pages compressed for clients that accept it, outside everything that writes a body; not
    # the account and admin pages (BREACH: see the class). Static files come compressed already.
    "isoapp.middleware.GZipPublicPages",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL byte in the address, query or cookies gets 400 before anything reads them.
    "isoapp.request_guard.RefuseNulBytes",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.preferences.KeepChoicesAfterSignOutMiddleware",
    # Django's, with the storage made on first use (most requests never use it).
    "isoapp.middleware.LazyMessageMiddleware",
    # Inside sessions, auth and messages, so its pages render like any other.
    "isoapp.request_guard.ReadablePageForEmptyErrors",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffNeedTwoFactorMiddleware",
]
# The name of this app instance, sent as X-Served-By on every response when set (several app
# servers behind one proxy). Outermost, so redirects and error pages carry it too.
ISOAPP_INSTANCE = os.environ.get("ISOAPP_INSTANCE", "").strip()
if ISOAPP_INSTANCE:
    MIDDLEWARE.insert(0, "isoapp.middleware.ServedBy")

ROOT_URLCONF = "isoapp.urls"
WSGI_APPLICATION = "isoapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.reader_preferences",
            ],
        },
    },
]

# PostgreSQL connections: persistent, one per gunicorn thread, checked at the start of each request
# (CONN_HEALTH_CHECKS; isoapp/postgresql/base.py checks without a query). bench/db_connections.py
# measured the choices under gunicorn gthread (2 workers x 4 threads, 16 clients, the article page,
# medians of 3-4 interleaved rounds on a busy 2-core machine): no persistence 40-49 req/s;
# persistent 83-84 req/s; psycopg's pool (max_size 4 per worker) 81-89 req/s with the same latency
# and connections; a pool of 2 per worker 72 req/s. Persistent and pooled are equal within the run-
# to-run noise, so the default is persistent: no extra dependency, and with a database that stops
# answering a reader waits only for the connect timeout, not for a pool checkout as well.
# DJANGO_DB_POOL_MAX_SIZE > 0 switches to the pool to cap connections per process (it needs `pip
# install "psycopg[pool]"`). A database that accepts connections and never answers must give readers
# the site's 503 page within seconds, not hang the worker: libpq's connect_timeout bounds the
# handshake, and a server-side statement_timeout bounds any one query (both below gunicorn's 30 s
# worker timeout; a long migration can run with DJANGO_DB_STATEMENT_TIMEOUT_MS=0, which sets none).
DB_CONNECT_TIMEOUT = int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT") or "3")
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT_MS") or "15000")
DB_POOL_MAX_SIZE = int(os.environ.get("DJANGO_DB_POOL_MAX_SIZE") or "0")
# Prepared statements: a query the site sends again and again (the article page's, a
# reader's session) is parsed and planned once per connection, not on each request. On the
# bench's 10,000 articles the article page's query took 0.50 ms unprepared, 0.20 ms prepared
# (bench/RESULTS.md): PostgreSQL spent more time planning it than running it. psycopg prepares a
# query on its Nth run (DJANGO_DB_PREPARE_THRESHOLD, default 5), which needs server-side
# parameter binding. Empty or 0 turns both off (Django's defaults), as a pooler in transaction
# mode that can't keep prepared statements (PgBouncer before 1.21) needs.
DB_PREPARE_THRESHOLD = int(os.environ.get("DJANGO_DB_PREPARE_THRESHOLD", "5").strip() or "0")
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0 if DB_POOL_MAX_SIZE else int(os.environ.get("DJANGO_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that needs no round trip (isoapp/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "isoapp.postgresql"
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    if DB_PREPARE_THRESHOLD:
        _db_options["server_side_binding"] = True
        _db_options["prepare_threshold"] = DB_PREPARE_THRESHOLD
    if DB_STATEMENT_TIMEOUT_MS:
        _db_options["options"] = " ".join(
            filter(
                None,
                [_db_options.get("options"), f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"],
            )
        )
    if DB_POOL_MAX_SIZE:
        # The checkout timeout is what a reader waits when every connection is busy or the
        # database is gone: keep it near the connect timeout.
        _db_options["pool"] = {
            "min_size": min(2, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": DB_CONNECT_TIMEOUT + 1,
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in rate limits and used one-time codes live in the cache, so production with several
# worker processes needs a shared one: set DJANGO_REDIS_URL. Default: this process's memory.
# While Redis is unreachable, FallbackRedisCache answers from this process's memory (pages and
# sign-in keep working, an error is logged, /readyz says "degraded"); short socket timeouts keep
# a Redis that stopped answering from holding up readers.
# DJANGO_CACHE_KEY_PREFIX keeps sites (or bench servers) that share one Redis database apart.
CACHE_KEY_PREFIX = os.environ.get("DJANGO_CACHE_KEY_PREFIX", "")
if REDIS_URL := os.environ.get("DJANGO_REDIS_URL"):
    REDIS_TIMEOUT = float(os.environ.get("DJANGO_REDIS_TIMEOUT") or "1")
    CACHES = {
        "default": {
            "BACKEND": "isoapp.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# django-allauth: email is the identity; there are no usernames. Everyone, staff included, signs
# in here (the admin's own login hands over to it). Rate limits are allauth's defaults (on).
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("DJANGO_ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[isoapp] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# Rate limits count per client IP. Behind a proxy every request comes from the proxy's address,
# so one person's failed sign-ins would lock everyone out: name how many proxies you run, which
# append to X-Forwarded-For (1 for the compose nginx), or the header a single trusted proxy puts
# the client's address in (e.g. X-Real-IP, CF-Connecting-IP). Both unset: the socket's address.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT") or "0")
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("DJANGO_TRUSTED_CLIENT_IP_HEADER") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "isoapp"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Manifest storage fingerprints files for long caching; it needs `collectstatic`, so it is off in
# debug (and the test suite swaps in plain storage, see tests/conftest.py).
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Django 6.1's MAILERS (EMAIL_BACKEND is deprecated). Console in development; the test run swaps
# in locmem; production sets DJANGO_EMAIL_BACKEND (the smtp backend) and the DJANGO_EMAIL_* options.
EMAIL_BACKEND_PATH = (
    os.environ.get("DJANGO_EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
)
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DEVELOPMENT_EMAIL_BACKENDS = {
    f"django.core.mail.backends.{name}.EmailBackend"
    for name in ("console", "dummy", "filebased", "locmem")
}
if not DEBUG and EMAIL_BACKEND_PATH in DEVELOPMENT_EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        f"DJANGO_EMAIL_BACKEND is {EMAIL_BACKEND_PATH}, a development backend that delivers no "
        f"email. With DJANGO_DEBUG off, set it to {SMTP_BACKEND} and set DJANGO_EMAIL_HOST and "
        "the other DJANGO_EMAIL_* variables (see .env.production.example): sign-up confirmations, "
        "password resets and review emails must reach people."
    )
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH == SMTP_BACKEND:
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("DJANGO_EMAIL_PORT") or "587"),
        "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", default=True),
        "use_ssl": env_bool("DJANGO_EMAIL_USE_SSL", default=False),
        # A mail server that stops answering must not hold a worker for long.
        "timeout": int(os.environ.get("DJANGO_EMAIL_TIMEOUT") or "10"),
    }
# The public address: absolute links in email ("review it here: …"), the canonical link, the
# sitemap, robots.txt and the printed handout start with it, so production must say it.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SITE_URL must be set when DJANGO_DEBUG is off (e.g. https://example.org): "
            "search engines and emails are given this address."
        )
    SITE_URL = "http://127.0.0.1:8000"

# Background work (review emails) goes through Django's tasks framework. DJANGO_TASKS_BACKEND:
# "immediate" runs a task in the request that queues it (the development default; tests use it);
# "database" stores it for `manage.py db_worker` (django-tasks-db), which runs it, and runs again
# later the retries of a failed email (the default when debug is off). The database backend's
# table is always installed, so its migrations run with ours whichever backend is chosen.
INSTALLED_APPS += ["django_tasks_db"]
TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = os.environ.get("DJANGO_TASKS_BACKEND", "").strip().lower() or (
    "immediate" if DEBUG else "database"
)
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"DJANGO_TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}

# Readers' follow-up questions (articles/asking.py, articles/models/questions.py). After this many
# days `manage.py purge_questions` removes what a reader typed and their email address, keeping
# the counts. Each address and each session may send this many questions per hour; the counters
# live in the default cache (Redis in production, so every app process shares them).
QUESTION_RETENTION_DAYS = int(os.environ.get("DJANGO_QUESTION_RETENTION_DAYS") or "180")
QUESTIONS_PER_HOUR_PER_ADDRESS = int(os.environ.get("DJANGO_QUESTIONS_PER_HOUR_PER_ADDRESS") or 10)
QUESTIONS_PER_HOUR_PER_SESSION = int(os.environ.get("DJANGO_QUESTIONS_PER_HOUR_PER_SESSION") or 3)

DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "isoapp <noreply@localhost>")

# Security headers. A strict Content-Security-Policy: scripts only from our origin or with the
# per-request nonce, no inline styles at all.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS only. Behind a TLS-terminating proxy (DJANGO_BEHIND_TLS_PROXY=1) Django learns the
# original scheme from X-Forwarded-Proto, which that proxy must set (and overwrite); then the
# redirect and secure cookies work. HSTS tells browsers never to try plain HTTP again; with
# subdomains and preload it can be submitted to the browsers' preload list (hstspreload.org):
# only turn these on when every subdomain serves HTTPS, as browsers remember it for a year.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# Load balancers and container health checks probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if env_bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Permissions-Policy (isoapp.headers.PermissionsPolicyMiddleware): the site uses none of these
# browser features, so no page, and nothing embedded in one, may ask for them. (Passkeys, if
# allauth's "webauthn" is ever enabled, need "publickey-credentials-get": ["self"].) Only features
# Chromium knows: an unknown one is a console error on every page.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Logs: JSON lines on stdout (isoapp/logs.py), with the request id, user id (never an email),
# path, status and duration of each request; errors with their tracebacks. Readers only ever see
# the 500 or 503 page. DJANGO_LOG_FORMAT=text gives plain lines (the default in development).
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT") or ("text" if DEBUG else "json")
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL") or "INFO"
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "isoapp.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "isoapp.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (console in debug, mail_admins) would print errors a second
        # time, unformatted: its records go to the root handler above instead.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.tasks": {"level": "WARNING"},
    },
}

# Optional error reporting to Sentry: only when SENTRY_DSN is set. No personal data is sent
# (send_default_pii off: no emails, IP addresses or cookies); performance tracing is off unless
# SENTRY_TRACES_SAMPLE_RATE says otherwise.
if SENTRY_DSN := os.environ.get("SENTRY_DSN", "").strip():
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or "production",
        send_default_pii=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or "0"),
    )
