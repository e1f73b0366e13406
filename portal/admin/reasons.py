"""The vendor's list of reasons for Action Required and rejections, kept by reviewers."""

from django.contrib import admin

from portal.admin.catalogue import PlainTextAdmin
from portal.models import ReviewReason


@admin.register(ReviewReason)
class ReviewReasonAdmin(PlainTextAdmin):
    list_display = ["name", "name_pl", "code", "position", "is_active"]
    search_fields = ["name", "name_pl", "code"]
    fieldsets = [
        (None, {"fields": ["code", "position", "is_active"]}),
        ("English", {"fields": ["name", "guidance"]}),
        ("Polski", {"fields": ["name_pl", "guidance_pl"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Rejections point at their reason: retire one (not offered) instead.
        return False

    def get_readonly_fields(self, request, obj=None):
        # A reason's code is what older decisions and the code refer to.
        return ["code"] if obj is not None else []
