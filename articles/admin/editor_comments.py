"""The reviewer's comments and the reading level on the editor's page.

Each variant's preview shows the comments the reviewer sent on that text beside the paragraph
they belong to, placed on the text *as the editor types it* (`articles.blocks.locate`: a comment
stays beside its paragraph through small edits, and says so when its paragraph is rewritten).
An editor who fixed one ticks "Mark resolved when I save" and may reply; the ticks are fields
of the change form itself, so resolving never leaves the page nor loses typed text, and the
resolutions are recorded (`workflow.resolve_comment`) when the form is saved, before a "Save
and submit for review" submits. The previews are swapped by htmx as the editor types; each
comment keeps its place and its tick across swaps (`hx-preserve`).
"""

from django.contrib import messages

from .. import readability, workflow
from ..models import Variant
from .comments import page_comments
from .inputs import posted_id


def editor_comments(request, revision):
    """(rights, comments) of `revision` for this request's user, read once per request: the
    comments they may see (never another reviewer's unsent ones)."""
    rights, comments = page_comments(request, revision)
    return rights, [comment for comment in comments if rights.may_see(comment)]


def for_audience(html: str, revision, audience, rights, comments, posted=None) -> dict:
    """What a variant's preview adds: its reading level against the audience's target, and the
    reviewer's comments on it placed on the previewed text, with the ticks and replies of a
    form that came back (`posted`) still there."""
    extra = {"audience": audience, "level": readability.measure(html)}
    mine = [comment for comment in comments if comment.audience_id == audience.pk]
    if mine:
        typed = Variant(revision=revision, audience=audience, body_html=html)
        placed = workflow.placed_comments(revision, typed, rights=rights, comments=mine)
        if posted:
            ticked = set(posted.getlist("resolve_comment"))
            for one in placed.comments:
                one.ticked = str(one.comment.pk) in ticked
                one.draft = posted.get(f"resolve_note_{one.comment.pk}", "")
        extra["placed"] = placed
        extra["can_resolve"] = rights.can_resolve
    return extra


def typed_replies(request, revision) -> list[tuple[str, str]]:
    """(label, reply) for each reply typed to a comment in a form that was refused."""
    quotes = dict(revision.comments.values_list("pk", "quote"))
    replies = []
    for name, value in request.POST.items():
        pk = posted_id(name.removeprefix("resolve_note_")) if name.startswith("resolve_") else None
        if pk in quotes and value.strip():
            replies.append((f"Your reply to the comment on “{quotes[pk]}”", value))
    return replies


def resolve_ticked(request, revision):
    """Record the comments the editor ticked as resolved, each with its reply."""
    resolved = 0
    for value in request.POST.getlist("resolve_comment"):
        pk = posted_id(value)
        comment = revision.comments.filter(pk=pk).first() if pk else None
        if comment is None:
            messages.error(request, "A comment you marked resolved no longer exists.")
            continue
        note = request.POST.get(f"resolve_note_{comment.pk}", "")
        try:
            workflow.resolve_comment(comment, request.user, note)
        except workflow.TransitionError as refusal:
            messages.error(request, f"The comment “{comment.quote}” was not resolved: {refusal}")
        else:
            resolved += 1
    if resolved:
        messages.success(
            request,
            f"{resolved} comment{'s' if resolved != 1 else ''} marked resolved; the reviewer "
            "sees your replies in the next round.",
        )
