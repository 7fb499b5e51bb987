"""Hostile input everywhere: random strings, unicode, NUL bytes, overlong values, missing and
repeated fields, sent to every URL and form as a reader, an editor, a reviewer and nobody.

The answer is always 2xx, 3xx or 4xx, and a 4xx is a page with words. How many cases run is the
hypothesis profile's (tests/conftest.py): at least 2,000 in all under CI=true.
Each case runs in its own savepoint, rolled back, so a case that deletes the demo article or the
reviewer's account does not change what the next one reaches.
"""

import contextlib
import io
import os
import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils.html import strip_tags
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from articles import workflow
from articles.models import (
    Article,
    Audience,
    Question,
    ReviewComment,
    Revision,
    SavedArticle,
    Source,
)
from tests import hostile
from tests.articles.demo_staff import PASSWORD
from tests.factories import TEST_TOTP_SECRET

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader@example.com", "editor@example.com", "reviewer@example.com"]
CI = os.environ.get("CI", "").lower() == "true"
# Shared across the roles' tests: one list of cases counted, checked by the last test.
CASES_RUN = {}


@pytest.fixture
def demo(monkeypatch):
    """The demo site, plus what the fuzzer's paths point at: a sent-back comment, a saved
    article, an email delivery."""
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("DEMO_TOTP_SECRET", TEST_TOTP_SECRET)
    call_command("load_demo", stdout=io.StringIO())
    reviewer = User.objects.get(email="reviewer@example.com")
    reader = User.objects.get(email="reader@example.com")
    for revision in Revision.objects.filter(state=Revision.State.UNDER_REVIEW):
        with contextlib.suppress(workflow.TransitionError):
            workflow.add_comment(
                revision,
                revision.assigned_reviewer or reviewer,
                Audience.objects.first(),
                0,
                "Please check.",
            )
    SavedArticle.objects.get_or_create(user=reader, article=Article.objects.first())
    article = Article.objects.first()
    Question.objects.create(
        article=article,
        revision=article.shown_revision(),
        text="What if I miss a pregnancy test?",
        email="asker@example.com",
        email_consent=True,
    )
    return {"reader": reader}


def real_path_values():
    """Real values for each path parameter name, so fuzzed requests reach the pages behind."""
    ids = lambda model: [str(pk) for pk in model.objects.values_list("pk", flat=True)[:5]]  # noqa: E731
    article_type = ContentType.objects.get_for_model(Article)
    return {
        "slug": list(Article.objects.values_list("slug", flat=True)),
        "audience": list(Audience.objects.values_list("slug", flat=True)),
        "pk": ids(SavedArticle),
        "revision_id": ids(Revision),
        "article_id": ids(Article),
        "source_id": ids(Source),
        "comment_id": ids(ReviewComment),
        "question_id": ids(Question),
        "id": ids(User),
        "content_type_id": [str(article_type.pk)],
        "change": ["new-edition", "correction", "retraction"],
        "app_label": ["articles", "accounts", "auth", "account", "mfa"],
        "key": ["MQ:1abcde:xyz", "bad-key"],
        "uidb36": ["1", "2"],
        "url": ["nowhere/", "articles/"],
    }


def path_strategies(route, values):
    """Per parameter of `route`, a strategy; object ids come from the admin route's model."""
    model = hostile.admin_model(route)
    strategies = {}
    for name in hostile.route_params(route):
        if name == "object_id":
            real = (
                [str(pk) for pk in model.objects.values_list("pk", flat=True)[:5]] if model else []
            )
            if "content_type_id" in route:
                real = values["article_id"]
        else:
            real = values[name]
        strategies[name] = hostile.path_value(real)
    return st.fixed_dictionaries(strategies)


def sign_in(client, role):
    if role != "anonymous":
        client.force_login(User.objects.get(email=role))


def discover_fields(client, role, routes, values):
    """The fields and link parameters each route's page shows to this role, read off the page,
    and the routes whose page opened for this role (fuzzed more often)."""
    seen, opened = {}, []
    for route in routes:
        real = {name: (values.get(name) or ["1"])[0] for name in hostile.route_params(route)}
        model = hostile.admin_model(route)
        if "object_id" in real and model is not None:
            first = model.objects.values_list("pk", flat=True).first()
            real["object_id"] = str(first) if first is not None else "1"
        path = hostile.fill(route, real)
        response = client.get(path, follow=False)
        html = ""
        if response.status_code == 200:
            html = response.content.decode("utf-8", "replace")
            opened.append(route)
        seen[route] = hostile.PageFields.of(path, html)
        sign_in(client, role)  # a page may have signed the client out (logout on GET is not)
    return seen, opened


