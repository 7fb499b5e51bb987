"""Asking a follow-up question in Chromium, with JavaScript and without it, then the editor
triaging it in the admin; axe on the page with the form, its errors and its success, at a phone
and a desktop width. SCREENSHOT_DIR=/some/folder keeps a screenshot of each state."""

import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Question
from articles.workflow import replies
from tests.articles.demo_staff import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo_credentials"),
]
QUESTION = "Does the pregnancy test schedule change if I stop the pills early?"
PUBLIC = "Do the pregnancy rules change with a lower dose?"
ANSWER = (
    "No. The rules are the same at any dose: use contraception from one month before until one "
    "month after the course, and have the pregnancy tests your prescriber asks for."
)
WIDTHS = [390, 1280]


def shoot(page, name, full_page=False):
    """A screenshot of the page (or of one locator's element) when SCREENSHOT_DIR is set."""
    if folder := os.environ.get("SCREENSHOT_DIR"):
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{name}.png")
        if hasattr(page, "screenshot") and not hasattr(page, "goto"):
            page.screenshot(path=path)  # a locator
        else:
            page.screenshot(path=path, full_page=full_page)


def no_axe_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def published_answer(article):
    """An answer on the article, as the demo staff would make it."""
    User = get_user_model()
    editor = User.objects.get(email="editor@example.com")
    checker = User.objects.get(email="reviewer@example.com")
    earlier = Question.objects.create(
        article=article, revision=article.shown_revision(), text="Is a lower dose safer if..."
    )
    replies.submit_reply(earlier, editor, ANSWER, PUBLIC)
    replies.approve_reply(earlier, checker, attested=True)
    replies.publish(earlier, editor)


