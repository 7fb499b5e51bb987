"""The editor's page: a revision's change form with a live preview per text, what the sanitizer
removed, a source picker, "Save and submit for review", and no typed text ever lost."""

import html as entities
import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from articles import workflow
from articles.admin import editor as editor_page
from articles.models import Article, Revision
from articles.rendering import stripped_markup
from tests.articles.demo_staff import PASSWORD as DEMO_PASSWORD
from tests.articles.demo_staff import sign_in
from tests.factories import (
    TEST_TOTP_SECRET,
    SourceFactory,
    UserFactory,
    editor,
    reviewer,
    revision_with_content,
)
from tests.pages import said as said_raw

pytestmark = pytest.mark.django_db
State = Revision.State
XSS = (
    "## Dose\n\nLow doses [1].\n\n<script>alert('x')</script>\n\n"
    '<img src="x" onerror="alert(1)">\n\n[click me](javascript:alert(1))\n\n'
    '<p style="display:none" onclick="alert(2)">hidden?</p>'
)


@pytest.fixture
def author():
    return editor(email="writer@example.com")


@pytest.fixture
def draft(author):
    sources = [
        SourceFactory(key="aad", title="Guidelines of care for acne", short_name="AAD guideline"),
        SourceFactory(key="ema", title="Retinoid-containing medicinal products"),
    ]
    return revision_with_content(
        author=author,
        sources=sources,
        texts={"patient": "## Short answer\n\nLow doses work well [1]."},
    )


def said(response):
    """The visible text, entities read (a page escapes the names of removed tags)."""
    return entities.unescape(said_raw(response))


def change_url(revision):
    return reverse("admin:articles_revision_change", args=[revision.pk])


def preview_url(revision):
    return reverse("admin:articles_revision_preview", args=[revision.pk])


