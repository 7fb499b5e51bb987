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
    reviewer's public name and credentials change; reviewers cannot set their own."""

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

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # a user being added has no history

    def save_model(self, request, obj, form, change):
        # (changeform_view runs in a transaction: the user and its record are saved together.)
        before = profile_changes.stored(obj)
        super().save_model(request, obj, form, change)
        profile_changes.record(obj, before, changed_by=request.user)
