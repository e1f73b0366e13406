"""The partner API seen by reviewers: partners' tokens (revocable, never shown) and the
webhook endpoints with every delivery, which a reviewer may send again."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import api_tokens, webhooks
from portal.admin.read_only import ReadOnlyAdmin
from portal.models import PartnerApiToken, WebhookDelivery, WebhookEndpoint


@admin.register(PartnerApiToken)
class PartnerApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name", "prefix"]
    exclude = ["token_hash"]
    actions = ["revoke_selected"]

    @admin.action(description=_("Revoke selected tokens"), permissions=["review"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[PartnerApiToken]):
        done = sum(api_tokens.revoke_token(token=t, by=request.user) for t in queryset)
        self.message_user(request, ngettext("%d token revoked.", "%d tokens revoked.", done) % done)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "partner", "distributor", "is_active", "failures", "disabled_at"]
    list_filter = ["is_active"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "event", "endpoint", "deal", "status", "attempts", "last_status_code",
        "next_attempt_at",
    ]  # fmt: skip
    list_filter = ["status", "event"]
    list_select_related = ["endpoint", "deal"]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected deliveries again"), permissions=["review"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]):
        sent = [webhooks.resend(d) for d in queryset.select_related("endpoint")]
        self.message_user(
            request,
            ngettext("%d delivery queued again.", "%d deliveries queued again.", len(sent))
            % len(sent),
            messages.SUCCESS,
        )
