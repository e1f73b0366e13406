"""Keyset pages of the Opportunity Manager: following Next from the first page to the last,
then Previous back, shows every deal once, in the order the whole list sorts in (the one
the export uses), for every column each role may sort by, both ways, empty values last."""

import datetime
import re
from html import unescape

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from portal.filters import SORT_KEYS, DealFilter
from portal.keyset import KeysetPage
from portal.models import Deal
from portal.views import opportunity_manager
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("portal:opportunity_manager")
PER_PAGE = 3


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]*)" rel="{rel}"', html)
    return URL + unescape(found.group(1)) if found else None


def ids(response) -> list[int]:
    return [deal.pk for deal in response.context["deals"]]


@pytest.fixture
def deals(make_deal, make_other_deal, partner_user):
    """Deals with ties and empty values in every sort column: equal close dates, one
    customer on several deals, drafts without a submission date or number."""
    statuses = ["draft", "submitted", "approved", "approved", "rejected", "won", "submitted"]
    statuses.append("approved")
    made = [make_deal(status) for status in statuses]
    made += [make_other_deal("approved"), make_other_deal("submitted")]
    shared = factories.CustomerFactory(name="Alfa")
    day = timezone.localdate() + datetime.timedelta(days=30)
    Deal.objects.filter(pk__in=[d.pk for d in made[1:5]]).update(
        customer=shared, expected_close_date=day
    )
    stamp = timezone.now()
    Deal.objects.filter(pk__in=[d.pk for d in made[2:4]]).update(submitted_at=stamp)
    return made


@pytest.mark.parametrize("role", ["partner_user", "distributor_user", "reviewer"])
def test_next_and_previous_walk_every_sort_without_repeating_or_skipping(
    role, request, client, deals, monkeypatch
):
    monkeypatch.setattr(opportunity_manager, "PAGE_SIZE", PER_PAGE)
    user = request.getfixturevalue(role)
    client.force_login(user)
    for column in sorted(SORT_KEYS):
        for order in (column, f"-{column}"):
            whole = DealFilter(QueryDict(f"o={order}"), user=user).qs
            expected = list(whole.values_list("pk", flat=True))
            assert len(expected) > 2 * PER_PAGE
            pages, url = [], f"{URL}?o={order}"
            while url:
                response = client.get(url)
                assert response.status_code == 200, url
                assert "deals" in response.context, (url, response.content.decode()[:3000])
                pages.append(ids(response))
                html = response.content.decode()
                assert f"Page {len(pages)} of" in html
                url = link(html, "next")
            assert [pk for page in pages for pk in page] == expected, order
            # And back: the same pages, in reverse.
            back = [pages[-1]]
            url = link(html, "prev")
            while url:
                response = client.get(url)
                back.append(ids(response))
                url = link(response.content.decode(), "prev")
            assert back == pages[::-1], order


def test_partner_and_distributor_columns_are_not_sortable(client, reviewer, deals):
    """Their names group the deals unevenly (no index walk at a million deals): no sort
    link, and a hand-written URL sorts by the default, newest first."""
    client.force_login(reviewer)
    default = ids(client.get(URL))
    for column in ("partner", "-distributor"):
        response = client.get(URL, {"o": column})
        assert response.status_code == 200 and ids(response) == default
    html = response.content.decode()
    assert "?o=partner" not in html and "?o=distributor" not in html
    assert "?o=customer" in html


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "",
        "!!!",
        "W10",
        "WyJhIl0",
        "WzEsMiwzXQ",
        "WyJ4IiwgInkiXQ",
        "bnVsbA",
        "e30",
        "A" * 5000,
        "WyIyMDI2LTEzLTQwIiwgMV0",
        "W251bGwsIG51bGxd",
        "W3RydWUsIDFd",
    ],
)
def test_a_malformed_cursor_shows_the_first_page(client, partner_user, deals, cursor):
    client.force_login(partner_user)
    first = ids(client.get(URL, {"o": "close"}))
    for name in ("after", "before"):
        response = client.get(URL, {"o": "close", name: cursor, "page": "7"})
        assert response.status_code == 200
        assert ids(response) == first


def test_a_page_keeps_its_place_when_a_newer_deal_arrives(client, partner_user, deals, make_deal):
    """OFFSET pages shift by one when a deal is registered meanwhile; a cursor does not."""
    client.force_login(partner_user)
    deals = DealFilter(QueryDict(), user=partner_user)
    key = deals.sort()[1]
    page = KeysetPage(deals.qs, key, descending=True, per_page=PER_PAGE)
    following = KeysetPage(
        deals.qs, key, descending=True, per_page=PER_PAGE, after=page.next_cursor
    )
    make_deal("submitted")
    again = KeysetPage(
        deals.qs.all(), key, descending=True, per_page=PER_PAGE, after=page.next_cursor
    )
    assert [d.pk for d in again.object_list] == [d.pk for d in following.object_list]
    assert page.object_list and following.object_list


@pytest.mark.parametrize(
    "cursor",
    [
        "WyIyMDI2LTAxLTAxIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMF0",  # id 10**30
        "WyIyMDI2LTAxLTAxIiwgLTEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd",  # id -10**30
        "WyI5OTk5LTEyLTMxIiwgMV0",  # the last day there is
    ],
)
def test_a_cursor_beyond_any_value_is_a_page_not_an_error(client, partner_user, deals, cursor):
    client.force_login(partner_user)
    for name in ("after", "before"):
        response = client.get(URL, {"o": "close", name: cursor})
        assert response.status_code == 200
        assert 'data-testid="deals"' in response.content.decode()
