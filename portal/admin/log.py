"""The action log, read-only: every decision that is not a deal's status change."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.models import ActionLogEntry


@admin.register(ActionLogEntry)
class ActionLogEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__username", "action"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"
    fields = ["at", "actor", "action", "content_type", "object_id", "object_repr", "data"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return access.is_reviewer(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # The record of who decided what stays.
        return False

    @admin.display(description=_("object"))
    def object_link(self, obj: ActionLogEntry) -> str:
        return obj.object_repr
