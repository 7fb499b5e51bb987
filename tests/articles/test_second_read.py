"""A second read of the "fixes from a second read" release, asserting what people see: withdrawing
a draft, re-checks that saw every change, stale source-change forms, article admin saves racing an
approval, pages that read the shown revision, one notice per source, links refused at save,
holders who lost the reviewer role, and the upgrade that leaves one revision in progress."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from articles import workflow
from articles.models import Article, ReviewEvent, Revision, SavedArticle, SourceVersion
from articles.models.article import add_months
from articles.source_changes import record_source_change
from tests.articles.source_helpers import (
    GUIDELINE_NAME,
    OLD_DOI,
    approved,
    long_date,
    new_edition,
)
from tests.factories import (
    REVIEWERS,
    SourceFactory,
    UserFactory,
    editor,
    reviewer,
    revision_with_content,
)
from tests.pages import landed, said

pytestmark = pytest.mark.django_db
State = Revision.State
Change = SourceVersion.Change

NEW_DOI = "10.1016/j.jaad.2024.01.001"


def approve_new_revision(article, people, **content):
    """Start the article's next revision, give it `content` (title, summary), and approve it."""
    draft = workflow.start_revision(article, people["author"])
    for name, value in content.items():
        setattr(draft, name, value)
    if content:
        draft.save(update_fields=list(content))
    workflow.submit(draft, people["author"], "A clearer question.")
    workflow.start_review(draft, people["second_checker"])
    workflow.approve(
        draft,
        people["second_checker"],
        "Checked again.",
        attested=True,
        pemat_reason="Not rated in this test.",
    )
    draft.refresh_from_db()
    return draft


def _value(field):
    value = field.value()
    return "" if value is None else value


def change_form_data(response):
    """What an admin change form posts as it was loaded: every field, and its inlines'."""
    form = response.context["adminform"].form
    data = {form.add_prefix(name): _value(form[name]) for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        for each in [inline.formset.management_form, *inline.formset.forms]:
            for name in each.fields:
                value = _value(each[name])
                if value is not False:  # an unticked checkbox posts nothing
                    data[each.add_prefix(name)] = value
    data["_save"] = "Save"
    return data


def plain_form_data(form):
    return {form.add_prefix(name): _value(form[name]) for name in form.fields}


def review_page(client, revision):
    return client.get(reverse("admin:articles_revision_review", args=[revision.pk]))


def act(client, revision, **data):
    return client.post(reverse("admin:articles_revision_act", args=[revision.pk]), data)


def notices(response):
    """The re-check notices at the top of the public page, as readers read them."""
    html = response.content.decode()
    found = re.findall(r'<div class="notice notice-caution notice-recheck".*?</div>', html, re.S)
    return [
        re.sub(r" ([.,;:)])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", n).split())) for n in found
    ]


# 1. Withdraw. ---------------------------------------------------------------------------------

WITHDRAW_REASON = "We will answer this with a new article instead."


def test_an_editor_withdraws_a_draft_and_the_article_is_free_again(client, people):
    live = approved(people, title="Is low-dose isotretinoin enough?", summary="Often, yes.")
    article = live.article
    draft = workflow.start_revision(article, people["author"])
    draft.title = "A rewrite nobody should read?"
    draft.summary = "Unreviewed words."
    draft.save(update_fields=["title", "summary"])

    workflow.withdraw(draft, people["author"], f"  {WITHDRAW_REASON}  ", expected_state=State.DRAFT)

    draft.refresh_from_db()
    assert (draft.state, draft.get_state_display()) == (State.WITHDRAWN, "Withdrawn")
    event = draft.events.last()
    assert (event.action, event.from_state, event.to_state) == ("withdraw", "draft", "withdrawn")
    assert event.comment == WITHDRAW_REASON and event.actor == people["author"]
    assert workflow.replay(draft.events.all()) == "withdrawn"
    assert article.open_revision() is None

    # Readers never see it: the page and the index keep the approved words.
    for url in (article.get_absolute_url(), reverse("articles:list")):
        text = said(client.get(url))
        assert "Is low-dose isotretinoin enough?" in text
        assert "A rewrite nobody should read?" not in text and "Unreviewed words." not in text

    # The article takes a new revision, copied from the live one, not the withdrawn one.
    third = workflow.start_revision(article, people["author"])
    assert third.number == 3 and third.state == State.DRAFT
    assert third.copied_from == live and third.title == "Is low-dose isotretinoin enough?"


