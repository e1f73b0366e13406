"""Channel conflicts as the partner may see them: dates and outcomes, never which partner or
which deal (the reviewers' view, with the other deals, is `portal.review_selectors`)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from portal.models import Deal, DealLine

# Waiting on the vendor or on the partner (Action Required): not decided, so still live.
UNDECIDED = (Deal.Status.SUBMITTED, Deal.Status.ACTION_REQUIRED)


def live_q(prefix: str = "") -> Q:
    """Undecided, or Approved and still within its validity: the registrations that conflict."""
    return Q(**{f"{prefix}status__in": UNDECIDED}) | Q(
        **{
            f"{prefix}status": Deal.Status.APPROVED,
            f"{prefix}validity_end__gte": timezone.localdate(),
        }
    )


def conflict_notice_for_partner(
    *, customer_id: int, product_ids: Iterable[int], partner_id: int
) -> datetime.datetime | None:
    """For the partner's eyes: since when another partner holds this customer and a product.

    Returns only the earliest submission time of the conflicting registrations
    (None when there is none) — never which partner, which deal, status or
    products, because all of that is another organisation's data.
    """
    return (
        Deal.objects.filter(live_q(), customer_id=customer_id, lines__product_id__in=product_ids)
        .exclude(partner_id=partner_id)
        .aggregate(since=Min("submitted_at"))["since"]
    )


@dataclass(frozen=True)
class ProductConflict:
    """For the partner's eyes, per product: another partner holds this customer and product
    — until when (an approved registration), or since when (one awaiting the vendor).
    Never which partner or which deal."""

    until: datetime.date | None = None
    since: datetime.datetime | None = None


def product_conflicts_for_partner(
    *, customer_id: int, product_ids: Iterable[int], partner_id: int
) -> dict[int, ProductConflict]:
    """{product id: ProductConflict} for the products another partner has registered live
    for this customer; one query."""
    rows = (
        DealLine.objects.filter(
            live_q("deal__"), deal__customer_id=customer_id, product_id__in=list(product_ids)
        )
        .exclude(deal__partner_id=partner_id)
        .values_list("product_id", "deal__status", "deal__validity_end", "deal__submitted_at")
    )
    found: dict[int, ProductConflict] = {}
    for product_id, status, validity_end, submitted_at in rows:
        known = found.get(product_id, ProductConflict())
        if status == Deal.Status.APPROVED:
            until = max(filter(None, [known.until, validity_end]))
            found[product_id] = ProductConflict(until=until, since=known.since)
        else:
            since = min(filter(None, [known.since, submitted_at]))
            found[product_id] = ProductConflict(until=known.until, since=since)
    return found


def with_conflict_since(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """Annotate `conflict_since`: `conflict_notice_for_partner` of each deal, in the deal query.

    Only a date, never which partner or deal: safe to annotate for partner staff.
    """
    own_products = DealLine.objects.filter(deal_id=OuterRef(OuterRef("pk"))).values("product_id")
    since = (
        Deal.objects.filter(
            live_q(), customer_id=OuterRef("customer_id"), lines__product_id__in=own_products
        )
        .exclude(partner_id=OuterRef("partner_id"))
        .order_by()
        .values("customer_id")
        .annotate(since=Min("submitted_at"))
        .values("since")
    )
    others = (
        Deal.objects.filter(customer_id=OuterRef("customer_id"), lines__product_id__in=own_products)
        .exclude(partner_id=OuterRef("partner_id"))
        .exclude(status=Deal.Status.DRAFT)
    )
    return deals.annotate(
        conflict_since=Subquery(since),
        # For the notice to follow the outcome: was there a competing registration at all,
        # and did the vendor approve one (it carries a number)?
        conflict_ever=Exists(others),
        conflict_other_approved=Exists(
            others.filter(status__in=[str(s) for s in Deal.NUMBERED_STATUSES])
        ),
    )
