"""Sales Zone → Opportunity Manager: the deals a user may see, filtered, sorted, exported."""

from functools import cached_property
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal import access
from portal.access import may_use_sales_zone
from portal.filters import SORTABLE_COLUMNS, DealFilter
from portal.models import Deal
from portal.selectors import with_table_columns

PAGE_SIZE = 25


class CountedPaginator(Paginator):
    """A paginator told its total, which the status facets have already counted."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


# Deeper than any list a user pages through (25 × 40,000 = 1,000,000 rows).
MAX_PAGE = 40_000


class UncountedPage:
    """One page of rows, found without counting them all: a search at a million deals
    spends most of its time in that count, so the page asks for one row more than it
    shows to know whether a next page exists, and the counts come in a second request."""

    def __init__(self, queryset: QuerySet[Deal], number: Any, per_page: int) -> None:
        try:
            # Bounded: a page number past any list would otherwise overflow the OFFSET.
            self.number = min(max(int(number), 1), MAX_PAGE)
        except (TypeError, ValueError):
            self.number = 1
        rows = self._rows(queryset, per_page)
        if not rows and self.number > 1:
            # Past the end (a stale link): show the first page, as Paginator.get_page would.
            self.number = 1
            rows = self._rows(queryset, per_page)
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page

    def _rows(self, queryset: QuerySet[Deal], per_page: int) -> list[Deal]:
        offset = (self.number - 1) * per_page
        return list(queryset[offset : offset + per_page + 1])

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def deal_filter_for(request: HttpRequest) -> DealFilter:
    if not may_use_sales_zone(request.user):
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
        if key == "distributor" and request.user.distributor_id:
            continue  # a distributor's own list: every row names it
        column: dict[str, Any] = {"key": key, "label": label, "sortable": key in SORTABLE_COLUMNS}
        if column["sortable"]:
            column["direction"] = (
                "asc" if current == key else "desc" if current == f"-{key}" else ""
            )
            column["next"] = f"-{key}" if current == key else key
        columns.append(column)
    return columns


def _counts_context(deal_filter: DealFilter) -> dict[str, Any]:
    """What the status chips and the total line show, for the chips+total partial."""
    facets, total = deal_filter.status_facets()
    return {
        "facets": facets,
        "total": total,
        "counts_pending": False,
        # Counts beyond filters.COUNT_CAP are shown as "10,000+" (a lower bound).
        "capped_statuses": deal_filter.capped_statuses,
        "total_is_capped": deal_filter.total_is_capped,
    }


@login_required
@require_GET
def opportunity_manager(request: HttpRequest) -> HttpResponse:
    """The table of deals, with its filters, sorting and pages all in the query string.

    With a search term the rows come first and the counts per status in a second
    request (`opportunity_manager_counts`, loaded by htmx): counting every match is
    what grows with the data. `counts=1` (the no-JavaScript link) counts inline."""
    deal_filter = deal_filter_for(request)
    rows = with_table_columns(deal_filter.qs)
    if deal_filter.has_search() and request.GET.get("counts") != "1":
        selected = deal_filter.selected_statuses()
        counts: dict[str, Any] = {
            "facets": [
                (value, label, None, value in selected)
                for value, label in deal_filter.filters["status"].extra["choices"]
            ],
            "total": None,
            "counts_pending": True,
            "capped_statuses": set(),
            "total_is_capped": False,
        }
        page: Any = UncountedPage(rows, request.GET.get("page"), PAGE_SIZE)
        deals = page.object_list
    else:
        counts = _counts_context(deal_filter)
        paginator = CountedPaginator(rows, PAGE_SIZE, count=counts["total"])
        page = paginator.get_page(request.GET.get("page"))
        deals = page.object_list if counts["total"] else []
    context = {
        **counts,
        "filter": deal_filter,
        "form": deal_filter.form,
        "page": page,
        "deals": deals,
        "columns": _columns(request, deal_filter.current_ordering()),
        "is_filtered": deal_filter.is_filtered(),
        "show_partner": not request.user.partner_id,
        "show_distributor": not request.user.distributor_id,
        "is_partner_staff": access.may_register_deals(request.user),
    }
    return render(request, "portal/opportunity_manager/list.html", context)


@login_required
@require_GET
def opportunity_manager_counts(request: HttpRequest) -> HttpResponse:
    """The status chips with their counts and the total line, for the same filters as
    the list (htmx swaps them in after a search's rows)."""
    deal_filter = deal_filter_for(request)
    return render(
        request, "portal/opportunity_manager/_status_counts.html", _counts_context(deal_filter)
    )
