"""Factories that build valid objects with no arguments."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from portal import tax_ids
from portal.models import (
    Competitor,
    Customer,
    CustomerContact,
    Deal,
    DealContact,
    DealLine,
    Distributor,
    Partner,
    Product,
    ProductFamily,
    ReviewReason,
    User,
)
from portal.roles import REVIEWERS_GROUP


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n} Sp. z o.o.")
    tax_id = factory.Sequence(lambda n: f"PL{tax_ids.example_nip(50_000_000 + n)}")
    city = "Warszawa"


class DistributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Distributor

    name = factory.Sequence(lambda n: f"Distributor {n} S.A.")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.django.Password("pass")


class PartnerUserFactory(UserFactory):
    partner = factory.SubFactory(PartnerFactory)


class DistributorUserFactory(UserFactory):
    distributor = factory.SubFactory(DistributorFactory)


class ReviewerFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def reviewers_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=REVIEWERS_GROUP))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} Sp. z o.o.")
    tax_id = factory.Sequence(lambda n: f"PL{tax_ids.example_nip(n)}")
    city = "Kraków"


class CustomerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerContact

    customer = factory.SubFactory(CustomerFactory)
    first_name = "Jan"
    last_name = factory.Sequence(lambda n: f"Kowalski{n}")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")


class ProductFamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductFamily
        django_get_or_create = ["name"]

    name = "Firewalls"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    family = factory.SubFactory(ProductFamilyFactory)


class CompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competitor

    name = factory.Sequence(lambda n: f"Competitor {n}")


class DealFactory(factory.django.DjangoModelFactory):
    """A draft deal with one product and a sales contact, ready to submit."""

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    registered_by = factory.SubFactory(
        PartnerUserFactory, partner=factory.SelfAttribute("..partner")
    )
    customer = factory.SubFactory(CustomerFactory)
    customer_contact = factory.SubFactory(
        CustomerContactFactory, customer=factory.SelfAttribute("..customer")
    )
    distributor = factory.SubFactory(DistributorFactory)
    expected_close_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=60)
    )
    name = factory.Sequence(lambda n: f"Project {n}")
    next_steps = "Workshop with the customer."

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        """`lines=[product, ...]` chooses the products; the default is one new product."""
        if not create:
            return
        products = extracted if extracted is not None else [ProductFactory()]
        for position, product in enumerate(products, start=1):
            DealLine.objects.create(deal=self, product=product, position=position, quantity=1)

    @factory.post_generation
    def sales_contact(self, create, extracted, **kwargs):
        if create:
            DealContact.objects.create(
                deal=self,
                role=DealContact.Role.SALES,
                user=self.registered_by,
                name=self.registered_by.get_full_name(),
                email=self.registered_by.email,
            )

    @factory.post_generation
    def customer_contact_known(self, create, extracted, **kwargs):
        # As Register Deal does: the partner that enters a deal's contact reads its details.
        # `customer_contact_known=False` builds a deal on a contact another partner entered.
        if create and extracted is not False:
            self.customer_contact.known_to.add(self.partner_id)


# A valid Polish NIP, different for each n.
valid_nip = tax_ids.example_nip


class PartnerApplicationFactory(factory.django.DjangoModelFactory):
    """A pending application for partner access."""

    class Meta:
        model = "portal.PartnerApplication"

    company_name = factory.Sequence(lambda n: f"Applicant {n} Sp. z o.o.")
    tax_id = factory.Sequence(lambda n: valid_nip(n))
    address = "ul. Prosta 1"
    postal_code = "00-001"
    city = "Warszawa"
    contact_first_name = "Ewa"
    contact_last_name = factory.Sequence(lambda n: f"Nowak{n}")
    email = factory.Sequence(lambda n: f"ewa{n}@applicant.example")
    phone = "+48 600 100 200"
    distributor = factory.SubFactory(DistributorFactory)


class ReviewReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewReason

    code = factory.Sequence(lambda n: f"reason-{n}")
    name = factory.Sequence(lambda n: f"Reason {n}")
    guidance = "Do this."


def approve_form(deal, percent="10", **extra) -> dict:
    """The admin approve page's fields: the same discount on each line, and `extra`."""
    return {**{f"line_{pk}": percent for pk in deal.lines.values_list("pk", flat=True)}, **extra}
