"""Reviewers' decisions on deals that are more than one transition."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal import comments, workflow
from portal.decisions import log_action
from portal.models import Deal, ReviewReason, User
from portal.review_selectors import conflicts_with_details


def earlier_conflicts(deal: Deal) -> list[Deal]:
    """Other partners' live registrations for the same customer and a product in common
    that were submitted before `deal`: what an approval would overrule."""
    return [other for other in conflicts_with_details(deal=deal) if other.came_first]


def conflict_sentence(others: list[Deal]) -> str:
    return _(
        "It conflicts with an earlier registration by another partner: %(deals)s. "
        "Confirm to approve it anyway."
    ) % {
        "deals": "; ".join(
            f"{o.deal_reg_number or f'#{o.pk}'} ({o.partner.name}, "
            f"{date_format(timezone.localtime(o.submitted_at).date())})"
            for o in others
        )
    }


def approve(*, deal: Deal, by: User, confirm_conflicts: bool = False, **decision) -> Deal:
    """Approve through the workflow, unless an earlier registration by another partner
    conflicts and the reviewer has not confirmed overruling it (ValidationError naming it)."""
    if not confirm_conflicts:
        others = earlier_conflicts(deal)
        if others:
            raise ValidationError({"confirm_conflicts": [conflict_sentence(others)]})
    return workflow.approve(deal=deal, by=by, **decision)


@transaction.atomic
def reject_as_duplicate(*, deal: Deal, by: User) -> Deal:
    """Reject `deal` as a duplicate of the earliest live registration by another partner.

    The partner reads a reason that names the date only, never the other partner or their
    deal; the reviewers' internal note and the action log record which deal it was.
    Raises `workflow.DealTransitionError` when no other partner registered first.
    """
    earlier = earlier_conflicts(deal)
    if not earlier:
        raise workflow.DealTransitionError(
            _("No earlier registration by another partner: not rejected as a duplicate.")
        )
    first = earlier[0]
    since = date_format(timezone.localtime(first.submitted_at).date())
    reason = _(
        "Duplicate registration: this customer and product were already registered "
        "by another partner on %(date)s."
    ) % {"date": since}
    duplicate = ReviewReason.objects.filter(code="duplicate").first()
    workflow.reject(deal=deal, by=by, reason=reason, reason_code=duplicate)
    comments.add_comment(
        deal=deal,
        author=by,
        internal=True,
        body=_("Rejected as a duplicate of %(other)s (%(partner)s, submitted %(date)s).")
        % {
            "other": first.deal_reg_number or f"#{first.pk}",
            "partner": first.partner.name,
            "date": since,
        },
    )
    log_action(deal, "deal.rejected_as_duplicate", by=by, data={"duplicate_of": first.pk})
    return deal
