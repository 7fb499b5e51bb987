"""A reader's preferences — reading level (an audience slug) and text size: the one place
their rules live.

- Anonymous readers keep them in their session; signed-in readers on their account (read
  first, so a change on one device shows on the others at once), mirrored in the session.
- Only a POST stores them (`remember`); reading a page with `?audience=` never does.
- Signing in: a choice made in this browser before signing in wins and is saved to the
  account; for anything not chosen here, the account's saved choice is applied to this browser
  (a new device gets the account's choices).
- Signing out: Django empties the session, but the last choices stay for that browser
  (`KeepChoicesAfterSignOutMiddleware` puts them back into the new session). They are marked as
  kept rather than chosen, so if someone else then signs in on that browser, their account's
  choices win; choosing again makes them this visitor's own.

Audience values are validated by the caller against `articles.Audience`; text sizes here.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .models import User

READING_LEVEL = "reading_audience"
TEXT_SIZE = "text_size"
FIELDS = (READING_LEVEL, TEXT_SIZE)  # session keys, and the User fields they mirror
TEXT_SIZES = User.TextSize
KEPT_AFTER_SIGN_OUT = "preferences_kept_after_sign_out"


def _saved(request, key) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, key):
        return getattr(user, key)
    return request.session.get(key, "")


def saved_audience(request) -> str:
    """The audience slug this reader chose, or "" when they never chose."""
    return _saved(request, READING_LEVEL)


def text_size(request) -> str:
    """ "standard" or "large"."""
    value = _saved(request, TEXT_SIZE)
    return value if value in TEXT_SIZES.values else TEXT_SIZES.STANDARD


def remember(request, **choices) -> None:
    """Store choices, e.g. `remember(request, reading_audience="caregiver", text_size="large")`."""
    changed = []
    request.session.pop(KEPT_AFTER_SIGN_OUT, None)
    for key, value in choices.items():
        if key not in FIELDS:
            raise ValueError(f"Unknown preference {key!r}.")
        if key == TEXT_SIZE and value not in TEXT_SIZES.values:
            raise ValueError(f"Unknown text size {value!r}.")
        request.session[key] = value
        if request.user.is_authenticated and getattr(request.user, key) != value:
            setattr(request.user, key, value)
            changed.append(key)
    if changed:
        request.user.save(update_fields=changed)


def remember_audience(request, slug: str) -> None:
    remember(request, reading_audience=slug)


@receiver(user_logged_in, dispatch_uid="accounts.preferences.merge_at_sign_in")
def merge_at_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    changed = []
    kept_from_someone = request.session.pop(KEPT_AFTER_SIGN_OUT, False)
    for key in FIELDS:
        chosen_here = "" if kept_from_someone else request.session.get(key, "")
        if chosen_here and getattr(user, key) != chosen_here:
            setattr(user, key, chosen_here)
            changed.append(key)
        elif getattr(user, key):
            request.session[key] = getattr(user, key)
    if changed:
        user.save(update_fields=changed)


@receiver(user_logged_out, dispatch_uid="accounts.preferences.remember_at_sign_out")
def remember_at_sign_out(sender, request, user, **kwargs):
    """Stash the choices on the request; `logout()` flushes the session right after this."""
    if request is not None and hasattr(request, "session"):
        request._preferences_after_logout = {
            key: request.session[key] for key in FIELDS if request.session.get(key)
        }


class KeepChoicesAfterSignOutMiddleware:
    """Put the stashed choices back into the fresh session that sign-out leaves behind."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        kept = getattr(request, "_preferences_after_logout", {})
        for key, value in kept.items():
            request.session[key] = value
        if kept:
            request.session[KEPT_AFTER_SIGN_OUT] = True
        return response
