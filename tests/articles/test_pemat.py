"""Issue 13, points 3 and 4: PEMAT-P inside the review. The items and their arithmetic, recording
an assessment on a review event, the approval gate and its reason, the review page, the
history, the per-article list in the admin, and the demo review."""

from fractions import Fraction

import pytest
from django.urls import reverse

from articles import pemat, workflow
from articles.models import Article, Audience, ReviewEvent, Revision
from tests.factories import SourceFactory, editor, reviewer, revision_with_content
from tests.pages import landed, said

pytestmark = pytest.mark.django_db
State = Revision.State


def ratings(disagree=(), not_applicable=()):
    """Every item rated: Agree, except those listed."""
    out = {item.number: pemat.AGREE for item in pemat.ITEMS}
    out.update({number: pemat.DISAGREE for number in disagree})
    out.update({number: pemat.NOT_APPLICABLE for number in not_applicable})
    return out


# The tool: items and arithmetic


def test_the_items_are_pemat_p_understandability_1_to_19_and_actionability_20_to_26():
    understand = [item.number for item in pemat.items(pemat.UNDERSTANDABILITY)]
    act = [item.number for item in pemat.items(pemat.ACTIONABILITY)]
    # Items 13 and 14 are for audiovisual materials only.
    assert understand == [*range(1, 13), *range(15, 20)]
    assert act == list(range(20, 27))
    allows = {item.number for item in pemat.ITEMS if item.allows_not_applicable}
    assert allows == {6, 8, 9, 11, 16, 17, 18, 19, 24, 25}
    assert all(item.text and item.text.endswith(".") for item in pemat.ITEMS)


def test_a_score_is_agree_over_agree_and_disagree_with_not_applicable_left_out():
    # 17 understandability items: 3 not applicable (6, 18, 19), 3 disagree -> 11 of 14.
    rated = ratings(disagree=(2, 4, 15, 26), not_applicable=(6, 18, 19, 24))
    understand = pemat.score(rated, pemat.UNDERSTANDABILITY)
    assert (understand.agree, understand.applicable) == (11, 14)
    assert understand.percent == 78.6
    assert not understand.below_threshold
    act = pemat.score(rated, pemat.ACTIONABILITY)  # 7 items: 24 n/a, 26 disagree -> 5 of 6
    assert (act.agree, act.applicable, act.percent) == (5, 6, 83.3)
    # Had the not-applicable items counted as Disagree, understandability would be 11 of 17:
    # under 70 %.
    assert Fraction(11, 17) < Fraction(7, 10) < understand.fraction


def test_seventy_per_cent_exactly_passes_and_just_under_does_not():
    assert not pemat.Score(7, 10).below_threshold
    assert pemat.Score(69, 100).below_threshold
    # 9 of 13 is 69.2 %: under, though it rounds near 70. Halves round up: 13 of 16 is 81.3 %.
    assert pemat.Score(13, 16).percent == 81.3
    assert pemat.Score(9, 13).below_threshold and pemat.Score(9, 13).percent == 69.2
    assert pemat.Score(12, 17).percent == 70.6 and not pemat.Score(12, 17).below_threshold
    # No applicable item: no score, which cannot show the text is fit.
    assert pemat.Score(0, 0).percent is None and pemat.Score(0, 0).below_threshold


def test_ratings_must_be_complete_and_not_applicable_only_where_the_tool_allows():
    assert pemat.problems(ratings()) == []
    incomplete = ratings()
    del incomplete[3], incomplete[22]
    assert pemat.problems(incomplete) == ["Rate every item; not rated yet: 3, 22."]
    assert pemat.problems(ratings(not_applicable=(1,))) == [
        "Item 1 applies to every text: rate it Agree or Disagree."
    ]
    assert pemat.problems({**ratings(), 5: "maybe"}) == ["Item 5: not a PEMAT-P item or rating."]


# Recording an assessment


@pytest.fixture
def cast():
    return {
        "author": editor(),
        "checker": reviewer(email="checker@example.com"),
        "other": reviewer(email="other@example.com"),
    }


@pytest.fixture
def under_review(cast):
    revision = revision_with_content(
        state=State.SUBMITTED, author=cast["author"], sources=[SourceFactory()]
    )
    # The submit event that starts this round, as the workflow writes it.
    workflow.transitions.record_event(
        revision, "submit", State.DRAFT, State.SUBMITTED, cast["author"], "First."
    )
    workflow.start_review(revision, cast["checker"])
    revision.refresh_from_db()
    return revision


def audience(slug):
    return Audience.objects.get(slug=slug)


def record_both(revision, checker, **kwargs):
    for slug in ("patient", "caregiver"):
        workflow.record_assessment(revision, checker, audience(slug), ratings(**kwargs))


