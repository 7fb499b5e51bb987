"""The Permissions-Policy header, which Django has no setting for.

settings.PERMISSIONS_POLICY maps a browser feature to the origins allowed to use it; an empty
list denies it everywhere, e.g. {"camera": [], "fullscreen": ["self"]} gives
`Permissions-Policy: camera=(), fullscreen=(self)`.
"""

from django.conf import settings


def permissions_policy(policy: dict[str, list[str]]) -> str:
    def allowlist(origins):
        return " ".join(origin if origin in ("self", "*") else f'"{origin}"' for origin in origins)

    return ", ".join(f"{feature}=({allowlist(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
