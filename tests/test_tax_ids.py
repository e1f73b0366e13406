"""Tax IDs per country: one rule for the wizard, the admin and partner applications."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import tax_ids
from portal.models import Customer, Deal, Partner
from tests import factories
from tests.wizard_steps import answer_until, review_token, step_url

pytestmark = pytest.mark.django_db

# One ten-digit number that is both a valid Belgian VAT number and a valid Polish NIP.
BOTH = "0100000169"


@pytest.mark.parametrize(
    "typed",
    ["PL 526-025-02-74", "pl5260250274", "5260250274", " 526 025 02 74 ", "PL-526.025.02.74"],
)
def test_every_spelling_of_a_nip_is_one_number(typed):
    number = tax_ids.parse(typed, "PL")
    assert (number.country, number.compact, number.display) == ("PL", "5260250274", "PL5260250274")


@pytest.mark.parametrize(
    ("typed", "country", "sentence"),
    [
        ("abc", "PL", "This is not a valid Polish NIP"),
        ("12", "PL", "This is not a valid Polish NIP"),
        ("5260250275", "PL", "This is not a valid Polish NIP"),  # wrong check digit
        ("", "PL", "Enter the company's tax ID."),
        ("526#025", "PL", "only letters and digits"),
        ("BE0123456749", "PL", "This is a BE VAT number but the country is PL"),
        ("DE100000009", "DE", "The check digit of this VAT number of Germany is wrong"),
        ("DE1000", "DE", "This is not a valid VAT number of Germany"),
        ("xx", "US", "4 to 20 letters and digits"),
        ("ABCDEFGH", "NO", "4 to 20 letters and digits"),  # no digit at all
    ],
)
def test_a_wrong_number_gets_a_sentence(typed, country, sentence):
    assert sentence in tax_ids.problem(typed, country)


@pytest.mark.parametrize(
    ("typed", "country", "display"),
    [
        ("BE 0123.456.749", "BE", "BE0123456749"),
        ("DE 100 000 008", "DE", "DE100000008"),
        ("EL 094259216", "GR", "EL094259216"),  # Greece writes EL before its VAT numbers
        ("094259216", "GR", "EL094259216"),
        ("CHE-123.456.788", "CH", "CHE123456788"),  # outside the EU: free form
        ("US 12-3456789", "US", "123456789"),
    ],
)
def test_each_country_has_its_rule(typed, country, display):
    assert tax_ids.parse(typed, country).display == display


def test_a_belgian_and_a_polish_company_with_the_same_digits_are_two_customers():
    belgian = factories.CustomerFactory(tax_id=f"BE{BOTH}", country="BE")
    polish = Customer(name="Polska firma", tax_id=f"PL{BOTH}", country="PL", city="Łódź")
    polish.full_clean()
    polish.save()
    assert belgian.tax_id_normalized == polish.tax_id_normalized == BOTH
    assert Customer.objects.count() == 2
    dutch = Customer(name="Copy", tax_id=f"BE {BOTH}", country="be", city="Gent")
    with pytest.raises(ValidationError) as refused:
        dutch.full_clean()
    assert refused.value.message_dict["tax_id"] == [
        f"{belgian.name} is already in the portal with this tax ID."
    ]


def new_customer(**fields) -> dict:
    return {"mode": "new", "name": "Nowa Firma", "country": "PL", "city": "Opole", **fields}


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("abc", "This is not a valid Polish NIP"),
        ("12", "This is not a valid Polish NIP"),
        ("7011111104", "This is not a valid Polish NIP"),
    ],
)
def test_the_wizard_refuses_a_wrong_nip_next_to_the_field(
    client, partner, catalogue, typed, sentence
):
    answer_until(client, catalogue, "customer")
    response = client.post(step_url("customer"), new_customer(tax_id=typed))
    assert response.status_code == 200
    assert sentence in response.context["new_form"].errors["tax_id"][0]
    assert 'value="Nowa Firma"' in response.content.decode()  # the rest is kept
    assert not Customer.objects.filter(name="Nowa Firma").exists()


def test_the_wizard_registers_a_belgian_customer_beside_a_polish_one(client, partner, catalogue):
    polish = factories.CustomerFactory(tax_id=f"PL{BOTH}")
    answer_until(
        client,
        catalogue,
        "review",
        customer=new_customer(name="Brouwerij", tax_id=f"be {BOTH}", country="be"),
        contact={"mode": "new", "first_name": "An", "last_name": "Peeters", "email": "an@b.be"},
    )
    response = client.post(step_url("review"), {"token": review_token(client)})
    assert response.status_code == 302
    customer = Deal.objects.get().customer
    assert customer != polish
    assert (customer.tax_id, customer.country) == (f"BE{BOTH}", "BE")


def test_the_wizard_offers_the_known_customer_for_another_spelling(client, partner, catalogue):
    known = factories.CustomerFactory(name="Znana", tax_id="PL5260250274")
    answer_until(client, catalogue, "customer")
    response = client.post(step_url("customer"), new_customer(tax_id="526-025-02-74"))
    errors = response.context["new_form"].errors["tax_id"]
    assert errors == [
        "Znana is already in the portal with this tax ID: choose it instead of adding it again."
    ]
    assert f'value="{known.pk}"' in response.content.decode()  # offered to pick


def admin_customer(**fields) -> dict:
    data = {"name": "Nowa", "tax_id": "", "country": "PL", "city": "Opole", "postal_code": ""}
    data |= {"address": "", "website": "", "industry": ""}
    data |= {f"contacts-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()}
    return data | fields


def test_the_admin_checks_a_customers_number_by_its_country(client, reviewer):
    client.force_login(reviewer)
    url = reverse("admin:portal_customer_add")
    refused = client.post(url, admin_customer(tax_id="1234567890"))
    assert refused.status_code == 200
    assert "This is not a valid Polish NIP" in refused.content.decode()
    assert not Customer.objects.exists()
    saved = client.post(url, admin_customer(tax_id="de 100000008", country="de"))
    assert saved.status_code == 302
    assert Customer.objects.values_list("tax_id", "country").get() == ("DE100000008", "DE")
    again = client.post(url, admin_customer(name="Copy", tax_id="DE-100-000-008", country="DE"))
    assert "Nowa is already in the portal with this tax ID." in again.content.decode()
    assert Customer.objects.count() == 1


def test_the_admin_checks_a_partners_number(client, reviewer):
    client.force_login(reviewer)
    data = {"name": "Partner X", "tax_id": "PL 123", "country": "PL", "city": ""}
    refused = client.post(reverse("admin:portal_partner_add"), data)
    assert "This is not a valid Polish NIP" in refused.content.decode()
    assert not Partner.objects.filter(name="Partner X").exists()


def test_the_migration_normalises_rows_and_reports_those_it_cannot_place(capsys):
    good = factories.CustomerFactory(tax_id="x1")
    bad = factories.CustomerFactory(name="Zły Numer", tax_id="x2")
    # As the rows stood before: typed freely, keyed on digits alone.
    Customer.objects.filter(pk=good.pk).update(tax_id="526-025-02-74", tax_id_normalized="5")
    Customer.objects.filter(pk=bad.pk).update(tax_id="PL 12", tax_id_normalized="12")
    migration = importlib.import_module("portal.migrations.0014_normalise_tax_ids")
    migration.normalise(apps, None)
    good.refresh_from_db()
    assert (good.tax_id, good.tax_id_normalized) == ("PL5260250274", "5260250274")
    bad.refresh_from_db()
    assert bad.tax_id == "PL 12"  # kept as typed
    report = capsys.readouterr().out
    assert "1 tax IDs its country's rule refuses" in report
    assert "Zły Numer 'PL 12'" in report
    assert good.name not in report