def test_a_withdrawn_first_draft_never_makes_the_article_public(client, people):
    draft = revision_with_content(author=people["author"], title="A first draft?")
    article = draft.article
    workflow.withdraw(draft, people["author"], WITHDRAW_REASON)
    assert not Article.objects.public().filter(pk=article.pk).exists()
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(f"{article.get_absolute_url()}?revision=1").status_code == 404
    assert "A first draft?" not in said(client.get(reverse("articles:list")))
    again = workflow.start_revision(article, people["author"])
    assert (again.number, again.state) == (2, State.DRAFT)
    assert again.title == "A first draft?"  # the words are not lost


@pytest.mark.parametrize(
    ("state", "who", "comment", "message"),
    [
        (State.DRAFT, "author", "", "Say why you withdraw this revision"),
        (State.DRAFT, "author", "   ", "Say why you withdraw this revision"),
        (State.DRAFT, "checker", WITHDRAW_REASON, "Only editors can withdraw a revision."),
        (
            State.SUBMITTED,
            "author",
            WITHDRAW_REASON,
            "“Withdraw this revision” is not possible: revision 1 is submitted.",
        ),
        (
            State.UNDER_REVIEW,
            "author",
            WITHDRAW_REASON,
            "“Withdraw this revision” is not possible: revision 1 is under review.",
        ),
        (
            State.APPROVED,
            "author",
            WITHDRAW_REASON,
            "“Withdraw this revision” is not possible: revision 1 is approved.",
        ),
    ],
    ids=["no-reason", "blank-reason", "reviewer-only", "submitted", "under-review", "approved"],
)
def test_withdrawing_is_refused(people, state, who, comment, message):
    revision = revision_with_content(author=people["author"], state=state)
    with pytest.raises(workflow.TransitionError, match=re.escape(message)):
        workflow.withdraw(revision, people[who], comment)
    revision.refresh_from_db()
    assert revision.state == state
    assert not revision.events.filter(action="withdraw").exists()


def test_a_changes_requested_revision_can_be_withdrawn(client, people):
    live = approved(people, title="Is low-dose isotretinoin enough?")
    revision = workflow.start_revision(live.article, people["author"])
    workflow.submit(revision, people["author"], "New dosing.")
    workflow.start_review(revision, people["second_checker"])
    workflow.request_changes(revision, people["second_checker"], "Cite the trial.")
    workflow.withdraw(revision, people["author"], WITHDRAW_REASON)
    revision.refresh_from_db()
    assert revision.state == State.WITHDRAWN
    assert [e.action for e in revision.events.all()] == [
        "start",
        "submit",
        "start_review",
        "request_changes",
        "withdraw",
    ]
    assert workflow.replay(revision.events.all()) == "withdrawn"
    assert live.article.open_revision() is None
    assert live.article.shown_revision() == live
    assert client.get(f"{live.article.get_absolute_url()}?revision=2").status_code == 200
    assert "Not yet checked by a doctor" not in said(client.get(live.article.get_absolute_url()))


def test_withdraw_from_the_review_page(client, people):
    live = approved(people, title="Is low-dose isotretinoin enough?")
    draft = workflow.start_revision(live.article, people["author"])

    client.force_login(people["checker"])  # reviewers are not offered it
    assert 'value="withdraw"' not in review_page(client, draft).content.decode()

    client.force_login(people["author"])
    page = review_page(client, draft)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="withdraw"' in html, "the review page offers no Withdraw button"
    assert "Withdraw this revision" in said(page)

    refused = landed(
        client, act(client, draft, action="withdraw", comment=" ", expected_state="draft")
    )
    assert refused.status_code == 400
    assert "Say why you withdraw this revision; it stays in the audit trail." in said(refused)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT

    done = act(client, draft, action="withdraw", comment=WITHDRAW_REASON, expected_state="draft")
    assert done.status_code == 302
    shown = client.get(done["Location"])
    assert "Withdraw this revision: revision 2 is now Withdrawn." in said(shown)
    timeline = said(shown).split("Timeline", 1)[1]
    assert "(Draft → Withdrawn)" in timeline and WITHDRAW_REASON in timeline
    assert 'value="withdraw"' not in shown.content.decode()  # nothing left to withdraw
    draft.refresh_from_db()
    assert draft.state == State.WITHDRAWN
    assert workflow.replay(draft.events.all()) == "withdrawn"


