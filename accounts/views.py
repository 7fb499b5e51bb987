import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from articles.models import Article, Audience, Question, SavedArticle

from . import preferences, profile_changes
from .data import personal_data
from .forms import DeleteAccountForm, PreferencesForm, ReviewerProfileForm, SavedArticleForm


@require_safe
@login_required
def account_home(request):
    saved = list(request.user.saved_articles.select_related("article"))
    states = {
        a.pk: a for a in Article.objects.with_shown_revision().filter(saved_by__user=request.user)
    }
    for item in saved:
        item.state = states.get(item.article_id)
    return render(request, "accounts/home.html", {"saved": saved})


@require_http_methods(["GET", "HEAD", "POST"])
def preferences_view(request):
    """Reading level and text size, for visitors and signed-in readers alike. htmx saves in
    place (the form comes back with a status; HX-Trigger tells the page the text size)."""
    audiences = list(Audience.objects.all())
    initial = {
        "reading_audience": Audience.pick(audiences, preferences.saved_audience(request)).slug,
        "text_size": preferences.text_size(request),
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            preferences.remember(
                request,
                reading_audience=form.cleaned_data["reading_audience"].slug,
                text_size=form.cleaned_data["text_size"],
            )
            if not request.htmx:
                messages.success(request, "Your preferences are saved.")
                return redirect("accounts:preferences")
        else:
            status = 400
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    template = "accounts/preferences.html" + ("#preferences-form" if partial else "")
    context = {"form": form, "saved": request.method == "POST" and form.is_valid()}
    response = render(request, template, context, status=status)
    if context["saved"]:
        response["HX-Trigger"] = json.dumps({"textSizeChanged": form.cleaned_data["text_size"]})
    return response


@require_POST
@login_required
def saved_article_update(request, pk):
    saved = get_object_or_404(SavedArticle, pk=pk, user=request.user)
    if request.POST.get("remove"):
        saved.delete()
        messages.success(request, f"Removed “{saved.article.title}” from your saved articles.")
        return redirect("accounts:home")
    form = SavedArticleForm(request.POST)
    form.is_valid()  # a missing box means "off"
    saved.notify_on_review = form.cleaned_data.get("notify_on_review", False)
    saved.save(update_fields=["notify_on_review"])
    messages.success(
        request,
        f"We will email you when “{saved.article.title}” is reviewed again."
        if saved.notify_on_review
        else f"No more emails about “{saved.article.title}”.",
    )
    return redirect("accounts:home")


@require_safe
@login_required
def export_data(request):
    response = HttpResponse(
        json.dumps(personal_data(request.user), indent=2, default=str),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="isoapp-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def delete_account(request):
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        with transaction.atomic():
            # Their questions stay counted; what they wrote and their address go with them.
            Question.objects.filter(user=user).redact()
            user.delete()
        messages.success(request, "Your account and everything personal in it are deleted.")
        return redirect("articles:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def reviewer_profile(request):
    """Staff see the name and credentials readers see on their approvals, and edit their
    specialty. The name and credentials themselves are set by a staff admin (the form leaves
    them out); StaffNeedTwoFactorMiddleware keeps this page behind two-factor as well."""
    if not request.user.is_staff:
        raise PermissionDenied("Only editors and medical reviewers have a public profile.")
    form = ReviewerProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # The form cannot change name or credentials; should it ever, they are on record.
            before = profile_changes.stored(request.user)
            form.save()
            profile_changes.record(request.user, before, changed_by=request.user)
        messages.success(request, "Your specialty is saved.")
        return redirect("accounts:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)
