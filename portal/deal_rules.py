"""What a deal must meet to be submitted, and how far ahead its dates may lie: the rules
the workflow checks last, and whose sentences the forms show next to their fields."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import MAX_PRODUCTS_PER_DEAL, Deal
from portal.models.deals import SAME_PRODUCT_TWICE, TOO_MANY_PRODUCTS

DISTRIBUTOR_REQUIRED = gettext_lazy(
    "Choose the distributor: without it the distributor does not see the project."
)


# How far ahead any date of a deal may lie (close date, validity end): past it a typo
# like 9999-12-31, not a plan, and date arithmetic on it would overflow.
MAX_YEARS_AHEAD = 10


def latest_date() -> datetime.date:
    """The last day a deal's dates may name: `MAX_YEARS_AHEAD` years from today."""
    today = timezone.localdate()
    return today.replace(year=today.year + MAX_YEARS_AHEAD, day=min(today.day, 28))


def not_too_far(date: datetime.date | None) -> None:
    """A validator for every date a user gives a deal: refuses one past `latest_date()`."""
    if date is not None and date > latest_date():
        raise ValidationError(
            _("Choose a date before %(date)s.") % {"date": date_format(latest_date())},
            code="too_far",
        )


def bounded(field: str, date: datetime.date) -> None:
    """`not_too_far` for a service: the refusal names `field`."""
    try:
        not_too_far(date)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def close_date_problem(date: datetime.date | None) -> str | None:
    """Why a submitted deal's expected close date is refused, or None: it must be ahead."""
    if date is not None and date <= timezone.localdate():
        return _("The expected close date must be in the future.")
    return None


def validate_for_submission(deal: Deal) -> None:
    """Raise ValidationError with one sentence per rule a submitted deal must meet."""
    errors: dict[str, list[str]] = {}
    lines = list(deal.lines.select_related("product"))
    if not lines:
        errors.setdefault("products", []).append(_("Choose at least one product."))
    if len(lines) > MAX_PRODUCTS_PER_DEAL:
        errors.setdefault("products", []).append(TOO_MANY_PRODUCTS)
    if len({line.product_id for line in lines}) != len(lines):
        errors.setdefault("products", []).append(SAME_PRODUCT_TWICE)
    inactive = [line.product.name for line in lines if not line.product.is_active]
    if inactive:
        errors.setdefault("products", []).append(
            _("These products can no longer be registered: %(names)s.")
            % {"names": ", ".join(inactive)}
        )
    if not deal.distributor_id:
        errors.setdefault("distributor", []).append(DISTRIBUTOR_REQUIRED)
    if problem := close_date_problem(deal.expected_close_date):
        errors.setdefault("expected_close_date", []).append(problem)
    if deal.customer_contact.customer_id != deal.customer_id:
        errors.setdefault("customer_contact", []).append(
            _("This contact works for another customer.")
        )
    if errors:
        raise ValidationError(errors)
