"""Work lists: what waits for each reviewer and editor, on the admin home, in the "Your work"
navigation and in the revision list's review queues."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Revision
from tests.articles.demo_staff import sign_in
from tests.factories import (
    EDITORS,
    REVIEWERS,
    ArticleFactory,
    UserFactory,
    editor,
    reviewer,
    revision_with_content,
)
from tests.pages import said

pytestmark = pytest.mark.django_db
State = Revision.State
HOME = "/admin/"
CHANGELIST = "/admin/articles/revision/"


@pytest.fixture
def cast():
    return {
        "author": editor(email="wren.writer@example.com", first_name="Wren", last_name="Writer"),
        "helper": editor(email="hal.helper@example.com", first_name="Hal", last_name="Helper"),
        "me": reviewer(email="me@example.com", display_name="Dr. Mia Me"),
        "other": reviewer(email="other@example.com", display_name="Dr. Otto Other"),
    }


def submitted(author, **fields):
    revision = revision_with_content(author=author, **fields)
    workflow.submit(revision, author, "Ready for review.")
    return revision


def under_review(author, checker, **fields):
    revision = submitted(author, **fields)
    workflow.start_review(revision, checker)
    return revision


def sent_back(author, checker, **fields):
    revision = under_review(author, checker, **fields)
    workflow.request_changes(revision, checker, "Cite the trial.")
    return revision


def approved(author, checker, **fields):
    revision = under_review(author, checker, **fields)
    workflow.approve(revision, checker, attested=True, pemat_reason="Not rated in this test.")
    return revision


def titled(text):
    return {"article": ArticleFactory(title=text)}


def review_url(revision):
    return reverse("admin:articles_revision_review", args=[revision.pk])


def table_of(response, key):
    """The HTML of one work list's table on the admin home."""
    html = response.content.decode()
    found = re.search(rf'<table[^>]*id="worklist-{key}".*?</table>', html, re.S)
    assert found, f"no {key} table"
    return found.group(0)


