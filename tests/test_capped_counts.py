"""Status counts stop at a cap (portal.selectors.COUNT_CAP): exact below it, "N+" above it,
so a reviewer's million deals are never counted one by one on a page view."""

import pytest
from django.urls import reverse

from portal.access import deals_visible_to
from portal.models import Deal
from portal.selectors import capped_status_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_submitted_one_approved(make_deal):
    for _ in range(3):
        make_deal(Deal.Status.SUBMITTED)
    make_deal(Deal.Status.APPROVED)


def test_counts_are_exact_up_to_the_cap_and_flagged_beyond_it(
    reviewer, three_submitted_one_approved
):
    counts, capped = capped_status_counts(deals_visible_to(user=reviewer), cap=2)
    assert counts == {"submitted": 2, "approved": 1}
    assert capped == {"submitted"}
    counts, capped = capped_status_counts(deals_visible_to(user=reviewer), cap=10)
    assert counts == {"submitted": 3, "approved": 1} and capped == set()


def test_the_opportunity_manager_says_more_than_when_the_count_is_capped(
    client, reviewer, three_submitted_one_approved, monkeypatch
):
    monkeypatch.setattr("portal.filters.COUNT_CAP", 2)
    client.force_login(reviewer)
    response = client.get(reverse("portal:opportunity_manager"))
    html = response.content.decode()
    assert 'data-testid="count-submitted">2+<' in html
    assert 'data-testid="count-approved">1<' in html
    assert "More than 3 deals" in html
    # A status below the cap: the exact number again.
    response = client.get(reverse("portal:opportunity_manager"), {"status": "approved"})
    assert "1 deal" in response.content.decode()
    assert response.context["total_is_capped"] is False


def test_a_search_counts_exactly(client, reviewer, three_submitted_one_approved, monkeypatch):
    monkeypatch.setattr("portal.filters.COUNT_CAP", 2)
    client.force_login(reviewer)
    response = client.get(reverse("portal:opportunity_manager"), {"q": "Customer"})
    assert response.context["capped_statuses"] == set()


def test_the_home_page_marks_a_capped_count(
    client, reviewer, three_submitted_one_approved, monkeypatch
):
    monkeypatch.setattr("portal.views.home.COUNT_CAP", 2)
    client.force_login(reviewer)
    html = client.get(reverse("portal:home")).content.decode()
    assert ">2+</div>" in html