def test_a_submitted_revision_page_offers_no_withdraw(client, people):
    submitted = revision_with_content(author=people["author"], state=State.SUBMITTED)
    client.force_login(people["author"])
    assert 'value="withdraw"' not in review_page(client, submitted).content.decode()
    response = landed(client, act(client, submitted, action="withdraw", comment=WITHDRAW_REASON))
    assert response.status_code == 400
    assert "“Withdraw this revision” is not possible: revision 1 is submitted." in said(response)


def test_the_timeline_names_a_withdrawal_in_words(client, people):
    draft = revision_with_content(author=people["author"])
    workflow.withdraw(draft, people["author"], WITHDRAW_REASON)
    assert draft.events.get(action="withdraw").action_label != "withdraw"
    client.force_login(people["author"])
    timeline = said(review_page(client, draft)).split("Timeline", 1)[1]
    assert ": withdraw (Draft → Withdrawn)" not in timeline


# 2. Still accurate, posted with what the page showed. ------------------------------------------


def _flagged(people, guideline):
    live = approved(people, [guideline])
    new_edition(guideline, people["recorder"])
    live.refresh_from_db()
    assert live.needs_recheck
    return live


def _assert_not_recorded(live):
    live.refresh_from_db()
    assert live.needs_recheck and live.rechecked_at is None
    assert not live.events.filter(action="still_accurate").exists()
    assert live.citations.get().version.number == 1


STALE_WORDS = (
    "Another source change was recorded after your page was loaded. Nothing was recorded: read "
    "the changes below, then check the article again."
)


def test_still_accurate_with_an_empty_seen_is_a_conflict(client, people, guideline):
    live = _flagged(people, guideline)
    client.force_login(people["second_checker"])
    response = landed(
        client,
        act(
            client,
            live,
            action="still_accurate",
            comment="Dosing unchanged.",
            expected_state="approved",
            seen="",
        ),
    )
    assert response.status_code == 409
    assert STALE_WORDS in said(response)
    assert "Dosing unchanged." in response.content.decode()  # what they typed is kept
    _assert_not_recorded(live)


def test_still_accurate_with_no_seen_field_is_a_conflict(client, people, guideline):
    live = _flagged(people, guideline)
    client.force_login(people["second_checker"])
    response = landed(
        client,
        act(
            client,
            live,
            action="still_accurate",
            comment="Dosing unchanged.",
            expected_state="approved",
        ),
    )
    assert response.status_code == 409
    assert STALE_WORDS in said(response)
    _assert_not_recorded(live)


def test_still_accurate_with_the_seen_the_page_showed_is_recorded(client, people, guideline):
    live = _flagged(people, guideline)
    client.force_login(people["second_checker"])
    page = review_page(client, live)
    [seen] = re.findall(r'name="seen" value="(\d+)"', page.content.decode())
    assert int(seen) == live.recheck_reasons()[-1].pk
    response = act(
        client,
        live,
        action="still_accurate",
        comment="Dosing unchanged.",
        expected_state="approved",
        seen=seen,
    )
    assert response.status_code == 302
    assert "Still accurate: no change needed: revision 1 is now Approved." in said(
        client.get(response["Location"])
    )
    live.refresh_from_db()
    assert not live.needs_recheck and live.citations.get().version.number == 2
    assert live.events.filter(action="still_accurate").count() == 1


# 3. A stale record-change form. ------------------------------------------------------------------

TYPED_NOTE = "AAD posted the 2026 update on its site; the dosing section was rewritten."


def record_url(source, kind="new-edition"):
    return reverse("admin:articles_source_record", args=[source.pk, kind])


