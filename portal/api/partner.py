"""The partner's operations: the catalogue, the customer directory, registering a deal, the
partner's own deals and their withdraw / won / lost."""

import uuid

from django.db.models import Prefetch
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema, Status

from portal import access, registration, replica, workflow
from portal.api import schemas
from portal.api.app import PartnerToken, Refused, api, writable
from portal.api.registering import registration_from
from portal.filters import DealFilter
from portal.keyset import KeysetPage
from portal.models import (
    Competitor,
    CustomerContact,
    Deal,
    DealLine,
    Distributor,
    Product,
    ProductFamily,
)
from portal.selectors import search_customers
from portal.timeline import VENDOR_STEPS

router = Router(auth=PartnerToken(), tags=["partner"])
PAGE_SIZE = 50
# The shared answers: unreadable, no token, not allowed, not yours, too large, invalid, slow down.
ERRORS = dict.fromkeys((400, 401, 403, 404, 413, 422, 429), schemas.Error)
# A retried registration with the same key finds the deal the first one made.
IDEMPOTENCY = uuid.UUID("6f1b3c52-4a7e-4f0e-9d37-0c0d5b1d2a10")


def _deals(request: HttpRequest):
    return access.deals_visible_to(user=request.user)


def deal_out(deal: Deal) -> dict:
    return {
        "id": deal.pk,
        "name": deal.name,
        "status": deal.status,
        "deal_reg_number": deal.deal_reg_number,
        "customer": deal.customer.name,
        "distributor": deal.distributor.name,
        "partner": deal.partner.name,
        "expected_close_date": deal.expected_close_date,
        "estimated_value": deal.estimated_value,
        "currency": deal.currency,
        "submitted_at": deal.submitted_at,
        "decision_due_at": deal.decision_due_at,
        "validity_end": deal.validity_end,
        "rejection_reason": deal.rejection_reason,
        "lines": [
            {
                "sku": line.product.sku,
                "name": line.product.name,
                "quantity": line.quantity,
                "discount_percent": line.discount_percent,
            }
            for line in deal.lines.all()
        ],
    }


def with_parts(deals):
    lines = DealLine.objects.select_related("product")
    return deals.select_related("customer", "distributor", "partner").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def detail_out(deal: Deal) -> dict:
    shown = [h for h in deal.history.all() if h.kind not in VENDOR_STEPS]
    return {
        **deal_out(deal),
        "history": [
            {
                "at": h.at,
                "from_status": h.from_status,
                "to_status": h.to_status,
                "kind": h.kind,
                "note": h.note,
            }
            for h in shown
        ],
    }


@router.get("/catalogue", response={200: schemas.Catalogue, **ERRORS})
def catalogue(request):
    """The active products, their families, the distributors and the competitors."""
    products = Product.objects.filter(is_active=True).select_related("family")
    return {
        "products": [
            {"id": p.pk, "sku": p.sku, "name": p.name, "family": p.family.name} for p in products
        ],
        "families": list(ProductFamily.objects.values("id", "name")),
        "distributors": list(Distributor.objects.order_by("name").values("id", "name")),
        "competitors": list(Competitor.objects.values("id", "name")),
    }


class CustomerQuery(Schema):
    q: str = ""


@router.get("/customers", response={200: schemas.CustomerSearch, **ERRORS})
def customers(request, query: Query[CustomerQuery]):
    """The wizard's customer search: three characters at least, a tax ID only whole. A
    contact's e-mail only where the wizard would show it."""
    matches = search_customers(query=query.q)
    contacts = CustomerContact.objects.filter(customer__in=[c.pk for c in matches]).annotate(
        details_visible=access.contact_details_visible(request.user)
    )
    by_customer: dict[int, list] = {}
    for contact in contacts.order_by("last_name", "first_name", "pk"):
        by_customer.setdefault(contact.customer_id, []).append(
            {
                "id": contact.pk,
                "name": f"{contact.first_name} {contact.last_name}".strip(),
                "email": contact.email if contact.details_visible else None,
                "job_title": contact.job_title,
            }
        )
    return {
        "results": [
            {
                "id": c.pk,
                "name": c.name,
                "tax_id": c.tax_id,
                "country": c.country,
                "city": c.city,
                "website": c.website,
                "contacts": by_customer.get(c.pk, []),
            }
            for c in matches
        ],
        "more": matches.more,
    }


