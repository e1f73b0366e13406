"""Register Deal: the one typed value the wizard (or any other front door) hands over, and
the service that turns it into a submitted deal. No form is imported here."""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction

from portal import decision_rules, workflow
from portal.models import (
    Competitor,
    Customer,
    CustomerContact,
    Deal,
    DealContact,
    DealLine,
    Distributor,
    Product,
    User,
)


@dataclass(frozen=True)
class NewCustomer:
    """A customer nobody has entered yet, as the partner typed it."""

    name: str
    tax_id: str
    country: str
    city: str
    postal_code: str = ""
    address: str = ""
    website: str = ""
    industry: str = ""


@dataclass(frozen=True)
class NewContact:
    """A new person at the customer."""

    first_name: str
    last_name: str
    email: str
    phone: str = ""
    job_title: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class PartnerPerson:
    """The partner's sales contact or engineer on the deal."""

    name: str
    email: str
    phone: str = ""


@dataclass
class Registration:
    """Everything the partner answered, checked and turned into domain values.

    Built step by step (each wizard step fills its part); `is_complete` once every part
    is there. The review page shows this same value, and `register` creates it.
    """

    opportunity_id: str = ""
    name: str = ""
    customer: Customer | None = None
    new_customer: NewCustomer | None = None
    contact: CustomerContact | None = None
    new_contact: NewContact | None = None
    lines: list[tuple[Product, int]] = field(default_factory=list)
    expected_close_date: datetime.date | None = None
    sales: PartnerPerson | None = None
    engineer: PartnerPerson | None = None
    competitors: list[Competitor] = field(default_factory=list)
    distributor: Distributor | None = None
    next_steps: str = ""
    estimated_value: Decimal | None = None
    currency: str = ""

    @property
    def customer_shown(self) -> Customer | NewCustomer | None:
        return self.customer or self.new_customer

    @property
    def contact_shown(self) -> CustomerContact | NewContact | None:
        return self.contact or self.new_contact

    @property
    def is_complete(self) -> bool:
        return bool(
            self.name
            and self.customer_shown
            and self.contact_shown
            and self.lines
            and self.expected_close_date
            and self.sales
            and self.distributor
        )


def same_contact(*, customer_id: int | None, email: str) -> CustomerContact | None:
    """The customer's contact with this e-mail, if any: the same e-mail at the same
    customer is the same person (also a database constraint)."""
    if not customer_id or not email:
        return None
    return CustomerContact.objects.filter(customer_id=customer_id, email__iexact=email).first()


class DuplicateRegistration(Exception):
    """The token was used already: the deal exists (`deal_id`)."""

    def __init__(self, deal_id: int) -> None:
        super().__init__(deal_id)
        self.deal_id = deal_id


def deal_for_token(*, user: User, token: str) -> Deal | None:
    """The deal this partner already registered with this one-time token, if any."""
    try:
        uuid.UUID(str(token))
    except ValueError:
        return None
    return Deal.objects.filter(partner_id=user.partner_id, registration_token=token).first()


def register(*, user: User, registration: Registration, token: str) -> Deal:
    """Register Deal: create what is new, the deal with its lines and contacts, and submit it.

    All or nothing (one transaction). A token used before raises `DuplicateRegistration`
    with the deal it made, so a second POST never makes a second deal, even when two
    arrive at the same time. The workflow's submission check has the last word on the
    deal's rules.
    """
    try:
        with transaction.atomic():
            return _register(user=user, r=registration, token=token)
    except IntegrityError:
        existing = deal_for_token(user=user, token=token)
        if existing is None:
            raise
        raise DuplicateRegistration(existing.pk) from None


def _create_or_join(create, existing):
    """`create()` in a savepoint; when a unique constraint says another request made the
    same row a moment ago, that row (`existing()`) instead: both registrations share it."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found


def _register(*, user: User, r: Registration, token: str) -> Deal:
    customer = r.customer
    if customer is None:
        new = r.new_customer
        customer = _create_or_join(
            lambda: Customer.objects.create(created_by=user, **vars(new)),
            lambda: Customer.objects.with_tax_id(new.tax_id, new.country).first(),
        )
    contact = r.contact
    if contact is None:
        email = r.new_contact.email
        contact = same_contact(customer_id=customer.pk, email=email) or _create_or_join(
            lambda: CustomerContact.objects.create(customer=customer, **vars(r.new_contact)),
            lambda: same_contact(customer_id=customer.pk, email=email),
        )
    if r.contact is None:
        # Whoever types a contact in reads its details (a joined one: the other typed it).
        contact.known_to.add(user.partner_id)
    deal = Deal.objects.create(
        partner_id=user.partner_id,
        registered_by=user,
        opportunity_id=r.opportunity_id,
        name=r.name,
        customer=customer,
        customer_contact=contact,
        expected_close_date=r.expected_close_date,
        distributor=r.distributor,
        next_steps=r.next_steps,
        estimated_value=r.estimated_value,
        currency=r.currency if r.estimated_value is not None else "",
        registration_token=token,
    )
    DealLine.objects.bulk_create(
        DealLine(deal=deal, product=product, quantity=quantity, position=position)
        for position, (product, quantity) in enumerate(r.lines, start=1)
    )
    is_me = r.sales.email.lower() == (user.email or "").lower()
    contacts = [
        DealContact(
            deal=deal, role=DealContact.Role.SALES, user=user if is_me else None, **vars(r.sales)
        )
    ]
    if r.engineer is not None:
        contacts.append(DealContact(deal=deal, role=DealContact.Role.ENGINEER, **vars(r.engineer)))
    DealContact.objects.bulk_create(contacts)
    if r.competitors:
        deal.competitors.set(r.competitors)
    workflow.submit(deal=deal, by=user)
    # The programme's rules decide the clear cases at once (`portal.decision_rules`).
    decision_rules.decide(deal)
    return deal
