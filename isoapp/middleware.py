"""Site-wide middleware of the isoapp project itself (the apps keep their own)."""

from django.conf import settings


class ServedBy:
    """Names the app instance that answered, in an `X-Served-By` header on every response.

    With several app servers behind one proxy, an operator (and the scale-out rehearsal) can see
    which one served a request. Installed first in MIDDLEWARE, and only when ISOAPP_INSTANCE is
    set, so error pages and redirects carry it too and a single-server site sends nothing extra.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.instance = settings.ISOAPP_INSTANCE

    def __call__(self, request):
        response = self.get_response(request)
        response.headers["X-Served-By"] = self.instance
        return response
