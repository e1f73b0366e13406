"""The Deal Reg Number check for distributor staff, in the portal and through the API.

"Valid today" means: the number names the asking distributor, and the deal is
Approved or Won (the partner reported the project won — the order that follows
is exactly what the registered-deal discount is for) with a validity end of
today or later. Everything else — an unknown, malformed, expired, rejected,
lost, or another distributor's number — gets the same neutral "not found":
same wording, same status code, and the same single query (a malformed number
is still looked up, so the timing does not tell it apart).
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal.decisions import log_action
from portal.models import Deal, DealLine, Distributor, DistributorApiToken, User
from portal.numbers import parse_deal_reg_number

MAX_INPUT_LENGTH = 40
VALID_STATUSES = (Deal.Status.APPROVED, Deal.Status.WON)
TOKEN_PREFIX = "drc_"


@dataclass(frozen=True)
class CheckedProduct:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class CheckResult:
    deal_reg_number: str
    name: str
    partner: str
    customer: str
    customer_tax_id: str
    products: list[CheckedProduct]
    discount_percent: Decimal | None
    validity_end: datetime.date

    def as_json(self) -> dict:
        return {
            "found": True,
            "valid": True,
            "deal_reg_number": self.deal_reg_number,
            "name": self.name,
            "partner": self.partner,
            "customer": {"name": self.customer, "tax_id": self.customer_tax_id},
            "products": [
                {"sku": p.sku, "name": p.name, "quantity": p.quantity} for p in self.products
            ],
            "discount_percent": str(self.discount_percent)
            if self.discount_percent is not None
            else None,
            "validity_end": self.validity_end.isoformat(),
        }


def normalize_number(raw: str) -> str:
    """The number however it was written (`numbers.parse_deal_reg_number`); anything else
    becomes '' (never matches)."""
    return parse_deal_reg_number((raw or "")[:MAX_INPUT_LENGTH])


def check_number(
    *, distributor: Distributor | int, raw_number: str, today: datetime.date | None = None
) -> CheckResult | None:
    """The valid registration behind `raw_number` for `distributor`, or None ("not found").

    Always exactly one query, whatever the input.
    """
    number = normalize_number(raw_number)
    distributor_id = distributor.pk if isinstance(distributor, Distributor) else distributor
    # A malformed number is looked up as '' — a value no deal can hold — so every
    # input costs the same one query.
    lines = list(
        DealLine.objects.filter(
            deal__deal_reg_number=number,
            deal__distributor_id=distributor_id,
            deal__status__in=VALID_STATUSES,
            deal__validity_end__gte=today or timezone.localdate(),
        )
        .select_related("deal__partner", "deal__customer", "product")
        .order_by("position")
    )
    if not lines:
        return None
    deal = lines[0].deal
    return CheckResult(
        deal_reg_number=deal.deal_reg_number,
        name=deal.name,
        partner=deal.partner.name,
        customer=deal.customer.name,
        customer_tax_id=deal.customer.tax_id,
        products=[CheckedProduct(ln.product.sku, ln.product.name, ln.quantity) for ln in lines],
        discount_percent=deal.discount_percent,
        validity_end=deal.validity_end,
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    *, distributor: Distributor, name: str, by: User | None = None
) -> tuple[DistributorApiToken, str]:
    """Make a token for `distributor`; returns the row and the token, shown only this once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = DistributorApiToken.objects.create(
        distributor=distributor,
        name=name,
        token_hash=hash_token(token),
        prefix=token[: len(TOKEN_PREFIX) + 6],
    )
    log_action(row, "api_token.created", by=by, data={"distributor": distributor.pk})
    return row, token


@transaction.atomic
def revoke_api_tokens(*, tokens: QuerySet[DistributorApiToken], by: User) -> int:
    """Revoke the live tokens among `tokens`; each revocation is in the action log."""
    now = timezone.now()
    revoked = list(tokens.select_for_update().filter(revoked_at__isnull=True))
    for row in revoked:
        row.revoked_at = now
        row.save(update_fields=["revoked_at"])
        log_action(row, "api_token.revoked", by=by)
    return len(revoked)


def distributor_for_token(token: str) -> int | None:
    """The distributor id of a live (not revoked) token, or None. Marks the token used."""
    if not token or len(token) > 200:
        return None
    row = (
        DistributorApiToken.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .values("pk", "distributor_id")
        .first()
    )
    if row is None:
        return None
    DistributorApiToken.objects.filter(pk=row["pk"]).update(last_used_at=timezone.now())
    return row["distributor_id"]
