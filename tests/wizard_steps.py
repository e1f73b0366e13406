"""Helpers for the Register a Deal tests: the data a partner needs and the answers per step."""

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Competitor, Customer, CustomerContact, Distributor, Product
from tests import factories


def step_url(slug: str) -> str:
    return reverse("portal:register_deal_step", args=[slug])


@dataclass
class Catalogue:
    products: list[Product]
    retired: Product
    customer: Customer
    contact: CustomerContact
    other_customer: Customer
    other_contact: CustomerContact
    distributor: Distributor
    competitors: list[Competitor]


@pytest.fixture
def partner(client, partner_user):
    """A partner's salesperson, signed in."""
    client.force_login(partner_user)
    return partner_user


@pytest.fixture
def catalogue(distributor_user) -> Catalogue:
    firewalls = factories.ProductFamilyFactory(name="Firewalls")
    switches = factories.ProductFamilyFactory(name="Switching")
    products = [
        factories.ProductFactory(name="Next-Gen Firewall 100", sku="NGFW-100", family=firewalls),
        factories.ProductFactory(name="Next-Gen Firewall 400", sku="NGFW-400", family=firewalls),
        factories.ProductFactory(name="Access Switch 24", sku="SW-24", family=switches),
        factories.ProductFactory(name="Access Switch 48", sku="SW-48", family=switches),
    ]
    retired = factories.ProductFactory(
        name="Old Firewall", sku="NGFW-50", family=firewalls, is_active=False
    )
    customer = factories.CustomerFactory(
        name="Teatr Nowy", tax_id="PL 526-000-12-46", website="https://www.teatrnowy.example.pl"
    )
    contact = factories.CustomerContactFactory(
        customer=customer, first_name="Ewa", last_name="Teatralna", email="ewa@teatrnowy.pl"
    )
    other = factories.CustomerFactory(name="Hotel Pod Różą", tax_id="PL7770001128")
    other_contact = factories.CustomerContactFactory(customer=other)
    return Catalogue(
        products=products,
        retired=retired,
        customer=customer,
        contact=contact,
        other_customer=other,
        other_contact=other_contact,
        distributor=distributor_user.distributor,
        competitors=[factories.CompetitorFactory(name=n) for n in ("Cisco", "Fortinet")],
    )


def future(days: int = 30) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def answers(cat: Catalogue) -> dict[str, dict]:
    """A valid answer for every step, choosing the catalogue's customer and contact."""
    p1, p2 = cat.products[0], cat.products[2]
    return {
        "opportunity": {"has_opportunity": "no"},
        "customer": {"mode": "existing", "customer": cat.customer.pk},
        "contact": {"mode": "existing", "contact": cat.contact.pk},
        "products": {
            "product": [p1.pk, p2.pk],
            f"quantity_{p1.pk}": "2",
            f"quantity_{p2.pk}": "10",
        },
        "details": {
            "name": "Head office firewall refresh",
            "expected_close_date": future(),
            "sales_name": "Anna Tester",
            "sales_email": "partner_a@example.com",
            "engineer_name": "Marcin Inżynier",
            "engineer_email": "marcin@partner.example",
            "competitors": [c.pk for c in cat.competitors],
            "distributor": cat.distributor.pk,
            "next_steps": "Workshop, then a proof of concept.",
            "estimated_value": "150000",
            "currency": "PLN",
        },
    }


ORDER = ["opportunity", "customer", "contact", "products", "details"]


def answer_until(client, cat: Catalogue, stop: str, **overrides) -> None:
    """Answer every step before `stop` (the wizard starts fresh from the menu entry)."""
    client.get(reverse("portal:register_deal") + "?restart=1")
    data = answers(cat)
    data.update(overrides)
    for slug in ORDER:
        if slug == stop:
            return
        response = client.post(step_url(slug), data[slug])
        assert response.status_code == 302, (slug, response.content.decode()[:3000])


def review_token(client) -> str:
    return client.get(step_url("review")).context["state"].token


def register(client, cat: Catalogue, **overrides):
    """Walk the whole wizard and click Register Deal; returns the final response."""
    answer_until(client, cat, "review", **overrides)
    return client.post(step_url("review"), {"token": review_token(client)})
