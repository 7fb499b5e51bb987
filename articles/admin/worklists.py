"""Work lists: what waits for the person signed in to the admin.

Reviewers (permission `articles.review_revision`) get *Waiting for a reviewer*, *Your reviews in
progress*, *Flagged for re-review*, *Review overdue* and *Replies waiting for medical review*
(readers' questions); editors (`articles.submit_revision`) get *Sent back to you*, *Your drafts*,
*In review*, *New questions from readers* and *Questions waiting for a reply*. Someone with both
gets both groups.

Who belongs on each list is a `RevisionQuerySet` (or `QuestionQuerySet`) rule; this module only
names the lists and reads them for a request. Two template tags
(articles/templatetags/worklists.py) show them: the admin home's tables (`worklist_groups`,
templates/admin/index.html) and the "Your work" counts on every admin page (`work_counts`,
templates/admin/base_site.html). The revision list's "review
queue" filter has one value per revision list (`Worklist.key`), and the question list's "work
list" filter one per question list, so "See all" opens the same rows.

Queries: the counts in one query per kind of list (conditional aggregation: revisions, then
questions), computed once per request and shared by the navigation and the home page; then one
query per list shown on the home page.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse

from ..models import Question, Revision
from .badges import next_step_label, revision_state_badge

REVIEWER = "articles.review_revision"
EDITOR = "articles.submit_revision"
SHOWN_PER_LIST = 20


@dataclass(frozen=True)
class Worklist:
    key: str  # the revision list's ?queue= value
    title: str  # the home page's table caption
    nav_label: str  # the shorter name in the "Your work" navigation
    filter_label: str  # the revision list's filter, in the first person
    empty: str  # what the home page says when the list is empty
    role: str  # the permission that gives the list
    members: Callable  # (queryset, user) -> the revisions (or questions) on the list
    hint: str = ""  # one line under the home page's caption, when the title needs it
    model: type = Revision  # what the list holds: revisions, or readers' questions

    def revisions(self, user):
        """The list's rows for `user` (revisions, or questions for a question list)."""
        return self.members(self.model.objects.all(), user)

    @property
    def url(self):
        changelist = "articles_revision_changelist"
        if self.model is Question:
            changelist = "articles_question_changelist"
        return f"{reverse(f'admin:{changelist}')}?queue={self.key}"


WORKLISTS = (
    Worklist(
        key="waiting",
        title="Waiting for a reviewer",
        nav_label="Waiting for a reviewer",
        filter_label="Waiting for a reviewer (not my own work)",
        empty="Nothing is waiting for a reviewer.",
        role=REVIEWER,
        members=lambda revisions, user: revisions.waiting_for_reviewer(user),
    ),
    Worklist(
        key="assigned_to_me",
        title="Your reviews in progress",
        nav_label="Your reviews",
        filter_label="My reviews in progress",
        empty="You have no reviews in progress.",
        role=REVIEWER,
        members=lambda revisions, user: revisions.reviews_in_progress(user),
    ),
    Worklist(
        key="flagged",
        title="Flagged for re-review",
        nav_label="Flagged",
        filter_label="Flagged: a cited source changed",
        empty="No article is flagged for re-review.",
        role=REVIEWER,
        members=lambda revisions, user: revisions.flagged(),
        hint="A source these approved articles cite has changed.",
    ),
    Worklist(
        key="overdue",
        title="Review overdue",
        nav_label="Overdue",
        filter_label="Review overdue",
        empty="No review is overdue.",
        role=REVIEWER,
        members=lambda revisions, user: revisions.overdue(),
        hint="Approved articles past their next review date.",
    ),
    Worklist(
        key="replies_to_review",
        title="Replies waiting for medical review",
        nav_label="Replies to check",
        filter_label="Replies waiting for my review",
        empty="No reply to a reader's question is waiting for you.",
        role=REVIEWER,
        members=lambda questions, user: questions.replies_to_review_by(user),
        hint="Replies to readers' questions: nothing is sent before a reviewer approves it.",
        model=Question,
    ),
    Worklist(
        key="sent_back",
        title="Sent back to you",
        nav_label="Sent back",
        filter_label="Sent back to me for changes",
        empty="Nothing has been sent back to you.",
        role=EDITOR,
        members=lambda revisions, user: revisions.sent_back_to(user),
    ),
    Worklist(
        key="my_drafts",
        title="Your drafts",
        nav_label="Your drafts",
        filter_label="My drafts",
        empty="You have no drafts.",
        role=EDITOR,
        members=lambda revisions, user: revisions.drafts_of(user),
    ),
    Worklist(
        key="my_in_review",
        title="In review",
        nav_label="In review",
        filter_label="Mine in review",
        empty="None of your revisions is with the medical reviewers.",
        role=EDITOR,
        members=lambda revisions, user: revisions.in_review_for(user),
    ),
    Worklist(
        key="new_questions",
        title="New questions from readers",
        nav_label="New questions",
        filter_label="New",
        empty="No new questions.",
        role=EDITOR,
        members=lambda questions, user: questions.new(),
        hint="Triage each: close it, link it to a revision, or draft a reply.",
        model=Question,
    ),
    Worklist(
        key="questions_to_answer",
        title="Questions waiting for a reply",
        nav_label="To answer",
        filter_label="Waiting for a reply",
        empty="No triaged question is waiting for a reply.",
        role=EDITOR,
        members=lambda questions, user: questions.awaiting_reply(),
        model=Question,
    ),
)
# By key: the revision list's "review queue" filter, and the question list's "work list" filter.
BY_KEY = {worklist.key: worklist for worklist in WORKLISTS if worklist.model is Revision}
QUESTION_LISTS = {worklist.key: worklist for worklist in WORKLISTS if worklist.model is Question}
GROUP_TITLES = {REVIEWER: "Medical review", EDITOR: "Writing and editing"}


