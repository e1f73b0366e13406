"""The registered-deal discount: the programme's tier × product family matrix gives each
line's default, and the tier bounds what a reviewer may give instead."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.models import Deal, DealLine, TierDiscount

HUNDRED = Decimal(100)


def line_defaults(deal: Deal) -> dict[int, Decimal]:
    """{line pk: default discount} for the deal's lines, from the tier the partner had when
    it registered (`Deal.tier`): the matrix cell of the line's family, else the tier's
    default, else `DEAL_DEFAULT_DISCOUNT_PERCENT` for a partner in no tier."""
    lines = list(DealLine.objects.filter(deal=deal).select_related("product"))
    fallback = Decimal(str(settings.DEAL_DEFAULT_DISCOUNT_PERCENT))
    if deal.tier_id is None:
        return {line.pk: fallback for line in lines}
    cells = dict(
        TierDiscount.objects.filter(
            tier_id=deal.tier_id, family_id__in=[line.product.family_id for line in lines]
        ).values_list("family_id", "discount_percent")
    )
    tier_default = deal.tier.default_discount_percent
    return {line.pk: cells.get(line.product.family_id, tier_default) for line in lines}


def bound(deal: Deal) -> Decimal:
    """The highest discount a reviewer may give on this deal."""
    return deal.tier.max_discount_percent if deal.tier_id else HUNDRED


def check(deal: Deal, chosen: dict[int, Decimal], *, field=lambda pk: f"line_{pk}") -> None:
    """Refuse a discount outside 0 %…the tier's bound, beside the line's field."""
    top = bound(deal)
    errors = {}
    for pk, percent in chosen.items():
        if not Decimal(0) <= Decimal(percent) <= HUNDRED:
            errors[field(pk)] = _("The discount must be between 0 and 100%.")
        elif Decimal(percent) > top:
            errors[field(pk)] = _(
                "%(tier)s partners get at most %(max)s%% on a registered deal."
            ) % {"tier": deal.tier, "max": f"{top.normalize():f}"}
    if errors:
        raise ValidationError(errors)


def uniform(discounts: dict[int, Decimal]) -> Decimal | None:
    """The deal's one discount when every line has the same, else None."""
    values = set(discounts.values())
    return values.pop() if len(values) == 1 else None