def request_case(route, values, fields):
    return st.fixed_dictionaries(
        {
            "route": st.just(route),
            "params": path_strategies(route, values),
            "method": st.sampled_from(hostile.METHODS),
            "query": hostile.form_data(fields),
            "body": hostile.form_data(fields),
            "multipart": st.booleans(),
            "htmx": st.sampled_from(
                [
                    {},
                    {"HX-Request": "true"},
                    {"HX-Request": "true", "HX-History-Restore-Request": "true"},
                    {"HX-Request": "\x00", "HX-Target": "<x>"},
                ]
            ),  # fmt: skip
            "cookie": st.one_of(st.none(), hostile.hostile_text.map(lambda s: s[:200])),
        }
    )


def send(client, case):
    path = hostile.fill(case["route"], case["params"])
    query = hostile.as_query(case["query"])
    headers = dict(case["htmx"])
    if case["cookie"] is not None:
        # As a WSGI server hands it over: the cookie's UTF-8 bytes, each read as one latin-1 char.
        raw = case["cookie"].encode("utf-8").decode("latin-1")
        client.cookies[random.choice(["sessionid", "csrftoken", "messages"])] = raw
    method = case["method"]
    if method == "POST":
        if case["multipart"]:
            return client.post(
                path, hostile.as_post(case["body"]), QUERY_STRING=query, headers=headers
            )
        body, form = hostile.as_query(case["body"]), "application/x-www-form-urlencoded"
        return client.post(path, body, form, QUERY_STRING=query, headers=headers)
    return client.generic(method, path, QUERY_STRING=query, headers=headers)


def check(case, response):
    path = hostile.fill(case["route"], case["params"])
    where = f"{case['method']} {path}?{hostile.as_query(case['query'])[:300]}"
    assert response.status_code < 500, f"{response.status_code} for {where}"
    if 400 <= response.status_code < 500 and case["method"] != "HEAD":
        text = strip_tags(response.content.decode("utf-8", "replace"))
        assert len(text.split()) >= 3, f"{response.status_code} without a readable page for {where}"


@pytest.mark.parametrize("role", ROLES)
def test_hostile_requests_never_fail_the_server(demo, role):
    values = real_path_values()
    routes = hostile.all_routes()
    client = Client(raise_request_exception=True)
    sign_in(client, role)
    fields, opened = discover_fields(client, role, routes, values)
    route = st.one_of(st.sampled_from(opened), st.sampled_from(routes))
    cases = route.flatmap(lambda route: request_case(route, values, fields[route]))
    run = CASES_RUN.setdefault(role, [0])

    @settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=cases)
    def one_case(case):
        run[0] += 1
        client.cookies.clear()
        sign_in(client, role)
        with transaction.atomic():
            response = send(client, case)
            check(case, response)
            transaction.set_rollback(True)

    one_case()


def test_enough_cases_ran_in_ci():
    """Under CI the four roles together send at least 2,000 hostile requests."""
    if len(CASES_RUN) < len(ROLES):
        pytest.skip("run with the whole module to count its cases")
    total = sum(run[0] for run in CASES_RUN.values())
    print(f"\nhostile requests sent: {total}")
    if CI:
        assert total >= 2000


def test_every_route_can_be_filled(demo):
    """A new URL whose path parameter the fuzzer can't fill fails here, not unfuzzed."""
    values = real_path_values()
    for route in hostile.all_routes():
        for name in hostile.route_params(route):
            assert name == "object_id" or values.get(name), f"no value for <{name}> in {route}"


@pytest.mark.parametrize("role", ROLES)
def test_every_field_alone_with_nul_overlong_and_unicode(demo, role):
    """A sweep beside the random cases: each query parameter a page reads (its links' and GET
    forms' fields), alone, and each POST form with every field at once, get a NUL byte, an
    overlong value and unicode. Random cases rarely hit one field of one page with a NUL; this
    is where the admin's list filters answered 500 before request_guard."""
    values = real_path_values()
    client = Client(raise_request_exception=True)
    sign_in(client, role)
    fields, opened = discover_fields(client, role, hostile.all_routes(), values)
    sent = 0
    for route in opened:
        real = {name: values[name][0] for name in hostile.route_params(route) if name in values}
        model = hostile.admin_model(route)
        if "object_id" in hostile.route_params(route):
            real["object_id"] = str(model.objects.values_list("pk", flat=True).first())
        path = hostile.fill(route, real)
        page = fields[route]
        requests = [
            ("GET", {key: value}) for key in page.query_keys for value in hostile.SWEEP_VALUES
        ]
        requests += [
            ("POST", dict.fromkeys(form, value))
            for form in sorted(
                set(map(tuple, page.post_forms))
            )  # a form repeated per paragraph once
            for value in hostile.SWEEP_VALUES
        ]
        for method, data in requests:
            case = {"route": route, "params": real, "method": method, "query": []}
            with transaction.atomic():
                sign_in(client, role)
                if method == "GET":
                    case["query"] = [(key, [value]) for key, value in data.items()]
                    response = client.get(path, data)
                else:
                    response = client.post(path, data)
                check(case, response)
                transaction.set_rollback(True)
            sent += 1
    print(f"\n{role}: {sent} sweep requests over {len(opened)} pages")
    assert sent > 0
