"""Partner applications and distributor API tokens: how organisations get in."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from portal import tax_ids
from portal.models.fields import user_link
from portal.models.organisations import Distributor, Partner


class DistributorApiToken(models.Model):
    """A distributor's key to the Deal Reg Number check API; only its hash is stored."""

    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("distributor"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses it, e.g. “ERP order import”.")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["distributor__name", "-created_at"]
        verbose_name = _("distributor API token")
        verbose_name_plural = _("distributor API tokens")

    def __str__(self) -> str:
        return f"{self.distributor} · {self.name} ({self.prefix}…)"


class PartnerApplication(models.Model):
    """A company's request for partner access, decided by a vendor reviewer.

    Approval (in `portal.applications`) creates the Partner and an inactive user
    who sets a password from the e-mailed link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    company_name = models.CharField(_("company name"), max_length=200)
    tax_id = models.CharField(_("tax ID"), max_length=32, help_text=_("NIP or VAT number."))
    tax_id_normalized = models.CharField(max_length=32, editable=False)
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=16)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="PL")
    contact_first_name = models.CharField(_("first name"), max_length=100)
    contact_last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40)
    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.PROTECT,
        related_name="partner_applications",
        verbose_name=_("distributor you buy from"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en", editable=False
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True, editable=False)
    partner = models.OneToOneField(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="application",
        verbose_name=_("partner"),
    )
    decided_by = user_link(_("decided by"), editable=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("applied"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        constraints = [
            # One live application per company and per e-mail; a rejected one may reapply.
            models.UniqueConstraint(
                fields=["tax_id_normalized", "country"],
                condition=Q(status__in=["pending", "approved"]),
                name="partner_application_tax_id_unique_live",
                violation_error_message=_("An application for this tax ID already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(status__in=["pending", "approved"]),
                name="partner_application_email_unique_live",
                violation_error_message=_("An application with this e-mail already exists."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="partner_application_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.tax_id})"

    def save(self, *args, **kwargs) -> None:
        self.country = (self.country or "").upper()
        self.tax_id_normalized = tax_ids.compact(self.tax_id, self.country)
        super().save(*args, **kwargs)

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first_name} {self.contact_last_name}"