def worklists_for(user, model=Revision):
    """The lists `user` works from, reviewers' first: those of `model`, or all for None."""
    if not (user.is_active and user.is_staff):
        return []
    return [
        worklist
        for worklist in WORKLISTS
        if user.has_perm(worklist.role) and (model is None or worklist.model is model)
    ]


def counts(request):
    """{key: how many} for each of the user's lists: one query per kind of list (revisions,
    questions), once per request."""
    if not hasattr(request, "_worklist_counts"):
        found = {}
        for model in (Revision, Question):
            if lists := worklists_for(request.user, model):
                found |= model.objects.aggregate(
                    **{
                        worklist.key: Count(
                            "pk", filter=Q(pk__in=worklist.revisions(request.user).values("pk"))
                        )
                        for worklist in lists
                    }
                )
        request._worklist_counts = found
    return request._worklist_counts


@dataclass(frozen=True)
class NavLink:
    label: str
    count: int
    url: str
    current: bool
    starts_group: bool  # the first of a role's lists


def nav_links(request):
    """The "Your work" navigation: one link per list, with its count."""
    found = counts(request)
    on_changelist = request.path == reverse("admin:articles_revision_changelist")
    links, role = [], None
    for worklist in worklists_for(request.user, model=None):
        links.append(
            NavLink(
                label=worklist.nav_label,
                count=found[worklist.key],
                url=worklist.url,
                current=on_changelist and request.GET.get("queue") == worklist.key,
                starts_group=worklist.role != role,
            )
        )
        role = worklist.role
    return links


@dataclass(frozen=True)
class Row:
    title: str
    detail: str  # "revision 3", or what a reader asked
    review_url: str
    badge: str
    next_step: str
    since: object  # datetime


@dataclass(frozen=True)
class Table:
    worklist: Worklist
    count: int
    rows: list

    @property
    def more(self):
        """True when the table shows only the first rows: it links to the rest."""
        return self.count > len(self.rows)


@dataclass(frozen=True)
class Group:
    title: str
    tables: list


def groups(request, limit=SHOWN_PER_LIST):
    """The admin home's tables, grouped by role; each list's longest-waiting rows first."""
    found = counts(request)
    by_role = {}
    for worklist in worklists_for(request.user, model=None):
        if worklist.model is Question:
            questions = worklist.revisions(request.user).select_related("article").with_since()
            rows = [_question_row(q) for q in questions.order_by("since", "pk")[:limit]]
        else:
            rows = [
                _row(revision)
                for revision in worklist.revisions(request.user)
                .with_next_step()
                .with_since()
                .order_by("since", "pk")[:limit]
            ]
        table = Table(worklist=worklist, count=found[worklist.key], rows=rows)
        by_role.setdefault(worklist.role, []).append(table)
    return [Group(title=GROUP_TITLES[role], tables=tables) for role, tables in by_role.items()]


def _row(revision):
    return Row(
        title=revision.title,
        detail=f"revision {revision.number}",
        review_url=reverse("admin:articles_revision_review", args=[revision.pk]),
        badge=revision_state_badge(revision),
        next_step=next_step_label(revision),
        since=revision.since,
    )


def _question_row(question):
    from django.utils.text import Truncator

    from .questions import question_badge, question_next_step

    asked = "(removed)" if question.is_redacted else " ".join(question.text.split())
    return Row(
        title=question.article.title,
        detail=f"question {question.pk}: “{Truncator(asked).chars(80)}”",
        review_url=reverse("admin:articles_question_change", args=[question.pk]),
        badge=question_badge(question),
        next_step=question_next_step(question),
        since=question.since,
    )
