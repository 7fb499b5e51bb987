"""The admin's work lists in templates (see articles/admin/worklists.py).

    {% load worklists %}
    {% work_counts as links %}   the "Your work" navigation (templates/admin/base_site.html)
    {% worklist_groups as groups %}   the admin home's tables (templates/admin/index.html)
    {{ moment|ago }}   "3 days ago", or "just now"

Both read the request's user and return nothing for anyone who is not active staff, so the
queries run only where an admin page asks for them.
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from ..admin import worklists

register = template.Library()


@register.simple_tag(takes_context=True)
def work_counts(context):
    request = context.get("request")
    return worklists.nav_links(request) if request else []


@register.simple_tag(takes_context=True)
def worklist_groups(context):
    request = context.get("request")
    return worklists.groups(request) if request else []


@register.filter
def ago(moment):
    """How long ago `moment` was, in words: "3 days ago", "just now" under a minute."""
    if not moment:
        return ""
    if timezone.now() - moment < datetime.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"
