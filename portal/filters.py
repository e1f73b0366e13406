"""The Opportunity Manager's filters: they live in the URL, so a view can be bookmarked.

Every choice list is scoped to the user (`portal.selectors.filter_choices`), and the
queryset they narrow always starts from `deals_visible_to`.
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal import search
from portal.access import deals_visible_to
from portal.keyset import SortKey
from portal.models import Customer, Deal, DealLine, Partner, User
from portal.numbers import parse_deal_reg_number
from portal.selectors import (
    COUNT_CAP,
    FilterChoices,
    capped_status_counts,
    filter_choices,
    status_counts,
)

# The columns the table sorts by (URL value -> sort key). Each has an index per scope
# (partner, distributor, vendor) that holds its order, so any page is an index walk
# (`portal.keyset`; migration 0019). The partner and distributor columns are not
# sortable: their names group the deals unevenly (the largest partner holds 89,000 of a
# million), and a page of a group sorted by name then id read the whole group (0.7 s).
SORT_KEYS = {
    "number": SortKey(("deal_reg_number",), nullable=True),
    "customer": SortKey(("customer__name", "customer_id")),
    "status": SortKey(("status",)),
    "close": SortKey(("expected_close_date",)),
    "submitted": SortKey(("submitted_at",), nullable=True, index_descending=True),
    "valid_until": SortKey(("validity_end",), nullable=True),
}
# Newest registrations first unless the user sorts.
DEFAULT_SORT = "-submitted"


def parse_sort(value: str | None) -> tuple[str, SortKey, bool]:
    """(column, its sort key, descending) for an `o` value; the default for anything else."""
    name = (value or "").strip()
    column = name.removeprefix("-")
    if column not in SORT_KEYS:
        name = DEFAULT_SORT
        column = name.removeprefix("-")
    return column, SORT_KEYS[column], name.startswith("-")


class DealOrderingFilter(django_filters.OrderingFilter):
    """Sorts with empty values last in both directions on every database, and the id as a
    tie-breaker so that pages never repeat or skip a deal."""

    def filter(self, qs: QuerySet[Deal], value: list[str] | None) -> QuerySet[Deal]:
        _column, key, descending = parse_sort((value or [""])[0])
        return qs.order_by(*key.full_ordering(descending))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"class": "form-control form-control-sm", **(attrs or {})})


class Select(forms.Select):
    """Django's `Select` with the same HTML, built in Python.

    Django renders every `<option>` through a template of its own: the partner
    drop-down of a distributor or a reviewer (300 partners at a million deals) took
    7 ms of every Opportunity Manager page, this takes well under one.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"class": "form-select form-select-sm", **(attrs or {})})

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_choices, _index in widget["optgroups"]
                for option in group_choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options
        )


# From how many deals a partner's name matches on the deal's row instead of in the UNION.
MANY_PARTNER_DEALS = 5_000


def search_deals(queryset: QuerySet[Deal], value: str, *, partners: bool = False):
    """The deals of `queryset` that a search box's `value` finds (the Opportunity Manager
    and the admin): a Deal Reg Number however written; else its customer (every word in
    the name, city or website, accents and case aside; a tax ID or its first digits), and
    with digits an opportunity ID or part of a number; `partners` also by partner name."""
    value = " ".join(value.split())
    if not value:
        return queryset
    number = parse_deal_reg_number(value)
    if number:
        # A whole Deal Reg Number, however written: its deal, through the unique index.
        return queryset.filter(deal_reg_number=number)
    customers = search.matching_customers(Customer.objects.all(), value, partial_tax_id=True)
    if customers is None:
        return queryset.none()  # nothing left to look for once the accents are gone
    scope = queryset.order_by().values("pk")
    branches = [scope.filter(customer__in=customers.values("pk"))]
    if any(char.isdigit() for char in value):
        # Each way of matching is its own indexed query over the user's scope and the
        # deals are their UNION: one OR across the customer join cannot use any index (it
        # read every deal of the scope: 175 ms for the largest partner at a million deals).
        branches += [
            scope.filter(deal_reg_number__icontains=value),
            scope.filter(opportunity_id__icontains=value),
        ]
    if len(branches) > 1:
        matched = Q(pk__in=branches[0].union(*branches[1:]))
    else:
        # Words: a semi-join through the customers' trigram index and the deals'
        # (customer, partner, distributor, status) index.
        matched = Q(customer__in=customers.values("pk"))
    if partners:
        # Asked first (a few hundred partners): a branch that finds nothing would still turn
        # the query into a UNION, which PostgreSQL joins to every deal (1 s at a million).
        named = list(Partner.objects.filter(name__icontains=value).values_list("pk", flat=True))
        partner_deals = scope.filter(partner_id__in=named)
        if named and partner_deals[:MANY_PARTNER_DEALS].count() < MANY_PARTNER_DEALS:
            matched = Q(pk__in=partner_deals.union(*branches))
        elif named:
            # Many deals (the largest partner holds 89,247 of a million): on the deal's own
            # row, not in the UNION, which hashed them all before the first row (8 s for a
            # word every partner's name holds); the walk of the list's order index stops at
            # its page (0.3 ms). A few hundred stay in the UNION, whose count the planner
            # gets right (the OR made it read every deal: 0.46 s).
            matched = Q(partner_id__in=named) | matched
    return queryset.filter(matched)


