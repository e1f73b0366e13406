"""Distributor API tokens: created in the admin, shown once, revoked (never deleted)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.dealregcheck import create_api_token, revoke_api_tokens
from portal.inputs import PlainTextModelForm
from portal.models import (
    DistributorApiToken,
)


class DistributorApiTokenForm(PlainTextModelForm):
    class Meta:
        model = DistributorApiToken
        fields = ["distributor", "name"]


@admin.register(DistributorApiToken)
class DistributorApiTokenAdmin(admin.ModelAdmin):
    """Tokens for distributors' ordering systems; the token is shown once, at creation."""

    list_display = ["distributor", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["distributor"]
    list_select_related = ["distributor"]
    actions = ["revoke_selected"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DistributorApiTokenForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["distributor", "name"]
        return ["distributor", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["distributor", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoke instead, so "last used" stays on record.
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        row, token = create_api_token(distributor=obj.distributor, name=obj.name, by=request.user)
        obj.pk = row.pk
        obj.token_hash, obj.prefix, obj.created_at = row.token_hash, row.prefix, row.created_at
        obj._state.adding = False
        self.message_user(
            request,
            format_html(
                '{} <code data-testid="new-api-token">{}</code>',
                _("Copy the token now; it is not shown again:"),
                token,
            ),
            messages.WARNING,
        )
        return None

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[DistributorApiToken]):
        count = revoke_api_tokens(tokens=queryset, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