def test_the_patient_and_caregiver_texts_are_the_ones_checked():
    assert list(
        Audience.objects.filter(health_literacy_check=True).values_list("slug", flat=True)
    ) == ["patient", "caregiver"]


def test_the_assigned_reviewer_records_an_assessment_on_a_review_event(under_review, cast):
    revision = under_review
    event = workflow.record_assessment(
        revision, cast["checker"], audience("patient"), ratings(disagree=(15, 26)), "No timeline."
    )
    event = ReviewEvent.objects.get(pk=event.pk)
    assert (event.action, event.from_state, event.to_state) == (
        "pemat",
        "under_review",
        "under_review",
    )
    assert event.comment == "No timeline."
    recorded = event.details["pemat"]
    assert recorded["tool"] == "PEMAT-P"
    assert recorded["ratings"]["15"] == "disagree" and len(recorded["ratings"]) == 24
    assert recorded["understandability"] == {"agree": 16, "applicable": 17, "percent": 94.1}
    assert recorded["actionability"] == {"agree": 6, "applicable": 7, "percent": 85.7}
    assert event.details["audience"] == "patient"
    revision.refresh_from_db()
    assert revision.state == State.UNDER_REVIEW  # recording changes no state


@pytest.mark.parametrize(
    "who, words",
    [
        ("other", "Only the reviewer assigned to this revision can record the PEMAT-P check."),
        ("author", "Only medical reviewers can review revisions."),
    ],
)
def test_only_the_assigned_reviewer_records(under_review, cast, who, words):
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.record_assessment(under_review, cast[who], audience("patient"), ratings())
    assert str(refused.value) == words
    assert not under_review.events.filter(action="pemat").exists()


def test_incomplete_ratings_and_unchecked_texts_are_refused(under_review, cast):
    partial = ratings()
    del partial[20]
    with pytest.raises(workflow.TransitionError, match="not rated yet: 20"):
        workflow.record_assessment(under_review, cast["checker"], audience("patient"), partial)
    with pytest.raises(workflow.TransitionError, match="not checked with PEMAT-P"):
        workflow.record_assessment(under_review, cast["checker"], audience("student"), ratings())
    assert not under_review.events.filter(action="pemat").exists()


# The approval gate


def test_approving_without_an_assessment_is_refused_unless_a_reason_is_written(under_review, cast):
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.approve(under_review, cast["checker"], attested=True)
    assert str(refused.value).startswith(
        "The patient text has no PEMAT-P check recorded since it was submitted. The caregiver "
        "text has no PEMAT-P check recorded since it was submitted."
    )
    under_review.refresh_from_db()
    assert under_review.state == State.UNDER_REVIEW

    workflow.approve(under_review, cast["checker"], attested=True, pemat_reason="Rated on paper.")
    event = under_review.events.get(action="approve")
    assert event.details["pemat_override"] == "Rated on paper."
    assert event.details["pemat"]["patient"]["event_id"] is None


def test_approving_with_both_scores_at_70_or_more_needs_no_reason(under_review, cast):
    # 12 of 17 understandability items (70.6 %), every actionability item agreed.
    record_both(under_review, cast["checker"], disagree=(2, 4, 5, 15, 19))
    workflow.approve(under_review, cast["checker"], attested=True)
    under_review.refresh_from_db()
    assert under_review.state == State.APPROVED
    event = under_review.events.get(action="approve")
    assert event.details["pemat"]["patient"]["understandability"]["percent"] == 70.6
    assert "pemat_override" not in event.details


def test_a_score_under_70_is_refused_and_the_reason_overrides_it(under_review, cast):
    workflow.record_assessment(under_review, cast["checker"], audience("patient"), ratings())
    # Actionability: 20, 22, 23 disagreed, 24 and 25 not applicable -> 2 of 5 = 40 %.
    low = ratings(disagree=(20, 22, 23), not_applicable=(24, 25))
    workflow.record_assessment(under_review, cast["checker"], audience("caregiver"), low)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.approve(under_review, cast["checker"], attested=True, pemat_reason="   ")
    assert str(refused.value).startswith(
        "The caregiver text scores actionability 40 % on PEMAT-P, under 70 %."
    )
    assert "write why you approve it as it is" in str(refused.value)

    workflow.approve(
        under_review, cast["checker"], attested=True, pemat_reason="The steps are on the leaflet."
    )
    event = under_review.events.get(action="approve")
    assert event.details["pemat"]["caregiver"]["actionability"] == {
        "agree": 2,
        "applicable": 5,
        "percent": 40.0,
    }
    assert event.details["pemat_override"] == "The steps are on the leaflet."