@router.post("/deals", response={200: schemas.DealDetail, 201: schemas.DealDetail, **ERRORS})
def register_deal(
    request,
    body: schemas.DealIn,
    idempotency_key: str = Header(default="", alias="Idempotency-Key"),
):
    """Register a Deal in one request, checked as the wizard checks it. With an
    `Idempotency-Key` a retry of the same request answers the deal the first one made
    (200) instead of making a second (201)."""
    writable(request)
    if not access.may_register_deals(request.user):
        raise Refused(403, _("Only partner staff register deals."))
    if len(idempotency_key) > 200:
        raise Refused(422, _("The Idempotency-Key is too long."), {"Idempotency-Key": []})
    found, errors = registration_from(body.model_dump(), user=request.user)
    if found is None:
        raise Refused(422, _("The registration is not complete."), errors)
    key = idempotency_key.strip()
    scoped = f"{request.user.partner_id}:{key}"
    token = str(uuid.uuid5(IDEMPOTENCY, scoped) if key else uuid.uuid4())
    status = 201
    try:
        deal = registration.register(user=request.user, registration=found, token=token)
    except registration.DuplicateRegistration as duplicate:
        deal, status = Deal.objects.get(pk=duplicate.deal_id), 200
    deal = with_parts(_deals(request)).prefetch_related("history").get(pk=deal.pk)
    return Status(status, detail_out(deal))


class DealQuery(Schema):
    status: list[str] = []
    q: str = ""
    o: str = ""
    after: str = ""


@router.get("/deals", response={200: schemas.DealPage, **ERRORS})
def list_deals(request, query: Query[DealQuery]):
    """Your deals with the Opportunity Manager's filters (`status`, `q`) and sorts (`o`),
    50 at a time: pass `next` as `after` for the following page."""
    params = QueryDict(mutable=True)
    params.setlist("status", query.status)
    for name in ("q", "o"):
        if getattr(query, name):
            params[name] = getattr(query, name)
    deal_filter = DealFilter(params, user=request.user)
    _column, key, descending = deal_filter.sort()
    with replica.reads_for(request.user):
        page = KeysetPage(
            with_parts(deal_filter.qs),
            key,
            descending=descending,
            per_page=PAGE_SIZE,
            after=query.after or None,
        )
        return {
            "results": [deal_out(d) for d in page.object_list],
            "next": page.next_cursor if page.has_next() else None,
        }


@router.get("/deals/{deal_id}", response={200: schemas.DealDetail, **ERRORS})
def get_deal(request, deal_id: int):
    """One of your deals with its history."""
    deal = get_object_or_404(with_parts(_deals(request)).prefetch_related("history"), pk=deal_id)
    return detail_out(deal)


def _transition(request, deal_id: int, name: str, note) -> dict:
    writable(request)
    deal = get_object_or_404(_deals(request), pk=deal_id)
    if not access.deal_access(request.user, deal).may(name):
        raise Refused(409, workflow.refusal(deal, name))
    try:
        workflow.TRANSITIONS[name].function(deal=deal, by=request.user, note=str(note or ""))
    except workflow.DealTransitionError as exc:
        raise Refused(409, str(exc)) from None
    deal = with_parts(_deals(request)).prefetch_related("history").get(pk=deal.pk)
    return detail_out(deal)


DONE = {200: schemas.DealDetail, 409: schemas.Error, **ERRORS}


@router.post("/deals/{deal_id}/withdraw", response=DONE)
def withdraw(request, deal_id: int, body: schemas.NoteIn):
    """Withdraw a registration the vendor has not decided yet."""
    return _transition(request, deal_id, "withdraw", body.note)


@router.post("/deals/{deal_id}/won", response=DONE)
def won(request, deal_id: int, body: schemas.NoteIn):
    """Report an approved project won."""
    return _transition(request, deal_id, "mark_won", body.note)


@router.post("/deals/{deal_id}/lost", response=DONE)
def lost(request, deal_id: int, body: schemas.NoteIn):
    """Report an approved project lost."""
    return _transition(request, deal_id, "mark_lost", body.note)


api.add_router("/", router)
