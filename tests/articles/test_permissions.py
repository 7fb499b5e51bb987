"""Who may do what, tried through the admin's real endpoints, forged POSTs included."""

import pytest
from django.urls import reverse

from articles.models import Revision
from tests.factories import UserFactory, editor, reviewer, revision_with_content
from tests.pages import landed, said

pytestmark = pytest.mark.django_db
State = Revision.State

PERSONAS = ["anonymous", "reader", "author", "other_editor", "other_reviewer", "assigned", "self"]

# action -> (state the revision is in, personas who succeed)
MATRIX = {
    "submit": (State.DRAFT, {"author", "other_editor", "self"}),
    "start_review": (State.SUBMITTED, {"other_reviewer", "assigned"}),
    "approve": (State.UNDER_REVIEW, {"assigned"}),
    "request_changes": (State.UNDER_REVIEW, {"assigned"}),
}


@pytest.fixture
def people():
    author = editor(email="author@example.com")
    both = UserFactory(
        email="both@example.com",
        roles=["Editors", "Medical reviewers"],
        display_name="Dr. Both",
        credentials="MD",
    )
    return {
        "anonymous": None,
        "reader": UserFactory(email="reader@example.com"),
        "author": author,
        "other_editor": editor(email="other.editor@example.com"),
        "other_reviewer": reviewer(email="other.reviewer@example.com"),
        "assigned": reviewer(email="assigned@example.com"),
        # A reviewer who also edited the revision, and who got it assigned.
        "self": both,
    }


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(client, people, action, persona):
    state, allowed = MATRIX[action]
    revision = revision_with_content(state=state, author=people["author"])
    revision.contributors.add(people["author"], people["self"])
    assignee = people["self"] if persona == "self" else people["assigned"]
    Revision.objects.filter(pk=revision.pk).update(assigned_reviewer=assignee)
    if people[persona]:
        client.force_login(people[persona])
    before = revision.events.count()

    response = client.post(
        reverse("admin:articles_revision_act", args=[revision.pk]),
        {
            "action": action,
            "comment": "A comment.",
            "expected_state": state,
            "attested": "yes",
            "pemat_reason": "Not rated in this test.",
        },
    )

    revision.refresh_from_db()
    if persona in allowed:
        assert response.status_code == 302, response.content.decode()[:500]
        assert (
            revision.state
            == {
                "submit": State.SUBMITTED,
                "start_review": State.UNDER_REVIEW,
                "approve": State.APPROVED,
                "request_changes": State.CHANGES_REQUESTED,
            }[action]
        )
        assert revision.events.count() == before + 1
    else:
        assert revision.state == state
        assert revision.events.count() == before
        if persona == "anonymous":
            assert response.status_code == 302
            # The admin's login page hands over to allauth's: there is no weaker way in.
            onward = client.get(response["Location"])
            assert onward.status_code == 302
            assert onward["Location"].startswith(reverse("account_login"))
        elif persona == "reader":
            assert response.status_code in (302, 403)
        else:
            page = landed(client, response)
            assert page.status_code == 400
            assert 'role="alert"' in page.content.decode()


def test_the_admin_offers_only_the_buttons_a_person_may_use(client, people):
    revision = revision_with_content(state=State.UNDER_REVIEW, author=people["author"])
    revision.contributors.add(people["self"])
    Revision.objects.filter(pk=revision.pk).update(assigned_reviewer=people["self"])
    url = reverse("admin:articles_revision_review", args=[revision.pk])

    client.force_login(people["self"])
    page = client.get(url).content.decode()
    assert "Continue to approve" not in page and 'value="request_changes"' not in page
    assert "another medical reviewer must review it" in page

    Revision.objects.filter(pk=revision.pk).update(assigned_reviewer=people["assigned"])
    client.force_login(people["assigned"])
    page = client.get(url).content.decode()
    assert "Continue to approve" in page and 'value="request_changes"' in page
    assert 'value="submit"' not in page


def test_a_refused_action_keeps_what_was_typed(client, people):
    revision = revision_with_content(state=State.UNDER_REVIEW, author=people["author"])
    Revision.objects.filter(pk=revision.pk).update(assigned_reviewer=people["assigned"])
    client.force_login(people["assigned"])
    response = client.post(
        reverse("admin:articles_revision_act", args=[revision.pk]),
        {
            "action": "approve",
            "comment": "Looks right to me.",
            "expected_state": "submitted",
            "attested": "yes",
        },
    )
    page = landed(client, response)
    assert page.status_code == 409
    body = page.content.decode()
    assert "Someone else changed revision" in body
    assert "Looks right to me.</textarea>" in body
    # The refusal was shown once: reloading the page shows the page, and re-posts nothing.
    again = client.get(response["Location"])
    assert again.status_code == 200 and "Someone else changed revision" not in said(again)
