"""Reviewers' comments on a revision's text, in the admin: the POST-only views that add, change,
delete and resolve them (a mixin of `RevisionAdmin`), and `comment_context`, what the partial
`admin/articles/revision/_commented_text.html` shows for one reading level.

Every view answers with a redirect to the page the form was on (`next`, a same-site admin path),
anchored at the comment or its paragraph. A refusal goes back the same way: its words as an
error message, and what the person typed kept in the session and put back in the form.
"""

from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .. import workflow
from ..models import Audience, ReviewComment, Revision
from .inputs import posted_id

DRAFTS = "review_comment_drafts"
# Enough for any comment a person means to keep (the limit is 2000), not a dumping ground.
DRAFT_KEPT = 20_000


def _id_or_404(value):
    number = posted_id(value if isinstance(value, str) else str(value))
    if number is None:
        raise Http404("No such item.")
    return number


def safe_next(request, revision):
    """The admin page a comment form was on, else the revision's review page."""
    fallback = reverse("admin:articles_revision_review", args=[revision.pk])
    candidate = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not parts.path.startswith(reverse("admin:index")):
        return fallback
    return urlunsplit(("", "", parts.path, parts.query, ""))


def _draft_key(revision, kind, ident):
    return f"{revision.pk}:{kind}:{ident}"


def _keep_draft(request, revision, kind, ident, text, error):
    drafts = request.session.get(DRAFTS, {})
    drafts[_draft_key(revision, kind, ident)] = {"text": text[:DRAFT_KEPT], "error": error}
    request.session[DRAFTS] = drafts


def _drop_draft(request, revision, kind, ident):
    drafts = request.session.get(DRAFTS, {})
    if drafts.pop(_draft_key(revision, kind, ident), None) is not None:
        request.session[DRAFTS] = drafts


def _take_drafts(request, revision):
    """The revision's refused texts, taken out of the session once per request (the page shows
    them in their forms; a reload after that starts clean)."""
    taken = getattr(request, "_comment_drafts", {})
    if revision.pk not in taken:
        drafts = request.session.get(DRAFTS, {})
        prefix = f"{revision.pk}:"
        mine = {k.removeprefix(prefix): v for k, v in drafts.items() if k.startswith(prefix)}
        if mine:
            request.session[DRAFTS] = {k: v for k, v in drafts.items() if not k.startswith(prefix)}
        taken[revision.pk] = mine
        request._comment_drafts = taken
    return taken[revision.pk]


def page_comments(request, revision):
    """What every text of one revision shares on a page, read once: the viewer's rights and
    the revision's comments."""
    cache = getattr(request, "_comment_pages", {})
    if revision.pk not in cache:
        cache[revision.pk] = (
            workflow.CommentRights.of(revision, request.user),
            list(revision.comments.select_related("sent_in")),
        )
        request._comment_pages = cache
    return cache[revision.pk]


def comment_context(request, revision, variant):
    """The context of `_commented_text.html` for `variant` (one reading level of `revision`)."""
    rights, comments = page_comments(request, revision)
    placed = workflow.placed_comments(revision, variant, rights=rights, comments=comments)
    drafts = _take_drafts(request, revision)
    asked = request.GET.get("comment", "")  # "<audience>-<block>", from the review diff
    for block in placed.blocks:
        block.asked = asked == f"{variant.audience.slug}-{block.block.index}"
        draft = drafts.get(f"add:{variant.audience_id}-{block.block.index}")
        if draft:
            block.draft, block.error = draft["text"], draft["error"]
    for one in placed.comments:
        kind = "resolve" if one.can_resolve else "edit"
        draft = drafts.get(f"{kind}:{one.comment.pk}")
        if draft:
            one.draft, one.error = draft["text"], draft["error"]
    return {
        "placed": placed,
        "revision": revision,
        "can_comment": rights.can_comment,
        "can_resolve": rights.can_resolve,
        # Back to the page as it was, without the form it was asked to open.
        "next_url": request.path if asked else request.get_full_path(),
    }


