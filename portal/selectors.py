"""Reads: which deals a user may see, and the queries the pages and admin share."""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.contrib.auth.models import Permission
from django.db.models import Count, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from portal.models import Deal, DealHistory, DealLine, Distributor, Partner, ProductFamily, User


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
    if is_deal_reviewer(user):
        return deals
    return deals.none()


def is_deal_reviewer(user: User) -> bool:
    """Vendor staff who may see every deal: superusers and holders of `portal.review_deal`.

    Same answer as `user.has_perm("portal.review_deal")` under the ModelBackend, but
    in one query instead of two (user and group permissions), cached on the user
    object for the request, so that a reviewer's page stays within its query budget.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.partner_id or user.distributor_id:
        return False
    cached = getattr(user, "_dealreg_is_reviewer", None)
    if cached is None:
        cached = (
            Permission.objects.filter(content_type__app_label="portal", codename="review_deal")
            .filter(Q(user=user) | Q(group__user=user))
            .exists()
        )
        user._dealreg_is_reviewer = cached
    return cached


def may_see_deals(user: User) -> bool:
    """Whether the portal's deal pages (Sales Zone) are for this user at all."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.partner_id or user.distributor_id or is_deal_reviewer(user))


def get_deal_for(*, user: User, pk: int) -> Deal:
    """The deal `pk` if `user` may see it; otherwise Http404, never another's data."""
    return _get_or_404(deals_visible_to(user=user), pk)


def _get_or_404(deals: QuerySet[Deal], pk: int) -> Deal:
    try:
        return deals.get(pk=pk)
    except (Deal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def with_table_columns(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """`deals` with what a row of the Opportunity Manager (and its export) shows.

    One query for the rows and one for all their products, whatever the number of rows.
    """
    return deals.select_related("customer", "partner", "distributor").prefetch_related(
        Prefetch(
            "lines",
            queryset=DealLine.objects.select_related("product").order_by("position"),
        )
    )


def get_deal_page_for(*, user: User, pk: int) -> Deal:
    """`get_deal_for` with everything the deal page shows, in a fixed number of queries."""
    deals = deals_visible_to(user=user).select_related(
        "customer", "customer_contact", "partner", "distributor", "registered_by"
    )
    deals = deals.prefetch_related(
        Prefetch(
            "lines",
            queryset=DealLine.objects.select_related("product__family").order_by("position"),
        ),
        "contacts",
        "competitors",
        Prefetch("history", queryset=DealHistory.objects.select_related("by")),
    )
    return _get_or_404(deals, pk)


def status_counts(deals: QuerySet[Deal]) -> dict[str, int]:
    """{status: number of deals} over `deals`, in one aggregate query."""
    return dict(deals.order_by().values_list("status").annotate(n=Count("pk")))


def recently_assigned_deals(*, user: User, days: int = 14, limit: int = 10) -> QuerySet[Deal]:
    """Live deals (Submitted or Approved) that `user` may see and that were submitted or
    approved in the last `days` days, newest submission first.

    For distributor staff this is "what was newly assigned to us".
    """
    since = timezone.now() - datetime.timedelta(days=days)
    deals = deals_visible_to(user=user).filter(
        Q(submitted_at__gte=since) | Q(approved_at__gte=since),
        status__in=[Deal.Status.SUBMITTED, Deal.Status.APPROVED],
    )
    return with_table_columns(deals).order_by("-submitted_at", "-pk")[:limit]


@dataclass
class FilterChoices:
    """The choices of the Opportunity Manager's drop-down filters, scoped to one user."""

    distributors: list[tuple[int, str]] = field(default_factory=list)
    families: list[tuple[int, str]] = field(default_factory=list)
    partners: list[tuple[int, str]] = field(default_factory=list)


def filter_choices(*, user: User) -> FilterChoices:
    """Distributors, product families and (for everyone but partner staff) partners.

    Distributors and families are not secret. Partners are listed only to users who
    are not partner staff, and only those with a deal the user may see. All three
    lists come from one UNION query, to keep the list page within its query budget.
    """
    lists = [
        Distributor.objects.values_list(Value("distributors"), "pk", "name"),
        ProductFamily.objects.values_list(Value("families"), "pk", "name"),
    ]
    if not user.partner_id:
        lists.append(
            Partner.objects.filter(
                pk__in=deals_visible_to(user=user).order_by().values("partner_id")
            ).values_list(Value("partners"), "pk", "name")
        )
    choices = FilterChoices()
    rows = lists[0].order_by().union(*(q.order_by() for q in lists[1:]), all=True)
    for kind, pk, name in sorted(rows, key=lambda row: (row[0], row[2].casefold(), row[1])):
        getattr(choices, kind).append((pk, name))
    return choices


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


@dataclass
class ExportRow:
    """One deal of the Opportunity Manager export, as plain values."""

    deal_reg_number: str | None
    status: str
    customer_name: str
    customer_tax_id: str
    distributor_name: str
    partner_name: str
    expected_close_date: datetime.date
    submitted_at: datetime.datetime | None
    validity_end: datetime.date | None
    discount_percent: Decimal | None
    opportunity_id: str
    products: list[tuple[str, str, int]] = field(default_factory=list)  # name, SKU, quantity


EXPORT_COLUMNS = [
    "pk",
    "deal_reg_number",
    "status",
    "customer__name",
    "customer__tax_id",
    "distributor__name",
    "partner__name",
    "expected_close_date",
    "submitted_at",
    "validity_end",
    "discount_percent",
    "opportunity_id",
]


def export_rows(deals: QuerySet[Deal], *, chunk_size: int = 2000) -> Iterator[ExportRow]:
    """Every deal of `deals` (already scoped and filtered), in its order, as plain rows.

    Streams through the table with a cursor: one query for the deals and one per
    `chunk_size` deals for their products, and plain tuples instead of model
    instances, so a very long export stays cheap in memory and time.
    """
    rows = deals.values_list(*EXPORT_COLUMNS).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        products: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
        lines = (
            DealLine.objects.filter(deal_id__in=[row[0] for row in chunk])
            .order_by("deal_id", "position")
            .values_list("deal_id", "product__name", "product__sku", "quantity")
        )
        for deal_id, name, sku, quantity in lines:
            products[deal_id].append((name, sku, quantity))
        for pk, *values in chunk:
            yield ExportRow(*values, products=products[pk])
