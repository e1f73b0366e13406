"""Reads: which deals a user may see, and the queries the pages and admin share.

The reviewers'-only queries (conflicting registrations, the decision SLA) are in
`portal.review_selectors`: they carry other partners' deals.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Count,
    FilteredRelation,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from portal import choice_cache, search
from portal.access import (
    contact_details_visible,
    deals_visible_to,
    get_visible_or_404,
    is_reviewer,
)
from portal.conflicts import with_conflict_since
from portal.models import (
    Customer,
    Deal,
    DealAttachment,
    DealComment,
    DealContact,
    DealHistory,
    DealLine,
    ExtensionRequest,
    Partner,
    User,
)


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


# The columns a row of the Opportunity Manager shows (`portal.templatetags.deal_rows`),
# which hold every sort key too: a page reads no other column of a deal or its relations.
TABLE_ROW_FIELDS = (
    "status", "deal_reg_number", "name", "estimated_value", "currency",
    "expected_close_date", "submitted_at", "validity_end",
    "customer", "customer__name", "customer__tax_id",
    "partner", "partner__name", "distributor", "distributor__name",
)  # fmt: skip


def table_rows(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """`with_table_columns` for a page of the table: only what its rows show (a third
    less to read and build than whole deals, customers and partners)."""
    return with_table_columns(deals).only(*TABLE_ROW_FIELDS)


PAGE_RELATED = [
    "customer", "customer_contact", "partner", "distributor", "registered_by",
    "rejection_reason_code",
]  # fmt: skip


def get_deal_page_for(*, user: User, pk: int) -> Deal:
    """`get_deal_for` with everything the deal page shows, in a fixed number of queries.

    The deal row also carries its partner contacts (`partner_contacts`, at most one
    per role, joined instead of prefetched) and, for partner staff only,
    `conflict_since` (see `with_conflict_since`). Prefetched: lines,
    competitors, history, the comments `user` may read (`visible_comments`) and the
    extension requests. Six queries whatever the data.
    """
    roles = sorted(DealContact.Role.values)
    contacts = {
        f"contact_{role}": FilteredRelation("contacts", condition=Q(contacts__role=role))
        for role in roles
    }
    deals = (
        deals_visible_to(user=user).annotate(**contacts).select_related(*PAGE_RELATED, *contacts)
    )
    if user.partner_id:
        deals = with_conflict_since(deals)
    deals = deals.annotate(
        contact_details_visible=contact_details_visible(user, "customer_contact_id")
    )
    deals = deals.prefetch_related(
        Prefetch(
            "lines",
            queryset=DealLine.objects.select_related("product__family").order_by("position"),
        ),
        "competitors",
        Prefetch("history", queryset=DealHistory.objects.select_related("by")),
        Prefetch("comments", queryset=_comments_readable_by(user), to_attr="visible_comments"),
        Prefetch(
            "extension_requests",
            queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by"),
        ),
        Prefetch("attachments", queryset=DealAttachment.objects.select_related("uploaded_by")),
    )
    deal = get_visible_or_404(deals, pk)
    deal.partner_contacts = [
        contact for contact in (getattr(deal, name, None) for name in contacts) if contact
    ]
    return deal


def status_counts(deals: QuerySet[Deal]) -> dict[str, int]:
    """{status: number of deals} over `deals`, in one aggregate query."""
    # COUNT(*), not COUNT(id): the id is not in the (customer, scope, status) indexes, so
    # counting it made PostgreSQL read every matching deal's row; without it a search's
    # counts come from the indexes alone (the vendor's "Medica" page: p95 163 -> ~80 ms).
    return dict(deals.order_by().values_list("status").annotate(n=Count("*")))


# Status counts stop here (the Opportunity Manager's facets, the home page): exact up to
# this many deals per status, "10,000+" beyond.
COUNT_CAP = 10_000


def capped_status_counts(deals: QuerySet[Deal], *, cap: int) -> tuple[dict[str, int], set[str]]:
    """({status: number of deals, at most `cap`}, {statuses with more than `cap`}).

    One query whatever the size of `deals`: per status a sub-select that stops after
    `cap + 1` rows, so each reads at most that many index entries (the status indexes
    of migration 0006) where an exact GROUP BY over a reviewer's million deals reads a
    million. The SQL of each sub-select is the ORM's own.
    """
    try:
        sql, params = capped_status_counts_sql(deals, cap=cap)
    except EmptyResultSet:  # deals.none(): a user who may see no deal
        return {}, set()
    with connections[deals.db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    counts = dict(zip(Deal.Status.values, row, strict=True))
    capped = {status for status, n in counts.items() if n > cap}
    return {status: min(n, cap) for status, n in counts.items() if n}, capped


def capped_status_counts_sql(deals: QuerySet[Deal], *, cap: int) -> tuple[str, list]:
    """The SQL of `capped_status_counts` (also read by `bench --explain`)."""
    base = deals.order_by().values("pk")
    parts, params = [], []
    for i, status in enumerate(Deal.Status.values):
        sql, sub_params = base.filter(status=status)[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS s{i})")  # noqa: S608 - ORM SQL
        params.extend(sub_params)
    return "SELECT " + ", ".join(parts), params


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

    Distributors and families are not secret and the same for everyone: they come from
    the configured cache (`portal.choice_cache`). Partners are listed only to users who
    are not partner staff, and only those with a deal the user may see (one query).
    """
    shared = choice_cache.shared_choices()
    choices = FilterChoices(
        distributors=list(shared["distributors"]), families=list(shared["families"])
    )
    if not user.partner_id:
        partners = Partner.objects.filter(
            pk__in=deals_visible_to(user=user).order_by().values("partner_id")
        ).values_list("pk", "name")
        choices.partners = sorted(partners, key=lambda row: (row[1].casefold(), row[0]))
    return choices


