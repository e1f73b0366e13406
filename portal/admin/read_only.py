"""Admin pages of records the portal writes and reviewers only read."""

from django.contrib import admin

from portal import access


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nobody adds, changes or deletes these rows here; reviewers may run the page's
    actions (those declared with `permissions=["review"]`)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_review_permission(self, request) -> bool:
        return access.is_reviewer(request.user)


class ReviewersReadOnlyAdmin(ReadOnlyAdmin):
    """Read-only, and seen by reviewers only, whatever model permission another holds."""

    def has_view_permission(self, request, obj=None) -> bool:
        return access.is_reviewer(request.user)
