"""The record of changes to what readers see of a reviewer: their public name and credentials.

Callers snapshot the stored values with `stored()` before they save a user and pass them to
`record()` after, in the same transaction. It is called from the places that edit a profile
(`UserAdmin.save_model`, the profile view), not from `User.save()`: only those know who made
the change, and data migrations or scripts would otherwise write rows with no author.
"""

from .models import ProfileChange, User

PUBLIC_FIELDS = tuple(ProfileChange.Field.values)  # display_name, credentials


def stored(user) -> dict:
    """The public fields as saved in the database (blank for a user not saved yet)."""
    row = User.objects.filter(pk=user.pk).values(*PUBLIC_FIELDS).first() if user.pk else None
    return row or dict.fromkeys(PUBLIC_FIELDS, "")


def record(user, before: dict, changed_by) -> list[ProfileChange]:
    """One ProfileChange per public field whose value differs from `before`."""
    changes = [
        ProfileChange(
            user=user,
            user_label=_name(user),
            field=field,
            old_value=before[field],
            new_value=getattr(user, field),
            changed_by=changed_by,
            changed_by_label=_name(changed_by),
        )
        for field in PUBLIC_FIELDS
        if before[field] != getattr(user, field)
    ]
    return ProfileChange.objects.bulk_create(changes)


def _name(user) -> str:
    """A name that outlives the account and is not an email address (see ProfileChange)."""
    name = user.display_name or user.get_full_name() or f"User #{user.pk}"
    return name[: ProfileChange._meta.get_field("user_label").max_length]
