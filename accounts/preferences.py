"""The reader's reading-level choice: the one place its rules live.

- Anonymous readers keep it in their session; signed-in readers on their account (and in the
  session, so the page never needs a second lookup).
- Only a POST stores it (`remember_audience`); reading a page with `?audience=` never does.
- At sign-in: a choice made in this browser before signing in wins and is saved to the account;
  otherwise the account's saved choice is applied to this browser.
- After signing out, Django flushes the session; `carry_over_sign_out` keeps the last choice
  for that browser.

Values are audience slugs; callers validate them against `articles.Audience`.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

SESSION_KEY = "reading_audience"


def saved_audience(request) -> str:
    """The slug this reader chose, or "" when they never chose."""
    slug = request.session.get(SESSION_KEY, "")
    if not slug and request.user.is_authenticated:
        slug = request.user.reading_audience
    return slug


def remember_audience(request, slug: str) -> None:
    request.session[SESSION_KEY] = slug
    user = request.user
    if user.is_authenticated and user.reading_audience != slug:
        user.reading_audience = slug
        user.save(update_fields=["reading_audience"])


@receiver(user_logged_in, dispatch_uid="accounts.preferences.merge_at_sign_in")
def merge_at_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    chosen_here = request.session.get(SESSION_KEY, "")
    if chosen_here:
        if user.reading_audience != chosen_here:
            user.reading_audience = chosen_here
            user.save(update_fields=["reading_audience"])
    elif user.reading_audience:
        request.session[SESSION_KEY] = user.reading_audience


@receiver(user_logged_out, dispatch_uid="accounts.preferences.remember_at_sign_out")
def remember_at_sign_out(sender, request, user, **kwargs):
    """Stash the choice on the request; `logout()` flushes the session right after this signal."""
    if request is not None and hasattr(request, "session"):
        request._reading_audience_after_logout = request.session.get(SESSION_KEY, "")


class KeepChoiceAfterSignOutMiddleware:
    """Put the stashed choice back into the fresh session that sign-out leaves behind."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        slug = getattr(request, "_reading_audience_after_logout", "")
        if slug:
            request.session[SESSION_KEY] = slug
        return response
