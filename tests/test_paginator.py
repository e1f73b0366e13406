"""CappedCountPaginator: exact counts while small, a capped count (one query) when large."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Deal
from portal.paginator import CappedCountPaginator

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve_deals(make_deal):
    for _ in range(12):
        make_deal(Deal.Status.SUBMITTED)
    return Deal.objects.order_by("-submitted_at", "-pk")


def test_a_small_list_gets_its_exact_count(twelve_deals):
    paginator = CappedCountPaginator(twelve_deals, 5, count_cap=100)
    assert paginator.count == 12
    assert not paginator.count_is_capped
    assert paginator.num_pages == 3


def test_a_list_longer_than_the_cap_says_so_and_stops_counting(twelve_deals):
    paginator = CappedCountPaginator(twelve_deals, 5, count_cap=10)
    assert paginator.count == 10
    assert paginator.count_is_capped
    assert paginator.num_pages == 2


def test_the_capped_count_is_one_limited_query(twelve_deals):
    paginator = CappedCountPaginator(twelve_deals, 5, count_cap=10)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(1)
        list(page)
    assert len(queries) == 2
    assert "LIMIT 11" in queries[0]["sql"]
