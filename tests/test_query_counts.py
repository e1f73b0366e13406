"""Query counts do not grow with the data: the same page costs the same number of queries
with one deal or with many (stable numbers, not times). Pages built on other branches bring
their own query-count tests; `bench` reports every page's count at scale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Deal

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
        client.get(reverse("portal:home"))


@pytest.mark.parametrize("params", [{}, {"status__exact": "submitted"}, {"q": "Customer"}])
def test_admin_changelist_peer_costs_the_same_queries_with_one_deal_or_many(
    client, reviewer, make_deal, params
):
    client.force_login(reviewer)
    url = reverse("admin:portal_deal_changelist")
    add_deals(make_deal, 1)
    few = queries_for(client, url, params)
    add_deals(make_deal, 15)
    assert queries_for(client, url, params) == few
