"""Two guards at the edge, so hostile requests get a page with words and never a 500.

`RefuseNulBytes`: PostgreSQL text can't hold a NUL byte, so a NUL that reaches a query raises
deep inside the ORM (psycopg refuses it) and surfaced as a 500 in the admin's list filters and
search. No address, query parameter or cookie of this site ever needs one, so a request carrying
one is refused up front with 400. Form fields are left to the forms, whose CharFields reject NUL
with a message next to the field and keep what was typed.

`ReadablePageForEmptyErrors`: Django answers some refusals with an empty body (405 Method Not
Allowed from `require_http_methods`, for one). Those get a short page saying what happened.
"""

from django.template.loader import render_to_string
from django.views.defaults import bad_request

NUL = "\x00"


def carries_nul(request) -> bool:
    if NUL in request.path_info:
        return True
    query = request.META.get("QUERY_STRING", "")
    if NUL in query or "%00" in query:
        return True
    # Parsed, since a quoted cookie can spell a NUL as the escape \000.
    return any(NUL in key or NUL in value for key, value in request.COOKIES.items())


class RefuseNulBytes:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if carries_nul(request):
            # templates/400.html, as for any bad request; logged with its status, no traceback.
            return bad_request(request, exception=None)
        return self.get_response(request)


MESSAGES = {
    405: (
        "That action isn't possible here",
        "This page can't be used that way. Go back and try again from the page itself.",
    ),
}
GENERIC = ("Something in the request was wrong", "Please go back and try again.")


class ReadablePageForEmptyErrors:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            400 <= response.status_code < 500
            and request.method != "HEAD"
            and not response.streaming
            and not response.content
        ):
            title, text = MESSAGES.get(response.status_code, GENERIC)
            context = {"title": title, "text": text, "status": response.status_code}
            response.content = render_to_string("4xx.html", context, request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
