"""The site's own page when the database is unreachable, instead of a hang or a bare 500.

`server_error` is the project's handler500 (isoapp/urls.py). Django calls it for any unhandled
exception, wherever it was raised (a view, a middleware, a template), and logs the traceback. A
database that can't be reached or stopped answering (connect timeout, statement timeout, lost
connection) gets 503 with templates/503.html and Retry-After; anything else gets the 500 page.
Neither page touches the database, so they show even while it is down.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_unreachable(exception: BaseException | None) -> bool:
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, OperationalError | InterfaceError):
            return True
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return False


def service_unavailable() -> HttpResponse:
    try:
        content = loader.get_template("503.html").render()
    except Exception:
        logger.exception("The 503 page could not be rendered.")
        content = "isoapp is briefly unavailable. Please try again in a few minutes."
        response = HttpResponse(content, status=503, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    if database_unreachable(sys.exc_info()[1]):
        return service_unavailable()
    return defaults.server_error(request)
