"""The editor's side of the revision change form: one page to write a revision.

A mixin of `RevisionAdmin` (as `review.py` is for the review page), with

- a live preview beside each Markdown field (a variant's text, the two key facts; the widget
  is in `previews.py`, and `preview_view` answers htmx as the editor types);
- the reviewer's comments in each variant's preview, resolved with a save (`editor_comments`);
- "Save and submit for review": the form is saved first, then `workflow.submit` runs (a refusal
  is shown on the change form, the text already saved);
- a save that arrives after the revision was submitted meanwhile saves nothing and shows the
  form with everything that was typed, to copy (status 409), instead of losing it.
"""

import copy

from django.contrib import messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers

from .. import citation_checks, workflow
from ..models import Audience, Revision, Source, Variant
from ..rendering import stripped_markup
from .editor_comments import editor_comments, resolve_ticked, typed_replies
from .inputs import posted_id
from .previews import LONGEST_PREVIEW, preview, saved_references, use_previews

SUBMIT_BUTTON = "_submit_for_review"


def with_posted_references(form_class, data):
    """`form_class`, whose revision checks its texts against the reference list as posted with
    them (the citation inline's rows), not as last saved: its inline variants share the
    revision object, so they are checked against it too."""
    kinds = citation_checks.posted_reference_kinds(data)
    if kinds is None:
        return form_class

    class WithPostedReferences(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.instance.pending_reference_kinds = kinds

    return WithPostedReferences


READING_OVERRIDE = "reading_override"


class SourcePicker(AutocompleteSelect):
    """The reference list's source picker (select2). Its chosen sources come from `known`, the
    reference list already read for the page, rather than one query per reference."""

    known: dict[str, object] = {}

    def optgroups(self, name, value, attr=None):
        chosen = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if not chosen or not chosen <= self.known.keys():
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for pk in sorted(chosen):
            label = self.choices.field.label_from_instance(self.known[pk])
            options.append(self.create_option(name, int(pk), label, chosen, len(options)))
        return [(None, options, 0)]


def known_sources(request, revision) -> dict[str, object]:
    """The sources the revision's saved reference list cites, by primary key (as text)."""
    if revision is None:
        return {}
    return {str(c.source_id): c.source for c in saved_references(request, revision)}


def _typed_text(request, revision) -> list[dict]:
    """What a refused POST carried, field by field, labelled for the editor to copy from: what
    differs from the revision as saved first, each marked `changed`."""
    post = request.POST
    typed = []

    def add(label, value, saved):
        changed = _lines(value) != _lines(saved)
        rows = min(max(value.count("\n") + 2, 3), 14)
        typed.append({"label": label, "value": value, "changed": changed, "rows": rows})

    for name in Revision.CONTENT_FIELDS:
        if post.get(name, "").strip():
            label = str(Revision._meta.get_field(name).verbose_name).capitalize()
            add(label, post[name], getattr(revision, name))
    audiences = dict(Audience.objects.values_list("pk", "label"))
    saved = dict(revision.variants.values_list("audience_id", "body_markdown"))
    for index in range(_form_count(post, "variants")):
        text = post.get(f"variants-{index}-body_markdown", "")
        if text.strip():
            audience = _int(post.get(f"variants-{index}-audience"))
            add(f"{audiences.get(audience, 'New version')} text", text, saved.get(audience, ""))
    cited = []
    for index in range(_form_count(post, "citations")):
        source = _int(post.get(f"citations-{index}-source"))
        if source and not post.get(f"citations-{index}-DELETE"):
            cited.append((post.get(f"citations-{index}-position", "?"), source))
    if cited:
        names = {s.pk: str(s) for s in Source.objects.filter(pk__in=[pk for _, pk in cited])}
        lines = [f"[{position}] {names.get(pk, '(unknown source)')}" for position, pk in cited]
        stored = revision.citations.select_related("source").order_by("position")
        add("References", "\n".join(lines), "\n".join(f"[{c.position}] {c.source}" for c in stored))
    for label, reply in typed_replies(request, revision):
        add(label, reply, "")
    return sorted(typed, key=lambda field: not field["changed"])  # stable: form order kept


def _lines(text: str) -> str:
    """Text as compared: a browser posts a textarea's line breaks as CRLF."""
    return (text or "").replace("\r\n", "\n").strip()


def _int(value):
    return posted_id(value) if isinstance(value, str) else None


def _form_count(post, prefix):
    return min(_int(post.get(f"{prefix}-TOTAL_FORMS")) or 0, 1000)


class EditorViewsMixin:
    """The editing side of `RevisionAdmin`; keep its methods here, apart from the review queue."""

    # Each Markdown field of the revision, and what its preview shows.
    key_fact_previews = {
        "answer": "Preview: the answer, as readers see it",
        "pregnancy_warning": "Preview: the pregnancy warning, as readers see it",
    }

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        use_previews(request, obj, form, self.key_fact_previews, rows=4)
        if request.method == "POST" and obj is not None:
            form = with_posted_references(form, request.POST)
        return form

    def editor_context(self, request, revision):
        """What the change form's template adds for the editor (see change_form.html)."""
        if revision is None:
            return {}
        may_submit = revision.is_editable and request.user.has_perm("articles.submit_revision")
        return {
            "frozen": not revision.is_editable,
            "changes_requested": revision.events.filter(action="request_changes").last()
            if revision.state == Revision.State.CHANGES_REQUESTED
            else None,
            "submit_button": may_submit,
            # Why the revision, as last saved, could not be submitted yet: shown beside the
            # button, which stays (saving first may well fix it; the workflow checks again).
            "submit_not_ready": workflow.refusal(workflow.SUBMIT, revision, request.user)
            if may_submit
            else "",
            "submit_name": SUBMIT_BUTTON,
            # The reason field, when a text as saved reads above its target (or one was typed).
            "reading_override": may_submit
            and bool(request.POST.get(READING_OVERRIDE) or workflow.reading_level_misses(revision)),
            "reading_override_name": READING_OVERRIDE,
            "reading_override_value": request.POST.get(READING_OVERRIDE, ""),
        }

    # Saving: tell the editor what the sanitizer removed. ------------------------------------

    def warn_stripped(self, request, label: str, text: str):
        if removed := stripped_markup(text):
            messages.warning(
                request,
                f"The {label} was saved, but readers' pages do not allow some of it, so it was "
                f"removed: {'; '.join(removed)}. Check the preview.",
            )

    def warn_stripped_revision(self, request, form):
        labels = {"answer": "answer", "pregnancy_warning": "pregnancy warning"}
        for name, label in labels.items():
            if name in form.changed_data:
                text = form.cleaned_data.get(name) or ""
                self.warn_stripped(request, f"{label} (key facts)", text)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        resolve_ticked(request, form.instance)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Variant:
            self.warn_stripped_variants(request, formset)

    def warn_stripped_variants(self, request, formset):
        for form in formset.forms:
            if "body_markdown" in form.changed_data and not formset._should_delete_form(form):
                audience = form.cleaned_data.get("audience")
                label = f"{audience.label.lower()} text" if audience else "new text"
                self.warn_stripped(request, label, form.cleaned_data.get("body_markdown") or "")

    # Save, then submit for review. ----------------------------------------------------------

    def response_change(self, request, obj):
        if SUBMIT_BUTTON not in request.POST:
            return super().response_change(request, obj)
        try:
            workflow.submit(
                obj,
                request.user,
                obj.change_summary,
                expected_state=request.POST.get("expected_state") or None,
                reading_override=request.POST.get(READING_OVERRIDE, ""),
            )
        except workflow.TransitionError as refusal:
            messages.error(
                request,
                f"Your changes were saved, but revision {obj.number} was not submitted for "
                f"review: {refusal}",
            )
            return HttpResponseRedirect(request.path)  # the change form, as saved
        messages.success(
            request,
            f"Saved and submitted for review: revision {obj.number} is now submitted. A medical "
            "reviewer will take it from the queue.",
        )
        return redirect("admin:articles_revision_review", obj.pk)

    # A save that lost the race with a submission. -------------------------------------------

    def refused_save_response(self, request, object_id, revision, form_url, extra_context):
        """The change form as the revision is now (read-only), with what the editor typed; 409."""
        messages.error(request, f"Nothing was saved. {revision.frozen_message()}")
        typed = _typed_text(request, revision)
        shown = copy.copy(request)
        shown.method = "GET"
        context = {**(extra_context or {}), **self.editor_context(request, revision)}
        context["typed"] = typed
        # ModelAdmin's own view, past RevisionAdmin's locking one: nothing is saved here.
        response = super().changeform_view(shown, object_id, form_url, context)
        response.status_code = 409
        return response

    # The preview. ---------------------------------------------------------------------------

    def preview_view(self, request, revision_id):
        """The preview of one Markdown text (POST `text`, or from htmx the field that changed):
        a partial for htmx, a page otherwise. Editors only, and only while the revision can be
        edited (409 with the reason once it cannot)."""
        user = request.user
        if not (user.is_active and user.is_staff and self.has_change_permission(request)):
            raise PermissionDenied("Only editors can preview a revision's text.")
        revision = get_object_or_404(Revision, pk=revision_id)
        name = request.htmx.trigger_name if request.htmx else None
        text = request.POST.get(name) if name in request.POST else request.POST.get("text", "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Preview: {revision}",
            "revision": revision,
        }
        status = 200
        if not revision.is_editable:
            context["refusal"], status = revision.frozen_message(), 409
        elif len(text) > LONGEST_PREVIEW:
            context["refusal"] = (
                f"This text is too long to preview ({len(text):,} characters; the limit is "
                f"{LONGEST_PREVIEW:,}). Shorten it, or save to check it."
            )
            status = 400
        else:
            audience_id = request.POST.get("audience", "")
            audience_pk = posted_id(audience_id)
            audience = Audience.objects.filter(pk=audience_pk).first() if audience_pk else None
            rights, comments = editor_comments(request, revision) if audience else (None, [])
            context["preview"] = preview(
                text,
                saved_references(request, revision),
                audience=audience,
                revision=revision,
                rights=rights,
                comments=comments,
            )
        template = (
            "admin/articles/revision/_preview.html"
            if request.htmx
            else "admin/articles/revision/preview.html"
        )
        response = TemplateResponse(request, template, context, status=status)
        patch_vary_headers(response, ["HX-Request"])
        return response
