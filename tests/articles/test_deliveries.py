"""Review emails survive a mail outage: each is stored before it is tried, a failed send is
tried again with backoff by the task worker and then given up, and staff see and retry them.

Real parts only: Django's SMTP backend, pointed first at a closed port on 127.0.0.1 (mail down)
and then at a small SMTP server on loopback (aiosmtpd: mail back), and django-tasks-db's own
`db_worker` command. Tests that run the worker are transactional: it commits, as it does in
production, and it checks its connection between tasks, which a test's open transaction forbids.
"""

import datetime
import io
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from articles import notifications, workflow
from articles.models import EmailDelivery, Revision
from articles.models.deliveries import MAX_ATTEMPTS, RETRY_DELAYS_MINUTES
from tests.factories import UserFactory, editor, reviewer, revision_with_content
from tests.pages import landed, said

ROOT = Path(__file__).resolve().parents[2]
State = Revision.State
Status = EmailDelivery.Status
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
worker_tests = pytest.mark.django_db(transaction=True)


class Inbox:
    """aiosmtpd handler: keeps every message the server accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def subjects_to(self, address):
        return [
            line.split(":", 1)[1].strip()
            for envelope in self.messages
            if envelope.rcpt_tos == [address]
            for line in envelope.content.decode().splitlines()
            if line.startswith("Subject:")
        ]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_down(settings):
    """Django's SMTP backend aimed at a port that is bound but not listening: refused."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.MAILERS = smtp_at(closed.getsockname()[1])
        yield


@pytest.fixture
def mail_server():
    """A real SMTP server on loopback; `bring_mail_back(settings, server)` points Django at it."""
    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def smtp_at(port):
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def bring_mail_back(settings, server):
    settings.MAILERS = smtp_at(server.port)
    return server.handler


