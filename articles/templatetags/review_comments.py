"""`{% commented_text variant %}`: one reading level of the review page's revision with its
reviewers' comments (`admin/articles/revision/_commented_text.html`).

For a page whose view does not build the partial's context itself; a view may instead pass
`articles.admin.comments.comment_context(request, revision, variant)` to an `{% include %}`.
"""

from django import template

from ..admin.comments import comment_context

register = template.Library()


@register.inclusion_tag("admin/articles/revision/_commented_text.html", takes_context=True)
def commented_text(context, variant, revision=None):
    revision = revision or context["revision"]
    return {
        **comment_context(context["request"], revision, variant),
        "csrf_token": context.get("csrf_token"),
    }
