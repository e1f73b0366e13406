"""Query counts do not grow with the data: the same page costs the same number of queries
with one deal or with many (stable numbers, not times). Pages built on other branches bring
their own query-count tests; `bench` reports every page's count at scale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import keyset
from portal.filters import SORT_KEYS
from portal.models import Deal
from tests import factories

pytestmark = pytest.mark.django_db


def queries_for(client, url, params=None):
    client.get(url, params)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def add_deals(make_deal, n):
    for i in range(n):
        make_deal([Deal.Status.SUBMITTED, Deal.Status.APPROVED, Deal.Status.REJECTED][i % 3])


@pytest.mark.parametrize("who", ["partner_user", "distributor_user", "reviewer"])
def test_home_page_costs_the_same_queries_with_one_deal_or_many(
    request, client, make_deal, who, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(who))
    add_deals(make_deal, 1)
    few = queries_for(client, reverse("portal:home"))
    add_deals(make_deal, 15)
    many = queries_for(client, reverse("portal:home"))
    assert few == many
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "Submitted" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "shows"),
    [
        ({}, "Submitted"),  # the queue, where a reviewer lands
        ({"status": "all"}, "Approved"),
        ({"status": "rejected"}, "Rejected"),
        ({"q": "Customer"}, "Approved"),  # a search looks at every status
        ({"sla": "overdue", "status": "all"}, "0 deals"),
    ],
)
def test_the_reviewers_queue_costs_the_same_queries_with_one_deal_or_many(
    client, reviewer, make_deal, params, shows
):
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_changelist")
    add_deals(make_deal, 3)
    few = queries_for(client, url, params)
    add_deals(make_deal, 30)
    assert queries_for(client, url, params) == few <= 12
    response = client.get(url, params)
    assert response.status_code == 200
    assert shows in response.content.decode()


def test_the_queue_counts_no_further_than_the_cap(client, reviewer, make_deal, monkeypatch):
    from portal.admin import queue

    monkeypatch.setattr(queue, "COUNT_CAP", 3)
    for _ in range(5):
        make_deal(Deal.Status.SUBMITTED)
    client.force_login(reviewer)
    page = client.get(reverse("admin:portal_deal_changelist")).content.decode()
    assert "more than 3 deals (narrow the list with a filter or a search)" in page
    page = client.get(reverse("admin:portal_deal_changelist"), {"status": "approved"})
    assert "0 deals" in page.content.decode()


OM_PARAMS = [
    {},
    {"status": "submitted"},
    {"status": ["submitted", "approved"], "o": "-close"},
    {"q": "Customer"},
    {"q": "NUMBER"},  # an approved deal's Deal Reg Number (a term with digits)
    {"o": "close", "after": "APPROVED"},  # a page after the approved deal's row
    {"o": "-number", "after": "APPROVED"},  # past the numbered deals: the unnumbered ones
    # Every sort, both ways, from its second page: a row reads no column the page left out.
    *({"o": f"{way}{column}", "after": "APPROVED"} for column in SORT_KEYS for way in ("", "-")),
]


@pytest.mark.parametrize("who", ["partner_user", "distributor_user", "reviewer"])
@pytest.mark.parametrize("params", OM_PARAMS)
def test_opportunity_manager_costs_the_same_queries_with_one_deal_or_many(
    request, client, make_deal, who, params, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(who))
    url = reverse("portal:opportunity_manager")
    approved = make_deal(Deal.Status.APPROVED)
    add_deals(make_deal, 1)  # and a submitted one: every filter matches a row
    if params.get("q") == "NUMBER":
        params = {"q": approved.deal_reg_number}
    if params.get("after") == "APPROVED":
        params = {**params, "after": keyset.encode(SORT_KEYS[params["o"].lstrip("-")], approved)}
    few = queries_for(client, url, params)
    add_deals(make_deal, 60)  # more than two pages of 25
    # A sort with empty values (no number, no submission yet) reads them in a second
    # query on the page where the others run out: a short list may cost that one more.
    assert queries_for(client, url, params) <= few
    with django_assert_max_num_queries(8):
        response = client.get(url, params)
    assert response.status_code == 200
    assert "Opportunity Manager" in response.content.decode()


@pytest.mark.parametrize("who", ["partner_user", "distributor_user", "reviewer"])
def test_deal_page_costs_the_same_queries_for_a_small_or_a_big_deal(
    request, client, make_deal, who, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(who))
    small = make_deal(Deal.Status.SUBMITTED)
    big = make_deal(Deal.Status.SUBMITTED, lines=factories.ProductFactory.create_batch(3))
    add_deals(make_deal, 10)
    counts = [queries_for(client, reverse("portal:deal_detail", args=[d.pk])) for d in (small, big)]
    assert counts[0] == counts[1]
    # Nine: the files attached are one prefetch.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("portal:deal_detail", args=[big.pk]))
    assert response.status_code == 200
    assert big.customer.name in response.content.decode()


def export_queries(client) -> tuple[int, int]:
    b"".join(client.get(reverse("portal:deal_export")).streaming_content)  # warm caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("portal:deal_export"))
        rows = b"".join(response.streaming_content).count(b"\n") - 1
    return len(captured), rows


def test_the_export_costs_the_same_queries_for_few_rows_or_many(
    client, reviewer, make_deal, monkeypatch
):
    from portal import export_formats

    monkeypatch.setattr(export_formats, "EXPORT_CHUNK_SIZE", 5)  # many chunks
    client.force_login(reviewer)
    add_deals(make_deal, 2)
    few, few_rows = export_queries(client)
    add_deals(make_deal, 30)
    many, many_rows = export_queries(client)
    assert (few_rows, many_rows) == (2, 32)
    assert few == many <= 8


def test_the_customer_search_costs_the_same_queries_with_few_or_many_customers(
    client, partner_user, django_assert_max_num_queries
):
    client.force_login(partner_user)
    url = reverse("portal:customer_search")
    hx = {"HX-Request": "true"}
    factories.CustomerFactory(name="Huta Szkła 0")
    client.get(url, {"q": "huta"}, headers=hx)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"q": "huta"}, headers=hx).status_code == 200
    factories.CustomerFactory.create_batch(
        30, name=factories.factory.Sequence(lambda n: f"Huta Szkła {n + 1}")
    )
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"q": "huta"}, headers=hx)
    assert len(few) == len(many)
    with django_assert_max_num_queries(8):
        response = client.get(url, {"q": "huta"}, headers=hx)
    assert response.status_code == 200
    assert "Huta Szkła 0" in response.content.decode()
