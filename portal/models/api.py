"""The partner API's keys and the webhooks partners and distributors subscribe to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models.deals import Deal
from portal.models.fields import user_link
from portal.models.organisations import Distributor, Partner


class PartnerApiToken(models.Model):
    """A partner user's personal key to the API; only its hash is stored, the key itself
    is shown once. It acts as its user, within its scope."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses it, e.g. “CRM sync”.")
    )
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partner API token")
        verbose_name_plural = _("partner API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"


class WebhookEvent(models.TextChoices):
    SUBMITTED = "deal.submitted", _("Submitted")
    APPROVED = "deal.approved", _("Approved, with the Deal Reg Number")
    REJECTED = "deal.rejected", _("Rejected, with the reason")
    ACTION_REQUIRED = "deal.action_required", _("Action Required")
    EXPIRING = "deal.expiring", _("Expires soon")
    EXPIRED = "deal.expired", _("Expired")
    WON = "deal.won", _("Won")
    LOST = "deal.lost", _("Lost")


class WebhookEndpoint(models.Model):
    """An HTTPS address of a partner or a distributor that receives the events it chose,
    signed with its secret. It is switched off after failing `WEBHOOK_DISABLE_AFTER` times
    in a row."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    created_by = user_link(blank=False)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Kept to sign with (HMAC needs it); shown to its owner only when made.
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    disabled_at = models.DateTimeField(_("switched off"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__isnull=False, distributor__isnull=True)
                | Q(partner__isnull=True, distributor__isnull=False),
                name="webhook_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
