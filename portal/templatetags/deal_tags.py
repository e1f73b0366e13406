"""Template helpers for deal pages: who sees the Sales Zone, status badges."""

import re

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.models import Deal, User

register = template.Library()

# What each status means, as the badge's tooltip. In Polish the badges of Submitted and
# Approved keep the vendor portal's English names, so this is where their Polish gloss shows.
STATUS_HINTS = {
    Deal.Status.DRAFT: _("Draft — not yet sent to the vendor"),
    Deal.Status.SUBMITTED: _("Submitted — waiting for the vendor's approval"),
    Deal.Status.ACTION_REQUIRED: _("Action Required — the vendor waits for your answer"),
    Deal.Status.APPROVED: _("Approved — the registration is confirmed and has its Deal Reg Number"),
    Deal.Status.REJECTED: _("Rejected by the vendor"),
    Deal.Status.WITHDRAWN: _("Withdrawn by the partner"),
    Deal.Status.EXPIRED: _("Expired — the registration's validity has ended"),
    Deal.Status.WON: _("Won — the customer placed the order"),
    Deal.Status.LOST: _("Lost — the customer chose otherwise"),
}


@register.filter
def may_register_deals(user: User) -> bool:
    """`{% if user|may_register_deals %}`: whether Register a Deal is for this user."""
    return access.may_register_deals(user)


@register.filter
def may_see_deals(user: User) -> bool:
    """`{% if user|may_see_deals %}`: whether the Sales Zone menu is for this user."""
    return access.may_use_sales_zone(user)


@register.simple_tag
def status_badge(deal_or_status, label: str = "") -> str:
    """`{% status_badge deal %}` or `{% status_badge value label %}`: the coloured status.

    Built in Python: a template per badge cost 25 template renders on every page of the
    Opportunity Manager."""
    if hasattr(deal_or_status, "get_status_display"):
        value, label = deal_or_status.status, deal_or_status.get_status_display()
    else:
        value = deal_or_status
    hint = STATUS_HINTS.get(value, "")
    title = format_html(' title="{}"', hint) if hint else ""
    return format_html(
        '<span class="badge status-{}" data-status="{}"{}>{}</span>', value, value, title, label
    )


DOUBLE_PERIOD = re.compile(r"(?<!\.)\.\.(?!\.)")


@register.filter(is_safe=True)
def one_period(text: str) -> str:
    """`{% filter one_period %}…{% endfilter %}` around a sentence that may end on a name or
    a time that ends with a period ("Sp. z o.o.", "7:30 p.m."): one period, not two (an
    ellipsis stays)."""
    return DOUBLE_PERIOD.sub(".", text)


@register.filter
def percent(fraction) -> str:
    """0.425 → "43%" in the page's number format; "" for None."""
    if fraction is None:
        return ""
    return f"{floatformat(fraction * 100, '0g')}%"


@register.filter
def money(deal) -> str:
    """A deal's (or a registration's) estimated value with its currency, in the page's
    number format ("150,000.00 PLN", "150 000,00 PLN"); "" without a value."""
    if deal.estimated_value is None:
        return ""
    return f"{floatformat(deal.estimated_value, '2g')} {deal.currency}".strip()
