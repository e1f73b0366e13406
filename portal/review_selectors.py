"""Reads for the vendor reviewers only: conflicting registrations and the decision SLA.

These carry other partners' deals, so the portal's views (partners, distributors)
never use them; they see only the date-only notice in `portal.selectors`.
"""

import datetime
from collections.abc import Iterable

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.conflicts import live_q
from portal.models import Deal, DealLine


def conflicts_for(
    *, customer_id: int, product_ids: Iterable[int], partner_id: int
) -> QuerySet[Deal]:
    """Other partners' live registrations for this customer with a product in common.

    Live is `conflicts.live_q`: undecided, or Approved and still within its validity. The wizard
    asks this before a deal exists; `conflicts_with_details` asks it for a saved deal.
    """
    return (
        Deal.objects.filter(customer_id=customer_id, lines__product_id__in=product_ids)
        .exclude(partner_id=partner_id)
        .filter(live_q())
        .distinct()
        .select_related("partner")
        .order_by("submitted_at")
    )


def conflicts_with_details(*, deal: Deal) -> list[Deal]:
    """`conflicts_for` a saved deal, each with what the reviewer compares on its page.

    Each returned deal carries `common_lines` (its lines whose product is also on
    `deal`) and `came_first` (True when it was submitted before `deal`). Two queries.
    """
    product_ids = list(deal.lines.values_list("product_id", flat=True))
    others = list(
        conflicts_for(
            customer_id=deal.customer_id, product_ids=product_ids, partner_id=deal.partner_id
        ).prefetch_related(
            Prefetch(
                "lines",
                queryset=DealLine.objects.filter(product_id__in=product_ids).select_related(
                    "product"
                ),
                to_attr="common_lines",
            )
        )
    )
    for other in others:
        other.came_first = bool(
            other.submitted_at
            and (deal.submitted_at is None or other.submitted_at < deal.submitted_at)
        )
    return others


def with_conflict_counts(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """Annotate `conflict_count`: other partners' live deals for the customer sharing a product.

    One correlated subquery in the list query, so a queue of any length costs no
    extra query per row.
    """
    own_products = DealLine.objects.filter(deal_id=OuterRef(OuterRef("pk"))).values("product_id")
    others = (
        DealLine.objects.filter(
            live_q("deal__"),
            deal__customer_id=OuterRef("customer_id"),
            product_id__in=own_products,
        )
        .exclude(deal__partner_id=OuterRef("partner_id"))
        .order_by()
        .values("deal__customer_id")
        .annotate(n=Count("deal_id", distinct=True))
        .values("n")
    )
    return deals.annotate(conflict_count=Coalesce(Subquery(others, output_field=IntegerField()), 0))


def overdue_decision_count(*, now: datetime.datetime | None = None) -> int:
    """How many submitted deals are past their decision-due time (one COUNT query)."""
    return Deal.objects.filter(
        status=Deal.Status.SUBMITTED, decision_due_at__lt=now or timezone.now()
    ).count()