def test_a_stale_new_edition_form_is_refused_and_starts_again_from_the_source(
    client, people, guideline
):
    live = approved(people, [guideline])
    client.force_login(people["recorder"])
    url = record_url(guideline)
    loaded = client.get(url)
    data = plain_form_data(loaded.context["form"])
    assert str(data["seen_version"]) == "1" and data["doi"] == OLD_DOI

    # Meanwhile a colleague corrects the DOI.
    record_source_change(
        guideline,
        people["corrector"],
        Change.CORRECTION,
        "DOI as the publisher lists it.",
        doi=NEW_DOI,
    )

    data.update(edition="2026 update", published_on="2026-03-01", note=TYPED_NOTE)
    response = client.post(url, data)
    assert response.status_code == 409
    text = said(response)
    assert (
        "Cory Corrector recorded another change to this source meanwhile (corrected details, "
        "version 2). Nothing was recorded: check the source as it is now, then record yours."
    ) in text
    guideline.refresh_from_db()
    assert guideline.doi == NEW_DOI and guideline.edition == "2024 edition"
    assert list(guideline.versions.values_list("number", flat=True).order_by("number")) == [1, 2]
    assert live.events.filter(action="source_changed").count() == 1

    # The form shows the source as it is now, keeps the note, and knows version 2.
    form = response.context["form"]
    assert form["doi"].value() == NEW_DOI
    assert form["edition"].value() == "2024 edition"
    assert form["seen_version"].value() == 2
    html = response.content.decode()
    assert f'value="{NEW_DOI}"' in html and f'value="{OLD_DOI}"' not in html
    assert TYPED_NOTE in html

    # Sent again from there, it is recorded and keeps the correction.
    again = plain_form_data(form)
    again.update(edition="2026 update", published_on="2026-03-01")
    assert again["note"] == TYPED_NOTE
    recorded = client.post(url, again)
    assert recorded.status_code == 302
    guideline.refresh_from_db()
    assert (guideline.doi, guideline.edition) == (NEW_DOI, "2026 update")
    third = guideline.versions.get(number=3)
    assert (third.doi, third.edition, third.note) == (NEW_DOI, "2026 update", TYPED_NOTE)


def test_a_new_edition_sends_only_the_edition_and_its_date(client, people, guideline, monkeypatch):
    import articles.admin.sources as source_admin

    live = approved(people, [guideline])
    record_source_change(
        guideline, people["corrector"], Change.CORRECTION, "DOI fixed.", doi=NEW_DOI
    )
    sent = []

    def spy(*args, **kwargs):
        sent.append(kwargs)
        return record_source_change(*args, **kwargs)

    monkeypatch.setattr(source_admin, "record_source_change", spy)
    client.force_login(people["recorder"])
    url = record_url(guideline)
    data = plain_form_data(client.get(url).context["form"])
    data.update(edition="2026 update", published_on="2026-03-01", note=TYPED_NOTE)
    response = client.post(url, data)
    assert response.status_code == 302
    [kwargs] = sent
    printed = set(kwargs) - {"seen_version", "happened_on"}
    assert printed == {"edition", "published_on"}
    guideline.refresh_from_db()
    assert guideline.doi == NEW_DOI
    assert guideline.versions.get(number=3).doi == NEW_DOI
    # The reviewer is shown exactly what this change changed.
    client.force_login(people["second_checker"])
    flagged = said(review_page(client, live)).split("Flagged for a re-check", 1)[1]
    newest = flagged.split("new edition, recorded", 1)[1].split("Either record below", 1)[0]
    assert "Edition 2024 edition 2026 update" in newest
    assert "DOI" not in newest


def test_a_stale_form_without_seen_version_does_not_undo_a_correction(client, people, guideline):
    client.force_login(people["recorder"])
    url = record_url(guideline)
    data = plain_form_data(client.get(url).context["form"])
    record_source_change(
        guideline, people["corrector"], Change.CORRECTION, "DOI fixed.", doi=NEW_DOI
    )
    data.update(edition="2026 update", published_on="2026-03-01", note=TYPED_NOTE)
    data.pop("seen_version")
    client.post(url, data)
    guideline.refresh_from_db()
    assert guideline.doi == NEW_DOI


# 4. An article admin form loaded before an approval. ------------------------------------------


OLD_TITLE = "Is low-dose isotretinoin enough?"
NEW_TITLE = "Is micro-dose isotretinoin enough for moderate acne?"


def _index_titles(client):
    response = client.get(reverse("articles:list"))
    return re.findall(r"<h2><a [^>]*>(.*?)</a></h2>", response.content.decode())


def test_an_editors_stale_article_form_keeps_the_newly_approved_title(client, people):
    live = approved(people, title=OLD_TITLE)
    article = live.article
    client.force_login(people["recorder"])  # an editor, not the author
    url = reverse("admin:articles_article_change", args=[article.pk])
    loaded = client.get(url)
    data = change_form_data(loaded)
    assert "title" not in loaded.context["adminform"].form.fields
    assert data["slug"] == article.slug

    approve_new_revision(article, people, title=NEW_TITLE)
    assert Article.objects.get(pk=article.pk).title == NEW_TITLE

    response = client.post(url, data)
    assert response.status_code == 302, said(response)[:500]
    assert Article.objects.get(pk=article.pk).title == NEW_TITLE
    client.logout()
    assert _index_titles(client) == [NEW_TITLE]
    client.force_login(people["recorder"])
    changelist = said(client.get(reverse("admin:articles_article_changelist")))
    assert NEW_TITLE in changelist and OLD_TITLE not in changelist


