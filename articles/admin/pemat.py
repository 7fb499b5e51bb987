"""The PEMAT-P check on the review page: the form the assigned reviewer rates a text with (a
mixin of `RevisionAdmin`), and `pemat_context`, what `admin/articles/revision/_pemat.html`
shows: each checked text's recorded scores, and its form for whoever may record.

Like the review actions, a POST answers with a redirect to the review page: on success with a
message, on a refusal with the refusal and the ratings as chosen kept in the session for the
next GET, which puts them back in the form (and answers with the refusal's 4xx status).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .. import pemat, workflow
from ..models import Audience, Revision
from ..workflow.pemat import NOTE_MAX_LENGTH


def _stash_key(revision_id):
    return f"pemat-refusal-{revision_id}"


def _anchor(audience):
    return f"pemat-{audience.slug}"


def take_refusal(request, revision):
    """The refused PEMAT-P form of this revision, taken out of the session once per request:
    {"audience": slug, "error": ..., "ratings": {...}, "note": ..., "status": ...} or {}."""
    cached = getattr(request, "_pemat_refusal", None)
    if cached is None:
        cached = request.session.pop(_stash_key(revision.pk), None) or {}
        request._pemat_refusal = cached
    return cached


def _domains(ratings):
    """The items by domain, each with its rating as the form shows it."""
    return [
        {
            "key": domain,
            "label": label,
            "items": [
                {"item": item, "rating": ratings.get(str(item.number), "")}
                for item in pemat.items(domain)
            ],
        }
        for domain, label in pemat.DOMAINS.items()
    ]


def pemat_context(request, revision, can_record, checks):
    """Each checked text of `revision` with its PEMAT-P standing (`checks`, from
    `workflow.text_checks`), and its form."""
    refused = take_refusal(request, revision)
    texts = []
    for check in checks:
        typed = refused if refused.get("audience") == check.audience.slug else {}
        ratings = typed.get("ratings") if typed else check.ratings
        texts.append(
            {
                "check": check,
                "anchor": _anchor(check.audience),
                "domains": _domains(ratings or {}),
                "error": typed.get("error", ""),
                "note": typed.get("note", ""),
                "open": bool(typed) or (can_record and not check.event),
            }
        )
    return {
        "pemat_texts": texts,
        "can_record_pemat": can_record,
        "pemat_threshold": pemat.THRESHOLD,
        "pemat_refusal_status": refused.get("status"),
    }


class PematViewsMixin:
    def pemat_urls(self):
        return [
            path(
                "<int:revision_id>/review/pemat/<slug:audience>/",
                self.admin_site.admin_view(require_POST(self.pemat_view)),
                name="articles_revision_pemat",
            ),
        ]

    def pemat_view(self, request, revision_id, audience):
        revision = get_object_or_404(Revision, pk=revision_id)
        if not self.has_view_permission(request, revision):
            raise PermissionDenied
        audience = Audience.objects.filter(slug=audience).first()
        if audience is None:
            raise Http404("No such reading level.")
        ratings = pemat.parse(request.POST, "item")
        note = request.POST.get("note", "")
        review_url = reverse("admin:articles_revision_review", args=[revision.pk])
        try:
            event = workflow.record_assessment(
                revision,
                request.user,
                audience,
                ratings,
                note,
                expected_state=request.POST.get("expected_state") or None,
            )
        except workflow.TransitionError as error:
            request.session[_stash_key(revision.pk)] = {
                "audience": audience.slug,
                "error": str(error),
                "ratings": {str(number): rating for number, rating in ratings.items()},
                "note": note[: NOTE_MAX_LENGTH * 2],
                "status": 409 if isinstance(error, workflow.ConflictError) else 400,
            }
            return redirect(f"{review_url}#{_anchor(audience)}")
        scores = event.pemat_scores
        understand, act = scores[pemat.UNDERSTANDABILITY], scores[pemat.ACTIONABILITY]
        messages.success(
            request,
            f"PEMAT-P check of the {audience.label.lower()} text recorded: understandability "
            f"{understand.percent:g} % ({understand.agree} of {understand.applicable}), "
            f"actionability {act.percent:g} % ({act.agree} of {act.applicable}).",
        )
        return redirect(f"{review_url}#{_anchor(audience)}")
