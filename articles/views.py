import re

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from accounts.preferences import remember_audience, saved_audience, text_size

from . import caching, page_queries
from .asking import SENT_KEY, URGENT_HELP, QuestionForm, RateLimit, record_question, wait_message
from .models import Article, Audience, Question, SavedArticle
from .rendering import first_citations
from .seo import absolute, page_meta

# Ten questions a page: the index costs the same at 10 articles as at 10,000.
INDEX_PAGE_SIZE = 10


@require_safe
def article_list(request):
    """The index, oldest article first, a page at a time (`?after=<id>` / `?before=<id>`,
    the last or first article of the page the reader comes from). One query per page."""
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    for value in (after, before):
        if value and not re.fullmatch(r"[0-9]{1,12}", value):
            raise Http404("No such page of articles.")
    pages = Article.objects.public().with_shown_revision()
    rows = list(pages.index_page(INDEX_PAGE_SIZE, after=after or None, before=before or None))
    more = len(rows) > INDEX_PAGE_SIZE
    rows = rows[:INDEX_PAGE_SIZE]
    if before:
        rows.reverse()
    if (after or before) and not rows:
        raise Http404("No such page of articles.")
    context = {
        "articles": rows,
        "previous": rows[0].pk if rows and (after or (before and more)) else None,
        "next": rows[-1].pk if rows and (before or more) else None,
    }
    return render(request, "articles/article_list.html", context)


def can_preview(user):
    """Staff who may open the admin (two-factor set up) may preview any revision."""
    return (
        user.is_active
        and user.is_staff
        and user.has_perm("articles.view_revision")
        and is_mfa_enabled(user, ["totp"])
    )


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
def article_detail(request, slug):
    """The article page, or just its variant block for htmx.

    GET shows the audience named in `?audience=`, else the reader's saved choice, else the
    default, and never stores anything. POST stores the reader's choice: htmx gets the variant
    block and the new URL to push; a plain form gets redirected to that URL. Staff may add
    `?revision=<number>` to preview any revision, never cached.

    Readers get the page from the cache (articles/caching.py): one query (the shown revision
    with its article, and the audiences: articles/page_queries.py) names it, and only this
    reader's parts are rendered per request.
    """
    params = request.POST if request.method == "POST" else request.GET
    # Only asking for a revision costs the permission and two-factor lookups.
    preview_number = params.get("revision", "")
    if preview_number and not can_preview(request.user):
        preview_number = ""
    if preview_number:
        return article_preview(request, slug, preview_number)
    # A reader without a session is nobody in particular: not even their session is opened.
    stateless = caching.is_stateless(request)
    shown = page_queries.shown_revision(slug, None if stateless else request.user)
    if shown is None:
        raise Http404("No such article.")
    audiences = shown.audiences
    audience = chosen_audience(request, audiences, params, stateless=stateless)

    def audience_url():
        return f"{shown.article.get_absolute_url()}?audience={audience.slug}"

    if request.method == "POST":
        if params.get("audience") == audience.slug:
            remember_audience(request, audience.slug)
        if not request.htmx:
            return redirect(audience_url())
    partial = is_partial(request)
    kind = "variant" if partial else "page"
    template = f"{TEMPLATE}#variant" if partial else TEMPLATE

    def render_for_everyone():  # only when the cache has no such page
        revision = shown.revision()
        context = page_context(
            revision.article, revision, audience, audiences, audience_url(), partial=partial
        )
        return caching.render_cacheable(template, context)

    response = caching.page_response(
        request,
        caching.page_key(kind, shown, audience, audiences),
        render_for_everyone,
        lambda: {"article": shown.article, "audience": audience, "is_saved": shown.is_saved},
        text_size=lambda: text_size(request),
    )
    if partial and request.method == "POST":
        push_url(response, audience_url())
    return response


TEMPLATE = "articles/article_detail.html"


def chosen_audience(request, audiences, params, *, stateless=False):
    """The audience in `?audience=` (or the posted one), else the reader's saved choice (read
    only then, and never for a `stateless` reader: without a session they chose nothing),
    else the default."""
    asked = params.get("audience", "")
    if any(option.slug == asked for option in audiences):
        return Audience.pick(audiences, asked)
    return Audience.pick(audiences, "" if stateless else saved_audience(request))


def is_partial(request):
    # htmx also marks history restores as htmx requests; those need the whole page.
    return bool(request.htmx) and not request.htmx.history_restore_request


