"""The action log, read-only: every decision that is not a deal's status change."""

from django.contrib import admin

from portal.admin.read_only import ReviewersReadOnlyAdmin
from portal.models import ActionLogEntry


@admin.register(ActionLogEntry)
class ActionLogEntryAdmin(ReviewersReadOnlyAdmin):
    list_display = ["at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__username", "action"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"
    fields = ["at", "actor", "action", "content_type", "object_id", "object_repr", "data"]
    readonly_fields = fields
