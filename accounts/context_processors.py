from . import preferences


def reader_preferences(request):
    """The text size for every page (`<html class="text-…">`)."""
    return {"text_size": preferences.text_size(request)}
