"""The name and credentials readers see are set by a staff admin with two-factor, never by the
reviewer themselves, and every change to them is on record."""

import io
import json

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import ProfileChange, User
from tests.factories import UserFactory, editor, reviewer
from tests.pages import text_of

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
PROFILE = "/accounts/profile/"


@pytest.fixture
def staff_admin():
    """A superuser with an authenticator app set up (the factory adds TOTP for staff)."""
    return UserFactory(
        email="ada.admin@example.com",
        first_name="Ada",
        last_name="Admin",
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def dr_rowan():
    return reviewer(email="rowan@example.com", display_name="Dr. Rowan", credentials="MD")


def admin_change_form(user, **changes):
    """What the admin's change form for `user` posts, with `changes` typed in."""
    joined = timezone.localtime(user.date_joined)
    history = user.profile_changes.count()  # the read-only inline's rows
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "reading_audience": user.reading_audience,
        "display_name": user.display_name,
        "credentials": user.credentials,
        "specialty": user.specialty,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "groups": [group.pk for group in user.groups.all()],
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        "profile_changes-TOTAL_FORMS": history,
        "profile_changes-INITIAL_FORMS": history,
        "profile_changes-MIN_NUM_FORMS": 0,
        "profile_changes-MAX_NUM_FORMS": 1000,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


# The reviewer's own page ------------------------------------------------------------------


def test_profile_page_shows_name_and_credentials_read_only(client, dr_rowan):
    client.force_login(dr_rowan)
    page = client.get(PROFILE)
    assert page.status_code == 200
    text = text_of(page)
    assert "Medically reviewed by Dr. Rowan, MD on" in text
    assert "Display name Dr. Rowan" in text and "Credentials MD" in text
    assert "set by a staff admin — ask one to change them" in text
    body = page.content.decode()
    assert 'name="specialty"' in body
    assert 'name="display_name"' not in body and 'name="credentials"' not in body


def test_a_forged_post_of_name_and_credentials_changes_only_the_specialty(client, dr_rowan):
    client.force_login(dr_rowan)
    response = client.post(
        PROFILE,
        {"display_name": "Prof. Rowan", "credentials": "MD, PhD, FRCP", "specialty": "Oncology"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("accounts:home"), 302)]
    assert "Your specialty is saved." in text_of(response)
    dr_rowan.refresh_from_db()
    assert (dr_rowan.display_name, dr_rowan.credentials) == ("Dr. Rowan", "MD")
    assert dr_rowan.specialty == "Oncology"
    assert not ProfileChange.objects.exists()
    # The account home links to the profile; only the two-factor page shows the credentials.
    assert "Public reviewer profile" in text_of(response) and "PhD" not in text_of(response)


def test_readers_have_no_profile_page(client):
    client.force_login(UserFactory())
    assert client.get(PROFILE).status_code == 403
    assert client.post(PROFILE, {"specialty": "Oncology"}).status_code == 403


def test_staff_without_two_factor_are_sent_to_set_it_up_from_the_profile(client):
    no_mfa = reviewer(display_name="Dr. New", credentials="MD", totp_secret=False)
    client.force_login(no_mfa)
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_activate_totp')}?next={PROFILE}"
    forged = client.post(PROFILE, {"specialty": "Oncology", "credentials": "MD, PhD"})
    assert forged.status_code == 302
    assert forged["Location"].startswith(reverse("mfa_activate_totp"))
    no_mfa.refresh_from_db()
    assert (no_mfa.credentials, no_mfa.specialty) == ("MD", "Dermatology")
    page = client.get(forged["Location"], follow=True)  # (allauth asks for the password first)
    assert (
        "Staff accounts need two-factor authentication. Set up an authenticator app to open "
        "your public reviewer profile." in text_of(page)
    )


# The admin ---------------------------------------------------------------------------------


def test_a_staff_admin_sets_name_and_credentials_and_the_change_is_recorded(
    client, staff_admin, dr_rowan
):
    client.force_login(staff_admin)
    response = client.post(
        change_url(dr_rowan),
        admin_change_form(dr_rowan, display_name="Dr. Rowan Reyes", credentials="MD, FAAD"),
        follow=True,
    )
    assert response.status_code == 200
    assert "was changed successfully" in text_of(response)
    dr_rowan.refresh_from_db()
    assert dr_rowan.signature == "Dr. Rowan Reyes, MD, FAAD"
    changes = ProfileChange.objects.filter(user=dr_rowan)
    assert {c.field: (c.old_value, c.new_value) for c in changes} == {
        "display_name": ("Dr. Rowan", "Dr. Rowan Reyes"),
        "credentials": ("MD", "MD, FAAD"),
    }
    assert {(c.changed_by, c.changed_by_label, c.user_label) for c in changes} == {
        (staff_admin, "Ada Admin", "Dr. Rowan Reyes")
    }

    # Saving again with only the specialty changed adds nothing to the record.
    again = client.post(change_url(dr_rowan), admin_change_form(dr_rowan, specialty="Oncology"))
    assert again.status_code == 302
    assert ProfileChange.objects.count() == 2


def test_the_record_shows_read_only_on_the_users_admin_page(client, staff_admin, dr_rowan):
    client.force_login(staff_admin)
    client.post(change_url(dr_rowan), admin_change_form(dr_rowan, credentials="MD, FAAD"))
    page = client.get(change_url(dr_rowan))
    text = text_of(page)
    assert "Changes to the public name and credentials" in text
    assert "Credentials MD MD, FAAD Ada Admin" in text
    body = page.content.decode()
    # Nothing to type into, tick for deletion or add.
    assert 'name="profile_changes-0-new_value"' not in body
    assert 'name="profile_changes-0-DELETE"' not in body
    assert "profile_changes-__prefix__" not in body  # (the blank row "Add another" copies)
    # And no admin page of its own where rows could be edited or deleted.
    with pytest.raises(NoReverseMatch):
        reverse("admin:accounts_profilechange_changelist")


OWN_NOTE = "Another staff admin sets your public name and credentials."


def superuser_reviewer():
    return reviewer(
        email="sam.super@example.com", display_name="Dr. Sam", credentials="MD", is_superuser=True
    )


def reviewer_who_may_change_users():
    who = reviewer(email="cal.change@example.com", display_name="Dr. Cal", credentials="MD")
    who.user_permissions.add(Permission.objects.get(codename="change_user"))
    return who


@pytest.mark.parametrize("make_self", [superuser_reviewer, reviewer_who_may_change_users])
def test_no_one_sets_their_own_name_and_credentials_in_the_admin(client, make_self):
    me = make_self()
    name = me.display_name
    client.force_login(me)
    page = client.get(change_url(me))
    assert page.status_code == 200
    assert OWN_NOTE in text_of(page)
    body = page.content.decode()
    assert 'name="display_name"' not in body and 'name="credentials"' not in body
    assert name in text_of(page)  # still shown, read-only

    keep = {
        "is_superuser": "on" if me.is_superuser else "",
        "user_permissions": [p.pk for p in me.user_permissions.all()],
    }
    forged = client.post(
        change_url(me),
        admin_change_form(
            me, display_name="Prof. Me", credentials="MD, PhD, FRCP", specialty="Oncology", **keep
        ),
    )
    assert forged.status_code == 302  # the rest of the form saves
    me.refresh_from_db()
    assert (me.display_name, me.credentials) == (name, "MD")
    assert me.specialty == "Oncology"
    assert not ProfileChange.objects.exists()


def test_the_admin_keeps_ones_own_name_and_credentials_even_if_set_on_the_object(rf):
    """Server-side, not only a form without the fields: save_model keeps what is stored."""
    me = superuser_reviewer()
    request = rf.post("/")
    request.user = me
    forged = User.objects.get(pk=me.pk)
    forged.display_name, forged.credentials, forged.specialty = "Prof. Me", "MD, PhD", "Oncology"
    site._registry[User].save_model(request, forged, form=None, change=True)
    me.refresh_from_db()
    assert (me.display_name, me.credentials, me.specialty) == ("Dr. Sam", "MD", "Oncology")
    assert not ProfileChange.objects.exists()


def test_the_same_superuser_sets_another_reviewers_credentials(client, dr_rowan):
    me = superuser_reviewer()
    client.force_login(me)
    page = client.get(change_url(dr_rowan))
    assert OWN_NOTE not in text_of(page)
    assert 'name="credentials"' in page.content.decode()
    response = client.post(change_url(dr_rowan), admin_change_form(dr_rowan, credentials="MD, PhD"))
    assert response.status_code == 302
    dr_rowan.refresh_from_db()
    assert dr_rowan.credentials == "MD, PhD"
    [change] = ProfileChange.objects.all()
    assert (change.user, change.field, change.old_value, change.new_value, change.changed_by) == (
        dr_rowan,
        "credentials",
        "MD",
        "MD, PhD",
        me,
    )


def test_an_editor_without_change_user_cannot_set_credentials(client, dr_rowan):
    client.force_login(editor())
    assert client.get(change_url(dr_rowan)).status_code == 403
    forged = client.post(change_url(dr_rowan), admin_change_form(dr_rowan, credentials="MD, PhD"))
    assert forged.status_code == 403
    dr_rowan.refresh_from_db()
    assert dr_rowan.credentials == "MD"
    assert not ProfileChange.objects.exists()


def test_the_record_is_append_only(staff_admin, dr_rowan):
    change = ProfileChange.objects.create(
        user=dr_rowan,
        user_label="Dr. Rowan",
        field=ProfileChange.Field.CREDENTIALS,
        old_value="",
        new_value="MD",
        changed_by=staff_admin,
        changed_by_label="Ada Admin",
    )
    change.new_value = "MD, PhD"
    with pytest.raises(TypeError, match="append-only"):
        change.save()
    with pytest.raises(TypeError, match="append-only"):
        change.delete()
    with pytest.raises(TypeError, match="append-only"):
        ProfileChange.objects.update(new_value="MD, PhD")
    with pytest.raises(TypeError, match="append-only"):
        ProfileChange.objects.all().delete()
    assert ProfileChange.objects.get().new_value == "MD"


# Their data ------------------------------------------------------------------------------


def test_export_lists_the_changes_to_and_by_the_person(client, staff_admin, dr_rowan):
    client.force_login(staff_admin)
    client.post(change_url(dr_rowan), admin_change_form(dr_rowan, credentials="MD, FAAD"))

    client.force_login(dr_rowan)
    mine = json.loads(client.get(reverse("accounts:export")).content)
    [change] = mine["reviewer_profile_changes"]
    assert (change["field"], change["old_value"], change["new_value"], change["changed_by"]) == (
        "credentials",
        "MD",
        "MD, FAAD",
        "Ada Admin",
    )
    assert mine["reviewer_profile_changes_you_made"] == []

    client.force_login(staff_admin)
    theirs = json.loads(client.get(reverse("accounts:export")).content)
    assert [(c["profile_of"], c["field"]) for c in theirs["reviewer_profile_changes_you_made"]] == [
        ("Dr. Rowan", "credentials")
    ]


def test_deleting_either_account_keeps_the_record_by_name_without_email(
    client, staff_admin, dr_rowan
):
    client.force_login(staff_admin)
    client.post(change_url(dr_rowan), admin_change_form(dr_rowan, credentials="MD, FAAD"))

    for leaving in (dr_rowan, staff_admin):
        client.force_login(leaving)
        gone = client.post(reverse("accounts:delete"), {"password": PASSWORD}, follow=True)
        assert "Your account and everything personal in it are deleted." in text_of(gone)

    change = ProfileChange.objects.get()
    assert (change.user, change.changed_by) == (None, None)
    assert (change.user_label, change.changed_by_label) == ("Dr. Rowan", "Ada Admin")
    assert (change.old_value, change.new_value) == ("MD", "MD, FAAD")
    out = io.StringIO()
    call_command("dumpdata", stdout=out, exclude=["sessions", "contenttypes", "auth.permission"])
    assert "rowan@example.com" not in out.getvalue()
    assert "ada.admin@example.com" not in out.getvalue()


def test_the_delete_page_says_what_the_record_keeps(client):
    client.force_login(UserFactory())
    text = text_of(client.get(reverse("accounts:delete")))
    assert "the record of changes to reviewers' public names and credentials" in text
    assert "It keeps no email address." in text
