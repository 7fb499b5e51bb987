"""`{% hole "template.html" %}`: a part of a cached page that is rendered for each request.

Outside a cached render it is an include of that template with the current context. In the
article page's cached render (articles/caching.py) it leaves a marker, and `fill_holes` renders
the template for each request, with the request's context processors (user, messages, CSRF
token) and the view's `reader_context`. Put here whatever differs between readers.
"""

from django import template

from ..caching import CACHED_RENDER, hole_marker

register = template.Library()


@register.simple_tag(takes_context=True)
def hole(context, name):
    if context.get(CACHED_RENDER):
        return hole_marker(name)
    return context.template.engine.get_template(name).render(context)
