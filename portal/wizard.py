"""Sales → Register a Deal: the steps, their order, and the service that registers.

The partner's answers stay in the session (`WizardState`) until the last step;
`validate_all` re-checks every step against the database as it is now, and
`register` creates customer, contact, deal, lines and contacts in one
transaction and submits the deal through `portal.workflow`.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from portal import workflow
from portal.forms import (
    ContactPickForm,
    CustomerPickForm,
    DetailsForm,
    NewContactForm,
    NewCustomerForm,
    OpportunityForm,
    ProductsForm,
)
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

SESSION_KEY = "register_deal"


@dataclass(frozen=True)
class Step:
    slug: str
    name: str


STEPS = [
    Step("opportunity", _("Existing opportunity")),
    Step("customer", _("Customer")),
    Step("contact", _("Customer contact")),
    Step("products", _("Products")),
    Step("details", _("Deal details")),
    Step("review", _("Review")),
]
SLUGS = [s.slug for s in STEPS]


def step_by_slug(slug: str) -> Step | None:
    return next((s for s in STEPS if s.slug == slug), None)


def step_number(slug: str) -> int:
    return SLUGS.index(slug) + 1


class WizardState:
    """The partner's answers so far, kept in the session as plain lists of strings.

    `data[slug]` is what the step's form was bound to (so Back shows it again
    and the last step can re-validate it); `done` lists the steps answered.
    """

    def __init__(self, session: SessionBase, raw: dict) -> None:
        self.session = session
        self.raw = raw

    @classmethod
    def load(cls, session: SessionBase) -> "WizardState | None":
        raw = session.get(SESSION_KEY)
        if not isinstance(raw, dict) or "token" not in raw:
            return None
        return cls(session, raw)

    @classmethod
    def start(cls, session: SessionBase) -> "WizardState":
        raw = {"token": str(uuid.uuid4()), "data": {}, "done": []}
        session[SESSION_KEY] = raw
        return cls(session, raw)

    @staticmethod
    def clear(session: SessionBase) -> None:
        session.pop(SESSION_KEY, None)

    @property
    def token(self) -> str:
        return self.raw["token"]

    def data(self, slug: str) -> dict[str, list[str]]:
        return self.raw["data"].get(slug) or {}

    def querydict(self, slug: str) -> QueryDict:
        qd = QueryDict(mutable=True)
        for key, values in self.data(slug).items():
            qd.setlist(key, list(values))
        return qd

    def value(self, slug: str, key: str, default: str = "") -> str:
        values = self.data(slug).get(key) or [default]
        return values[0]

    def is_done(self, slug: str) -> bool:
        return slug in self.raw["done"]

    def save_step(self, slug: str, data: dict[str, list[str]], *, done: bool = True) -> None:
        self.raw["data"][slug] = data
        if done and slug not in self.raw["done"]:
            self.raw["done"].append(slug)
        self.session.modified = True

    def forget(self, slug: str) -> None:
        """An answer that no longer fits (a contact after the customer changed)."""
        self.raw["data"].pop(slug, None)
        if slug in self.raw["done"]:
            self.raw["done"].remove(slug)
        self.session.modified = True

    def forget_done(self, slug: str) -> None:
        """Keep the answer to show again, but ask for the step once more."""
        if slug in self.raw["done"]:
            self.raw["done"].remove(slug)
        self.session.modified = True

    def first_missing(self, before: str | None = None) -> str | None:
        """The first step not answered yet (among those before `before`, if given)."""
        for slug in SLUGS[: SLUGS.index(before) if before else len(SLUGS) - 1]:
            if not self.is_done(slug):
                return slug
        return None


def storage(form, names: list[str] | None = None) -> dict[str, list[str]]:
    """The posted values of a form's fields, ready for the session."""
    if isinstance(form, ProductsForm):
        return form.storage()
    names = names or list(form.fields)
    return {name: form.data.getlist(name)[:20] for name in names if name in form.data}


