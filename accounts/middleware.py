from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse


class StaffNeedTwoFactorMiddleware:
    """Editors and reviewers hold the keys to what patients read: no admin page, and not the
    page with their public reviewer profile, opens (GET or POST) for a staff account until it
    has an authenticator app (TOTP) set up. Set-up then brings them back to the page."""

    def __init__(self, get_response):
        self.get_response = get_response
        # (path prefix, what the message calls it)
        self.guarded = [
            (reverse("admin:index"), "the admin"),
            (reverse("accounts:profile"), "your public reviewer profile"),
        ]

    def __call__(self, request):
        user = request.user
        for prefix, name in self.guarded:
            if (
                request.path_info.startswith(prefix)
                and user.is_authenticated
                and user.is_staff
                and not is_mfa_enabled(user, ["totp"])
            ):
                messages.warning(
                    request,
                    "Staff accounts need two-factor authentication. Set up an authenticator "
                    f"app to open {name}.",
                )
                return redirect(reverse("mfa_activate_totp") + f"?next={prefix}")
        return self.get_response(request)
