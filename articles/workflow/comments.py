"""Reviewers' comments on a revision's text: who may write, change and resolve them, the writes,
and where each comment belongs in the text as it reads now (`placed_comments`).

    Under review: the assigned reviewer adds comments (pending: theirs to edit or delete)
    Request changes: every pending comment is sent with it (`transitions.request_changes`)
    Changes requested (or draft): the editor marks each sent comment resolved, with a reply
    Next round: the reviewer sees which were resolved, by whom, when, and with what reply

Like the transitions, each write locks the article row, then the revision row, and checks the
rules under the lock; a refusal is a `TransitionError` with words fit to show.
"""

from dataclasses import dataclass, field
from html import escape

from django.db import transaction
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from ..blocks import Block, locate, normalized, split_blocks
from ..models import Article, ReviewComment, Revision, Variant
from ..models.comments import BODY_MAX_LENGTH
from ..rendering import sanitize
from ..tables import card_html, row_label
from .rules import ConflictError, TransitionError, can_review, is_contributor, refuse_nul
from .transitions import record_event

State = Revision.State
QUOTE_LENGTH = 160
RESOLVE = "resolve_comment"


# Rules: pure reads.


def comment_refusal(revision, user) -> str:
    """Why `user` may not add (or change their pending) comments on `revision` now, or ""."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return "Only signed-in staff can comment on a revision."
    if revision.state != State.UNDER_REVIEW:
        return (
            f"Comments are written during the review: revision {revision.number} is "
            f"{revision.get_state_display().lower()}."
        )
    if not can_review(user):
        return "Only medical reviewers can comment on a revision's text."
    if revision.assigned_reviewer_id != user.pk:
        return "Only the reviewer assigned to this revision can comment on it."
    return ""


def resolve_refusal(revision, user) -> str:
    """Why `user` may not mark comments on `revision` resolved now, or ""."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return "Only signed-in staff can mark a comment resolved."
    if not revision.is_editable:
        return (
            "Comments are marked resolved while the revision is being revised: revision "
            f"{revision.number} is {revision.get_state_display().lower()}."
        )
    if not is_contributor(revision, user):
        return (
            "Only the revision's author or an editor who worked on it can mark comments resolved."
        )
    return ""


@dataclass(frozen=True)
class CommentRights:
    """What one person may do with the comments of one revision, read once for a page."""

    user_id: int | None
    assigned_reviewer_id: int | None
    can_comment: bool = False
    can_resolve: bool = False

    @classmethod
    def of(cls, revision, user):
        return cls(
            user_id=user.pk if user.is_authenticated else None,
            assigned_reviewer_id=revision.assigned_reviewer_id,
            can_comment=not comment_refusal(revision, user),
            can_resolve=not resolve_refusal(revision, user),
        )

    def may_see(self, comment):
        """Sent comments are the review record; a pending one is its writer's draft, seen by
        them and by whoever holds the review (whose Request changes would send it)."""
        return not comment.is_pending or self.user_id in (
            comment.author_id,
            self.assigned_reviewer_id,
        )

    def may_edit(self, comment):
        return self.can_comment and comment.is_pending and comment.author_id == self.user_id

    def may_delete(self, comment):
        """The review's holder may drop any unsent comment: theirs, or one a reviewer who no
        longer holds the review left unsent (which would otherwise block approving it)."""
        return self.can_comment and comment.is_pending

    def may_resolve(self, comment):
        return self.can_resolve and comment.status == "sent" and comment.author_id != self.user_id


# Writes.


def _lock(revision):
    Article.objects.select_for_update().filter(pk=revision.article_id).first()
    return Revision.objects.select_for_update().get(pk=revision.pk)


def _lock_comment(comment):
    locked = _lock(comment.revision)
    current = ReviewComment.objects.select_related("audience").filter(pk=comment.pk).first()
    if current is None:
        raise ConflictError("This comment was deleted meanwhile. Nothing was changed.")
    return locked, current


def _clean_text(text, what):
    text = (text or "").replace("\r\n", "\n").strip()
    refuse_nul(text)
    if len(text) > BODY_MAX_LENGTH:
        raise TransitionError(
            f"A {what} can be at most {BODY_MAX_LENGTH} characters; yours has {len(text)}. "
            "Shorten it and save again."
        )
    return text


def _clean_body(body):
    body = _clean_text(body, "comment")
    if not body:
        raise TransitionError("Write your comment first: it is empty.")
    return body


def quote_of(text):
    """The start of a paragraph, to name it in the record and when it is no longer there."""
    return Truncator(normalized(text)).chars(QUOTE_LENGTH, truncate="…")


