"""Sales Zone → Opportunity Manager: the deals a user may see, filtered, sorted, exported."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal import access, replica
from portal.access import may_use_sales_zone
from portal.filters import SORT_KEYS, DealFilter
from portal.keyset import KeysetPage
from portal.selectors import table_rows

PAGE_SIZE = 25


def deal_filter_for(request: HttpRequest) -> DealFilter:
    if not may_use_sales_zone(request.user):
        raise PermissionDenied
    return DealFilter(request.GET, user=request.user)


def _columns(request: HttpRequest, current: str) -> list[dict[str, Any]]:
    """The table's headers, each with the ordering a click on it asks for (`current` is
    the list's sort, "-close" for instance)."""
    labels = {
        "number": _("Deal Reg Number"),
        "customer": _("Customer"),
        "project": _("Project"),
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
        column: dict[str, Any] = {"key": key, "label": label, "sortable": key in SORT_KEYS}
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
@replica.lists
def opportunity_manager(request: HttpRequest) -> HttpResponse:
    """The table of deals, with its filters, sorting and pages all in the query string.

    With a search term the rows come first and the counts per status in a second
    request (`opportunity_manager_counts`, loaded by htmx): counting every match is
    what grows with the data. `counts=1` (the no-JavaScript link) counts inline."""
    deal_filter = deal_filter_for(request)
    column, key, descending = deal_filter.sort()
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
    else:
        counts = _counts_context(deal_filter)
    page = KeysetPage(
        table_rows(deal_filter.qs),
        key,
        descending=descending,
        per_page=PAGE_SIZE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        number=request.GET.get("page"),
    )
    if counts["total"]:
        # The place shown next to Previous / Next ("Page 3 of 40"), never past the last.
        page.num_pages = -(-counts["total"] // PAGE_SIZE)
        page.number = min(page.number, page.num_pages)
    deals = page.object_list
    context = {
        **counts,
        "filter": deal_filter,
        "form": deal_filter.form,
        "page": page,
        "deals": deals,
        "columns": _columns(request, f"-{column}" if descending else column),
        "is_filtered": deal_filter.is_filtered(),
        "show_partner": not request.user.partner_id,
        "show_distributor": not request.user.distributor_id,
        "is_partner_staff": access.may_register_deals(request.user),
    }
    return render(request, "portal/opportunity_manager/list.html", context)


@login_required
@require_GET
@replica.lists
def opportunity_manager_counts(request: HttpRequest) -> HttpResponse:
    """The status chips with their counts and the total line, for the same filters as
    the list (htmx swaps them in after a search's rows)."""
    deal_filter = deal_filter_for(request)
    return render(
        request, "portal/opportunity_manager/_status_counts.html", _counts_context(deal_filter)
    )
