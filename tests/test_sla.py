"""The approval SLA: due time in business days, its wording, the queue order, the overdue count."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal import sla, workflow
from portal.models import Deal
from portal.sla import due_badge

S = Deal.Status
WARSAW = ZoneInfo("Europe/Warsaw")


def at(day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    # November 2026: the 2nd is a Monday, the 6th a Friday, the 7th/8th a weekend.
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=WARSAW)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (at(2), 2, at(4)),  # Monday → Wednesday
        (at(5), 2, at(9)),  # Thursday → Monday, over the weekend
        (at(6), 2, at(10)),  # Friday → Tuesday
        (at(6, 23, 30), 1, at(9, 23, 30)),  # late Friday → Monday, same time of day
        (at(7), 2, at(10)),  # Saturday → Tuesday
        (at(8), 2, at(10)),  # Sunday → Tuesday
        (at(6), 5, at(13)),  # a whole working week
        (at(2), 0, at(2)),
    ],
)
def test_decision_due_counts_business_days_and_skips_weekends(start, days, due):
    assert sla.add_business_days(start, days) == due


@pytest.mark.django_db
def test_submission_just_after_midnight_on_monday_counts_from_the_local_monday(
    make_deal, partner_user, settings, monkeypatch
):
    # 00:30 on Monday in Warsaw is still Sunday in UTC; the due time must be Wednesday.
    monday_early = at(2, 0, 30)
    monkeypatch.setattr(timezone, "now", lambda: monday_early.astimezone(datetime.UTC))
    deal = make_deal(S.DRAFT, expected_close_date=datetime.date(2027, 1, 1))
    workflow.submit(deal=deal, by=partner_user)
    assert timezone.localtime(deal.decision_due_at) == at(4, 0, 30)


@pytest.mark.parametrize(
    ("due", "now", "text", "overdue"),
    [
        (at(2, 15), at(2, 10), "due in 5 h", False),
        (at(2, 15, 59), at(2, 10), "due in 5 h", False),
        (at(4, 10), at(2, 10), "due in 2 d", False),
        (at(2, 10, 20), at(2, 10), "due in 20 min", False),
        (at(2, 10, 0), at(2, 10), "due in 1 min", False),
        (at(2, 10), at(3, 10), "overdue by 1 d", True),
        (at(2, 10), at(2, 13, 30), "overdue by 3 h", True),
        (at(2, 10), at(2, 10, 45), "overdue by 45 min", True),
    ],
)
def test_due_badge_wording(due, now, text, overdue):
    badge = due_badge(due, now)
    assert (badge.text, badge.overdue) == (text, overdue)


def _due(deal: Deal, when: datetime.datetime) -> Deal:
    Deal.objects.filter(pk=deal.pk).update(decision_due_at=when)
    return deal


@pytest.mark.django_db
def test_queue_lists_submitted_deals_by_due_time_first(client, reviewer, make_deal):
    now = timezone.now()
    later = _due(make_deal(S.SUBMITTED), now + datetime.timedelta(days=2))
    approved = make_deal(S.APPROVED)
    urgent = _due(make_deal(S.SUBMITTED), now + datetime.timedelta(hours=5, minutes=10))
    overdue = _due(make_deal(S.SUBMITTED), now - datetime.timedelta(days=1, hours=1))
    client.force_login(reviewer)
    response = client.get(reverse("admin:portal_deal_changelist"))
    shown = [d.pk for d in response.context["cl"].result_list]
    assert shown == [overdue.pk, urgent.pk, later.pk]
    every = client.get(reverse("admin:portal_deal_changelist"), {"status": "all"})
    assert [d.pk for d in every.context["cl"].result_list] == [
        overdue.pk,  # newest submission first
        urgent.pk,
        approved.pk,
        later.pk,
    ]
    html = response.content.decode()
    assert "overdue by 1 d" in html and "due in 5 h" in html


@pytest.mark.django_db
def test_admin_index_counts_overdue_decisions_in_one_query(client, reviewer, make_deal):
    now = timezone.now()
    _due(make_deal(S.SUBMITTED), now - datetime.timedelta(hours=2))
    _due(make_deal(S.SUBMITTED), now - datetime.timedelta(days=3))
    _due(make_deal(S.SUBMITTED), now + datetime.timedelta(hours=2))
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("admin:index")).content.decode()
    assert "2 submitted deals are overdue" in html
    assert len([q for q in queries if "decision_due_at" in q["sql"]]) == 1
    # The index's own links open the overdue deals and the queue (not an "?e=1" error).
    changelist = reverse("admin:portal_deal_changelist")
    assert f'href="{changelist}?sla=overdue"' in html and f'href="{changelist}"' in html
    for link, expected in ((f"{changelist}?sla=overdue", 2), (changelist, 3)):
        listed = client.get(link)
        assert listed.status_code == 200
        assert len(listed.context["cl"].result_list) == expected


@pytest.mark.django_db
def test_admin_index_shows_no_overdue_count_to_staff_without_review_permission(
    client, staff_without_permission
):
    client.force_login(staff_without_permission)
    html = client.get(reverse("admin:index")).content.decode()
    assert "overdue-decisions" not in html


@pytest.mark.django_db
def test_deal_page_shows_the_due_badge(client, reviewer, make_deal):
    deal = _due(make_deal(S.SUBMITTED), timezone.now() + datetime.timedelta(hours=5, minutes=5))
    client.force_login(reviewer)
    html = client.get(reverse("admin:portal_deal_change", args=[deal.pk])).content.decode()
    assert "due in 5 h" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reviewer_sees_the_queue_with_badges_in_the_browser(page, live_server, make_deal, reviewer):
    from tests.browser import login, screenshot

    now = timezone.now()
    _due(make_deal(S.SUBMITTED), now - datetime.timedelta(days=1, hours=2))
    _due(make_deal(S.SUBMITTED), now + datetime.timedelta(hours=5, minutes=30))
    make_deal(S.APPROVED)
    login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/admin/")
    assert "1 submitted deal is overdue" in page.get_by_test_id("overdue-decisions").inner_text()
    screenshot(page, "admin-index-overdue")
    page.get_by_role("link", name="1 submitted deal is overdue").click()
    assert page.locator(".sla-overdue").first.inner_text() == "overdue by 1 d"
    page.goto(f"{live_server.url}/admin/portal/deal/")
    assert page.locator(".sla-badge").all_inner_texts() == ["overdue by 1 d", "due in 5 h"]
    screenshot(page, "admin-queue-sla")