def customer_form(state_data: QueryDict) -> CustomerPickForm | NewCustomerForm:
    if state_data.get("mode") == "new":
        return NewCustomerForm(state_data)
    return CustomerPickForm(state_data)


def contact_form(
    state_data: QueryDict, customer_id: int | None
) -> ContactPickForm | NewContactForm:
    if state_data.get("mode") == "new":
        return NewContactForm(state_data)
    return ContactPickForm(state_data, customer_id=customer_id)


@dataclass
class Registration:
    """Everything the partner answered, checked and turned into domain values."""

    opportunity_id: str
    customer: Customer | None
    new_customer: dict | None
    contact: CustomerContact | None
    new_contact: dict | None
    products: list[tuple[Product, int]]
    details: dict
    errors: dict[str, list[str]] = field(default_factory=dict)


def validate_all(state: WizardState) -> tuple[Registration | None, str | None]:
    """Re-check every step as the database is now; (registration, None) or (None, bad step)."""
    opportunity = OpportunityForm(state.querydict("opportunity"))
    if not opportunity.is_valid():
        return None, "opportunity"
    customer_f = customer_form(state.querydict("customer"))
    if not customer_f.is_valid():
        return None, "customer"
    customer = customer_f.cleaned_data.get("customer")
    contact_f = contact_form(state.querydict("contact"), customer.pk if customer else None)
    if not contact_f.is_valid():
        return None, "contact"
    products = ProductsForm(state.querydict("products"))
    if not products.is_valid():
        return None, "products"
    details = DetailsForm(state.querydict("details"))
    if not details.is_valid():
        return None, "details"
    return Registration(
        opportunity_id=opportunity.cleaned_data["opportunity_id"].strip(),
        customer=customer,
        new_customer=None if customer else customer_f.cleaned_data,
        contact=contact_f.cleaned_data.get("contact"),
        new_contact=None if isinstance(contact_f, ContactPickForm) else contact_f.cleaned_data,
        products=[(p, products.quantities[p.pk]) for p in products.products],
        details=details.cleaned_data,
    ), None


class DuplicateRegistration(Exception):
    """The token was used already: the deal exists (`deal_id`)."""

    def __init__(self, deal_id: int) -> None:
        super().__init__(deal_id)
        self.deal_id = deal_id


def deal_for_token(*, user: User, token: str) -> Deal | None:
    """The deal this partner already registered with this wizard token, if any."""
    try:
        uuid.UUID(str(token))
    except ValueError:
        return None
    return Deal.objects.filter(partner_id=user.partner_id, registration_token=token).first()


def register(*, user: User, registration: Registration, token: str) -> Deal:
    """Register Deal: create what is new, the deal with its lines and contacts, and submit it.

    All or nothing (one transaction). A token used before raises
    `DuplicateRegistration` with the deal it made, so a second POST never makes
    a second deal, even when two arrive at the same time.
    """
    try:
        with transaction.atomic():
            return _register(user=user, registration=registration, token=token)
    except IntegrityError:
        existing = deal_for_token(user=user, token=token)
        if existing is None:
            raise
        raise DuplicateRegistration(existing.pk) from None