def test_a_stale_first_draft_form_does_not_write_its_old_title_back(client, people):
    """Loaded while the title was editable (a first draft), posted after the approval."""
    draft = revision_with_content(author=people["author"], title=OLD_TITLE)
    article = draft.article
    Article.objects.filter(pk=article.pk).update(title=OLD_TITLE)
    client.force_login(people["recorder"])
    url = reverse("admin:articles_article_change", args=[article.pk])
    loaded = client.get(url)
    assert "title" in loaded.context["adminform"].form.fields
    data = change_form_data(loaded)
    assert data["title"] == OLD_TITLE

    draft.title = NEW_TITLE
    draft.save(update_fields=["title"])
    workflow.submit(draft, people["author"], "First version.")
    workflow.start_review(draft, people["checker"])
    workflow.approve(
        draft, people["checker"], attested=True, pemat_reason="Not rated in this test."
    )

    response = client.post(url, data)
    assert response.status_code == 302, said(response)[:500]
    assert Article.objects.get(pk=article.pk).title == NEW_TITLE
    client.logout()
    assert _index_titles(client) == [NEW_TITLE]


def test_a_reviewers_stale_interval_form_keeps_the_new_title_and_moves_the_due_date(client, people):
    live = approved(people, title=OLD_TITLE)
    article = live.article
    interval_setter = reviewer(email="interval@example.com", display_name="Dr. Ivy Interval")
    client.force_login(interval_setter)
    url = reverse("admin:articles_article_change", args=[article.pk])
    loaded = client.get(url)
    assert set(loaded.context["adminform"].form.fields) == {"review_interval_months"}
    data = change_form_data(loaded)

    newer = approve_new_revision(article, people, title=NEW_TITLE)

    data["review_interval_months"] = "6"
    response = client.post(url, data)
    assert response.status_code == 302, said(response)[:500]
    article.refresh_from_db()
    assert (article.title, article.review_interval_months) == (NEW_TITLE, 6)
    newer.refresh_from_db()
    assert newer.review_due_at.date() == add_months(newer.approved_at, 6).date()
    client.logout()
    assert _index_titles(client) == [NEW_TITLE]
    assert f"<h1>{NEW_TITLE}</h1>" in client.get(article.get_absolute_url()).content.decode()


# 5. The index and the saved list read the shown revision. --------------------------------------


@pytest.mark.parametrize("shown_state", [State.APPROVED, State.SUBMITTED])
def test_index_and_saved_list_read_the_shown_revision_not_the_cache(client, people, shown_state):
    fields = {"title": "Does the shown revision win?", "summary": "Yes: readers see it."}
    if shown_state == State.APPROVED:
        shown = approved(people, **fields)
    else:
        shown = revision_with_content(author=people["author"], state=State.SUBMITTED, **fields)
    article = shown.article
    Article.objects.filter(pk=article.pk).update(
        title="A stale cached title", summary="A stale cached summary."
    )

    index = client.get(reverse("articles:list"))
    text = said(index)
    assert "Does the shown revision win?" in text and "Yes: readers see it." in text
    assert "stale cached" not in index.content.decode()

    reader = UserFactory(email="reader@example.com")
    SavedArticle.objects.create(user=reader, article=article)
    client.force_login(reader)
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 200
    saved = said(home).split("Saved articles", 1)[1].split("Settings", 1)[0]
    assert "Does the shown revision win?" in saved
    assert "stale cached" not in home.content.decode()


# 6. Re-check notices: one per source, named as readers knew it. ---------------------------------


