#!/bin/sh
# Start-up of the isoapp image. The first argument is the role:
#   migrate   apply database migrations, then exit. docker compose runs this once per `up`, as
#             the one-shot `migrate` service, before any web or worker container starts.
#   web       collect static files into this container, then serve with gunicorn
#             (deploy/gunicorn.conf.py).
#   worker    run the task worker (django-tasks-db's db_worker): review emails and retries.
#   anything else runs as given, e.g. `python manage.py createsuperuser`.
# Every role first checks the settings production must not guess, and stops with one message
# that names each one missing, instead of a traceback from deep inside Django.
set -eu
cd "$(dirname "$0")/.."

# Each must be set and not empty. Keep in step with .env.production.example.
REQUIRED_SETTINGS="DJANGO_SECRET_KEY DATABASE_URL DJANGO_ALLOWED_HOSTS DJANGO_SITE_URL DJANGO_REDIS_URL DJANGO_EMAIL_BACKEND DJANGO_DEFAULT_FROM_EMAIL"

refuse() {
    echo "isoapp cannot start: $1" >&2
    echo "Settings go in .env (docker compose reads it; .env.production.example lists and explains every setting) or in the container's environment." >&2
    exit 78  # EX_CONFIG
}

missing=""
for name in $REQUIRED_SETTINGS; do
    eval "value=\${$name:-}"
    if [ -z "$value" ]; then
        missing="$missing $name"
    fi
done
if [ -n "$missing" ]; then
    refuse "these settings are missing:$missing."
fi

# The same rules as Django's own deploy check (security.W009), but before anything starts.
case "$DJANGO_SECRET_KEY" in
    django-insecure* | change-me* | changeme*)
        refuse "DJANGO_SECRET_KEY is a placeholder. Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'" ;;
esac
if [ "${#DJANGO_SECRET_KEY}" -lt 50 ]; then
    refuse "DJANGO_SECRET_KEY is shorter than 50 characters. Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
fi

# Unset means debug ON in the settings (the development default), so it must be said: 0.
case "$(printf '%s' "${DJANGO_DEBUG:-}" | tr '[:upper:]' '[:lower:]')" in
    0 | false | no | off) ;;
    *) refuse "DJANGO_DEBUG is '${DJANGO_DEBUG:-}' (unset means on). Debug pages show settings and code to anyone: set DJANGO_DEBUG=0." ;;
esac

case "$DJANGO_EMAIL_BACKEND" in
    *console* | *locmem* | *dummy*)
        refuse "DJANGO_EMAIL_BACKEND is $DJANGO_EMAIL_BACKEND, which sends no email. Use django.core.mail.backends.smtp.EmailBackend and its settings." ;;
esac

role="${1:-web}"
case "$role" in
    migrate)
        exec python manage.py migrate --noinput
        ;;
    web)
        # Into this container's own STATIC_ROOT: each web container has its own copy, made from
        # its own code, so containers never share or race over the files. whitenoise serves them.
        python manage.py collectstatic --noinput --verbosity 0
        exec gunicorn --config deploy/gunicorn.conf.py isoapp.wsgi:application
        ;;
    worker)
        exec python manage.py db_worker
        ;;
    *)
        exec "$@"
        ;;
esac
