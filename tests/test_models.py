"""Data invariants hold in the database, not only in forms."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal import deal_rules
from portal.models import Customer, CustomerContact, DealLine, User
from tests import factories

pytestmark = pytest.mark.django_db


def test_customer_with_the_same_number_and_country_is_refused():
    factories.CustomerFactory(tax_id="PL 526-025-02-74")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CustomerFactory(tax_id="5260250274")
    assert Customer.objects.count() == 1


def test_customer_validation_names_the_duplicate_tax_id():
    factories.CustomerFactory(name="Teatr Nowy", tax_id="PL 526-025-02-74")
    customer = Customer(name="Copy", tax_id="5260250274", city="Kraków")
    with pytest.raises(ValidationError) as exc:
        customer.full_clean()
    assert exc.value.message_dict["tax_id"] == [
        "Teatr Nowy is already in the portal with this tax ID."
    ]


def test_customer_without_tax_id_is_refused_with_a_sentence():
    with pytest.raises(ValidationError) as exc:
        Customer(name="No tax", tax_id="--", city="Kraków").full_clean()
    assert exc.value.message_dict["tax_id"] == ["Enter the company's tax ID."]


def test_user_cannot_belong_to_a_partner_and_a_distributor():
    user = factories.PartnerUserFactory()
    user.distributor = factories.DistributorFactory()
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "at most one organisation" in str(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()
    user.refresh_from_db()
    assert user.distributor_id is None


def test_same_product_twice_on_a_deal_is_refused():
    product = factories.ProductFactory()
    deal = factories.DealFactory(lines=[product])
    with pytest.raises(IntegrityError), transaction.atomic():
        DealLine.objects.create(deal=deal, product=product, position=2)
    line = DealLine(deal=deal, product=product, position=2)
    with pytest.raises(ValidationError, match="same product is on this deal twice"):
        line.full_clean()


def test_a_fourth_product_is_refused_by_the_database():
    deal = factories.DealFactory(lines=factories.ProductFactory.create_batch(3))
    with pytest.raises(IntegrityError), transaction.atomic():
        DealLine.objects.create(deal=deal, product=factories.ProductFactory(), position=4)
    line = DealLine(deal=deal, product=factories.ProductFactory(), position=4)
    with pytest.raises(ValidationError, match="at most 3 products"):
        line.full_clean()
    assert deal.lines.count() == 3


def test_contact_email_is_unique_per_customer_whatever_the_case():
    contact = factories.CustomerContactFactory(email="Jan@Customer.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerContact.objects.create(
            customer=contact.customer, first_name="J", last_name="K", email="jan@customer.example"
        )
    # Another customer may have a contact with the same address.
    factories.CustomerContactFactory(email="jan@customer.example")


def test_deal_contact_of_another_customer_is_refused_on_submission():
    deal = factories.DealFactory()
    deal.customer_contact = factories.CustomerContactFactory()
    deal.save()
    with pytest.raises(ValidationError) as exc:
        deal_rules.validate_for_submission(deal)
    assert exc.value.message_dict["customer_contact"] == [
        "This contact works for another customer."
    ]


def test_an_inactive_product_is_refused_on_submission():
    old = factories.ProductFactory(is_active=False, name="Old box", sku="OLD-1")
    deal = factories.DealFactory(lines=[old])
    with pytest.raises(ValidationError) as exc:
        deal_rules.validate_for_submission(deal)
    assert exc.value.message_dict["products"] == [
        "These products can no longer be registered: Old box."
    ]


def test_status_outside_the_choices_is_refused_by_the_database():
    deal = factories.DealFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(deal).objects.filter(pk=deal.pk).update(status="maybe")


def test_a_number_without_approval_is_refused_by_the_database():
    deal = factories.DealFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(deal).objects.filter(pk=deal.pk).update(deal_reg_number="DR-2026-000001")


def test_user_organisation_is_the_partner_or_distributor():
    assert factories.PartnerUserFactory().organisation.__class__.__name__ == "Partner"
    assert factories.DistributorUserFactory().organisation.__class__.__name__ == "Distributor"
    assert User(username="v").organisation is None
