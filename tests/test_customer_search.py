"""Searching the portal's customers in the wizard: by name, tax ID however typed, or website."""

import pytest
from django.db import connection
from django.urls import reverse

from portal.selectors import customer_search_queryset, search_customers
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
    for n in range(25):
        factories.CustomerFactory(name=f"Acme {n}")
    found = search_customers(query="acme")
    assert len(found) == 20 and found.more
    assert [c.name for c in found] == sorted(c.name for c in found)
    exact = search_customers(query="acme 1")  # Acme 1, 10 … 19 and 21: twelve
    assert len(exact) == 12 and not exact.more


def test_the_list_says_when_more_customers_match_and_what_is_too_short(client, partner_user):
    for n in range(21):
        factories.CustomerFactory(name=f"Acme {n}")
    client.force_login(partner_user)
    url = reverse("portal:customer_search")
    page = client.get(url, {"q": "acme"}, HTTP_HX_REQUEST="true").content.decode()
    assert "More customers match “acme”: add a word, such as the city" in page
    page = client.get(url, {"q": "acme 20"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Acme 20" in page and "More customers match" not in page
    page = client.get(url, {"q": "ac"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Type at least 3 characters of the name, or a whole tax ID." in page


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


@pytest.fixture
def directory(db):
    """The customers the issue's partners could not find."""
    return [
        factories.CustomerFactory(name="Hotel Pod Różą", city="Kraków"),
        factories.CustomerFactory(name="Miejskie Przedsiębiorstwo Wodociągów", city="Łódź"),
        factories.CustomerFactory(name="Elektrownia Wiatrowa Bałtyk", city="Słupsk"),
        factories.CustomerFactory(name="Straßenbau GmbH", city="Görlitz", country="DE"),
        factories.CustomerFactory(name="Bałtycka Grupa", city="Gdańsk"),
    ]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("hotel pod roza", {"Hotel Pod Różą"}),
        ("HOTEL POD RÓŻĄ", {"Hotel Pod Różą"}),
        ("roza hotel", {"Hotel Pod Różą"}),  # any order
        ("pod krakow", {"Hotel Pod Różą"}),  # a word of the name and the city
        ("wodociag", {"Miejskie Przedsiębiorstwo Wodociągów"}),
        ("wodociagow lodz", {"Miejskie Przedsiębiorstwo Wodociągów"}),
        ("Baltyk", {"Elektrownia Wiatrowa Bałtyk"}),
        ("BAŁTYK", {"Elektrownia Wiatrowa Bałtyk"}),
        ("Elektrownia Bałtyk", {"Elektrownia Wiatrowa Bałtyk"}),
        ("baltyc", {"Bałtycka Grupa"}),
        ("strasse", {"Straßenbau GmbH"}),
        ("gorlitz", {"Straßenbau GmbH"}),
        ("balt", {"Elektrownia Wiatrowa Bałtyk", "Bałtycka Grupa"}),
    ],
)
def test_accents_case_and_word_order_do_not_matter(directory, query, found):
    assert names(query) == found


@pytest.mark.parametrize("query", ["hotel baltyk", "roza slupsk", "wodociag krakow"])
def test_every_word_must_match_the_same_customer(directory, query):
    assert names(query) == set()


def test_the_same_words_find_the_deals_in_the_opportunity_manager(client, partner_user):
    customer = factories.CustomerFactory(name="Hotel Pod Różą", city="Kraków")
    deal = factories.DealFactory(partner=partner_user.partner, customer=customer)
    factories.DealFactory(partner=partner_user.partner)  # another customer
    client.force_login(partner_user)
    response = client.get(reverse("portal:opportunity_manager"), {"q": "roza hotel"})
    assert response.status_code == 200
    assert [d.pk for d in response.context["deals"]] == [deal.pk]


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("admin:portal_customer_changelist", "hotel pod roza"),
        ("admin:portal_customer_changelist", "PL7011111103"),
        ("admin:portal_customer_changelist", "701-111-11-03"),
        ("admin:portal_deal_changelist", "ROZA krakow"),
        ("admin:portal_deal_changelist", "pl 701 111 11 03"),
        ("admin:portal_customercontact_changelist", "hotel roza"),
    ],
)
def test_the_admin_searches_find_the_same(client, reviewer, url, query):
    customer = factories.CustomerFactory(name="Hotel Pod Różą", city="Kraków", tax_id="7011111103")
    deal = factories.DealFactory(customer=customer)
    other = factories.DealFactory()
    client.force_login(reviewer)
    response = client.get(reverse(url), {"q": query})
    assert response.status_code == 200
    shown = [row.pk for row in response.context["cl"].result_list]
    expected = {
        "admin:portal_customer_changelist": [customer.pk],
        "admin:portal_deal_changelist": [deal.pk],
        "admin:portal_customercontact_changelist": [deal.customer_contact_id],
    }[url]
    assert shown == expected
    assert other.customer.name not in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_postgresql_searches_the_folded_text_through_its_index(directory):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: force the choice
        plan = search_customers_plan("szpital lodz")
    assert "customer_search_trgm" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite reads the stored column")
def test_postgresql_finds_a_row_written_without_save(directory):
    # An UPDATE, a bulk load or a script leaves `search_text` behind; the database folds.
    factories.Customer.objects.filter(pk=directory[0].pk).update(name="Zażółć Gęślą")
    assert names("zazolc gesla") == {"Zażółć Gęślą"}


def search_customers_plan(query: str, explain: str = "EXPLAIN") -> str:
    sql, params = customer_search_queryset(query=query).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 trigram index")
def test_sqlite_searches_through_its_trigram_index_kept_in_step(directory):
    # A later migration that rebuilds portal_customer on SQLite drops its triggers: this
    # says so, and the search would silently stop finding new customers.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert {f"portal_customer_search_{op}" for op in ("insert", "update", "delete")} <= triggers
    plan = search_customers_plan("szpital lodz", explain="EXPLAIN QUERY PLAN")
    assert "VIRTUAL TABLE INDEX" in plan and "portal_customer_search" in plan
    hotel = directory[0]
    hotel.name = "Hotel Pod Lipami"
    hotel.save()
    assert names("lipami krakow") == {"Hotel Pod Lipami"} and names("roza") == set()
    hotel.delete()
    assert names("lipami") == set()
