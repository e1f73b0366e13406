"""The partner programme: tiers, the registered-deal discount matrix, and the decision rules
that decide the clear registrations. What a rule matches is `portal.decision_rules`."""

from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models.catalogue import ProductFamily
from portal.models.fields import optional_link, user_link
from portal.models.organisations import Distributor

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def _percent(label, **kwargs):
    return models.DecimalField(label, max_digits=5, decimal_places=2, validators=PERCENT, **kwargs)


class ProgrammeTier(models.Model):
    """A grade of the partner programme (Registered, Silver, Gold…): the discount its
    partners' registered deals get by default, and how far a reviewer may go above it."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=1, help_text=_("Higher ranks are the programme's higher tiers.")
    )
    default_discount_percent = _percent(
        _("default discount (%)"),
        help_text=_("For a product family the matrix does not name."),
    )
    max_discount_percent = _percent(
        _("highest discount a reviewer may give (%)"),
    )

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("programme tier")
        verbose_name_plural = _("programme tiers")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_discount_percent__lte=F("max_discount_percent")),
                name="tier_default_within_bound",
                violation_error_message=_(
                    "The default discount cannot be above the highest discount."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TierDiscount(models.Model):
    """One cell of the discount matrix: tier × product family."""

    tier = models.ForeignKey(ProgrammeTier, on_delete=models.CASCADE, related_name="discounts")
    family = models.ForeignKey(
        ProductFamily, on_delete=models.CASCADE, related_name="+", verbose_name=_("family")
    )
    discount_percent = _percent(_("discount (%)"))

    class Meta:
        ordering = ["tier", "family__name"]
        verbose_name = _("discount")
        verbose_name_plural = _("discount matrix")
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "family"],
                name="tier_discount_unique",
                violation_error_message=_("This family already has a discount in this tier."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier} × {self.family}: {self.discount_percent}%"


class DecisionRule(models.Model):
    """Conditions over a registration and what happens when they all hold. Active rules
    are tried in `position` order at submission; the first that matches decides. Every
    change of a rule's definition is a new version (`DecisionRuleVersion`)."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approve automatically with the matrix discount")
        ROUTE = "route", _("Route to a reviewer or a queue")
        SECOND_APPROVER = "second_approver", _("Require a second approver")

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("order"), default=10)
    is_active = models.BooleanField(
        _("switched on"),
        default=False,
        help_text=_("Try the dry run before switching a rule on."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Conditions; an empty one holds for every registration.
    no_conflict = models.BooleanField(
        _("no conflict"),
        default=False,
        help_text=_("Only registrations no other partner's live registration conflicts with."),
    )
    tiers = models.ManyToManyField(
        ProgrammeTier, blank=True, related_name="+", verbose_name=_("partner tiers")
    )
    families = models.ManyToManyField(
        ProductFamily,
        blank=True,
        related_name="+",
        verbose_name=_("product families"),
        help_text=_("Every product of the registration must be of one of these families."),
    )
    min_value = models.DecimalField(
        _("estimated value at least"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("estimated value at most"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    countries = models.CharField(
        _("customer countries"),
        max_length=200,
        blank=True,
        help_text=_("Two-letter codes separated by commas, e.g. PL, CZ."),
    )
    distributors = models.ManyToManyField(
        Distributor, blank=True, related_name="+", verbose_name=_("distributors")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    route_to_reviewer = user_link(_("route to reviewer"), on_delete=models.PROTECT)
    route_to_queue = optional_link(
        Group,
        _("route to queue"),
        on_delete=models.PROTECT,
        help_text=_("A group of reviewers."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("decision rule")
        verbose_name_plural = _("decision rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="rule_value_range",
                violation_error_message=_("The lowest value cannot be above the highest."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def country_codes(self) -> list[str]:
        return [c.strip().upper() for c in self.countries.split(",") if c.strip()]


class DecisionRuleVersion(models.Model):
    """What a rule said in one version: the history's record of an automatic decision
    points at the rule and this number."""

    rule = models.ForeignKey(DecisionRule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    saved_at = models.DateTimeField(_("saved"), auto_now_add=True)
    saved_by = user_link(_("by"))

    class Meta:
        ordering = ["rule", "-version"]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="rule_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule} v{self.version}"
