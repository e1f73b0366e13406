"""Reads: which deals a user may see, and the queries the pages and admin share."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from portal.models import (
    Customer,
    Deal,
    DealComment,
    DealHistory,
    DealLine,
    User,
    normalize_tax_id,
)


def deals_visible_to(*, user: User) -> QuerySet[Deal]:
    """The deals `user` may see: their partner's, their distributor's, or all for vendor staff.

    Every portal list, page, export and action starts from this queryset, so a
    deal outside it does not exist for that user (404).
    """
    deals = Deal.objects.all()
    if not user.is_authenticated or not user.is_active:
        return deals.none()
    if user.partner_id:
        return deals.filter(partner_id=user.partner_id)
    if user.distributor_id:
        # Distributors never see a partner's unfinished draft.
        return deals.filter(distributor_id=user.distributor_id).exclude(status=Deal.Status.DRAFT)
    if user.is_superuser or user.has_perm("portal.review_deal"):
        return deals
    return deals.none()


def get_deal_for(*, user: User, pk: int) -> Deal:
    """The deal `pk` if `user` may see it; otherwise Http404, never another's data."""
    try:
        return deals_visible_to(user=user).get(pk=pk)
    except (Deal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def conflicts_for(
    *, customer_id: int, product_ids: Iterable[int], partner_id: int
) -> QuerySet[Deal]:
    """Other partners' live registrations for this customer with a product in common.

    Live means Submitted, or Approved and still within its validity. The wizard
    asks this before a deal exists; `conflicting_deals` asks it for a saved deal.
    """
    return (
        Deal.objects.filter(customer_id=customer_id, lines__product_id__in=product_ids)
        .exclude(partner_id=partner_id)
        .filter(
            Q(status=Deal.Status.SUBMITTED)
            | Q(status=Deal.Status.APPROVED, validity_end__gte=timezone.localdate())
        )
        .distinct()
        .select_related("partner")
        .order_by("submitted_at")
    )


def conflicting_deals(*, deal: Deal) -> QuerySet[Deal]:
    """`conflicts_for` the customer, products and partner of a saved deal."""
    return conflicts_for(
        customer_id=deal.customer_id,
        product_ids=deal.lines.values("product_id"),
        partner_id=deal.partner_id,
    )


CUSTOMER_SEARCH_LIMIT = 20


def search_customers(*, query: str, limit: int = CUSTOMER_SEARCH_LIMIT) -> list[Customer]:
    """Customers whose name or website contains `query`, or whose tax ID starts with it.

    The tax ID is compared normalised ('PL 123-456', '123456' and 'pl123456' all
    match), so a partner finds a customer however its NIP was typed. Customers
    are shared by the whole portal. At most `limit` rows, in one query.
    """
    query = " ".join((query or "").split())[:100]
    if len(query) < 2:
        return []
    site = query.lower().removeprefix("https://").removeprefix("http://")
    site = site.removeprefix("www.").rstrip("/")
    condition = Q(name__icontains=query)
    if site:
        condition |= Q(website__icontains=site)
    tax_id = normalize_tax_id(query)
    if any(c.isdigit() for c in tax_id):
        condition |= Q(tax_id_normalized__startswith=tax_id)
    return list(
        Customer.objects.filter(condition)
        .only("pk", "name", "tax_id", "city", "country", "website")
        .order_by("name", "pk")[:limit]
    )


def _live_q(prefix: str = "") -> Q:
    """Submitted, or Approved and still within its validity: the registrations that conflict."""
    return Q(**{f"{prefix}status": Deal.Status.SUBMITTED}) | Q(
        **{
            f"{prefix}status": Deal.Status.APPROVED,
            f"{prefix}validity_end__gte": timezone.localdate(),
        }
    )


def conflicts_with_details(*, deal: Deal) -> list[Deal]:
    """`conflicting_deals` for the reviewers' deal page, each with what the reviewer compares.

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
            _live_q("deal__"),
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


def conflict_notice_for_partner(
    *, customer_id: int, product_ids: Iterable[int], partner_id: int
) -> datetime.datetime | None:
    """For the partner's eyes: since when another partner holds this customer and a product.

    Returns only the earliest submission time of the conflicting registrations
    (None when there is none) — never which partner, which deal, status or
    products, because all of that is another organisation's data.
    """
    return (
        Deal.objects.filter(_live_q(), customer_id=customer_id, lines__product_id__in=product_ids)
        .exclude(partner_id=partner_id)
        .aggregate(since=Min("submitted_at"))["since"]
    )


def conflict_notice_for_deal(*, deal: Deal) -> datetime.datetime | None:
    """`conflict_notice_for_partner` for a saved deal (its deal page)."""
    return conflict_notice_for_partner(
        customer_id=deal.customer_id,
        product_ids=deal.lines.values("product_id"),
        partner_id=deal.partner_id,
    )


def overdue_decision_count(*, now: datetime.datetime | None = None) -> int:
    """How many submitted deals are past their decision-due time (one COUNT query)."""
    return Deal.objects.filter(
        status=Deal.Status.SUBMITTED, decision_due_at__lt=now or timezone.now()
    ).count()


def is_reviewer(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm("portal.review_deal"))


def comments_visible_to(*, user: User, deal: Deal) -> QuerySet[DealComment]:
    """The comments on `deal` that `user` may read, oldest first.

    Reviewers read everything, internal notes included. Partner staff of the
    deal's partner and distributor staff of its distributor read the
    partner-visible thread only. Anyone else reads nothing. The caller has
    already checked that `user` may see `deal` (`get_deal_for`).
    """
    comments = DealComment.objects.filter(deal=deal).select_related("author")
    if is_reviewer(user):
        return comments
    if (user.partner_id and user.partner_id == deal.partner_id) or (
        user.distributor_id and user.distributor_id == deal.distributor_id
    ):
        return comments.filter(is_internal=False)
    return comments.none()


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "status", "extension" or "comment"
    by: User | None
    text: str
    history: DealHistory | None = None
    comment: DealComment | None = None

    @property
    def is_internal(self) -> bool:
        return bool(self.comment and self.comment.is_internal)


def deal_timeline(*, user: User, deal: Deal) -> list[TimelineEntry]:
    """The deal's history and the comments `user` may read, merged by time. Two queries."""
    entries = [
        TimelineEntry(
            at=h.at,
            kind="extension" if h.from_status == h.to_status else "status",
            by=h.by,
            text=h.note,
            history=h,
        )
        for h in deal.history.select_related("by")
    ]
    entries += [
        TimelineEntry(at=c.created_at, kind="comment", by=c.author, text=c.body, comment=c)
        for c in comments_visible_to(user=user, deal=deal)
    ]
    return sorted(entries, key=lambda e: e.at)
