"""Sales Zone → Opportunity Manager: the deals a user may see, filtered, sorted, exported."""

import csv
import datetime
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.filters import SORTABLE_COLUMNS, DealFilter
from portal.models import Deal
from portal.selectors import export_rows, may_see_deals, with_table_columns

PAGE_SIZE = 25
EXPORT_CHUNK_SIZE = 2000


class CountedPaginator(Paginator):
    """A paginator told its total, which the status facets have already counted."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _deal_filter(request: HttpRequest) -> DealFilter:
    if not may_see_deals(request.user):
        raise PermissionDenied
    return DealFilter(request.GET, user=request.user)


def _columns(request: HttpRequest, current: str) -> list[dict[str, Any]]:
    """The table's headers, each with the ordering a click on it asks for."""
    labels = {
        "number": _("Deal Reg Number"),
        "customer": _("Customer"),
        "products": _("Products"),
        "distributor": _("Distributor"),
        "partner": _("Partner"),
        "status": _("Status"),
        "close": _("Expected close"),
        "submitted": _("Submitted"),
        "valid_until": _("Valid until"),
    }
    columns = []
    for key, label in labels.items():
        if key == "partner" and request.user.partner_id:
            continue
        column: dict[str, Any] = {"key": key, "label": label, "sortable": key in SORTABLE_COLUMNS}
        if column["sortable"]:
            column["direction"] = (
                "asc" if current == key else "desc" if current == f"-{key}" else ""
            )
            column["next"] = f"-{key}" if current == key else key
        columns.append(column)
    return columns


@login_required
@require_GET
def opportunity_manager(request: HttpRequest) -> HttpResponse:
    """The table of deals, with its filters, sorting and pages all in the query string."""
    deal_filter = _deal_filter(request)
    facets, total = deal_filter.status_facets()
    paginator = CountedPaginator(with_table_columns(deal_filter.qs), PAGE_SIZE, count=total)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter": deal_filter,
        "form": deal_filter.form,
        "facets": facets,
        "page": page,
        "deals": page.object_list if total else [],
        "total": total,
        # Counts beyond filters.COUNT_CAP are shown as "10,000+" (a lower bound).
        "capped_statuses": deal_filter.capped_statuses,
        "total_is_capped": deal_filter.total_is_capped,
        "columns": _columns(request, deal_filter.current_ordering()),
        "is_filtered": deal_filter.is_filtered(),
        "show_partner": not request.user.partner_id,
        "is_partner_staff": bool(request.user.partner_id),
    }
    return render(request, "portal/opportunity_manager/list.html", context)


# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Text typed by users, made safe to open in a spreadsheet."""
    value = value or ""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def _date(value: datetime.date | datetime.datetime | None) -> str:
    """ISO dates (and local times) that every spreadsheet reads the same way."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


class _Echo:
    """The file-like object csv.writer needs, handing each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(deals: QuerySet[Deal], *, show_partner: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    header = [
        _("Deal Reg Number"),
        _("Status"),
        _("Customer"),
        _("Customer tax ID"),
        _("Products"),
        _("Distributor"),
        *([_("Partner")] if show_partner else []),
        _("Expected close date"),
        _("Submitted"),
        _("Valid until"),
        _("Registered-deal discount (%)"),
        _("Opportunity ID"),
    ]
    # The byte order mark tells Excel the file is UTF-8 (Polish letters intact).
    yield "\ufeff" + writer.writerow(header)
    status_labels = {value: str(label) for value, label in Deal.Status.choices}
    for row in export_rows(deals, chunk_size=EXPORT_CHUNK_SIZE):
        products = "; ".join(f"{name} ({sku}) × {quantity}" for name, sku, quantity in row.products)
        yield writer.writerow(
            [
                row.deal_reg_number or "",
                status_labels.get(row.status, row.status),
                _cell(row.customer_name),
                _cell(row.customer_tax_id),
                _cell(products),
                _cell(row.distributor_name),
                *([_cell(row.partner_name)] if show_partner else []),
                _date(row.expected_close_date),
                _date(row.submitted_at),
                _date(row.validity_end),
                "" if row.discount_percent is None else str(row.discount_percent),
                _cell(row.opportunity_id),
            ]
        )


@login_required
@require_GET
def deal_export(request: HttpRequest) -> StreamingHttpResponse:
    """Export CSV: every deal of the current filtered list (all pages), streamed."""
    deal_filter = _deal_filter(request)
    show_partner = not request.user.partner_id
    response = StreamingHttpResponse(
        _csv_lines(deal_filter.qs, show_partner=show_partner),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"opportunity-manager-{date_format(timezone.localdate(), 'Y-m-d')}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
