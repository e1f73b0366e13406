"""The reviewers' queue at a million deals: the admin deal list opens on the Submitted deals,
most urgent decision first, read from an index; no page counts every deal, and deep pages
start after a cursor (Next / Previous) instead of reading every row before them."""

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, ChangeList
from django.core.paginator import Paginator
from django.db.models import F
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from portal.filters import SORT_KEYS
from portal.keyset import KeysetPage, SortKey
from portal.models import Deal
from portal.selectors import COUNT_CAP

ALL = "all"
# The queue's order, served by the (status, decision_due_at, id) index of migration 0017.
QUEUE_ORDER = [F("decision_due_at").asc(nulls_last=True), "pk"]
QUEUE_KEY = SortKey(("decision_due_at",), nullable=True)
# Any other status, or all: newest submission first, as the Opportunity Manager orders
# (its `deal_status_sub_desc` and `deal_submitted` indexes).
LIST_ORDER = [F("submitted_at").desc(nulls_last=True), "-pk"]
LIST_KEY = SORT_KEYS["submitted"]
AFTER, BEFORE = "after", "before"


def default_status(request) -> str:
    """The queue (Submitted) where a reviewer lands; every status when they search."""
    return ALL if request.GET.get("q", "").strip() else Deal.Status.SUBMITTED


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, with the queue as the view a reviewer lands on; "All" is a choice."""

    title = _("status")
    parameter_name = "status"

    def __init__(self, request, params, model, model_admin) -> None:
        self.default = default_status(request)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(ALL, _("All")), *Deal.Status.choices]

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == ALL:
            return queryset
        if self.value() not in Deal.Status.values:
            return queryset.none()  # a status that does not exist matches nothing
        return queryset.filter(status=self.value())


def is_queue(request) -> bool:
    status = request.GET.get(QueueStatusFilter.parameter_name) or default_status(request)
    return status == Deal.Status.SUBMITTED


class CappedPaginator(Paginator):
    """Counts up to COUNT_CAP rows and stops: a million deals cost what 10,000 do. The page
    says "10,000+" (`admin/portal/deal/pagination.html`)."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


class KeysetChangeList(ChangeList):
    """The deal list in its own order (the queue's or the submissions'), a page at a time
    after or before a cursor: page 250 costs what page 1 does. A column the reviewer
    sorts by pages by number, as Django's list does."""

    def __init__(self, request, *args, **kwargs) -> None:
        self.after, self.before = request.GET.get(AFTER), request.GET.get(BEFORE)
        self.keyset = None
        super().__init__(request, *args, **kwargs)
        for name in (AFTER, BEFORE):  # links to other filters start at their first page
            self.params.pop(name, None)
            self.filter_params.pop(name, None)

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        for name in (AFTER, BEFORE):
            lookup_params.pop(name, None)
        return lookup_params

    def get_results(self, request) -> None:
        if ORDER_VAR in self.params:
            return super().get_results(request)
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        queue = is_queue(request)
        self.keyset = KeysetPage(
            self.queryset,
            QUEUE_KEY if queue else LIST_KEY,
            descending=not queue,
            per_page=self.list_per_page,
            after=self.after,
            before=self.before,
            number=request.GET.get(PAGE_VAR),
        )
        self.result_count = paginator.count
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.full_result_count = None
        self.result_list = self.keyset.object_list
        self.can_show_all = False
        self.multi_page = self.keyset.has_other_pages()
        self.paginator = paginator

    # The pagination's links: this list's filters and search, and where to start.
    @property
    def first_link(self) -> str:
        return self.get_query_string() or "?"

    @property
    def next_link(self) -> str:
        page = self.keyset
        return self.get_query_string({AFTER: page.next_cursor, PAGE_VAR: page.number + 1})

    @property
    def previous_link(self) -> str:
        page = self.keyset
        return self.get_query_string(
            {BEFORE: page.previous_cursor, PAGE_VAR: page.previous_page_number()}
        )