def test_two_changes_to_one_source_make_one_notice_the_newest(client, people, guideline):
    live = approved(people, [guideline])
    record_source_change(
        guideline, people["recorder"], Change.CORRECTION, "Pages fixed.", pages="1006.e1-e31"
    )
    new_edition(guideline, people["recorder"])
    live.refresh_from_db()
    assert len(live.recheck_reasons()) == 2
    shown = notices(client.get(live.article.get_absolute_url()))
    assert shown == [
        f"The {GUIDELINE_NAME} this article relies on was updated on March 1, 2026. Our medical "
        "reviewers are checking this article."
    ]

    # A second source changing adds its own notice.
    trial = SourceFactory(short_name="the LOW-DOSE trial")
    both = approved(people, [guideline, trial])
    new_edition(guideline, people["recorder"], edition="2026 focused update")
    record_source_change(trial, people["recorder"], Change.CORRECTION, "Pages.", pages="1-12")
    shown = notices(client.get(both.article.get_absolute_url()))
    assert len(shown) == 2
    assert any(GUIDELINE_NAME in n for n in shown) and any("LOW-DOSE" in n for n in shown)


APPROVED_TITLE = "Low-dose isotretinoin for moderate acne"
CORRECTED_TITLE = "Isotretinoin is safe in pregnancy"


def test_a_source_without_a_short_name_is_named_by_its_approved_title(client, people):
    trial = SourceFactory(short_name="", title=APPROVED_TITLE)
    live = approved(people, [trial])
    recorded = record_source_change(
        trial, people["recorder"], Change.CORRECTION, "Title as printed.", title=CORRECTED_TITLE
    )[0]
    response = client.get(live.article.get_absolute_url())
    day = long_date(recorded.recorded_at.date())
    assert notices(response) == [
        f"A source this article relies on (“{APPROVED_TITLE}”) was updated on {day}. Our "
        "medical reviewers are checking this article."
    ]
    assert "safe in pregnancy" not in response.content.decode()


def test_a_later_change_never_names_the_source_by_a_corrected_title(client, people):
    trial = SourceFactory(short_name="", title=APPROVED_TITLE)
    live = approved(people, [trial])
    record_source_change(
        trial, people["recorder"], Change.CORRECTION, "Title as printed.", title=CORRECTED_TITLE
    )
    record_source_change(trial, people["recorder"], Change.CORRECTION, "Pages.", pages="1-12")
    response = client.get(live.article.get_absolute_url())
    [notice] = notices(response)
    assert f"(“{APPROVED_TITLE}”)" in notice
    assert "safe in pregnancy" not in response.content.decode()


# 7. Links the sanitizer would drop are refused at save. ----------------------------------------


@pytest.mark.parametrize(
    ("markdown", "address"),
    [
        ("Read [our page](/about).", "/about"),
        ('Click <a href="javascript:alert(1)">x</a>.', "javascript:alert(1)"),
        ("See [the list][1].\n\n[1]: ftp://example.org/list", "ftp://example.org/list"),
    ],
    ids=["relative", "javascript", "reference-style-ftp"],
)
def test_a_variant_with_a_link_readers_would_lose_is_refused(people, markdown, address):
    draft = revision_with_content(author=people["author"])
    variant = draft.variants.get(audience__slug="patient")
    variant.body_markdown = markdown
    with pytest.raises(ValidationError) as refused:
        variant.full_clean()
    [message] = refused.value.message_dict["body_markdown"]
    assert address in message
    assert "Links must start with https://, http:// or mailto:." in message


def test_an_unquoted_link_address_is_refused_too(people):
    draft = revision_with_content(author=people["author"])
    variant = draft.variants.get(audience__slug="patient")
    variant.body_markdown = "Read <a href=/about>our page</a>."
    with pytest.raises(ValidationError, match="/about"):
        variant.full_clean()


def test_https_mailto_and_citations_are_fine(people):
    draft = revision_with_content(author=people["author"], sources=[SourceFactory()])
    variant = draft.variants.get(audience__slug="patient")
    variant.body_markdown = (
        "See [the guideline](https://www.aad.org/acne), [an old page](http://example.org/a), "
        "write to [us](mailto:team@example.com), and read the trial [1]."
    )
    variant.full_clean()
    variant.save()
    assert 'href="https://www.aad.org/acne"' in variant.body_html
    assert 'href="mailto:team@example.com"' in variant.body_html
    assert 'href="#ref-1"' in variant.body_html


