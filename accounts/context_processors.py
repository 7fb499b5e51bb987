from . import preferences


def reader_preferences(request):
    """The text size for every page (`<html class="text-…">`). A request refused before the
    session middleware ran (a bad Host header, with the HTTPS redirect on) has no session; its
    error page gets the standard size rather than a 500."""
    if not hasattr(request, "session"):
        return {"text_size": preferences.TEXT_SIZES.STANDARD}
    return {"text_size": preferences.text_size(request)}
