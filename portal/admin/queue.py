"""The reviewers' queue at a million deals: the admin deal list opens on the Submitted deals,
most urgent decision first, read from an index; no page counts every deal."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import F
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from portal.models import Deal
from portal.selectors import COUNT_CAP

ALL = "all"
# The queue's order, served by the (status, decision_due_at, id) index of migration 0017.
QUEUE_ORDER = [F("decision_due_at").asc(nulls_last=True), "pk"]
# Any other status, or all: newest submission first, as the Opportunity Manager orders
# (its `deal_status_sub_desc` and `deal_submitted` indexes).
LIST_ORDER = [F("submitted_at").desc(nulls_last=True), "-pk"]


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
