"""Recorded changes to a source: a new edition, a correction, a retraction.

A source is never edited in place under a live page. Staff record what happened, with a note;
that writes the source's next `SourceVersion` and, through `articles.workflow`, flags every article
whose live revision cites it for a re-check. Approved pages keep printing the version they were
approved with until a reviewer checks them.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from . import workflow
from .models import Source, SourceVersion

Change = SourceVersion.Change
Status = Source.Status

# The fields each kind of change may set.
EDITION_FIELDS = (
    "edition",
    "published_on",
    "title",
    "year",
    "volume",
    "pages",
    "doi",
    "pmid",
    "url",
)
CORRECTION_FIELDS = ("kind", "authors", "title", "publisher", "year", "volume", "pages")
CORRECTION_FIELDS += ("edition", "published_on", "doi", "pmid", "url")
FIELDS = {
    Change.NEW_EDITION: EDITION_FIELDS,
    Change.CORRECTION: CORRECTION_FIELDS,
    Change.RETRACTION: ("status",),
}


def _refusal(source, user, change, note, fields, happened_on=None):
    if not (user.is_active and user.is_staff and user.has_perm("articles.change_source")):
        return "Only editors can record changes to sources."
    if change not in FIELDS:
        return "That is not a kind of source change."
    if not_allowed := sorted(set(fields) - set(FIELDS[change])):
        labels = ", ".join(str(Source.field_label(name)) for name in not_allowed)
        return f"{Change(change).label} cannot change: {labels}."
    if not (note or "").strip():
        return "Write a note: what changed, and where you read it. Reviewers see it."
    if change == Change.NEW_EDITION:
        if not fields.get("edition") or not fields.get("published_on"):
            return "A new edition needs its edition label and its publication date."
        if fields["edition"] == source.edition and fields["published_on"] == source.published_on:
            return f"{source.edition} is already the recorded edition; give the new one."
    if change == Change.RETRACTION:
        if fields.get("status") not in (Status.RETRACTED, Status.WITHDRAWN):
            return "Say whether the source was retracted or withdrawn."
        if source.is_withdrawn:
            return f"This source is already marked {source.get_status_display().lower()}."
        if happened_on and happened_on > timezone.localdate():
            return "The retraction date cannot be in the future."
    if not any(getattr(source, name) != value for name, value in fields.items()):
        return "Nothing changed: every detail is as recorded already."
    return ""


def reader_date(change, fields, recorded_at, happened_on=None):
    """The date readers are told: a new edition's publication date, the day a retraction took
    effect, else the day the change was recorded."""
    if change == Change.NEW_EDITION and fields.get("published_on"):
        return fields["published_on"]
    return happened_on or timezone.localdate(recorded_at)


def record_source_change(source, user, change, note, seen_version=None, happened_on=None, **fields):
    """Record `change` to `source` (its new values in `fields`) and flag the articles citing it.

    `seen_version` is the version the person's form showed: if someone recorded another change
    since, nothing is written (their form would undo it). `happened_on` is when a retraction took
    effect. Returns (the new version, the live revisions flagged). Raises
    `workflow.TransitionError` with words for the person when the change is refused; then
    nothing is written.
    """
    note = (note or "").strip()
    with transaction.atomic():
        # NO KEY UPDATE: new citations of this source (which take KEY SHARE) need not wait.
        locked = Source.objects.select_for_update(no_key=True).get(pk=source.pk)
        latest = locked.versions.order_by("-number").first()
        if seen_version is not None and latest and str(latest.number) != str(seen_version):
            raise workflow.ConflictError(
                f"{latest.recorded_by_name or 'Someone'} recorded another change to this source "
                f"meanwhile ({latest.get_change_display().lower()}, version {latest.number}). "
                "Nothing was recorded: check the source as it is now, then record yours."
            )
        if reason := _refusal(locked, user, change, note, fields, happened_on):
            raise workflow.TransitionError(reason)
        _validate(locked, fields)
        before = locked.printed()
        Source.objects.filter(pk=locked.pk).update(**fields, updated_at=timezone.now())
        locked.refresh_from_db()
        after = locked.printed()
        version = SourceVersion.objects.create(
            source=locked,
            number=(latest.number if latest else 0) + 1,
            change=change,
            note=note,
            recorded_by=user,
            recorded_by_name=user.public_name,
            short_name=locked.short_name,
            **after,
        )
        changed = {
            capfirst(Source.field_label(field)): [_plain(before[field]), _plain(after[field])]
            for field in Source.PRINTED_FIELDS
            if before[field] != after[field]
        }
        details = {
            "source_id": locked.pk,
            "change": change,
            "change_label": Change(change).label,
            "version": version.number,
            "date": reader_date(change, fields, version.recorded_at, happened_on).isoformat(),
            "fields": changed,
        }
        # Each flagged revision adds how its readers know the source (see flag_citing_revisions).
        flagged = workflow.flag_citing_revisions(locked, version, user, details)
    source.refresh_from_db()
    return version, flagged


def _validate(source, fields):
    """The model's own field rules (a URL is http or https, lengths, choices), whoever calls."""
    candidate = Source(**{**{name: getattr(source, name) for name in Source.PRINTED_FIELDS}})
    candidate.key, candidate.pk = source.key, source.pk
    for name, value in fields.items():
        setattr(candidate, name, value)
    try:
        candidate.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise workflow.TransitionError(" ".join(error.messages)) from None


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
