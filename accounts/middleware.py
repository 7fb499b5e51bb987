from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse


class StaffNeedTwoFactorMiddleware:
    """Editors and reviewers hold the keys to what patients read: no admin page, GET or POST,
    opens for a staff account until it has an authenticator app (TOTP) set up."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request):
        user = request.user
        if (
            request.path_info.startswith(self.admin_prefix)
            and user.is_authenticated
            and user.is_staff
            and not is_mfa_enabled(user, ["totp"])
        ):
            messages.warning(
                request,
                "Staff accounts need two-factor authentication. Set up an authenticator app "
                "to open the admin.",
            )
            return redirect(reverse("mfa_activate_totp") + f"?next={self.admin_prefix}")
        return self.get_response(request)
