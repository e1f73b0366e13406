"""The vendor's catalogue: product families, products, and the competitors named on deals."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductFamily(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product family")
        verbose_name_plural = _("product families")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """The vendor's catalogue; only active products can be registered."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("family"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["family__name", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def sort_key(self) -> tuple:
        """As people read a catalogue: "Firewall 400" before "Firewall 1000"."""
        parts = re.split(r"(\d+)", self.name.casefold())
        return (self.family.name.casefold(), [int(p) if p.isdigit() else p for p in parts])


class Competitor(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name