def run_worker():
    """`manage.py db_worker --batch`: run every task that is due, then exit. The command sets
    its own signal handlers (for a clean stop); the test process gets its own back."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command(
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval=0",
            stdout=io.StringIO(),
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def let_the_retry_come_due():
    """The worker retries after the backoff; instead of waiting minutes, bring the queued retry
    forward to now (as the clock would)."""
    waiting = DBTaskResult.objects.filter(
        status="READY", run_after__gt=timezone.now(), run_after__lt=get_date_max()
    )
    assert waiting.count() == 1, list(waiting.values("run_after", "args_kwargs"))
    waiting.update(run_after=timezone.now())


@pytest.fixture
def under_review():
    author = editor(email="author@example.com")
    checker = reviewer(email="checker@example.com")
    revision = revision_with_content(state=State.SUBMITTED, author=author)
    workflow.start_review(revision, checker)
    return revision, checker


def approve_in_the_admin(client, revision, checker):
    client.force_login(checker)
    done = client.post(
        reverse("admin:articles_revision_act", args=[revision.pk]),
        {
            "action": "approve",
            "attested": "yes",
            "comment": "All checked.",
            "expected_state": State.UNDER_REVIEW,
            "pemat_reason": "Not rated in this test.",
        },
    )
    return said(landed(client, done))


def sign_in_as_admin(client):
    client.force_login(UserFactory(email="admin@example.com", is_superuser=True, is_staff=True))


def staff_list(client, **query):
    sign_in_as_admin(client)
    return client.get(reverse("admin:articles_emaildelivery_changelist"), query)


@worker_tests
def test_with_mail_down_the_approval_succeeds_and_the_email_goes_out_once_mail_is_back(
    client, settings, mail_down, mail_server, under_review
):
    settings.TASKS = DATABASE_TASKS
    revision, checker = under_review

    page = approve_in_the_admin(client, revision, checker)
    assert f"Approved revision {revision.number} of “{revision.title}”" in page
    revision.refresh_from_db()
    assert revision.state == State.APPROVED
    # Stored before any try, and queued for the worker.
    delivery = EmailDelivery.objects.get()
    assert (delivery.recipient, delivery.status, delivery.attempts) == (
        "author@example.com",
        Status.PENDING,
        0,
    )
    assert delivery.subject == f"Approved: {revision.title}"
    listed = said(staff_list(client))
    assert "Waiting to be sent" in listed
    assert "Due now (waiting for the task worker)" in listed

    run_worker()  # mail is down
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.RETRYING, 1)
    assert "Connection refused" in delivery.last_error
    assert delivery.next_attempt_at - delivery.last_attempt_at == datetime.timedelta(minutes=1)
    listed = said(staff_list(client))
    assert "author@example.com" in listed
    assert "Failed; will be tried again" in listed
    assert "Connection refused" in listed

    run_worker()  # the retry is not due yet: nothing is tried
    delivery.refresh_from_db()
    assert delivery.attempts == 1

    inbox = bring_mail_back(settings, mail_server)
    let_the_retry_come_due()
    run_worker()
    assert inbox.subjects_to("author@example.com") == [f"Approved: {revision.title}"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)
    assert delivery.sent_at is not None and delivery.next_attempt_at is None

    # Sent exactly once: running a try of a delivered email again does nothing.
    notifications.deliver_email.enqueue(delivery.pk, 2)
    notifications.deliver_email.enqueue(delivery.pk, 3)
    run_worker()
    assert len(inbox.messages) == 1
    assert said(staff_list(client, status="sent")).count("author@example.com") == 1


@worker_tests
def test_a_failing_email_backs_off_then_is_given_up_and_staff_can_still_retry_it(
    client, settings, mail_down, mail_server, under_review
):
    settings.TASKS = DATABASE_TASKS
    revision, checker = under_review
    approve_in_the_admin(client, revision, checker)
    delivery = EmailDelivery.objects.get()

    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt > 1:
            let_the_retry_come_due()
        run_worker()
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
    assert waits == [datetime.timedelta(minutes=m) for m in RETRY_DELAYS_MINUTES]
    assert delivery.status == Status.GIVEN_UP and delivery.next_attempt_at is None
    assert not DBTaskResult.objects.filter(status="READY").exists()  # nothing more is queued
    assert "Given up" in said(staff_list(client, status="given_up"))

    inbox = bring_mail_back(settings, mail_server)
    response = client.post(
        reverse("admin:articles_emaildelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "1 email queued to be tried again now" in said(response)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert inbox.subjects_to("author@example.com") == [f"Approved: {revision.title}"]


@worker_tests
def test_retry_now_and_the_scheduled_retry_send_the_email_once(
    client, settings, mail_down, mail_server, under_review
):
    settings.TASKS = DATABASE_TASKS
    revision, checker = under_review
    approve_in_the_admin(client, revision, checker)
    run_worker()  # fails; a retry is scheduled in a minute
    delivery = EmailDelivery.objects.get()
    inbox = bring_mail_back(settings, mail_server)
    assert notifications.retry_now(EmailDelivery.objects.all()) == 1
    let_the_retry_come_due()  # the scheduled retry is due too, queued for the same attempt
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)
    assert len(inbox.messages) == 1


@pytest.mark.django_db
def test_in_development_emails_go_at_once_and_each_is_recorded_as_sent(
    under_review, django_capture_on_commit_callbacks
):
    revision, checker = under_review
    saver = UserFactory(email="saver@example.com")
    revision.article.saved_by.create(user=saver, notify_on_review=True)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, checker, attested=True, pemat_reason="Not rated in this test.")
    assert sorted(m.to[0] for m in mail.outbox) == ["author@example.com", "saver@example.com"]
    deliveries = EmailDelivery.objects.order_by("recipient")
    assert [(d.recipient, d.status, d.attempts) for d in deliveries] == [
        ("author@example.com", Status.SENT, 1),
        ("saver@example.com", Status.SENT, 1),
    ]
    assert {d.event.action for d in deliveries} == {"approve"}


@pytest.mark.django_db
def test_in_development_a_failed_email_waits_for_staff_to_retry_it(
    client, settings, mail_down, mail_server, under_review, django_capture_on_commit_callbacks
):
    revision, checker = under_review
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, checker, attested=True, pemat_reason="Not rated in this test.")
    revision.refresh_from_db()
    assert revision.state == State.APPROVED
    delivery = EmailDelivery.objects.get()
    # The immediate backend cannot wait, so nothing tries again by itself; staff are told so.
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.RETRYING,
        1,
        None,
    )
    assert "Not scheduled: no task worker runs here. Use “Retry now”." in said(staff_list(client))

    inbox = bring_mail_back(settings, mail_server)
    response = client.post(
        reverse("admin:articles_emaildelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "1 email queued to be tried again now" in said(response)
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert len(inbox.messages) == 1
    response = client.post(
        reverse("admin:articles_emaildelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "Nothing to retry: the chosen emails were sent already." in said(response)
    assert len(inbox.messages) == 1


@pytest.mark.django_db
def test_staff_list_is_read_only_quick_and_hidden_from_editors_and_reviewers(
    client, under_review, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    revision, checker = under_review
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.request_changes(revision, checker, "Please cite it.")
            workflow.submit(revision, revision.author, "Cited.")
            workflow.start_review(revision, checker)
    assert EmailDelivery.objects.count() >= 6
    changelist = reverse("admin:articles_emaildelivery_changelist")
    sign_in_as_admin(client)
    with django_assert_max_num_queries(12):
        listed = client.get(changelist)
    assert listed.status_code == 200
    assert "Add email delivery" not in said(listed)
    delivery = EmailDelivery.objects.first()
    detail = said(client.get(reverse("admin:articles_emaildelivery_change", args=[delivery.pk])))
    assert delivery.body.split("\n")[0] in detail
    assert 'name="_save"' not in client.get(
        reverse("admin:articles_emaildelivery_change", args=[delivery.pk])
    ).content.decode("utf-8")

    for person in (revision.author, checker):
        client.force_login(person)
        assert client.get(changelist).status_code == 403


@pytest.mark.django_db
def test_a_try_queued_for_an_attempt_already_made_does_nothing(under_review):
    revision, checker = under_review
    workflow.approve(revision, checker, attested=True, pemat_reason="Not rated in this test.")
    event = revision.events.get(action="approve")
    notifications.send_for(event.pk)
    delivery = EmailDelivery.objects.get()
    assert delivery.status == Status.SENT
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.RETRYING, attempts=F("attempts") + 1
    )
    assert notifications.deliver_email.call(delivery.pk, 2) == "nothing to do"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({}, "django.tasks.backends.immediate.ImmediateBackend"),
        ({"DJANGO_DEBUG": "0"}, "django_tasks_db.DatabaseBackend"),
        ({"DJANGO_TASKS_BACKEND": "database"}, "django_tasks_db.DatabaseBackend"),
        ({"DJANGO_DEBUG": "0", "DJANGO_TASKS_BACKEND": "immediate"}, "ImmediateBackend"),
    ],
)
def test_production_queues_for_the_worker_and_development_runs_at_once(env, backend):
    assert backend in tasks_setting(**env).stdout


def test_an_unknown_task_backend_is_refused_with_a_message():
    refused = tasks_setting(DJANGO_TASKS_BACKEND="redis")
    assert refused.returncode != 0
    assert "DJANGO_TASKS_BACKEND must be one of immediate, database, not 'redis'." in (
        refused.stderr
    )


def tasks_setting(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="isoapp.settings",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_SITE_URL="https://isoapp.example",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        **env,
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from django.conf import settings; print(settings.TASKS)"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