def test_the_revision_admin_refuses_a_link_readers_would_lose(client, people):
    draft = revision_with_content(
        author=people["author"], texts={"patient": "Low doses work well."}
    )
    client.force_login(people["author"])
    url = reverse("admin:articles_revision_change", args=[draft.pk])
    data = change_form_data(client.get(url))
    [key] = [k for k, v in data.items() if v == "Low doses work well."]
    data[key] = "Low doses work well; read [our page](/about)."
    response = client.post(url, data)
    assert response.status_code == 200
    text = said(response)
    assert "Readers would get these links without an address: /about." in text
    assert draft.variants.get(audience__slug="patient").body_markdown == "Low doses work well."

    data[key] = "Low doses work well; read [the guideline](https://www.aad.org/acne)."
    assert client.post(url, data).status_code == 302
    saved = draft.variants.get(audience__slug="patient")
    assert 'href="https://www.aad.org/acne"' in saved.body_html


# 8. A holder who lost the reviewer role. -------------------------------------------------------


@pytest.fixture
def held_by_a_former_reviewer(people):
    holder = reviewer(email="holder@example.com", display_name="Dr. Ana Holder")
    revision = revision_with_content(
        author=people["author"], state=State.SUBMITTED, title="Who reviews this now?"
    )
    workflow.start_review(revision, holder)
    assert revision not in Revision.objects.needing_reviewer()
    holder.groups.remove(Group.objects.get(name=REVIEWERS))
    holder.refresh_from_db()
    assert holder.is_active and holder.is_staff
    return revision, holder


def _row(response, revision):
    change = reverse("admin:articles_revision_change", args=[revision.pk])
    for row in re.findall(r"<tr\b.*?</tr>", response.content.decode(), re.S):
        if f'href="{change}' in row:
            return " ".join(re.sub(r"<[^>]+>", " ", row).split())
    return None


def test_a_review_held_by_someone_no_longer_a_reviewer_needs_a_reviewer(
    client, people, held_by_a_former_reviewer
):
    revision, holder = held_by_a_former_reviewer
    revision.refresh_from_db()
    assert revision.assigned_reviewer == holder  # still holds it...
    assert revision in Revision.objects.needing_reviewer()  # ...but nobody able to review does
    client.force_login(people["second_checker"])
    changelist = reverse("admin:articles_revision_changelist")
    for queue in ("needs_reviewer", "awaiting_me"):
        response = client.get(changelist, {"queue": queue})
        assert response.status_code == 200
        assert _row(response, revision) is not None, f"not in ?queue={queue}"


def test_the_queue_row_says_the_review_needs_a_reviewer(client, people, held_by_a_former_reviewer):
    revision, _ = held_by_a_former_reviewer
    client.force_login(people["second_checker"])
    response = client.get(
        reverse("admin:articles_revision_changelist"), {"queue": "needs_reviewer"}
    )
    assert "Needs a reviewer" in _row(response, revision)


# 9. The upgrade that leaves one revision in progress per article. -----------------------------

BEFORE = [("articles", "0008_frozen_references")]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_withdraws_extra_open_revisions():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE[0]).apps
        OldArticle = old.get_model("articles", "Article")
        OldRevision = old.get_model("articles", "Revision")
        article = OldArticle.objects.create(
            slug="one-open", title="One open revision?", summary="Before the upgrade."
        )
        other = OldArticle.objects.create(slug="untouched", title="Untouched?", summary="One.")
        for number, state in [(1, "approved"), (2, "draft"), (3, "under_review")]:
            OldRevision.objects.create(
                article=article,
                number=number,
                state=state,
                title=f"Revision {number}?",
                summary="Text.",
            )
        OldRevision.objects.create(
            article=other, number=1, state="draft", title="Lone draft?", summary="Text."
        )

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)  # leave the database at the head

    revisions = {r.number: r for r in Revision.objects.filter(article__slug="one-open")}
    assert revisions[1].state == State.APPROVED
    assert revisions[3].state == State.UNDER_REVIEW
    assert revisions[2].state == State.WITHDRAWN
    [event] = ReviewEvent.objects.filter(revision=revisions[2])
    assert (event.action, event.from_state, event.to_state) == ("withdraw", "draft", "withdrawn")
    assert "revision 3 goes on" in event.comment
    assert event.actor is None and event.actor_name
    assert not ReviewEvent.objects.filter(revision__in=[revisions[1], revisions[3]]).exists()
    assert Revision.objects.get(article__slug="untouched").state == State.DRAFT
    assert Article.objects.get(slug="one-open").open_revision() == revisions[3]
    # The constraint is in place: a second open revision is refused.
    editor_user = editor(email="after.upgrade@example.com")
    with pytest.raises(workflow.OpenRevisionExists, match="Revision 3 of this article"):
        workflow.start_revision(Article.objects.get(slug="one-open"), editor_user)
