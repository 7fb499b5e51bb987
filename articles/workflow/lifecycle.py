"""An article's life around its revisions, beyond one revision's transitions: starting a new
revision (at most one in progress), and flagging the live revisions that cite a source that
changed. Both lock the article rows first, in the order the transitions do."""

from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import caching, notifications
from ..models import Article, Citation, Revision, Variant
from .rules import OpenRevisionExists, TransitionError
from .transitions import record_event

State = Revision.State


def flag_citing_revisions(source, version, user, details):
    """Send every article whose live revision cites `source` back for a re-check. Runs inside
    the caller's transaction (`articles.source_changes`), which holds the source's lock."""
    # Lock the articles first, in one order, as approve does: an approval racing this either
    # lands first (its revision is then the live one flagged here) or waits and sees the new
    # version (and is refused as citing an outdated source).
    citing = Article.objects.filter(revisions__citations__source=source).distinct()
    list(Article.objects.select_for_update().filter(pk__in=citing.values("pk")).order_by("pk"))
    now = timezone.now()
    flagged = list(
        Revision.objects.live().filter(citations__source=source).select_related("article")
    )
    # Readers are told about the source by the name their approved page knew it by: the cited
    # version's short name or title, never one recorded since.
    cited = {
        c.revision_id: c.version
        for c in Citation.objects.filter(revision__in=flagged, source=source).select_related(
            "version"
        )
    }
    # Readers see the notice on the very next request: new cache keys (articles/caching.py).
    caching.content_changed(*(revision.article_id for revision in flagged))
    for revision in flagged:
        Revision.objects.filter(pk=revision.pk).update(recheck_since=Coalesce("recheck_since", now))
        known_as = cited[revision.pk]
        event = record_event(
            revision,
            "source_changed",
            State.APPROVED,
            State.APPROVED,
            user,
            version.note,
            {
                **details,
                "source": known_as.name_for_readers,
                "source_named": bool(known_as.short_name),
            },
        )
        transaction.on_commit(lambda pk=event.pk: notifications.send_for(pk))
    return flagged


def start_revision(article, user, change_summary=""):
    """A new draft, copied (title, summary, text and citations) from the live revision, else
    the newest one. Refused while the article has a revision in progress."""
    if not (user.is_active and user.is_staff and user.has_perm("articles.add_revision")):
        raise TransitionError("Only editors can start a new revision.")
    try:
        with transaction.atomic():
            Article.objects.select_for_update().filter(pk=article.pk).first()
            if open_revision := article.open_revision():
                raise OpenRevisionExists(open_revision)
            base = article.live_revision() or article.revisions.order_by("-number").first()
            revision = Revision.objects.create(
                article=article,
                author=user,
                copied_from=base,
                change_summary=change_summary,
                title=base.title if base else article.title,
                summary=base.summary if base else article.summary,
                answer=base.answer if base else "",
                pregnancy_warning=base.pregnancy_warning if base else "",
            )
            revision.contributors.add(user)
            if base:
                Citation.objects.bulk_create(
                    Citation(
                        revision=revision,
                        source_id=c.source_id,
                        version_id=c.version_id,
                        position=c.position,
                    )
                    for c in base.citations.all()
                )
                Variant.objects.bulk_create(
                    Variant(
                        revision=revision,
                        audience_id=v.audience_id,
                        body_markdown=v.body_markdown,
                        body_html=v.body_html,
                        reading_level=v.reading_level,
                    )
                    for v in base.variants.all()
                )
            record_event(
                revision,
                "start",
                "",
                State.DRAFT,
                user,
                f"Copied from revision {base.number}." if base else "",
            )
    except IntegrityError:  # The constraint caught a start that raced this one (SQLite).
        raise OpenRevisionExists(article.open_revision()) from None
    return revision


def replay(events) -> str:
    """The state an event log leads to, checking that each event starts where the last ended."""
    state = ""
    for event in events:
        if event.from_state != state:
            raise ValueError(f"Event {event.pk} starts at {event.from_state!r}, not {state!r}.")
        state = event.to_state
    return state
