"""The channel's organisations and their people: partners, distributors, users."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import tax_ids
from portal.models.fields import optional_link


class Partner(models.Model):
    """A reseller organisation; its staff register deals."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    tax_id = models.CharField(_("tax ID"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    city = models.CharField(_("city"), max_length=100, blank=True)
    tier = optional_link(
        "portal.ProgrammeTier",
        _("programme tier"),
        on_delete=models.PROTECT,
        related_name="partners",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.country = (self.country or "").upper()
        if self.tax_id:
            try:
                self.tax_id = tax_ids.parse(self.tax_id, self.country).display
            except ValidationError as error:
                raise ValidationError({"tax_id": error}) from None


class Distributor(models.Model):
    """A distributor; its staff see, read-only, the deals that name it."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("distributor")
        verbose_name_plural = _("distributors")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A portal user: partner staff, distributor staff, or vendor staff (neither)."""

    partner = optional_link(Partner, _("partner"), on_delete=models.PROTECT, related_name="users")
    distributor = optional_link(
        Distributor,
        _("distributor"),
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__isnull=True) | Q(distributor__isnull=True),
                name="user_in_at_most_one_organisation",
                violation_error_message=_(
                    "A user belongs to at most one organisation: a partner or a distributor."
                ),
            ),
        ]

    @property
    def organisation(self) -> Partner | Distributor | None:
        return self.partner or self.distributor