def add_comment(revision, user, audience, block_index, body, expected_text=None):
    """The assigned reviewer comments on block `block_index` of the `audience` text.

    `expected_text` is the block's text as the reviewer's page showed it: when given and the
    text there reads otherwise now, nothing is saved (a page left open from an earlier round).
    """
    with transaction.atomic():
        locked = _lock(revision)
        if reason := comment_refusal(locked, user):
            raise TransitionError(reason)
        variant = (
            Variant.objects.filter(revision=locked, audience=audience)
            .select_related("audience")
            .first()
        )
        if variant is None:
            raise TransitionError("This revision has no text for that reading level.")
        blocks = split_blocks(variant.body_html)
        try:
            block = blocks[int(block_index)] if int(block_index) >= 0 else None
        except (TypeError, ValueError, IndexError):
            block = None
        what = f"The {variant.audience.label.lower()} text"
        if block is None:
            raise TransitionError(f"{what} has no such paragraph. Reload the page and try again.")
        if not block.text:
            raise TransitionError("Comment on a paragraph, a list item or a heading.")
        if expected_text is not None and normalized(expected_text) != block.text:
            raise ConflictError(
                f"{what} changed since your page was loaded, so your comment was not saved. "
                "Reload the page and comment on the paragraph as it reads now."
            )
        body = _clean_body(body)
        return ReviewComment.objects.create(
            revision=locked,
            audience=variant.audience,
            anchor_index=block.index,
            anchor_tag=block.tag,
            anchor_text=block.text,
            quote=quote_of(block.text),
            body=body,
            author=user,
            author_label=user.signature,
        )


def _pending_only(comment):
    if not comment.is_pending:
        raise TransitionError(
            "This comment was sent with the request for changes: it is part of the review "
            "record and cannot be changed."
        )


def edit_comment(comment, user, body):
    """The reviewer rewords a comment of theirs that is not sent yet."""
    with transaction.atomic():
        locked, current = _lock_comment(comment)
        _pending_only(current)
        if reason := comment_refusal(locked, user):
            raise TransitionError(reason)
        if current.author_id != user.pk:
            raise TransitionError("Only the reviewer who wrote this comment can change it.")
        current.body = _clean_body(body)
        current.edited_at = timezone.now()
        current.save(update_fields=["body", "edited_at"])
    return current


def delete_comment(comment, user):
    """The reviewer drops a comment not sent yet: theirs, or one left unsent by a reviewer who
    no longer holds the review. Returns the deleted comment (without its id)."""
    with transaction.atomic():
        locked, current = _lock_comment(comment)
        _pending_only(current)
        if reason := comment_refusal(locked, user):
            raise TransitionError(reason)
        if not CommentRights.of(locked, user).may_delete(current):
            raise TransitionError("Only the reviewer who wrote this comment can delete it.")
        current.delete()
    return current


def resolve_comment(comment, user, note=""):
    """An editor of the revision marks a sent comment resolved, optionally with a reply; the
    step is written to the revision's history."""
    with transaction.atomic():
        locked, current = _lock_comment(comment)
        if current.is_pending:
            raise TransitionError("This comment has not been sent to the editor yet.")
        if current.is_resolved:
            raise ConflictError(
                f"This comment was already marked resolved by {current.resolved_by_label} on "
                f"{timezone.localtime(current.resolved_at):%b %-d, %Y}."
            )
        if reason := resolve_refusal(locked, user):
            raise TransitionError(reason)
        if current.author_id == user.pk:
            raise TransitionError("You wrote this comment: the revision's editor resolves it.")
        note = _clean_text(note, "reply")
        current.resolved_at = timezone.now()
        current.resolved_by = user
        current.resolved_by_label = user.signature
        current.resolution_note = note
        current.save(
            update_fields=["resolved_at", "resolved_by", "resolved_by_label", "resolution_note"]
        )
        record_event(
            locked,
            RESOLVE,
            locked.state,
            locked.state,
            user,
            note,
            {
                "comment_id": current.pk,
                "audience": current.audience.slug,
                "quote": current.quote,
            },
        )
    return current


# Placing comments in the text as it reads now.


@dataclass
class PlacedComment:
    comment: ReviewComment
    how: str  # "exact", "similar", "position" or "gone" (see articles.blocks.locate)
    can_edit: bool = False
    can_delete: bool = False
    can_resolve: bool = False
    draft: str = ""  # text typed in a form that was refused, shown again (set by the admin)
    error: str = ""
    ticked: bool = False  # "mark resolved" ticked in a form that came back (the editor's page)

    @property
    def paragraph_changed(self):
        """No paragraph reads like the one commented on: shown at its old place, quoted."""
        return self.how == "position"

    @property
    def edited_since(self):
        return self.how == "similar"


