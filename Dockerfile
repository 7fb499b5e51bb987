FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_DEBUG=0
WORKDIR /app

COPY pyproject.toml README.md ./
COPY isoapp ./isoapp
COPY articles ./articles
COPY accounts ./accounts
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput

RUN useradd --create-home isoapp
USER isoapp
EXPOSE 8000
CMD ["gunicorn", "isoapp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