def test_the_latest_assessment_counts_and_none_from_before_the_last_submission(under_review, cast):
    low = ratings(disagree=(20, 21, 22))
    record_both(under_review, cast["checker"], disagree=(20, 21, 22))
    assert workflow.approval_check(under_review)[0]  # 4 of 7: refused
    record_both(under_review, cast["checker"])  # rated again: the latest counts
    assert workflow.approval_check(under_review)[0] == ""

    # Sent back and submitted again: the editor may have changed the texts.
    workflow.request_changes(under_review, cast["checker"], "Shorten it.")
    workflow.submit(under_review, cast["author"], "Shorter.")
    workflow.start_review(under_review, cast["checker"])
    refused, details = workflow.approval_check(under_review)
    assert "The patient text has no PEMAT-P check recorded since it was submitted." in refused
    assert details["pemat"]["patient"]["event_id"] is None
    assert low  # the earlier rounds stay in the history
    assert under_review.events.filter(action="pemat").count() == 4


# The review page


def review_url(revision):
    return reverse("admin:articles_revision_review", args=[revision.pk])


def pemat_url(revision, slug):
    return reverse("admin:articles_revision_pemat", args=[revision.pk, slug])


def posted(rated, note=""):
    return {
        **{f"item-{number}": rating for number, rating in rated.items()},
        "note": note,
        "expected_state": State.UNDER_REVIEW,
    }


def test_the_review_page_has_the_items_for_the_patient_and_caregiver_texts(
    client, under_review, cast
):
    client.force_login(cast["checker"])
    response = client.get(review_url(under_review))
    html = response.content.decode()
    text = said(response)
    assert "Health literacy: PEMAT-P" in text
    assert html.count('action="' + pemat_url(under_review, "patient") + '"') == 1
    assert html.count('action="' + pemat_url(under_review, "caregiver") + '"') == 1
    assert pemat_url(under_review, "student") not in html
    # 24 items per text, each Agree / Disagree, Not applicable only where allowed.
    assert html.count('name="item-1" value="agree"') == 2
    assert html.count('name="item-1" value="na"') == 0
    assert html.count('name="item-6" value="na"') == 2
    assert (
        "6. Its numbers are clear and easy to follow. "
        "(Not applicable when the text has no numbers.)"
    ) in text
    assert "Not rated since this revision was submitted." in text
    # Approving: the reason box, with what is missing.
    assert 'name="pemat_reason"' in html
    assert "The patient text has no PEMAT-P check recorded" in text.split("Your decision")[1]


def test_recording_from_the_page_shows_both_percentages_and_the_history(client, under_review, cast):
    client.force_login(cast["checker"])
    rated = ratings(disagree=(2, 15, 26), not_applicable=(18, 24))
    response = client.post(pemat_url(under_review, "patient"), posted(rated, "Add a timeline."))
    assert response["Location"] == review_url(under_review) + "#pemat-patient"
    page = client.get(response["Location"])
    text = said(page)
    assert (
        "PEMAT-P check of the patient text recorded: understandability 87.5 % (14 of 16), "
        "actionability 83.3 % (5 of 6)."
    ) in text
    assert "Understandability 87.5 % (14 of 16 items) · Actionability 83.3 % (5 of 6 items)" in text
    timeline = text.split("Timeline", 1)[1]
    assert "Health-literacy check (PEMAT-P) recorded" in timeline
    assert (
        "The patient text: understandability 87.5 % (14 of 16 items), actionability 83.3 % "
        "(5 of 6 items)."
    ) in timeline
    assert "Add a timeline." in timeline
    # The form shows the ratings that count now, to change them.
    html = page.content.decode()
    assert 'name="item-2" value="disagree" required checked' in html


def test_a_refused_recording_keeps_what_was_chosen(client, under_review, cast):
    client.force_login(cast["checker"])
    partial = ratings(disagree=(3,))
    del partial[11]
    response = client.post(pemat_url(under_review, "caregiver"), posted(partial, "Draft note"))
    page = landed(client, response)
    assert page.status_code == 400
    html = page.content.decode()
    assert "Rate every item; not rated yet: 11." in said(page)
    assert 'id="pemat-caregiver-error" tabindex="-1" autofocus' in html
    assert 'name="item-3" value="disagree" required checked' in html
    assert "Draft note</textarea>" in html
    assert not under_review.events.filter(action="pemat").exists()
    assert client.get(review_url(under_review)).status_code == 200  # shown once


def test_someone_else_cannot_record_from_the_page(client, under_review, cast):
    client.force_login(cast["other"])
    page = client.get(review_url(under_review))
    assert pemat_url(under_review, "patient") not in page.content.decode()
    refused = landed(client, client.post(pemat_url(under_review, "patient"), posted(ratings())))
    assert refused.status_code == 400
    assert "Only the reviewer assigned" in said(refused)
    assert not under_review.events.filter(action="pemat").exists()


