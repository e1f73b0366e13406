"""Template tags of the reviewers' admin."""

from django import template

from portal import access
from portal.review_selectors import overdue_decision_count

register = template.Library()


@register.simple_tag(takes_context=True)
def overdue_deals(context) -> int | None:
    """Submitted deals past their decision-due time, for reviewers; one COUNT query."""
    request = context.get("request")
    if request is None or not access.is_reviewer(request.user):
        return None
    return overdue_decision_count()