CUSTOMER_SEARCH_LIMIT = 20
CUSTOMER_SEARCH_MIN_LENGTH = 3
# A common word matches thousands of customers; sorting them all by name for a list of 20
# cost 30 ms at 200,000 customers ("kow": 16,261 matches). The 20 shown are the first by
# name of the first CANDIDATES found, and the list says that more match.
CUSTOMER_SEARCH_CANDIDATES = 200


class CustomerMatches(list):
    """The customers a search shows; `more` when others match too (type more to see them)."""

    more = False


def search_customers(*, query: str, limit: int = CUSTOMER_SEARCH_LIMIT) -> CustomerMatches:
    """Customers whose name, city or website hold every word of `query` (accents, case and
    order aside), or whose tax ID is `query` in any spelling (`portal.search`).

    At least three characters, and a tax ID only whole: the shared directory is found,
    never listed, whether by the first letters or by a tax-ID prefix. At most `limit`
    rows, in one query.
    """
    rows = list(customer_search_queryset(query=query, limit=limit + 1))
    matches = CustomerMatches(rows[:limit])
    matches.more = len(rows) > limit
    return matches


def customer_search_queryset(*, query: str, limit: int = CUSTOMER_SEARCH_LIMIT) -> QuerySet:
    """The query behind `search_customers` (also what `bench --explain` reads)."""
    query = " ".join((query or "").split())[:100]
    if len(query) < CUSTOMER_SEARCH_MIN_LENGTH:
        return Customer.objects.none()
    found = search.matching_customers(
        Customer.objects.all(), query, enough=CUSTOMER_SEARCH_CANDIDATES
    )
    if found is None:
        return Customer.objects.none()
    candidates = found.order_by().values("pk")[:CUSTOMER_SEARCH_CANDIDATES]
    return (
        Customer.objects.filter(pk__in=candidates)
        .only("pk", "name", "tax_id", "city", "country", "website")
        .order_by("name", "pk")[:limit]
    )


def comments_visible_to(*, user: User, deal: Deal) -> QuerySet[DealComment]:
    """The comments on `deal` that `user` may read, oldest first.

    Reviewers read everything, internal notes included. Partner staff of the
    deal's partner and distributor staff of its distributor read the
    partner-visible thread only. Anyone else reads nothing. The caller has
    already checked that `user` may see `deal` (`get_deal_for`).
    """
    if (user.partner_id and user.partner_id != deal.partner_id) or (
        user.distributor_id and user.distributor_id != deal.distributor_id
    ):
        return DealComment.objects.none()
    return _comments_readable_by(user).filter(deal=deal)


def _comments_readable_by(user: User) -> QuerySet[DealComment]:
    """The kinds of comment `user` reads on a deal they may see (no deal check here)."""
    comments = DealComment.objects.select_related("author")
    if is_reviewer(user):
        return comments
    if user.is_authenticated and user.is_active and (user.partner_id or user.distributor_id):
        return comments.filter(is_internal=False)
    return comments.none()


@dataclass
class ExportRow:
    """One deal of the Opportunity Manager export, as plain values."""

    deal_reg_number: str | None
    name: str
    status: str
    customer_name: str
    customer_tax_id: str
    distributor_name: str
    partner_name: str
    expected_close_date: datetime.date
    submitted_at: datetime.datetime | None
    validity_end: datetime.date | None
    discount_percent: Decimal | None
    estimated_value: Decimal | None
    currency: str
    opportunity_id: str
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    contact_phone: str
    contact_visible: bool  # whether the viewer may read the contact's e-mail and phone
    products: list[tuple[str, str, int]] = field(default_factory=list)  # name, SKU, quantity


EXPORT_COLUMNS = [
    "pk",
    "deal_reg_number",
    "name",
    "status",
    "customer__name",
    "customer__tax_id",
    "distributor__name",
    "partner__name",
    "expected_close_date",
    "submitted_at",
    "validity_end",
    "discount_percent",
    "estimated_value",
    "currency",
    "opportunity_id",
    "customer_contact__first_name",
    "customer_contact__last_name",
    "customer_contact__email",
    "customer_contact__phone",
    "contact_visible",
]


def export_rows(deals: QuerySet[Deal], *, viewer, chunk_size: int = 2000) -> Iterator[ExportRow]:
    """Every deal of `deals` (already scoped and filtered), in its order, as plain rows,
    saying of each whether `viewer` may read its contact's details.

    One query whatever the number of deals: the deals joined with their lines (a LEFT
    JOIN, so a deal without lines is kept), in the list's order with the deal's id and
    the line's position as the last keys, so each deal's lines arrive together and are
    folded back into one row as they stream by. A cursor and plain tuples instead of
    model instances keep a very long export cheap in memory and time.
    """
    ordering = [*deals.query.order_by] or [*Deal._meta.ordering]
    rows = (
        deals.annotate(contact_visible=contact_details_visible(viewer, "customer_contact_id"))
        .order_by(*ordering, "-pk", "lines__position")
        .values_list(
            *EXPORT_COLUMNS, "lines__product__name", "lines__product__sku", "lines__quantity"
        )
        .iterator(chunk_size=chunk_size)
    )
    width = len(EXPORT_COLUMNS)
    for _pk, group in groupby(rows, key=itemgetter(0)):
        lines = list(group)
        products = [(name, sku, quantity) for *_, name, sku, quantity in lines if name is not None]
        yield ExportRow(*lines[0][1:width], products=products)
