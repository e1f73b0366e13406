"""The admin's search boxes find customers as the portal does (`portal.search`): every word
in the name, city or website, accents and case aside, and a tax ID however it is written."""

from django.contrib import admin

from portal import search, tax_ids
from portal.filters import search_deals
from portal.models import Customer, Deal


class FindsCustomers(admin.ModelAdmin):
    """A changelist whose rows belong to a customer at `customer_path` ("" for customers):
    its own `search_fields` or its customer's name, city, website or tax ID find a row."""

    customer_path = ""

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        # Reviewers may list the directory by the first digits of a tax ID.
        customers = search.matching_customers(
            Customer.objects.all(), search_term, partial_tax_id=True
        )
        if customers is None:
            return found, duplicates
        key = f"{self.customer_path}in" if self.customer_path else "pk__in"
        return found | queryset.filter(**{key: customers.values("pk")}), duplicates


class FindsDeals(admin.ModelAdmin):
    """A changelist of deals, or of rows with a deal at `deal_path`: the Opportunity
    Manager's search (a Deal Reg Number however written, the customer, the numbers) and
    the partner's name."""

    deal_path = ""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        if not self.deal_path:
            return search_deals(queryset, search_term, partners=True), False
        deals = search_deals(Deal.objects.all(), search_term, partners=True)
        return queryset.filter(**{f"{self.deal_path}in": deals.values("pk")}), False


def finds_tax_ids(queryset, search_term, found):
    """`found` and the rows of `queryset` whose tax ID is `search_term` in any spelling."""
    if (number := tax_ids.lookup(search_term, partial=True)) is None:
        return found
    return found | queryset.filter(number)