def visible(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# Who is on which list.


def test_waiting_for_a_reviewer_leaves_out_what_the_reviewer_wrote_or_edited(cast):
    theirs = submitted(cast["author"])
    mine = revision_with_content(state=State.SUBMITTED, author=cast["me"])  # a reviewer's own
    edited_by_me = submitted(cast["author"])
    edited_by_me.contributors.add(cast["me"])
    taken = under_review(cast["author"], cast["other"])

    waiting = set(Revision.objects.waiting_for_reviewer(cast["me"]))
    assert waiting == {theirs}
    assert mine not in waiting and edited_by_me not in waiting and taken not in waiting
    assert set(Revision.objects.waiting_for_reviewer(cast["other"])) == {mine, edited_by_me, theirs}


def test_a_review_held_by_a_deactivated_reviewer_is_waiting_again(cast):
    held = under_review(cast["author"], cast["other"])
    assert held not in Revision.objects.waiting_for_reviewer(cast["me"])
    cast["other"].is_active = False
    cast["other"].save(update_fields=["is_active"])
    assert held in Revision.objects.waiting_for_reviewer(cast["me"])


def test_reviews_in_progress_are_the_reviewers_own(cast):
    mine = under_review(cast["author"], cast["me"])
    under_review(cast["author"], cast["other"])
    submitted(cast["author"])
    assert list(Revision.objects.reviews_in_progress(cast["me"])) == [mine]


def test_editors_lists_hold_what_they_wrote_or_edited(cast):
    author, helper, checker = cast["author"], cast["helper"], cast["me"]
    back = sent_back(author, checker)
    back.contributors.add(author, helper)  # the author is a contributor too: listed once
    draft = revision_with_content(author=author)
    reviewing = under_review(author, checker)
    waiting = submitted(author)
    approved(author, checker)

    assert list(Revision.objects.sent_back_to(author)) == [back]
    assert list(Revision.objects.sent_back_to(helper)) == [back]
    assert list(Revision.objects.drafts_of(author)) == [draft]
    assert not Revision.objects.drafts_of(helper).exists()
    assert set(Revision.objects.in_review_for(author)) == {reviewing, waiting}
    assert not Revision.objects.in_review_for(cast["other"]).exists()


def test_since_is_when_the_revision_entered_its_state(cast):
    revision = under_review(cast["author"], cast["me"])
    started = revision.events.get(action="start_review").created_at
    assert Revision.objects.with_since().get(pk=revision.pk).since == started

    bare = revision_with_content(author=cast["author"])  # test data: no events
    assert Revision.objects.with_since().get(pk=bare.pk).since == bare.created_at

    workflow.approve(revision, cast["me"], attested=True, pemat_reason="Not rated in this test.")
    due = timezone.now() - datetime.timedelta(days=3)
    flagged_at = timezone.now() - datetime.timedelta(days=1)
    Revision.objects.filter(pk=revision.pk).update(review_due_at=due)
    assert Revision.objects.with_since().get(pk=revision.pk).since == due
    Revision.objects.filter(pk=revision.pk).update(recheck_since=flagged_at)
    assert Revision.objects.with_since().get(pk=revision.pk).since == flagged_at


# The admin home.


def test_a_reviewers_home_lists_their_work_in_words(client, cast):
    waiting = submitted(cast["author"], **titled("Is a low dose safe in pregnancy?"))
    mine = under_review(cast["author"], cast["me"], **titled("Does acne come back?"))
    revision_with_content(state=State.SUBMITTED, author=cast["me"])  # their own: not to review
    client.force_login(cast["me"])

    response = client.get(HOME)
    text = said(response)
    assert "Medical review" in text and "Writing and editing" not in text
    assert (
        "Waiting for a reviewer (1) Article State Who acts next Since "
        "Is a low dose safe in pregnancy? revision 1 Submitted Any medical reviewer"
    ) in visible(table_of(response, "waiting"))
    assert (
        "Your reviews in progress (1) Article State Who acts next Since "
        "Does acne come back? revision 1 Under review Dr. Mia Me, MD, FAAD"
    ) in visible(table_of(response, "assigned_to_me"))
    assert "(just now)" in visible(table_of(response, "assigned_to_me"))
    assert "Flagged for re-review (0)" in text
    assert "No article is flagged for re-review." in text
    assert (
        "Review overdue (0) Approved articles past their next review date. No review is overdue."
    ) in text
    # Each title opens the review page.
    assert f'href="{review_url(waiting)}"' in table_of(response, "waiting")
    assert f'href="{review_url(mine)}"' in table_of(response, "assigned_to_me")
    # Django's app list is still there, below.
    assert text.index("No review is overdue.") < text.index("Revisions")


def test_flagged_and_overdue_lists_name_the_change_and_the_date(client, cast):
    live = approved(cast["author"], cast["other"], **titled("Which dose works best?"))
    due = timezone.now() - datetime.timedelta(days=3)
    Revision.objects.filter(pk=live.pk).update(review_due_at=due)
    client.force_login(cast["me"])
    overdue = visible(table_of(client.get(HOME), "overdue"))
    assert (
        "Which dose works best? revision 1 Approved · review overdue "
        "Review due: an editor starts a new revision"
    ) in overdue
    assert f"{due:%b}" in overdue and "3 days ago" in overdue
    workflow.start_revision(live.article, cast["author"])
    overdue = visible(table_of(client.get(HOME), "overdue"))
    assert "Review due: a new revision is in progress" in overdue

    Revision.objects.filter(pk=live.pk).update(recheck_since=timezone.now())
    flagged = visible(table_of(client.get(HOME), "flagged"))
    assert "Flagged for re-review (1) A source these approved articles cite has changed." in flagged
    assert "Approved · re-check needed A medical reviewer: re-check, source changed" in flagged


def test_an_editors_home_lists_sent_back_drafts_and_in_review(client, cast):
    author, checker = cast["author"], cast["me"]
    back = sent_back(author, checker, **titled("Can I drink alcohol?"))
    revision_with_content(author=author, **titled("How long does treatment last?"))
    under_review(author, checker, **titled("Does it cause depression?"))
    client.force_login(author)

    response = client.get(HOME)
    text = said(response)
    assert "Writing and editing" in text and "Medical review" not in text
    assert (
        "Sent back to you (1) Article State Who acts next Since Can I drink alcohol? revision 1 "
        "Changes requested The editor (Wren Writer)"
    ) in visible(table_of(response, "sent_back"))
    assert f'href="{review_url(back)}"' in table_of(response, "sent_back")
    assert "Your drafts (1)" in text and "How long does treatment last?" in text
    assert (
        "In review (1) Article State Who acts next Since Does it cause depression? revision 1 "
        "Under review Dr. Mia Me, MD, FAAD"
    ) in visible(table_of(response, "my_in_review"))

    client.force_login(cast["helper"])
    empty = said(client.get(HOME))
    assert "Nothing has been sent back to you." in empty
    assert "You have no drafts." in empty
    assert "None of your revisions is with the medical reviewers." in empty


def test_someone_who_writes_and_reviews_sees_both_groups(client, cast):
    both = UserFactory(roles=[EDITORS, REVIEWERS], email="both@example.com")
    client.force_login(both)
    text = said(client.get(HOME))
    assert text.index("Medical review") < text.index("Writing and editing")
    assert "Nothing is waiting for a reviewer." in text and "You have no drafts." in text


def test_titles_are_never_cut(client, cast):
    long_title = (
        "What is the difference between micro-dose isotretinoin (Accutane) and conventional "
        "isotretinoin (Accutane) for adults with moderate acne?"
    )
    assert len(long_title) > 90
    revision = submitted(cast["author"], **titled(long_title))
    client.force_login(cast["me"])
    assert long_title in said(client.get(HOME))
    row = said(client.get(CHANGELIST))
    assert long_title in row
    changelist = client.get(CHANGELIST).content.decode()
    assert f'<a href="{review_url(revision)}">{long_title}</a>' in changelist


def test_a_long_list_shows_twenty_and_links_to_all(client, cast):
    for _ in range(21):
        submitted(cast["author"])
    client.force_login(cast["me"])
    table = table_of(client.get(HOME), "waiting")
    assert table.count("<tr>") == 21  # the header and 20 rows
    home = client.get(HOME).content.decode()
    assert (
        f'<a href="{CHANGELIST}?queue=waiting">See all 21'
        '<span class="visually-hidden"> (Waiting for a reviewer)</span></a>'
    ) in home
    listed = client.get(CHANGELIST, {"queue": "waiting"})
    assert "21 revisions" in said(listed)


def test_the_home_page_makes_as_many_queries_for_30_revisions_as_for_3(client, cast):
    both = UserFactory(roles=[EDITORS, REVIEWERS], email="both@example.com")
    client.force_login(both)

    def add_revisions(count):
        """`count` revisions spread over every list, half of them edited by `both`."""
        for n in range(count):
            kind = n % 5
            if kind == 0:
                revision = submitted(cast["author"])
            elif kind == 1:
                revision = under_review(cast["author"], (both, cast["other"])[n % 2])
            elif kind == 2:
                revision = sent_back(cast["author"], cast["other"])
            elif kind == 3:
                revision = revision_with_content(author=cast["author"])
            else:
                revision = approved(cast["author"], cast["other"])
                Revision.objects.filter(pk=revision.pk).update(
                    recheck_since=timezone.now(), review_due_at=timezone.now()
                )
            if revision.assigned_reviewer != both:
                revision.contributors.add(both if n % 2 else cast["helper"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        return len(captured)

    add_revisions(3)
    few = queries()
    add_revisions(27)
    assert Revision.objects.count() == 30
    assert queries() == few


def test_the_home_page_query_count_is_bounded(client, cast, django_assert_max_num_queries):
    for _ in range(5):
        under_review(cast["author"], cast["me"])
    client.force_login(UserFactory(roles=[EDITORS, REVIEWERS], email="both@example.com"))
    with django_assert_max_num_queries(20):
        client.get(HOME)


# "Your work" in the navigation.


def test_every_admin_page_counts_the_reviewers_work(client, cast):
    submitted(cast["author"])
    submitted(cast["author"])
    under_review(cast["author"], cast["me"])
    client.force_login(cast["me"])

    for page in (CHANGELIST, review_url(Revision.objects.first()), HOME):
        response = client.get(page)
        html = response.content.decode()
        nav = re.search(r'<nav class="work-nav" aria-label="Your work">.*?</nav>', html, re.S)
        assert nav, page
        assert visible(nav.group(0)) == (
            "Your work Waiting for a reviewer 2 Your reviews 1 Flagged 0 Overdue 0 "
            "Replies to check 0"
        )
        # Read out as words: "Waiting for a reviewer, 2".
        assert re.findall(r'aria-label="([^"]*, \d+)"', nav.group(0)) == [
            "Waiting for a reviewer, 2",
            "Your reviews, 1",
            "Flagged, 0",
            "Overdue, 0",
            "Replies to check, 0",
        ]
        assert f'href="{CHANGELIST}?queue=waiting"' in nav.group(0)
    assert "Sent back" not in visible(nav.group(0))


def test_the_editors_navigation_counts_their_work(client, cast):
    sent_back(cast["author"], cast["me"])
    revision_with_content(author=cast["author"])
    submitted(cast["author"])
    under_review(cast["author"], cast["other"])
    client.force_login(cast["author"])
    response = client.get(CHANGELIST, {"queue": "my_drafts"})
    nav = re.search(r'<nav class="work-nav".*?</nav>', response.content.decode(), re.S).group(0)
    assert visible(nav) == (
        "Your work Sent back 1 Your drafts 1 In review 2 New questions 0 To answer 0"
    )
    assert (
        f'<a href="{CHANGELIST}?queue=my_drafts" aria-label="Your drafts, 1" aria-current="page">'
    ) in nav


def test_the_navigation_counts_in_one_query_per_kind_of_list(
    client, cast, django_assert_num_queries
):
    from django.test import RequestFactory

    from articles.admin import worklists

    request = RequestFactory().get(CHANGELIST)
    request.user = UserFactory(roles=[EDITORS, REVIEWERS], email="both@example.com")
    request.user.get_all_permissions()  # permissions are cached on the user after this
    with django_assert_num_queries(2):  # the revisions' lists, then the readers' questions'
        links = worklists.nav_links(request)
        worklists.nav_links(request)  # the same request asks again: no new query
    assert [link.label for link in links] == [
        "Waiting for a reviewer",
        "Your reviews",
        "Flagged",
        "Overdue",
        "Replies to check",
        "Sent back",
        "Your drafts",
        "In review",
        "New questions",
        "To answer",
    ]


# Who sees the lists.


def test_readers_never_see_the_admin_or_its_lists(client, cast):
    submitted(cast["author"])
    client.force_login(UserFactory(email="reader@example.com"))
    response = client.get(HOME)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_without_a_role_get_no_lists(client, cast):
    submitted(cast["author"])
    client.force_login(UserFactory(roles=["No such group"], email="staff@example.com"))
    response = client.get(HOME)
    assert response.status_code == 200
    assert 'aria-label="Your work"' not in response.content.decode()
    assert "Waiting for a reviewer" not in said(response)


# The revision list.


def test_the_revision_list_title_opens_the_review_page(client, cast):
    revision = submitted(cast["author"])
    client.force_login(cast["me"])
    html = client.get(CHANGELIST).content.decode()
    assert f'<a href="{review_url(revision)}">{revision.title}</a>' in html
    # The revision number still opens the (edit) form.
    change = reverse("admin:articles_revision_change", args=[revision.pk])
    assert f'href="{change}"' in html


def test_my_review_queue_includes_my_reviews_in_progress(client, cast):
    waiting = submitted(cast["author"])
    mine = under_review(cast["author"], cast["me"])
    theirs = under_review(cast["author"], cast["other"])
    own = revision_with_content(state=State.SUBMITTED, author=cast["me"])
    client.force_login(cast["me"])
    html = client.get(CHANGELIST, {"queue": "awaiting_me"}).content.decode()
    assert review_url(waiting) in html and review_url(mine) in html
    assert review_url(theirs) not in html and review_url(own) not in html
    assert "My review queue: to take, in progress, to re-check" in html


@pytest.mark.parametrize(
    "queue, who, expected",
    [
        ("waiting", "me", {"waiting"}),
        ("assigned_to_me", "me", {"mine"}),
        ("sent_back", "author", {"back"}),
        ("my_drafts", "author", {"draft"}),
        ("my_in_review", "author", {"waiting", "mine"}),
    ],
)
def test_each_list_has_a_review_queue_filter(client, cast, queue, who, expected):
    revisions = {
        "waiting": submitted(cast["author"]),
        "mine": under_review(cast["author"], cast["me"]),
        "back": sent_back(cast["helper"], cast["me"]),
        "draft": revision_with_content(author=cast["author"]),
    }
    revisions["back"].contributors.add(cast["author"])
    client.force_login(cast[who])
    html = client.get(CHANGELIST, {"queue": queue}).content.decode()
    listed = {name for name, r in revisions.items() if review_url(r) in html}
    assert listed == expected


# In Chromium, with the demo data and the demo staff.


@pytest.fixture
def demo_work(demo_credentials, demo_article):
    """The demo articles spread over every list (see load_demo for the demo accounts):
    for the reviewer 1 waiting, 1 in progress, 1 flagged and 1 overdue; for the editor 1 sent
    back, 1 draft and 2 in review."""
    from django.contrib.auth import get_user_model

    from articles.models import Article, Source
    from tests.articles.source_helpers import new_edition

    User = get_user_model()
    author = User.objects.get(email="editor@example.com")
    checker = User.objects.get(email="reviewer@example.com")
    flagged = demo_article.open_revision()  # under review by the demo reviewer
    workflow.approve(
        flagged,
        checker,
        "Checked every claim.",
        attested=True,
        pemat_reason="Not rated in this test.",
    )
    low_dose = Article.objects.get(slug="isotretinoin-5-mg-for-mild-adult-acne").open_revision()
    workflow.approve(
        low_dose, checker, "Checked.", attested=True, pemat_reason="Not rated in this test."
    )
    new_edition(Source.objects.get(key="aad-2024"), author)
    # Test data: the low-dose article is overdue rather than flagged.
    Revision.objects.filter(pk=low_dose.pk).update(
        review_due_at=timezone.now() - datetime.timedelta(days=9), recheck_since=None
    )
    workflow.start_revision(low_dose.article, author)
    under_review(author, checker, **titled("Can I take isotretinoin with antibiotics?"))
    sent_back(author, checker, **titled("Does isotretinoin affect mood, and what should I do?"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "email, captions, nav",
    [
        (
            "reviewer@example.com",
            [
                "Waiting for a reviewer (1)",
                "Your reviews in progress (1)",
                "Flagged for re-review (1)",
                "Review overdue (1)",
            ],
            "Waiting for a reviewer, 1",
        ),
        (
            "editor@example.com",
            ["Sent back to you (1)", "Your drafts (1)", "In review (2)"],
            "Sent back, 1",
        ),
    ],
    ids=["reviewer", "editor"],
)
def test_the_admin_home_in_a_browser(browser, live_server, demo_work, email, captions, nav):
    """Screenshots go to SCREENSHOT_DIR when it is set, for people to look at."""
    import os

    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, email)
    for caption in captions:
        expect(page.get_by_role("table", name=caption)).to_be_visible()
    expect(page.get_by_role("navigation", name="Your work")).to_be_visible()
    expect(page.get_by_role("link", name=nav)).to_be_visible()
    role = email.split("@")[0]
    folder = os.environ.get("SCREENSHOT_DIR")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        if folder:
            page.screenshot(path=os.path.join(folder, f"home-{role}-{width}.png"), full_page=True)
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    if folder:
        page.goto(CHANGELIST)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=os.path.join(folder, f"revisions-{role}-{width}.png"))
        page.goto(HOME)
    # A title opens the review page.
    first_table = page.get_by_role("table", name=captions[0])
    title = first_table.locator("tbody a").first.inner_text()
    first_table.locator("tbody a").first.click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    context.close()


def test_resolving_a_comment_does_not_restart_the_wait(cast):
    from tests.factories import audience

    revision = under_review(cast["author"], cast["me"])
    workflow.add_comment(revision, cast["me"], audience("patient"), 0, "Plainer, please.")
    workflow.request_changes(revision, cast["me"], "")
    sent_back_at = revision.events.get(action="request_changes").created_at
    comment = revision.comments.get()
    workflow.resolve_comment(comment, cast["author"], "Done.")
    assert revision.events.filter(action="resolve_comment").exists()
    assert Revision.objects.with_since().get(pk=revision.pk).since == sent_back_at