@dataclass
class PlacedBlock:
    block: Block
    anchor: str  # the element id, e.g. "text-patient-3"
    label: str  # how a form names it: "paragraph 4", "list item 2", "the heading “Dosing”"
    comments: list[PlacedComment] = field(default_factory=list)
    opens_list: bool = False
    closes_list: bool = False
    draft: str = ""
    error: str = ""
    asked: bool = False  # its comment form was asked for (a "Comment on this" link): open it

    @property
    def tag(self):
        """The element to print it in: headings one level down, under the page's own."""
        if self.block.is_heading:
            return f"h{min(int(self.block.tag[1]) + 1, 6)}"
        return self.block.tag if self.block.tag in ("p", "blockquote", "pre", "li") else "div"

    @property
    def html(self):
        """The stored, sanitized HTML without citation ids: four texts share one page. A
        table row shows as a card (`articles.tables.card_html`), as on a phone."""
        if self.block.is_table_row:
            # Each cell sanitized again, its column's heading escaped.
            parts = [
                (cell, sanitize(cell.html, citation_ids=False), escape(cell.label))
                for cell in self.block.cells
            ]
            return mark_safe(card_html(parts))  # noqa: S308
        # Sanitized again here, with the allow-list every stored text went through.
        return mark_safe(sanitize(self.block.html, citation_ids=False))  # noqa: S308

    @property
    def commentable(self):
        return bool(self.block.text)


@dataclass
class PlacedText:
    revision: Revision
    variant: Variant | None
    audience: object
    blocks: list[PlacedBlock]
    gone: list[PlacedComment]  # anchored to text that is no longer there: listed at the end
    rights: CommentRights | None = None

    @property
    def comments(self):
        return [c for block in self.blocks for c in block.comments] + self.gone

    @property
    def has_comments(self):
        return bool(self.gone) or any(block.comments for block in self.blocks)


def _labels(blocks):
    counts = {}
    for block in blocks:
        if block.is_heading:
            yield f"the heading “{Truncator(block.text).chars(60, truncate='…')}”"
            continue
        if block.tag == "caption":
            yield "the table's caption"
            continue
        if block.is_table_row:
            yield row_label(block.cells, block.text)
            continue
        kind = "list item" if block.tag == "li" else "paragraph"
        if block.checklist:
            kind = "checklist item"
        counts[kind] = counts.get(kind, 0) + 1
        yield f"{kind} {counts[kind]}"


def placed_comments(revision, audience_or_variant, *, viewer=None, rights=None, comments=None):
    """The `audience_or_variant` text of `revision` block by block, each block with the comments
    that belong beside it now, and the comments whose text is gone (never dropped).

    `viewer` (a user) or `rights` (`CommentRights`, read once per page) hide others' pending
    comments and say what the viewer may do with each; without either every comment is shown.
    `comments`, the revision's comments already fetched, saves a query per text.
    """
    if isinstance(audience_or_variant, Variant):
        variant, audience = audience_or_variant, audience_or_variant.audience
    else:
        variant = (
            Variant.objects.filter(revision=revision, audience=audience_or_variant)
            .select_related("audience")
            .first()
        )
        audience = variant.audience if variant else audience_or_variant
    if rights is None and viewer is not None:
        rights = CommentRights.of(revision, viewer)
    audience_id = getattr(audience, "pk", audience)
    if comments is None:
        comments = revision.comments.filter(audience=audience_id).select_related("sent_in")
    comments = [c for c in comments if c.audience_id == audience_id]
    if rights:
        comments = [c for c in comments if rights.may_see(c)]

    blocks = split_blocks(variant.body_html) if variant else []
    slug = getattr(audience, "slug", audience_id)
    placed = [
        PlacedBlock(block=block, anchor=f"text-{slug}-{block.index}", label=label)
        for block, label in zip(blocks, _labels(blocks), strict=True)
    ]
    for number, item in enumerate(placed):
        previous = blocks[number - 1].list_number if number else 0
        following = blocks[number + 1].list_number if number + 1 < len(blocks) else 0
        item.opens_list = bool(item.block.list_number) and previous != item.block.list_number
        item.closes_list = bool(item.block.list_number) and following != item.block.list_number
    gone = []
    for comment in comments:
        block, how = locate(comment.anchor_text, comment.anchor_index, blocks)
        one = PlacedComment(comment, how)
        if rights:
            one.can_edit = rights.may_edit(comment)
            one.can_delete = rights.may_delete(comment)
            one.can_resolve = rights.may_resolve(comment)
        (placed[block.index].comments if block else gone).append(one)
    return PlacedText(revision, variant, audience, placed, gone, rights)
