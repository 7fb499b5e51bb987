from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import profile_changes
from .models import ProfileChange, User


class ProfileChangeInline(admin.TabularInline):
    """The record of this user's public name and credentials: read-only, never deleted."""

    model = ProfileChange
    fk_name = "user"
    verbose_name = "change to the public name or credentials"
    verbose_name_plural = "Changes to the public name and credentials"
    fields = ["created_at", "field", "old_value", "new_value", "changed_by_label"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may see the user may see how their public profile came to be.
        return request.user.has_perm("accounts.view_user") or request.user.has_perm(
            "accounts.change_user"
        )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Only here (staff with `accounts.change_user`, behind StaffNeedTwoFactorMiddleware) can a
    reviewer's public name and credentials change, and only by another staff admin: on one's own
    account they are read-only, and save_model keeps them as stored whatever is posted."""

    OWN_PROFILE_NOTE = "Another staff admin sets your public name and credentials."

    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "reading_audience"]}),
        ("Reviewer profile", {"fields": ["display_name", "credentials", "specialty"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    inlines = [ProfileChangeInline]

    @staticmethod
    def _is_own(request, obj) -> bool:
        return obj is not None and obj.pk is not None and obj.pk == request.user.pk

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._is_own(request, obj):
            readonly += [f for f in profile_changes.PUBLIC_FIELDS if f not in readonly]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._is_own(request, obj):
            return fieldsets
        return [
            (name, {**options, "description": self.OWN_PROFILE_NOTE})
            if set(profile_changes.PUBLIC_FIELDS) & set(options.get("fields", ()))
            else (name, options)
            for name, options in fieldsets
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # a user being added has no history

    def save_model(self, request, obj, form, change):
        # (changeform_view runs in a transaction: the user and its record are saved together.)
        before = profile_changes.stored(obj)
        if change and self._is_own(request, obj):
            # The form has no such fields on one's own account (get_readonly_fields); whatever
            # was posted or set on `obj`, what is stored stays, so nothing is recorded either.
            for field in profile_changes.PUBLIC_FIELDS:
                setattr(obj, field, before[field])
        super().save_model(request, obj, form, change)
        profile_changes.record(obj, before, changed_by=request.user)
