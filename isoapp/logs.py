"""Logs as JSON lines on stdout, one access line per request, all tied to a request id.

- `RequestLogMiddleware` (outermost in MIDDLEWARE) takes the request id from the proxy's
  X-Request-ID header (or makes one), sends it back in the response's X-Request-ID, and logs
  `{"message": "GET /articles/… 200", "request_id", "method", "path", "status", "duration_ms",
  "user_id"}` on the "isoapp.requests" logger. Successful health probes are not logged.
- `RequestIdFilter` stamps every other log record made during the request (Django's error log
  with its traceback included) with the same request id.
- `JsonFormatter` writes a record as one JSON object: time, level, logger, message, the fields
  above when present, and the traceback. It never writes a record's other attributes (Django
  attaches the request itself), and masks anything shaped like an email address, so a reader's
  email doesn't end up in the logs; people are named by user id only.

The path is logged without its query string, and secret parts of a path (allauth's email
confirmation and password reset keys) are masked.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
access_logger = logging.getLogger("isoapp.requests")

INCOMING_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
SECRET_URL_PARTS = ("key", "uidb36", "uidb64", "token")
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


def mask_emails(text: str) -> str:
    # The pattern backtracks over every run of letters: on a request's path it cost more than
    # the rest of its log line. No "@", no address.
    return EMAIL_ADDRESS.sub("[email]", text) if "@" in text else text


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_emails(record.getMessage()),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is None and field == "request_id":
                value = request_id_var.get()
            if value is not None and value != "-":
                entry[field] = value
        if record.exc_info:
            entry["traceback"] = mask_emails(self.formatException(record.exc_info))
        elif record.stack_info:
            entry["stack"] = mask_emails(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def signed_in_user_id(request):
    """The user's id if this request already knew who they are; never a query of its own."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None


def loggable_path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name in SECRET_URL_PARTS:
            value = match.kwargs.get(name)
            if value:
                path = path.replace(str(value), "[secret]")
    return mask_emails(path)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.quiet_paths = {reverse("healthz"), reverse("readyz")}

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if INCOMING_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if not (request.path_info in self.quiet_paths and response.status_code < 400):
                path = loggable_path(request)
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    path,
                    response.status_code,
                    extra={
                        "request_id": request_id,
                        "method": request.method,
                        "path": path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                        "user_id": signed_in_user_id(request),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)
