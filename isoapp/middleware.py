"""Site-wide middleware of the isoapp project itself (the apps keep their own)."""

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.middleware.gzip import GZipMiddleware
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty


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


class GZipPublicPages(GZipMiddleware):
    """Django's GZipMiddleware, except for the account and admin pages.

    Compression with BREACH in mind: an attacker who can make a reader's browser send requests
    with text the page echoes, and watch the compressed sizes, can guess secrets printed in the
    same page. Public pages print no secret but the CSRF token, which Django masks differently in
    every response, and GZipMiddleware pads each response with random bytes ("Heal the Breach").
    Account and admin pages print more (recovery codes, the authenticator set-up key, email
    addresses): they are small and rare, so they are sent uncompressed.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self.uncompressed = ("/accounts/", reverse("admin:index"))

    def process_response(self, request, response):
        if request.path_info.startswith(self.uncompressed):
            return response
        return super().process_response(request, response)


class LazyMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, with each request's message storage made when first used.

    Django makes the storage for every request (a cookie signer and a session storage each
    time), though most requests neither add a message nor show one: a reader's article page
    without a session never does. Here `request._messages` is made on first use, through
    `messages.add_message`, `get_messages` or the `messages` context processor, and a request
    that never used it leaves its cookie and session alone, as Django's would.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response  # never used: nothing read, nothing added, nothing to store
        return super().process_response(request, response)
