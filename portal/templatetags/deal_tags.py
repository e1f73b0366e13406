"""Template helpers for deal pages: who sees the Sales Zone, status badges."""

from django import template

from portal import selectors
from portal.models import User

register = template.Library()


@register.filter
def may_see_deals(user: User) -> bool:
    """`{% if user|may_see_deals %}`: whether the Sales Zone menu is for this user."""
    return selectors.may_see_deals(user)


@register.inclusion_tag("portal/deals/_status_badge.html")
def status_badge(deal_or_status, label: str = "") -> dict:
    """`{% status_badge deal %}` or `{% status_badge value label %}`: the coloured status."""
    if hasattr(deal_or_status, "get_status_display"):
        return {"value": deal_or_status.status, "label": deal_or_status.get_status_display()}
    return {"value": deal_or_status, "label": label}
