"""The distributor's operations (its vendor-made token): the deals that name it, read-only,
and the Deal Reg Number check."""

from ninja import Query, Router, Schema

from portal import access, replica
from portal.api import schemas
from portal.api.app import DistributorToken, Refused, api
from portal.api.partner import ERRORS, PAGE_SIZE, deal_out, with_parts
from portal.dealregcheck import check_number
from portal.filters import SORT_KEYS
from portal.keyset import KeysetPage
from portal.views.deal_reg_check import NOT_FOUND

router = Router(auth=DistributorToken(), tags=["distributor"])


class Page(Schema):
    after: str = ""


@router.get("/distributor/deals", response={200: schemas.DealPage, **ERRORS})
def naming_deals(request, query: Query[Page]):
    """The registrations that name you, newest first, 50 at a time."""
    with replica.reads_for(request.user):
        page = KeysetPage(
            with_parts(access.deals_naming(request.auth)),
            SORT_KEYS["submitted"],
            descending=True,
            per_page=PAGE_SIZE,
            after=query.after or None,
        )
        return {
            "results": [deal_out(d) for d in page.object_list],
            "next": page.next_cursor if page.has_next() else None,
        }


class Number(Schema):
    number: str = ""


class Checked(Schema):
    found: bool
    valid: bool
    deal_reg_number: str
    name: str
    partner: str
    customer: dict
    products: list[dict]
    discount_percent: str | None
    validity_end: str


@router.get("/distributor/deal-reg-check", response={200: Checked, **ERRORS})
def deal_reg_check(request, query: Query[Number]):
    """Whether a Deal Reg Number from an order is valid today for you; anything else is
    the same neutral 404."""
    result = check_number(distributor=request.auth, raw_number=query.number)
    if result is None:
        raise Refused(404, str(NOT_FOUND))
    return result.as_json()


api.add_router("/", router)