def page_context(article, revision, audience, audiences, audience_url, *, partial, preview=False):
    """What the article page shows of `revision` to `audience`: the same for every reader
    (the reader's own parts come from the holes, articles/caching.py)."""
    variant = (
        revision.variants.filter(audience=audience).defer("body_markdown").first()
        or revision.variants.order_by("audience__order").defer("body_markdown").first()
    )
    context = {
        "article": article,
        # The address a printed handout gives: the public one (SITE_URL), version included.
        "page_url": absolute(audience_url),
        "revision": revision,
        "preview": preview,
        "audiences": audiences,
        "audience": audience,
        "variant": variant,
        "citations": revision.citations.select_related("version"),
        "cited_first": first_citations(variant.body_html) if variant else set(),
        "recheck_reasons": revision.recheck_notices() if not partial else [],
        # The htmx swap: just what differs between reading levels, announced.
        "swap": partial,
        # "Readers asked": part of the cached page; publishing or unpublishing an answer calls
        # caching.content_changed (articles/workflow/replies.py).
        "answers": Question.objects.filter(article=article).published().order_by("-published_at"),
    }
    if not partial:
        # The question form, the same for every reader but its CSRF token (a marker here).
        context.update(ask_context(article, revision, audience))
        # The <head>: canonical address, Open Graph, JSON-LD (reuses the citations).
        context["seo"] = page_meta(
            article, revision, audience, context["citations"], preview=preview
        )
    return context


def article_preview(request, slug, preview_number):
    """A staff preview of any revision (`?revision=<number>`): rendered for each request and
    never cached, by this server or the browser."""
    if not re.fullmatch(r"[0-9]{1,9}", preview_number):
        raise Http404("No such revision.")
    article = get_object_or_404(Article, slug=slug)
    audiences = list(Audience.objects.all())
    params = request.POST if request.method == "POST" else request.GET
    audience = chosen_audience(request, audiences, params)
    audience_url = f"{article.get_absolute_url()}?audience={audience.slug}"
    audience_url += f"&revision={preview_number}"
    if request.method == "POST":
        if params.get("audience") == audience.slug:
            remember_audience(request, audience.slug)
        if not request.htmx:
            return redirect(audience_url)
    # With the approver the page's structured data names (no query of its own).
    revisions = article.revisions.select_related("approved_by")
    revision = get_object_or_404(revisions, number=preview_number)
    partial = is_partial(request)
    context = page_context(
        article, revision, audience, audiences, audience_url, partial=partial, preview=True
    )
    context["is_saved"] = (
        request.user.is_authenticated
        and SavedArticle.objects.filter(user=request.user, article=article).exists()
    )
    response = render(request, f"{TEMPLATE}#variant" if partial else TEMPLATE, context)
    if partial and request.method == "POST":
        push_url(response, audience_url)
    add_never_cache_headers(response)
    return response


@require_POST
def toggle_saved(request, slug):
    """Save the article to the reader's account, or remove it. htmx gets the button back."""
    article = get_object_or_404(Article.objects.public(), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(article.get_absolute_url())
    saved, created = SavedArticle.objects.get_or_create(user=request.user, article=article)
    if not created:
        saved.delete()
    if request.htmx:
        context = {"article": article, "is_saved": created, "announce": True}
        return render(request, "articles/_save.html", context)
    messages.success(
        request,
        "Saved to your account." if created else "Removed from your saved articles.",
    )
    return redirect(article)


def ask_context(article, revision, audience, form=None, **more):
    """What the follow-up question form needs: the article page's and the ask page's."""
    return {
        "article": article,
        "ask_form": form
        or QuestionForm(initial={"revision": revision.number, "reading_level": audience.slug}),
        "urgent_help": URGENT_HELP,
        "retention_days": settings.QUESTION_RETENTION_DAYS,
        **more,
    }


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
def ask_question(request, slug):
    """A reader's follow-up question about an article, from the form at the end of its page.

    htmx gets the form back in place: with the words of what went wrong and the text kept
    (400, or 429 over the rate limit), or with what happens next. Without JavaScript the same
    outcomes come as this page: errors at once, success after a redirect (post/redirect/get).
    A bot that filled in the honeypot is told its question was sent; nothing is stored.
    """
    article = get_object_or_404(Article.objects.public(), slug=slug)
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    template = "articles/ask.html" + ("#ask-form" if partial else "")
    if request.method != "POST":
        sent = request.session.pop(SENT_KEY, None)  # shown once, after a plain form's post
        revision = article.shown_revision()
        audience = Audience.pick(list(Audience.objects.all()), "", saved_audience(request))
        if not sent or sent.get("article") != article.pk:
            sent = None  # another article's note, or none
        context = ask_context(article, revision, audience, sent=sent)
        return render(request, template, context)

    form = QuestionForm(request.POST)
    limit = RateLimit(request)
    wait = limit.wait() or (form.is_valid() and limit.consume())
    if wait:
        context = ask_context(article, None, None, form=form, wait_message=wait_message(wait))
        return render(request, template, context, status=429)
    if not form.is_valid():
        return render(request, template, ask_context(article, None, None, form=form), status=400)
    sent = {"article": article.pk, "emailed": bool(form.cleaned_data["email"])}
    if not form.is_bot():
        question = record_question(form, article, request.user)
        sent["emailed"] = question.wants_email_reply
    if not partial:
        request.session[SENT_KEY] = sent
        return redirect("articles:ask", slug=article.slug)
    initial = {k: form.cleaned_data[k] for k in ("revision", "reading_level")}
    context = ask_context(article, None, None, form=QuestionForm(initial=initial), sent=sent)
    return render(request, template, context)
