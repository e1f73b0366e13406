"""Searching the portal's customers in the wizard: by name, tax ID however typed, or website."""

import pytest
from django.urls import reverse

from portal.selectors import search_customers
from tests import factories
from tests.wizard_steps import answer_until, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(db):
    return {
        "teatr": factories.CustomerFactory(
            name="Teatr Nowy", tax_id="PL 526-000-12-46", website="https://www.teatrnowy.example.pl"
        ),
        "hotel": factories.CustomerFactory(
            name="Hotel Pod Różą", tax_id="7770001128", website="https://hotel.example.com"
        ),
        "bank": factories.CustomerFactory(name="Bank Spółdzielczy", tax_id="PL5260009999"),
    }


def names(query: str) -> set[str]:
    return {c.name for c in search_customers(query=query)}


@pytest.mark.parametrize(
    "query", ["Teatr Nowy", "teatr", "TEATR NOWY", "atr No", "  teatr   nowy "]
)
def test_search_finds_a_customer_by_name_partial_name_and_any_case(customers, query):
    assert names(query) == {"Teatr Nowy"}


@pytest.mark.parametrize(
    "query",
    [
        "PL5260001246",
        "pl 526-000-12-46",
        "526 000 12 46",
        "526-000-12-46",
        "5260001246",
    ],
)
def test_search_finds_a_customer_by_tax_id_in_any_spelling(customers, query):
    assert names(query) == {"Teatr Nowy"}


@pytest.mark.parametrize("prefix", ["526", "PL52600012", "5260"])
def test_a_tax_id_prefix_lists_nobody(customers, prefix):
    # The directory is found by a whole tax ID, never listed by its first digits.
    assert names(prefix) == set()


@pytest.mark.parametrize(
    "query",
    ["teatrnowy.example.pl", "https://www.teatrnowy.example.pl/", "www.teatrnowy", "TEATRNOWY"],
)
def test_search_finds_a_customer_by_website(customers, query):
    assert names(query) == {"Teatr Nowy"}


def test_a_query_too_short_or_unknown_finds_nothing(customers):
    assert names("t") == set()
    assert names("") == set()
    assert names("Nieznana Firma") == set()


def test_a_name_needs_three_letters(customers):
    assert names("te") == set() and names("no") == set()
    assert names("tea") == {"Teatr Nowy"} and names("owy") == {"Teatr Nowy"}


def test_search_returns_at_most_twenty_customers(db):
    factories.CustomerFactory.create_batch(
        25, name=factories.factory.Sequence(lambda n: f"Acme {n}")
    )
    assert len(search_customers(query="acme")) == 20


def test_search_as_you_type_returns_the_results_fragment(client, partner_user, customers):
    client.force_login(partner_user)
    response = client.get(reverse("portal:customer_search"), {"q": "teat"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "Teatr Nowy" in page and f'value="{customers["teatr"].pk}"' in page
    response = client.get(reverse("portal:customer_search"), {"q": "zzz"}, HTTP_HX_REQUEST="true")
    assert "No customer matches “zzz”" in response.content.decode()


def test_without_javascript_the_search_endpoint_sends_to_the_step(client, partner_user, customers):
    client.force_login(partner_user)
    response = client.get(reverse("portal:customer_search"), {"q": "teatr & co"})
    assert response["Location"] == step_url("customer") + "?q=teatr+%26+co"


def test_search_input_escapes_what_was_typed(client, partner_user, catalogue):
    client.force_login(partner_user)
    answer_until(client, catalogue, "customer")
    page = client.get(step_url("customer"), {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