def form_data(response):
    """What the change form posts as it was loaded: every field, and its inlines'."""

    def value(bound):
        data = bound.value()
        return "" if data is None else data

    form = response.context["adminform"].form
    data = {form.add_prefix(name): value(form[name]) for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        for each in [inline.formset.management_form, *inline.formset.forms]:
            for name in each.fields:
                if value(each[name]) is not False:  # an unticked checkbox posts nothing
                    data[each.add_prefix(name)] = value(each[name])
    data["expected_state"] = response.context["original"].state  # a hidden input
    data["_save"] = "Save"
    return data


def patient_key(data):
    [key] = [k for k, v in data.items() if k.endswith("body_markdown") and "Low doses" in str(v)]
    return key


def htmx_preview(client, revision, text, name="variants-0-body_markdown"):
    """What htmx sends as the editor types: only this field (and the CSRF token)."""
    return client.post(
        preview_url(revision),
        {name: text},
        headers={"HX-Request": "true", "HX-Trigger-Name": name},
    )


# stripped_markup: what the sanitizer removed, in words. -----------------------------------------


def test_stripped_markup_names_what_the_sanitizer_removed():
    assert stripped_markup(XSS) == [
        "the <img> tag (an image)",
        "a <script> block and its content",
        "the link address javascript:…",
        "the onclick attribute on <p>",
        "the style attribute on <p>",
    ]
    assert stripped_markup("# Title\n\n    code\n\n<!-- note -->") == [
        "the <h1> tag (a # heading: use ## or ###)",
        "the <pre> tag (a code block)",
        "an HTML comment (<!-- … -->)",
    ]
    assert stripped_markup('Take [it](https://example.org/d "A lower dose is safe").') == [
        "the title attribute on <a>"
    ]
    assert stripped_markup("![a](https://x.org/a.png) ![b](https://x.org/b.png)") == [
        "the <img> tag (an image), 2 times"
    ]
    assert stripped_markup("See [our page](/about).") == ["the link address /about"]


def test_stripped_markup_is_empty_for_the_allowed_markdown():
    allowed = (
        "## Heading\n\n### Smaller\n\nA paragraph with **bold**, *italic* and "
        "[a link](https://example.org/) [1] or [2, 5].\n\n- one\n- two\n\n1. first\n2. second"
        "\n\n> a quote\n\nwrite to [us](mailto:team@example.com)"
    )
    assert stripped_markup(allowed) == []


# The preview endpoint. --------------------------------------------------------------------------


def test_the_preview_is_the_sanitized_text_and_an_xss_payload_is_inert(
    client, draft, author, django_assert_max_num_queries
):
    client.force_login(author)
    with django_assert_max_num_queries(8):
        response = htmx_preview(client, draft, XSS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>Dose</h2>" in html
    lowered = html.split("editor-preview-stripped")[0].lower()  # the text as readers get it
    for dangerous in ("<script", "<img", "onerror", "onclick", "javascript:alert", "style="):
        assert dangerous not in lowered, dangerous
    # The editor is told, in escaped words, what was removed.
    assert "Removed because readers' pages do not allow it:" in said(response)
    assert "the &lt;img&gt; tag (an image)" in html  # escaped
    assert "a <script> block and its content" in said(response)
    assert "the link address javascript:…" in said(response)
    assert "<!doctype" not in lowered  # a partial for htmx
    assert "HX-Request" in response["Vary"]


def test_the_preview_resolves_citations_and_flags_one_outside_the_list(client, draft, author):
    client.force_login(author)
    response = htmx_preview(client, draft, "Low doses [1] and more [2, 7].")
    text = said(response)
    assert "[1] Example A, Sample B (2020). Guidelines of care for acne" in text
    assert "[2] Example A, Sample B (2020). Retinoid-containing medicinal products" in text
    assert "[7] is not in the reference list, which has 2 references." in text
    html = response.content.decode()
    assert 'class="cite cite-missing" href="#ref-7"' in html
    assert 'aria-label="Reference 7: not in the reference list"' in html
    assert 'data-preview-summary="Preview: [7] not in the reference list."' in html
    # The previews carry no citation ids: several texts share the page.
    assert 'id="cite-' not in html


def test_without_htmx_the_preview_is_a_page_of_its_own(client, draft, author):
    client.force_login(author)
    response = client.post(preview_url(draft), {"text": "## Plain\n\nA post without htmx [1]."})
    assert response.status_code == 200
    assert "<h2>Plain</h2>" in response.content.decode()
    assert "Back to the revision (this page saved nothing)." in said(response)
    assert "HX-Request" in response["Vary"]


def test_only_editors_may_preview_and_only_by_post_with_csrf(client, draft, author):
    url = preview_url(draft)
    assert client.post(url, {"text": "x"}).status_code == 403  # signed out
    client.force_login(UserFactory(email="reader@example.com"))
    assert client.post(url, {"text": "x"}).status_code == 403
    client.force_login(reviewer(email="checks@example.com"))  # staff, no change permission
    response = client.post(url, {"text": "x"})
    assert response.status_code == 403
    assert "Only editors can preview" in said(response)
    client.force_login(author)
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(author)
    assert strict.post(url, {"text": "x"}).status_code == 403


def test_a_frozen_revisions_preview_is_refused_with_the_reason(client, draft, author):
    workflow.submit(draft, author, "Ready.")
    client.force_login(author)
    response = htmx_preview(client, draft, "## New words")
    assert response.status_code == 409
    assert "Revision 1 is submitted, so its content is frozen." in said(response)
    assert "New words" not in said(response)


def test_an_overlong_text_is_refused_in_words(client, draft, author):
    client.force_login(author)
    response = htmx_preview(client, draft, "a" * (editor_page.LONGEST_PREVIEW + 1))
    assert response.status_code == 400
    assert "This text is too long to preview" in said(response)


# The change form. -------------------------------------------------------------------------------


def test_the_change_form_shows_each_text_with_its_preview_and_the_allowed_markdown(
    client, draft, author
):
    client.force_login(author)
    response = client.get(change_url(draft))
    assert response.status_code == 200
    html = response.content.decode()
    # Four versions and two key facts, each with its preview, rendered already (no JavaScript),
    # and the blank version "Add another" copies.
    assert html.count("data-markdown-preview") == 7
    assert html.count('class="editor-preview"') == 7
    assert 'hx-params="csrfmiddlewaretoken,variants-__prefix__-body_markdown"' in html
    assert "Preview: the patient version, as readers see it" in html
    assert "<h2>Short answer</h2>" in html
    assert f'hx-post="{preview_url(draft)}"' in html
    assert 'hx-params="csrfmiddlewaretoken,variants-0-body_markdown,audience"' in html
    assert "Allowed Markdown: paragraphs, ## and ### headings, - and 1. lists, **bold**" in html
    # htmx 2 from django-htmx and the editor's script, under the CSP nonce.
    nonce = re.search(r'<script src="[^"]*htmx-2[^"]*"[^>]*nonce="([^"]+)"', html)
    assert nonce, "htmx without a nonce"
    assert "js/admin-editor.js" in html
    assert re.search(r"<noscript><p[^>]*>The previews show the text as last saved", html)
    assert '"includeIndicatorStyles": false' in html
    # Save, and submit from the same page.
    assert 'name="_submit_for_review"' in html and "Save and submit for review" in said(response)
    assert 'name="expected_state" value="draft"' in html
    # Every reference control is labelled; no empty column header.
    assert '<th class="original"></th>' not in html
    assert re.search(r'<label class="editor-cell-label" for="id_citations-0-source">', html)
    assert re.search(r'<th scope="col" class="column-delete">Remove</th>', html)


def test_the_change_form_takes_as_many_queries_for_ten_references_as_for_two(
    client, draft, author, django_assert_max_num_queries
):
    long = revision_with_content(author=author, sources=[SourceFactory() for _ in range(10)])
    client.force_login(author)
    with django_assert_max_num_queries(26):  # one is readers' questions' "Your work" counts
        response = client.get(change_url(long))
    assert response.status_code == 200
    html = response.content.decode()
    # One picker per reference row (the previews name the cited sources too).
    assert len(re.findall(r'id="id_citations-\d+-source"', html)) == 10
    with django_assert_max_num_queries(26):
        assert client.get(change_url(draft)).status_code == 200


def test_the_editor_sees_what_the_reviewer_asked_for(client, draft, author):
    checker = reviewer(email="asks@example.com")
    workflow.submit(draft, author, "Ready.")
    workflow.start_review(draft, checker)
    workflow.request_changes(draft, checker, "Cite the trial for the dose.")
    client.force_login(author)
    text = said(client.get(change_url(draft)))
    assert "What the medical reviewer asked you to change Cite the trial for the dose." in text


def test_a_frozen_revisions_form_has_no_previews_nor_submit(client, draft, author):
    workflow.submit(draft, author, "Ready.")
    client.force_login(author)
    response = client.get(change_url(draft))
    assert "data-markdown-preview" not in response.content.decode()
    assert "Save and submit for review" not in said(response)
    assert "content is frozen" in said(response)


def test_a_reviewer_is_not_offered_submit(client, draft):
    client.force_login(reviewer(email="reads@example.com"))
    response = client.get(change_url(draft))
    assert response.status_code == 200
    assert "Save and submit for review" not in said(response)


def test_a_save_that_stripped_something_warns_the_editor(client, draft, author):
    client.force_login(author)
    data = form_data(client.get(change_url(draft)))
    data[patient_key(data)] = "Low doses work well [1].\n\n<img src=x>\n\n<script>x()</script>"
    data["answer"] = '<span style="color:red">Yes</span> [1].'
    response = client.post(change_url(draft), data, follow=True)
    assert response.redirect_chain, said(response)[:600]
    text = said(response)
    assert (
        "The patient text was saved, but readers' pages do not allow some of it, so it was "
        "removed: the <img> tag (an image); a <script> block and its content. Check the preview."
    ) in text
    assert "The answer (key facts) was saved, but" in text
    assert "the <span> tag; the style attribute" not in text  # the span went, and its style
    assert "the <span> tag" in text
    assert "<script>x()" not in response.content.decode()


def test_validation_errors_show_beside_their_field(client, draft, author):
    client.force_login(author)
    data = form_data(client.get(change_url(draft)))
    key = patient_key(data)
    data[key] = "Low doses work well [9]."
    data["answer"] = "See [our page](/about)."
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    html = response.content.decode()
    # Each error sits in the form row of its own field, with what was typed kept.
    row = r'<div class="form-row[^"]*">.*?(?=<div class="form-row|</fieldset>)'
    rows = re.findall(row, html, re.S)
    [patient_row] = [row for row in rows if f'name="{key}"' in row]
    assert "Citation 9 does not exist: this revision&#x27;s reference list has 2" in patient_row
    assert "Low doses work well [9]." in patient_row
    [answer_row] = [row for row in rows if 'name="answer"' in row]
    assert "Readers would get these links without an address: /about." in answer_row
    assert 'aria-invalid="true"' in answer_row
    # The preview shows the typed text too, flagged.
    assert "[9] is not in the reference list" in said(response)


# Save, then submit for review. ------------------------------------------------------------------


def test_save_and_submit_saves_the_text_then_submits_it(client, draft, author):
    client.force_login(author)
    data = form_data(client.get(change_url(draft)))
    data[patient_key(data)] = "## Short answer\n\nLow doses work about as well [1]."
    data["change_summary"] = "Softer wording for patients."
    data["_submit_for_review"] = "Save and submit for review"
    del data["_save"]
    response = client.post(change_url(draft), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_revision_review", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.state == State.SUBMITTED
    assert draft.change_summary == "Softer wording for patients."
    patient = draft.variants.get(audience__slug="patient")
    assert patient.body_markdown == "## Short answer\n\nLow doses work about as well [1]."
    assert [e.action for e in draft.events.all()] == ["submit"]
    page = client.get(response["Location"])
    assert "Saved and submitted for review: revision 1 is now submitted." in said(page)


def test_a_refused_submit_keeps_the_text_saved_and_says_why(client, draft, author):
    client.force_login(author)
    data = form_data(client.get(change_url(draft)))
    data[patient_key(data)] = "Low doses work well, the new text [1]."
    data["change_summary"] = ""
    data["_submit_for_review"] = "Save and submit for review"
    response = client.post(change_url(draft), data)
    # Post/redirect/get: back to the change form, with the text saved.
    assert response.status_code == 302 and response["Location"] == change_url(draft)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    patient = draft.variants.get(audience__slug="patient")
    assert patient.body_markdown == "Low doses work well, the new text [1]."
    page = client.get(response["Location"])
    assert (
        "Your changes were saved, but revision 1 was not submitted for review: Write a change "
        "summary before you submit for review."
    ) in said(page)
    assert "Low doses work well, the new text [1]." in page.content.decode()


def test_the_form_says_when_the_saved_revision_is_not_ready_to_submit(client, author):
    incomplete = revision_with_content(author=author, answer="")
    client.force_login(author)
    text = said(client.get(change_url(incomplete)))
    assert "As last saved, this revision cannot be submitted yet: Write the key facts" in text
    assert "Save and submit for review" in text


HARD = (
    "Pharmacokinetic considerations notwithstanding, contemporaneous dermatological "
    "investigations demonstrated comparable therapeutic effectiveness [1]."
)


def test_a_text_above_its_reading_target_is_submitted_only_with_a_reason(client, draft, author):
    client.force_login(author)
    shown = "Reason to submit although a reading level misses its target"
    assert shown not in said(client.get(change_url(draft)))  # every text meets its target
    data = form_data(client.get(change_url(draft)))
    data[patient_key(data)] = HARD
    data["_submit_for_review"] = "Save and submit for review"
    refused = client.post(change_url(draft), data, follow=True)
    assert "not submitted for review: The text reads above its target reading level." in said(
        refused
    )
    assert shown in said(refused)  # the text as saved misses: the reason is asked for
    data = form_data(refused)
    data["reading_override"] = "  Drug names make it read harder.  "
    data["_submit_for_review"] = "Save and submit for review"
    done = client.post(change_url(draft), data, follow=True)
    assert "Saved and submitted for review" in said(done)
    event = draft.events.get(action="submit")
    assert event.details["reading_override"] == "Drug names make it read harder."


# A save after the revision was submitted meanwhile. ---------------------------------------------


def test_a_save_after_a_submission_meanwhile_keeps_the_typed_text_and_saves_nothing(
    client, draft, author
):
    client.force_login(author)
    data = form_data(client.get(change_url(draft)))  # the editor has the form open...
    workflow.submit(draft, editor(email="co.editor@example.com"), "Submitted by a colleague.")
    key = patient_key(data)
    data[key] = "My long new patient text, typed for an hour [1]."
    data["title"] = "A better question?"
    response = client.post(change_url(draft), data)  # ...and saves
    assert response.status_code == 409
    text = said(response)
    assert "Nothing was saved. Revision 1 is submitted, so its content is frozen." in text
    html = response.content.decode()
    typed = re.findall(
        r'<label for="(typed-\d+)">(.*?)</label>\s*<textarea id="\1" rows="\d+" readonly>(.*?)'
        r"</textarea>",
        html,
        re.S,
    )
    fields = [(re.sub(r"<[^>]+>", "", label), value) for _, label, value in typed]
    # What differs from the saved revision comes first, marked; the rest follows to copy too.
    assert fields[:3] == [
        ("Title (changed)", "A better question?"),
        ("Change summary (changed)", "First version."),  # the colleague's replaced it
        ("Patient text (changed)", "My long new patient text, typed for an hour [1]."),
    ]
    caregiver = draft.variants.get(audience__slug="caregiver").body_markdown
    assert ("Caregiver text", caregiver) in fields
    assert [label for label, _ in fields][-1] == "References"
    assert "js/admin-editor.js" not in html  # read-only now: no previews
    draft.refresh_from_db()
    assert draft.title != "A better question?"
    assert draft.change_summary == "Submitted by a colleague."
    patient = draft.variants.get(audience__slug="patient")
    assert patient.body_markdown == "## Short answer\n\nLow doses work well [1]."


def test_the_typed_text_is_escaped(client, draft, author):
    client.force_login(author)
    data = form_data(client.get(change_url(draft)))
    workflow.submit(draft, author, "Ready.")
    data[patient_key(data)] = "</textarea><script>alert(1)</script>"
    response = client.post(change_url(draft), data)
    assert response.status_code == 409
    assert "<script>alert(1)" not in response.content.decode()
    assert "&lt;/textarea&gt;&lt;script&gt;" in response.content.decode()


# The source picker. -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term", ["Guidelines of care", "AAD guideline", "Reynolds", "10.1016/j.jaad", "J Am Acad"]
)
def test_the_source_picker_finds_a_source_by_title_short_name_authors_doi_or_journal(
    client, author, term, django_assert_max_num_queries
):
    SourceFactory(
        key="aad-2024",
        title="Guidelines of care for the management of acne vulgaris",
        short_name="AAD guideline",
        authors="Reynolds RV, Yeung H",
        doi="10.1016/j.jaad.2023.12.017",
        publisher="J Am Acad Dermatol",
        year=2024,
    )
    SourceFactory(key="other", title="Something else entirely", authors="Nobody N")
    client.force_login(author)
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "term": term,
                "app_label": "articles",
                "model_name": "citation",
                "field_name": "source",
            },
        )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["text"] for r in results] == [
        "Reynolds RV, Yeung H (2024). Guidelines of care for the management of acne vulgaris"
    ]