def test_the_confirmation_refuses_without_a_reason_and_carries_it_when_given(
    client, under_review, cast
):
    client.force_login(cast["checker"])
    approve_url = reverse("admin:articles_revision_approve", args=[under_review.pk])
    page = landed(client, client.post(approve_url, {"attested": "yes", "comment": "Fine."}))
    assert page.status_code == 400
    assert "The patient text has no PEMAT-P check recorded" in said(page)
    assert "Fine.</textarea>" in page.content.decode()

    confirm = client.post(
        approve_url,
        {"attested": "yes", "comment": "Fine.", "pemat_reason": "Rated <b>on</b> paper."},
    )
    assert confirm.status_code == 200
    text = said(confirm)
    assert "the patient text: not rated" in text
    assert "You approve it as it is, for this reason (recorded with your approval): Rated" in text
    assert "Rated &lt;b&gt;on&lt;/b&gt; paper.</p>" in confirm.content.decode()
    assert (
        'name="pemat_reason" value="Rated &lt;b&gt;on&lt;/b&gt; paper."' in confirm.content.decode()
    )
    done = client.post(
        reverse("admin:articles_revision_act", args=[under_review.pk]),
        {
            "action": "approve",
            "attested": "yes",
            "expected_state": State.UNDER_REVIEW,
            "pemat_reason": "Rated <b>on</b> paper.",
        },
    )
    timeline = said(landed(client, done)).split("Timeline", 1)[1]
    assert "PEMAT-P: patient text not rated; caregiver text not rated." in timeline
    assert "The reviewer's reason: Rated &lt;b&gt;on&lt;/b&gt; paper." in timeline


def test_passing_scores_need_no_reason_on_the_page(client, under_review, cast):
    record_both(under_review, cast["checker"])
    client.force_login(cast["checker"])
    html = client.get(review_url(under_review)).content.decode()
    assert 'name="pemat_reason"' not in html
    approve_url = reverse("admin:articles_revision_approve", args=[under_review.pk])
    confirm = client.post(approve_url, {"attested": "yes"})
    assert "the patient text: understandability 100 %, actionability 100 %" in said(confirm)


def test_the_review_page_costs_no_query_per_text_or_assessment(
    client, under_review, cast, django_assert_max_num_queries
):
    client.force_login(cast["checker"])
    client.get(review_url(under_review))  # sessions, permissions: warm
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(review_url(under_review))
    for _ in range(3):
        record_both(under_review, cast["checker"])
    with django_assert_max_num_queries(len(before)):
        client.get(review_url(under_review))


# Listed per article in the admin


def test_each_article_lists_its_assessments_in_the_admin(client, under_review, cast):
    admin = editor(email="boss@example.com", is_superuser=True)
    workflow.record_assessment(
        under_review, cast["checker"], audience("patient"), ratings(disagree=(20, 21, 22))
    )
    client.force_login(admin)
    listing = said(client.get(reverse("admin:articles_article_changelist")))
    assert "PEMAT-P (latest)" in listing
    assert (
        "Patient (revision 1): understandability 100 %, actionability 57.1 % (under 70 %)"
        in listing
    )
    assert "Caregiver: not rated" in listing
    change = said(
        client.get(reverse("admin:articles_article_change", args=[under_review.article_id]))
    )
    section = change.split("Health-literacy checks (PEMAT-P)", 1)[1]
    assert "Revision 1 Patient 100 % (17 of 17) 57.1 % (4 of 7) under 70 %" in section
    assert "Dr. Rowan Reviewer, MD, FAAD" in section


def test_the_article_list_costs_the_same_for_many_articles(
    client, cast, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = editor(email="boss@example.com", is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:articles_article_changelist")
    revision_with_content(sources=[SourceFactory()])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        revision_with_content(sources=[SourceFactory()])
    with django_assert_max_num_queries(len(one)):
        client.get(url)


# The demo review (point 4)


def test_the_demo_review_rates_the_main_patient_text_and_leaves_it_unapproved(demo_article):
    revision = demo_article.shown_revision()
    assert revision.state == State.UNDER_REVIEW
    checks = {check.audience.slug: check for check in workflow.text_checks(revision)}
    patient = checks["patient"]
    scores = patient.scores
    # 13 of 16 understandability items (18 not applicable), 5 of 6 actionability (24).
    assert (scores["understandability"].agree, scores["understandability"].applicable) == (13, 16)
    assert (scores["actionability"].agree, scores["actionability"].applicable) == (5, 6)
    assert patient.passes
    assert patient.event.actor_name == "Dr. Demo Reviewer"
    assert "timeline" in patient.event.comment
    assert checks["caregiver"].event is None  # not rated yet: approving needs it, or a reason
    refused, _ = workflow.approval_check(revision)
    assert refused.startswith("The caregiver text has no PEMAT-P check recorded")
    # Only the main article was rated.
    others = Article.objects.exclude(pk=demo_article.pk)
    assert not ReviewEvent.objects.filter(revision__article__in=others, action="pemat").exists()
