"""Reads: which deals a user may see, and the queries the pages and admin share."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.models import Customer, Deal, User, normalize_tax_id


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