class CommentViewsMixin:
    """Mixed into `RevisionAdmin`; `comment_urls()` goes into its `get_urls()`."""

    def comment_urls(self):
        def post_only(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path(
                "<int:revision_id>/comments/add/",
                post_only(self.add_comment_view),
                name="articles_revision_comment_add",
            ),
            path(
                "<int:revision_id>/comments/<int:comment_id>/edit/",
                post_only(self.edit_comment_view),
                name="articles_revision_comment_edit",
            ),
            path(
                "<int:revision_id>/comments/<int:comment_id>/delete/",
                post_only(self.delete_comment_view),
                name="articles_revision_comment_delete",
            ),
            path(
                "<int:revision_id>/comments/<int:comment_id>/resolve/",
                post_only(self.resolve_comment_view),
                name="articles_revision_comment_resolve",
            ),
        ]

    def _commented_revision(self, request, revision_id):
        revision = get_object_or_404(Revision.objects.select_related("article"), pk=revision_id)
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        return revision

    def _comment_of(self, request, revision_id, comment_id):
        revision = self._commented_revision(request, revision_id)
        comment = get_object_or_404(
            ReviewComment.objects.select_related("audience"), pk=comment_id, revision=revision
        )
        return revision, comment

    @staticmethod
    def _refused(request, revision, error, kind, ident, text, address):
        messages.error(request, str(error))
        _keep_draft(request, revision, kind, ident, text, str(error))
        return HttpResponseRedirect(address)

    def add_comment_view(self, request, revision_id):
        revision = self._commented_revision(request, revision_id)
        audience = get_object_or_404(Audience, pk=_id_or_404(request.POST.get("audience")))
        block = _id_or_404(request.POST.get("block"))
        body = request.POST.get("body", "")
        back = safe_next(request, revision)
        ident = f"{audience.pk}-{block}"
        try:
            comment = workflow.add_comment(
                revision,
                request.user,
                audience,
                block,
                body,
                expected_text=request.POST.get("expected_text"),
            )
        except workflow.TransitionError as error:
            address = f"{back}#text-{audience.slug}-{block}"
            return self._refused(request, revision, error, "add", ident, body, address)
        _drop_draft(request, revision, "add", ident)
        messages.success(request, "Comment saved. The editor gets it when you request changes.")
        return HttpResponseRedirect(f"{back}#comment-{comment.pk}")

    def edit_comment_view(self, request, revision_id, comment_id):
        revision, comment = self._comment_of(request, revision_id, comment_id)
        body = request.POST.get("body", "")
        back = safe_next(request, revision)
        try:
            workflow.edit_comment(comment, request.user, body)
        except workflow.TransitionError as error:
            address = f"{back}#comment-{comment.pk}"
            return self._refused(request, revision, error, "edit", comment.pk, body, address)
        _drop_draft(request, revision, "edit", comment.pk)
        messages.success(request, "Comment changed.")
        return HttpResponseRedirect(f"{back}#comment-{comment.pk}")

    def delete_comment_view(self, request, revision_id, comment_id):
        revision, comment = self._comment_of(request, revision_id, comment_id)
        back = safe_next(request, revision)
        try:
            workflow.delete_comment(comment, request.user)
        except workflow.TransitionError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(f"{back}#comment-{comment.pk}")
        messages.success(request, "Comment deleted.")
        return HttpResponseRedirect(f"{back}#text-{comment.audience.slug}-{comment.anchor_index}")

    def resolve_comment_view(self, request, revision_id, comment_id):
        revision, comment = self._comment_of(request, revision_id, comment_id)
        note = request.POST.get("note", "")
        back = safe_next(request, revision)
        try:
            workflow.resolve_comment(comment, request.user, note)
        except workflow.TransitionError as error:
            address = f"{back}#comment-{comment.pk}"
            return self._refused(request, revision, error, "resolve", comment.pk, note, address)
        _drop_draft(request, revision, "resolve", comment.pk)
        messages.success(request, "Comment marked resolved.")
        return HttpResponseRedirect(f"{back}#comment-{comment.pk}")
