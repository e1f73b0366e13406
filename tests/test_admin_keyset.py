"""The reviewers' deal list pages by cursor (Next / Previous) in its own order: every deal
once, in order, to the end and back, at the cost of the first page."""

import datetime
import html
import re

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from portal.admin.deals import DealAdmin
from portal.admin.queue import LIST_ORDER, QUEUE_ORDER
from portal.models import Deal

pytestmark = pytest.mark.django_db
URL = reverse("admin:portal_deal_changelist")
PER_PAGE = 3


@pytest.fixture(autouse=True)
def short_pages(monkeypatch):
    monkeypatch.setattr(DealAdmin, "list_per_page", PER_PAGE)


@pytest.fixture
def deals(make_deal):
    """Eight submitted deals with due times that tie in pairs, three approved, two drafts
    (no submission time: last in the "All" list)."""
    now = timezone.now()
    made = [make_deal(Deal.Status.SUBMITTED) for _ in range(8)]
    for i, deal in enumerate(made):
        Deal.objects.filter(pk=deal.pk).update(
            decision_due_at=now + datetime.timedelta(hours=i // 2)
        )
    made += [make_deal(Deal.Status.APPROVED) for _ in range(3)]
    made += [make_deal(Deal.Status.DRAFT) for _ in range(2)]
    return made


def ids(response) -> list[int]:
    return [deal.pk for deal in response.context["cl"].result_list]


def link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', response.content.decode())
    return URL + html.unescape(found.group(1)) if found else None


def walk(client, params: dict) -> tuple[list[list[int]], list]:
    pages, responses = [], []
    response = client.get(URL, params)
    for _ in range(20):  # more pages than deals: a walk that never ends
        assert response.status_code == 200
        pages.append(ids(response))
        responses.append(response)
        following = link(response, "next")
        if not following:
            return pages, responses
        response = client.get(following)
    raise AssertionError(f"no last page: {pages}")


@pytest.mark.parametrize(
    ("params", "order", "statuses"),
    [
        ({}, QUEUE_ORDER, [Deal.Status.SUBMITTED]),
        ({"status": "all"}, LIST_ORDER, None),
    ],
    ids=["the queue", "all deals"],
)
def test_next_walks_every_deal_once_in_order_and_previous_walks_back(
    client, reviewer, deals, params, order, statuses
):
    client.force_login(reviewer)
    expected = Deal.objects.all()
    if statuses:
        expected = expected.filter(status__in=statuses)
    expected = list(expected.order_by(*order).values_list("pk", flat=True))

    pages, responses = walk(client, params)
    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == PER_PAGE for page in pages[:-1])
    assert f"Page {len(pages)}" in responses[-1].content.decode()

    back, response = [], responses[-1]
    while previous := link(response, "prev"):
        response = client.get(previous)
        back.append(ids(response))
    assert back == pages[-2::-1]
    assert link(response, "prev") is None and "Page 1" in response.content.decode()


def test_a_filter_or_a_search_chosen_on_a_deep_page_starts_at_its_first_page(
    client, reviewer, deals
):
    client.force_login(reviewer)
    second = client.get(link(client.get(URL, {"status": "all"}), "next"))
    assert second.context["cl"].keyset.number == 2
    page = second.content.decode()
    approved = re.search(r'href="(\?[^"]*status=approved[^"]*)"', page).group(1)
    assert "after=" not in html.unescape(approved)
    response = client.get(URL + html.unescape(approved))
    assert set(ids(response)) <= {d.pk for d in deals if d.status == Deal.Status.APPROVED}
    assert 'name="after"' not in page  # the search box does not carry the cursor either


@pytest.mark.parametrize("cursor", ["junk", "W10", "WyJ4IiwgMV0", "9" * 2000, "%00"])
def test_a_hand_edited_cursor_shows_the_first_page(client, reviewer, deals, cursor):
    client.force_login(reviewer)
    first = ids(client.get(URL))
    for name in ("after", "before"):
        response = client.get(URL, {name: cursor})
        assert response.status_code == 200
        assert ids(response) == first


def test_a_column_the_reviewer_sorts_by_pages_by_number(client, reviewer, deals):
    client.force_login(reviewer)
    # Column 7 is the project name (list_display, counted from 1 after the checkbox).
    column = DealAdmin.list_display.index("name") + 1
    response = client.get(URL, {"status": "all", "o": str(column), "p": "2"})
    assert response.status_code == 200
    names = list(Deal.objects.order_by(F("name").asc(), "-pk").values_list("pk", flat=True))[
        PER_PAGE : 2 * PER_PAGE
    ]
    assert ids(response) == names
    assert response.context["cl"].keyset is None


def test_a_deep_page_costs_the_queries_of_the_first(
    client, reviewer, deals, django_assert_max_num_queries
):
    client.force_login(reviewer)
    first = client.get(URL, {"status": "all"})
    deep = link(client.get(link(first, "next")), "next")
    with django_assert_max_num_queries(12) as counted:
        response = client.get(deep)
    assert response.status_code == 200 and "Page 3" in response.content.decode()
    assert all("OFFSET" not in q["sql"] for q in counted.captured_queries)
