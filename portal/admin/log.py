"""The action log, read-only: every decision that is not a deal's status change."""

from django.contrib import admin

from portal import access
from portal.models import ActionLogEntry


class ReviewersReadOnlyAdmin(admin.ModelAdmin):
    """A record reviewers read and never edit: nobody adds, changes or deletes it here."""

    def has_view_permission(self, request, obj=None) -> bool:
        return access.is_reviewer(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ActionLogEntry)
class ActionLogEntryAdmin(ReviewersReadOnlyAdmin):
    list_display = ["at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__username", "action"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"
    fields = ["at", "actor", "action", "content_type", "object_id", "object_repr", "data"]
    readonly_fields = fields