# In Chromium: the demo editor at work. ----------------------------------------------------------


@pytest.fixture
def sent_back(monkeypatch):
    """The demo data, with the pregnancy article's revision sent back to the demo editor."""
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("DEMO_TOTP_SECRET", TEST_TOTP_SECRET)
    call_command("load_demo", stdout=io.StringIO())
    revision = Article.objects.get(slug="isotretinoin-dose-and-pregnancy").revisions.get()
    demo_reviewer = get_user_model().objects.get(email="reviewer@example.com")
    workflow.start_review(revision, demo_reviewer)
    workflow.request_changes(revision, demo_reviewer, "Please use simpler words for patients.")
    revision.refresh_from_db()
    return revision


def patient_textarea(page):
    return page.locator(".inline-related", has_text="Patient version").get_by_label(
        "Text (Markdown)"
    )


def no_axe_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_editor_types_sees_the_preview_and_submits_from_the_same_page(page, sent_back):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, "editor@example.com")
    page.goto(change_url(sent_back))
    expect(page.locator(".editor-request")).to_contain_text("Please use simpler words")
    preview = page.get_by_role("region", name="Preview: the patient version, as readers see it")
    expect(preview.get_by_role("heading", name="What is the short answer?")).to_be_visible()

    text = (
        "## Easy words\n\nA lower dose is not safer in pregnancy [1, 2].\n\n"
        '<img src="x" onerror="window.hacked = 1">'
    )
    with page.expect_response(lambda r: r.url.endswith("/preview/") and r.status == 200):
        patient_textarea(page).fill(text)
    expect(preview.get_by_role("heading", name="Easy words")).to_be_visible()
    expect(preview).to_contain_text("the <img> tag (an image)")
    expect(preview).to_contain_text("[2] European Medicines Agency")
    expect(preview.get_by_role("heading", name="What is the short answer?")).to_have_count(0)
    # Only the problems are announced, politely; the typing keeps its focus.
    status = page.locator(".inline-related", has_text="Patient version").get_by_role("status")
    expect(status).to_have_text("Preview: 1 thing removed.")
    assert page.evaluate("document.activeElement.name") == "variants-0-body_markdown"
    assert page.evaluate("window.hacked") is None

    page.get_by_label("Change summary").fill("Simpler words for patients.")
    page.get_by_role("button", name="Save and submit for review").click()
    page.wait_for_url(re.compile(rf"/{sent_back.pk}/review/$"))
    messages = page.locator(".messagelist")
    expect(messages).to_contain_text("Saved and submitted for review: revision 1 is now submitted")
    expect(messages).to_contain_text("so it was removed: the <img> tag (an image)")
    sent_back.refresh_from_db()
    assert sent_back.state == State.SUBMITTED
    saved = sent_back.variants.get(audience__slug="patient").body_markdown
    assert saved.replace("\r\n", "\n") == text  # a browser posts a textarea's lines with CRLF
    assert problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_editor_page_passes_axe_fits_the_screen_and_works_by_keyboard(page, sent_back, width):
    sign_in(page, "editor@example.com")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(change_url(sent_back))
    no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    columns = page.evaluate(
        "getComputedStyle(document.querySelector('.editor-pair')).gridTemplateColumns"
    )
    assert len(columns.split()) == (2 if width == 1280 else 1), columns
    # Nothing is cut off inside its box either: each text and preview ends inside the window.
    for box in (patient_textarea(page), page.locator(".editor-preview").nth(2)):
        edge = box.bounding_box()
        assert edge["x"] + edge["width"] <= width - 8, edge

    # From the text, Tab reaches its preview (it scrolls), with a visible focus ring.
    patient_textarea(page).focus()
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.getAttribute('role'), "
        "getComputedStyle(document.activeElement).outlineStyle]"
    )
    assert focused[0] == "region" and focused[1] != "none"

    # The source picker, by keyboard: open, search, and the open list passes axe too.
    picker = page.locator("#citations-group [role=combobox]").first
    picker.focus()
    page.keyboard.press("Enter")
    search = page.get_by_role("searchbox", name="Search sources by title")
    expect(search).to_be_focused()
    with page.expect_response(lambda r: "/autocomplete/" in r.url):
        page.keyboard.type("Mayo")
    expect(page.get_by_role("option", name=re.compile("Mayo Clinic"))).to_be_visible()
    no_axe_violations(page)
    page.keyboard.press("Escape")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_saving_shows_the_text_in_the_preview(browser, live_server, sent_back):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "editor@example.com")
    page.goto(change_url(sent_back))
    patient_textarea(page).fill("## Saved words\n\nA lower dose is not safer [1].")
    page.get_by_role("button", name="Save and continue editing").click()
    preview = page.get_by_role("region", name="Preview: the patient version, as readers see it")
    expect(preview.get_by_role("heading", name="Saved words")).to_be_visible()
    context.close()