class DealFilter(django_filters.FilterSet):
    """Status (several at once), distributor, partner, product family, close date range,
    search, and sorting. Build it with the user: `DealFilter(request.GET, user=user)`."""

    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control",
                "placeholder": _("Customer, tax ID, Deal Reg Number or opportunity ID"),
            }
        ),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Deal.Status.choices,
        label=_("Status"),
        widget=forms.CheckboxSelectMultiple,
        # A plain column: no join to de-duplicate, so no DISTINCT in the row or count query.
        distinct=False,
    )
    distributor = django_filters.ChoiceFilter(
        field_name="distributor_id",
        label=_("Distributor"),
        empty_label=_("All distributors"),
        widget=Select(),
    )
    partner = django_filters.ChoiceFilter(
        field_name="partner_id",
        label=_("Partner"),
        empty_label=_("All partners"),
        widget=Select(),
    )
    family = django_filters.ChoiceFilter(
        method="filter_family",
        label=_("Product family"),
        empty_label=_("All families"),
        widget=Select(),
    )
    close_from = django_filters.DateFilter(
        field_name="expected_close_date",
        lookup_expr="gte",
        label=_("Expected close from"),
        widget=DateInput(),
    )
    close_to = django_filters.DateFilter(
        field_name="expected_close_date",
        lookup_expr="lte",
        label=_("Expected close to"),
        widget=DateInput(),
    )
    o = DealOrderingFilter(fields={column: column for column in SORT_KEYS})

    class Meta:
        model = Deal
        fields: list[str] = []

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        choices: FilterChoices | None = None,
        **kwargs: Any,
    ) -> None:
        # Always bound (an empty query string too), so the default ordering applies.
        kwargs.setdefault("queryset", deals_visible_to(user=user))
        super().__init__(data if data is not None else {}, **kwargs)
        self.user = user
        choices = choices or filter_choices(user=user)
        self.filters["distributor"].extra["choices"] = choices.distributors
        self.filters["family"].extra["choices"] = choices.families
        self.filters["partner"].extra["choices"] = choices.partners
        if user.distributor_id:
            # A distributor only ever sees its own deals, and never a draft.
            del self.filters["distributor"]
            self.filters["status"].extra["choices"] = [
                (value, label) for value, label in Deal.Status.choices if value != Deal.Status.DRAFT
            ]
        if user.partner_id:
            # Partner staff see their own partner's deals only; other partners stay unnamed.
            del self.filters["partner"]

    def filter_search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return search_deals(queryset, value)

    def filter_family(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        # A semi-join: no row multiplication, so no DISTINCT and a cheap count.
        return queryset.filter(
            Exists(DealLine.objects.filter(deal=OuterRef("pk"), product__family_id=value))
        )

    # --- what the page needs besides the rows ---------------------------------------------

    def _cleaned(self) -> dict[str, Any]:
        """The valid part of the query string; an invalid filter is ignored, never a 500."""
        self.form.is_valid()
        return self.form.cleaned_data

    def filtered_except(self, *skipped: str) -> QuerySet[Deal]:
        """The scoped deals with every valid filter applied except those named `skipped`."""
        queryset = self.queryset.all()
        for name, value in self._cleaned().items():
            if name not in skipped:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def selected_statuses(self) -> list[str]:
        return list(self._cleaned().get("status") or [])

    def status_facets(self) -> tuple[list[tuple[str, str, int, bool]], int]:
        """([(status, label, count, selected)], number of rows the filters match).

        The count per status honours every other filter, so ticking a status shows the
        number next to it; the total comes from the same aggregate, which spares the
        paginator its own COUNT query.

        Without a search the counts stop at `COUNT_CAP` per status (`capped_statuses`
        says which, and the page shows "10,000+"): an exact count of a reviewer's
        million deals reads a million index entries on every page view. A search
        narrows the rows to those it matches, so its counts are exact.
        """
        scope = self.filtered_except("status", "o")
        if self._cleaned().get("q"):
            counts, self.capped_statuses = status_counts(scope), set()
        else:
            counts, self.capped_statuses = capped_status_counts(scope, cap=COUNT_CAP)
        selected = self.selected_statuses()
        facets = [
            (value, label, counts.get(value, 0), value in selected)
            for value, label in self.filters["status"].extra["choices"]
        ]
        total = sum(n for status, n in counts.items() if not selected or status in selected)
        self.total_is_capped = any(
            status in self.capped_statuses for status in (selected or counts)
        )
        return facets, total

    def has_search(self) -> bool:
        """Whether the search box holds a (valid) term."""
        return bool(self._cleaned().get("q"))

    def is_filtered(self) -> bool:
        return any(
            value not in (None, "", [], ())
            for name, value in self._cleaned().items()
            if name != "o"
        )

    def current_ordering(self) -> str:
        ordering = self._cleaned().get("o") or []
        return ordering[0] if ordering else ""

    def sort(self) -> tuple[str, SortKey, bool]:
        """(column, sort key, descending) of the list, as `parse_sort` reads the URL."""
        return parse_sort(self.current_ordering())