@pytest.mark.parametrize("width", WIDTHS)
def test_asking_with_javascript_in_place_errors_then_success(
    browser, live_server, demo_article, width
):
    published_answer(demo_article)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.goto(demo_article.get_absolute_url())
    page.evaluate("window.__sameDocument = true")
    # Reading the caregiver version: the question records it.
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("radio", name=re.compile("^Caregiver")).check()
    expect(page.locator("#variant")).to_have_attribute("data-audience", "caregiver")

    answers = page.locator(".readers-asked")
    expect(answers.get_by_role("heading", name=PUBLIC)).to_be_visible()
    expect(answers).to_contain_text("Answer checked by Dr. Demo Reviewer")
    section = page.locator("#ask")
    section.scroll_into_view_if_needed()
    expect(section.get_by_role("heading", name="Have a follow-up question?")).to_be_visible()
    expect(section).to_contain_text("In the US, call 988.")
    no_axe_violations(page)
    shoot(answers, f"readers-asked-{width}")
    shoot(section, f"ask-form-{width}")

    box = page.get_by_label("Your question", exact=True)
    box.fill("Too short")
    page.get_by_label("Your email address (optional)").fill("reader@example.com")
    with page.expect_response(lambda r: r.url.endswith("/ask/") and r.status == 400):
        page.get_by_role("button", name="Send my question").click()
    problems_box = page.locator("#ask-problems")
    expect(problems_box).to_be_focused()
    expect(problems_box).to_contain_text("Your question is too short")
    expect(problems_box).to_contain_text("Tick this box to get the answer by email")
    expect(page.get_by_label("Your question", exact=True)).to_have_value(
        "Too short"
    )  # kept as typed
    expect(page.get_by_label("Your question", exact=True)).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("window.__sameDocument") is True  # in place, no page load
    no_axe_violations(page)
    problems_box.scroll_into_view_if_needed()
    shoot(page, f"ask-errors-{width}")

    # The error's link takes the reader to the field.
    problems_box.get_by_role("link", name=re.compile("too short")).click()
    expect(page.get_by_label("Your question", exact=True)).to_be_focused()
    page.get_by_label("Your question", exact=True).fill(QUESTION)
    page.get_by_label(re.compile("^Email me the answer")).check()
    with page.expect_response(lambda r: r.url.endswith("/ask/") and r.status == 200):
        page.get_by_role("button", name="Send my question").click()
    sent = page.locator(".ask-sent")
    expect(sent).to_be_focused()
    expect(sent).to_contain_text("Thank you. Your question is sent.")
    expect(sent).to_contain_text("a medical reviewer checks the answer first")
    expect(page.locator("#announcer")).to_have_text("Your question is sent.")
    assert page.evaluate("window.__sameDocument") is True
    no_axe_violations(page)
    shoot(page, f"ask-sent-{width}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    question = Question.objects.get(text=QUESTION)
    assert question.audience.slug == "caregiver"
    assert question.revision == demo_article.shown_revision()
    assert question.email == "reader@example.com" and question.email_consent
    # "Ask another question" brings the form back in place.
    sent.get_by_role("link", name="Ask another question").click()
    expect(page.get_by_label("Your question", exact=True)).to_have_value("")
    context.close()


def test_asking_breaks_no_csp_rule_and_logs_no_error(page, demo_article):
    """(Chromium logs every 4xx response: the form's 400 is expected, nothing else.)"""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(demo_article.get_absolute_url())
    page.get_by_label("Your question", exact=True).fill("Short")
    with page.expect_response(lambda r: r.status == 400):
        page.get_by_role("button", name="Send my question").click()
    page.get_by_label("Your question", exact=True).fill(QUESTION)
    with page.expect_response(lambda r: r.status == 200 and r.url.endswith("/ask/")):
        page.get_by_role("button", name="Send my question").click()
    expect(page.locator(".ask-sent")).to_be_visible()
    expected = "Failed to load resource: the server responded with a status of 400"
    assert [p for p in problems if not p.startswith(expected)] == []


def test_over_the_limit_the_wait_is_shown_in_place_with_the_text_kept(page, demo_article, settings):
    settings.QUESTIONS_PER_HOUR_PER_SESSION = 1
    page.goto(demo_article.get_absolute_url())
    page.get_by_label("Your question", exact=True).fill(QUESTION)
    page.get_by_role("button", name="Send my question").click()
    page.locator(".ask-sent").get_by_role("link", name="Ask another question").click()
    page.get_by_label("Your question", exact=True).fill("And one more question, please.")
    with page.expect_response(lambda r: r.status == 429):
        page.get_by_role("button", name="Send my question").click()
    problems = page.locator("#ask-problems")
    expect(problems).to_be_focused()
    expect(problems).to_contain_text(re.compile(r"try again in \d+ minutes?"))
    expect(page.get_by_label("Your question", exact=True)).to_have_value(
        "And one more question, please."
    )
    assert Question.objects.count() == 1


def test_asking_without_javascript(browser, live_server, demo_article):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 390, "height": 900}
    )
    page = context.new_page()
    page.goto(demo_article.get_absolute_url())
    page.get_by_label("Your question", exact=True).fill("Short")
    page.get_by_role("button", name="Send my question").click()
    page.wait_for_url(re.compile(r"/ask/$"))
    assert "Your question is too short" in page.locator("#ask-problems").inner_text()
    assert page.get_by_label("Your question", exact=True).input_value() == "Short"
    assert page.title().startswith("Ask a follow-up question:")
    shoot(page, "ask-nojs-errors-390")

    page.get_by_label("Your question", exact=True).fill(QUESTION)
    page.get_by_role("button", name="Send my question").click()
    page.wait_for_url(re.compile(r"/ask/$"))
    sent = page.locator(".ask-sent").inner_text()
    assert "Thank you. Your question is sent." in sent
    assert "You did not ask for an email, so we will not contact you." in sent
    shoot(page, "ask-nojs-sent-390")
    page.get_by_role("link", name=re.compile("Back to the article")).click()
    page.wait_for_url(re.compile(re.escape(demo_article.get_absolute_url()) + "$"))
    question = Question.objects.get(text=QUESTION)
    assert question.audience.slug == "patient" and question.email == ""
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_ask_page_passes_axe(page, demo_article, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(reverse("articles:ask", args=[demo_article.slug]))
    no_axe_violations(page)
    page.goto(reverse("privacy"))
    no_axe_violations(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_editor_triages_a_question_and_drafts_a_reply(
    browser, live_server, demo_article, width
):
    Question.objects.create(
        article=demo_article,
        revision=demo_article.shown_revision(),
        text=f"{QUESTION} <script>alert(1)</script>",
        email="asker@example.com",
        email_consent=True,
    )
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, "editor@example.com")

    table = page.locator("#worklist-new_questions")
    expect(table).to_contain_text("New questions from readers (1)")
    expect(page.locator(".work-nav")).to_contain_text("New questions")
    no_axe_violations(page)
    shoot(page, f"admin-home-questions-{width}", full_page=True)
    table.get_by_role("link", name=demo_article.shown_revision().title).click()

    expect(page.locator(".reader-question")).to_contain_text("<script>alert(1)</script>")
    no_axe_violations(page)
    shoot(page, f"admin-question-new-{width}", full_page=True)
    page.get_by_role("button", name="Mark as triaged").click()
    expect(page.locator(".messagelist")).to_contain_text("Marked as triaged.")
    expect(page.locator(".review-meta")).to_contain_text("Triaged")

    page.get_by_label("Reply to the reader").fill(ANSWER)
    page.get_by_label(re.compile("^The question as other readers")).fill(PUBLIC)
    page.get_by_role("button", name="Save and submit for medical review").click()
    expect(page.locator(".messagelist")).to_contain_text("Nothing is sent before one approves it.")
    expect(page.locator(".review-meta")).to_contain_text("Reply waiting for medical review")
    no_axe_violations(page)
    shoot(page, f"admin-question-submitted-{width}", full_page=True)

    page.goto(reverse("admin:articles_question_changelist"))
    no_axe_violations(page)
    shoot(page, f"admin-questions-list-{width}", full_page=True)
    assert dialogs == []  # the reader's markup never ran
    context.close()

    # The medical reviewer approves it from their work list.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    sign_in(page, "reviewer@example.com")
    page.locator("#worklist-replies_to_review").get_by_role("link").first.click()
    page.get_by_label(re.compile("^I have checked this reply")).check()
    no_axe_violations(page)
    page.get_by_role("button", name="Approve the reply").click()
    expect(page.locator(".messagelist")).to_contain_text("The reply goes to the reader by email")
    shoot(page, f"admin-question-approved-{width}", full_page=True)
    context.close()
    assert Question.objects.get(email="asker@example.com").status == Question.Status.ANSWERED


def test_with_debug_on_a_question_sent_back_is_swapped_in_place_not_over_the_page(
    browser, live_server, demo_article, settings
):
    """Under DEBUG (make run), django-htmx's helper would show a 400 as the whole page; the
    form's errors must still come back in place, with the article around them."""
    settings.DEBUG = True
    page = browser.new_context(base_url=live_server.url).new_page()
    page.goto(demo_article.get_absolute_url())
    page.get_by_label("Your question", exact=True).fill("Too short")
    with page.expect_response(lambda r: r.url.endswith("/ask/") and r.status == 400):
        page.get_by_role("button", name="Send my question").click()
    expect(page.locator("#ask-problems")).to_contain_text("Your question is too short")
    expect(page.locator("main #ask #ask-form")).to_have_count(1)
    expect(page.locator("#variant")).to_have_count(1)