def _register(*, user: User, registration: Registration, token: str) -> Deal:
    r = registration
    customer = r.customer
    if customer is None:
        customer = Customer.objects.create(created_by=user, **r.new_customer)
    contact = r.contact
    if contact is None:
        # The same e-mail at the same customer is the same person.
        contact = CustomerContact.objects.filter(
            customer=customer, email__iexact=r.new_contact["email"]
        ).first() or CustomerContact.objects.create(customer=customer, **r.new_contact)
    d = r.details
    deal = Deal.objects.create(
        partner_id=user.partner_id,
        registered_by=user,
        opportunity_id=r.opportunity_id,
        customer=customer,
        customer_contact=contact,
        expected_close_date=d["expected_close_date"],
        distributor=d["distributor"],
        next_steps=d["next_steps"],
        estimated_value=d["estimated_value"],
        currency=d["currency"] if d["estimated_value"] is not None else "",
        registration_token=token,
    )
    DealLine.objects.bulk_create(
        DealLine(deal=deal, product=product, quantity=quantity, position=position)
        for position, (product, quantity) in enumerate(r.products, start=1)
    )
    contacts = [
        DealContact(
            deal=deal,
            role=DealContact.Role.SALES,
            user=user if d["sales_email"].lower() == (user.email or "").lower() else None,
            name=d["sales_name"],
            email=d["sales_email"],
            phone=d["sales_phone"],
        )
    ]
    if d["engineer_name"]:
        contacts.append(
            DealContact(
                deal=deal,
                role=DealContact.Role.ENGINEER,
                name=d["engineer_name"],
                email=d["engineer_email"],
                phone=d["engineer_phone"],
            )
        )
    DealContact.objects.bulk_create(contacts)
    if d["competitors"]:
        deal.competitors.set(d["competitors"])
    return workflow.submit(deal=deal, by=user)


def prefill_from(state: WizardState, deal: Deal) -> None:
    """ "Register a similar deal": the answers of `deal` that fit a new registration.

    Customer, contact, products with quantities, distributor and competitors are
    pre-filled, but every step is still shown for the partner to confirm.
    """
    state.save_step(
        "customer", {"mode": ["existing"], "customer": [str(deal.customer_id)]}, done=False
    )
    state.save_step(
        "contact", {"mode": ["existing"], "contact": [str(deal.customer_contact_id)]}, done=False
    )
    lines = list(deal.lines.filter(product__is_active=True))
    products: dict[str, list[str]] = {"product": [str(line.product_id) for line in lines]}
    for line in lines:
        products[f"quantity_{line.product_id}"] = [str(line.quantity)]
    state.save_step("products", products, done=False)
    state.save_step(
        "details",
        {
            "distributor": [str(deal.distributor_id)],
            "competitors": [str(pk) for pk in deal.competitors.values_list("pk", flat=True)],
        },
        done=False,
    )


def review_context(state: WizardState) -> dict:
    """What the review page shows, loaded in a handful of queries."""
    customer_data = state.querydict("customer")
    customer = None
    new_customer = None
    contact_data = state.querydict("contact")
    contact = None
    if contact_data.get("mode") != "new" and contact_data.get("contact"):
        contact = (
            CustomerContact.objects.select_related("customer")
            .filter(pk=contact_data.get("contact"))
            .first()
        )
        customer = contact.customer if contact else None
    if customer_data.get("mode") == "new":
        new_customer = customer_data
    elif customer is None and customer_data.get("customer"):
        customer = Customer.objects.filter(pk=customer_data.get("customer")).first()
    products_data = state.querydict("products")
    ids = [v for v in products_data.getlist("product") if v.isdigit()]
    by_pk = {str(p.pk): p for p in Product.objects.filter(pk__in=ids).select_related("family")}
    lines = [(by_pk[pk], products_data.get(f"quantity_{pk}", "")) for pk in ids if pk in by_pk]
    details = state.querydict("details")
    distributor = Distributor.objects.filter(pk=_int(details.get("distributor"))).first()
    competitor_ids = [_int(v) for v in details.getlist("competitors")]
    competitors = list(Competitor.objects.filter(pk__in=competitor_ids)) if competitor_ids else []
    value = details.get("estimated_value")
    return {
        "opportunity": state.querydict("opportunity"),
        "customer": customer,
        "new_customer": new_customer,
        "contact": contact,
        "new_contact": contact_data if contact_data.get("mode") == "new" else None,
        "lines": lines,
        "details": details,
        "distributor": distributor,
        "competitors": competitors,
        "estimated_value": Decimal(value) if value else None,
    }


def _int(value: str | None) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
