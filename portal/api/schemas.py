"""What the API answers and accepts. Inputs are loosely typed on purpose: the wizard's
forms check them and answer with the wizard's sentences, not a type checker's."""

import datetime
from decimal import Decimal

from ninja import Schema

Loose = str | int | float | None


class Named(Schema):
    id: int
    name: str


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    family: str


class Catalogue(Schema):
    products: list[ProductOut]
    families: list[Named]
    distributors: list[Named]
    competitors: list[Named]


class ContactOut(Schema):
    id: int
    name: str
    email: str | None  # only to a partner who entered or registered with this contact
    job_title: str


class CustomerOut(Schema):
    id: int
    name: str
    tax_id: str
    country: str
    city: str
    website: str
    contacts: list[ContactOut]


class CustomerSearch(Schema):
    results: list[CustomerOut]
    more: bool


class CustomerIn(Schema):
    """An existing customer by `id`, or a new one with the wizard's fields."""

    id: Loose = None
    name: Loose = None
    tax_id: Loose = None
    country: Loose = None
    city: Loose = None
    postal_code: Loose = None
    address: Loose = None
    website: Loose = None
    industry: Loose = None


class ContactIn(Schema):
    id: Loose = None
    first_name: Loose = None
    last_name: Loose = None
    email: Loose = None
    phone: Loose = None
    job_title: Loose = None


class LineIn(Schema):
    id: Loose = None
    quantity: Loose = 1


class DealIn(Schema):
    opportunity_id: Loose = None
    customer: CustomerIn
    contact: ContactIn
    products: list[LineIn]
    name: Loose = None
    expected_close_date: Loose = None
    sales_name: Loose = None
    sales_email: Loose = None
    sales_phone: Loose = None
    engineer_name: Loose = None
    engineer_email: Loose = None
    engineer_phone: Loose = None
    competitors: list[Loose] = []
    distributor: Loose = None
    next_steps: Loose = None
    estimated_value: Loose = None
    currency: Loose = None


class LineOut(Schema):
    sku: str
    name: str
    quantity: int
    discount_percent: Decimal | None


class HistoryOut(Schema):
    at: datetime.datetime
    from_status: str
    to_status: str
    kind: str
    note: str


class DealOut(Schema):
    id: int
    name: str
    status: str
    deal_reg_number: str | None
    customer: str
    distributor: str
    partner: str
    expected_close_date: datetime.date
    estimated_value: Decimal | None
    currency: str
    submitted_at: datetime.datetime | None
    decision_due_at: datetime.datetime | None
    validity_end: datetime.date | None
    rejection_reason: str
    lines: list[LineOut]


class DealDetail(DealOut):
    history: list[HistoryOut]


class DealPage(Schema):
    results: list[DealOut]
    next: str | None  # the `after` of the next page


class NoteIn(Schema):
    note: Loose = None


class Error(Schema):
    detail: str
    errors: dict[str, list[str]] = {}
