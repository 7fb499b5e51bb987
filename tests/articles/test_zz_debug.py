import io
import pytest
from django.core.management import call_command
from articles import workflow
from articles.comparison import compare
from articles.models import Revision
from articles.admin.review import ReviewViewsMixin
from tests.articles.test_editor_page import form_data, change_url
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_debug(client, demo_article):
    live = demo_article.shown_revision()
    workflow.approve(live, live.assigned_reviewer, attested=True)
    ed = get_user_model().objects.get(email="editor@example.com")
    rev = workflow.start_revision(demo_article, ed)
    client.force_login(ed)
    data = form_data(client.get(change_url(rev)))
    data = {k: (v.replace("\n", "\r\n") if isinstance(v, str) else v) for k, v in data.items()}
    data["change_summary"] = "x"
    r = client.post(change_url(rev), data)
    assert r.status_code == 302, r.content.decode()[:3000]
    rev.refresh_from_db()
    c = compare(live, rev)
    print(
        "CHANGES",
        c.changes,
        bool(c.title_diff),
        bool(c.summary_diff),
        bool(c.answer_diff),
        bool(c.pregnancy_diff),
        c.references,
    )
    from articles.review_diff import diff_audience

    for v in rev.variants.all():
        old = live.variants.get(audience=v.audience).body_html
        print(v.audience.slug, diff_audience(old, v.body_html, id_prefix="x").changes)
    assert 0
