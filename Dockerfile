# syntax=docker/dockerfile:1
# The isoapp image: `docker compose up` runs it as the migrate, web and worker services
# (deploy/entrypoint.sh picks the role). Two stages: wheels are built where the compilers are,
# and the image that runs has the wheels installed but no compiler.

FROM python:3.13-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Only the dependencies (from pyproject.toml), so this layer is rebuilt when they change, not
# on every code change. The app itself runs from its source folder, /app.
COPY pyproject.toml ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > requirements.txt \
    && pip wheel --wheel-dir /wheels -r requirements.txt \
    && cp requirements.txt /wheels/


FROM python:3.13-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DJANGO_DEBUG=0
# The wheels are mounted for this one step, not copied: they are not left in a layer.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels -r /wheels/requirements.txt
RUN groupadd --system --gid 10001 isoapp \
    && useradd --system --uid 10001 --gid isoapp --home-dir /app --no-create-home isoapp
WORKDIR /app
# .dockerignore keeps secrets (.env*), databases, virtualenvs, caches, .git and the tests out.
# The code stays owned by root: the app can't change it. Only staticfiles/ is its own.
COPY . .
RUN python -m compileall -q isoapp articles accounts \
    && mkdir staticfiles && chown isoapp:isoapp staticfiles
# isoapp (10001), never root; numeric so that "run as non-root" checks can verify it.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
