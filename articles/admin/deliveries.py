"""Review emails as staff follow them: each one, its attempts, the last error and the next try.

Read-only: a delivery changes only when it is tried (articles.notifications). Who may see it is
the "Can view email delivery" permission (superusers have it; the editor and reviewer groups do
not, since the list shows readers' addresses); "Retry now" needs "Can change email delivery".
"""

from django.contrib import admin, messages
from django.utils import formats, timezone
from django.utils.text import Truncator

from .. import notifications
from ..models import EmailDelivery


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "recipient",
        "subject",
        "status",
        "attempts",
        "last_attempt_at",
        "next_try",
        "short_error",
    ]
    list_filter = ["status"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    fields = [
        "event",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_try",
        "sent_at",
        "last_error",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("articles.change_emaildelivery")

    @admin.display(description="Next try", ordering="next_attempt_at")
    def next_try(self, obj):
        if not obj.is_outstanding:
            return "—"
        if obj.next_attempt_at is None:
            return "Not scheduled: no task worker runs here. Use “Retry now”."
        if obj.next_attempt_at <= timezone.now():
            return "Due now (waiting for the task worker)"
        return formats.date_format(timezone.localtime(obj.next_attempt_at), "DATETIME_FORMAT")

    @admin.display(description="Last error")
    def short_error(self, obj):
        return Truncator(obj.last_error).chars(120) or "—"

    @admin.action(description="Retry now", permissions=["retry"])
    def retry_now(self, request, queryset):
        queued = notifications.retry_now(queryset)
        if queued:
            self.message_user(
                request,
                f"{queued} email{'s' if queued != 1 else ''} queued to be tried again now. "
                "The status column shows how it went.",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, "Nothing to retry: the chosen emails were sent already.", messages.INFO
            )
