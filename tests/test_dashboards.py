"""The dashboards: the summary table kept in step by the workflow, the figures against ones
computed by hand, and who sees which dashboard."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal import action_required, dashboards, tallies, workflow
from portal.models import Deal, ProgrammeTier, ReviewReason
from tests import factories

pytestmark = pytest.mark.django_db
S = Deal.Status


def test_a_week_across_two_months_is_two_buckets_so_weeks_and_months_add_up():
    # Monday 28 September 2026 … Sunday 4 October 2026.
    assert tallies.bucket_of(datetime.date(2026, 9, 30)) == datetime.date(2026, 9, 28)
    assert tallies.bucket_of(datetime.date(2026, 10, 2)) == datetime.date(2026, 10, 1)
    assert tallies.bucket_of(datetime.date(2026, 10, 6)) == datetime.date(2026, 10, 5)


def test_the_table_kept_in_step_by_the_workflow_equals_one_counted_again(
    make_deal, make_other_deal, reviewer, partner_user
):
    make_deal(S.DRAFT)
    for status in [S.SUBMITTED, S.APPROVED, S.REJECTED, S.WITHDRAWN, S.WON, S.LOST, S.EXPIRED]:
        make_deal(status, estimated_value=Decimal("1000.50"))
    make_other_deal(S.APPROVED)
    waiting = make_deal(S.ACTION_REQUIRED)
    action_required.resubmit(
        deal=waiting, by=partner_user, changes={"estimated_value": Decimal("5")}, answer="Done."
    )
    workflow.reject(
        deal=make_deal(S.ACTION_REQUIRED), by=reviewer, reason="No answer.",
        reason_code=ReviewReason.objects.get(code="duplicate"),
    )  # fmt: skip
    kept = tallies.table()
    assert kept  # something was counted
    tallies.rebuild()
    assert tallies.table() == kept


@pytest.fixture
def history(make_deal, make_other_deal, reviewer, other_distributor_user):
    """Six registrations over two weeks, their decision times set by hand, counted again."""
    today = timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    last_monday = this_monday - datetime.timedelta(weeks=1)
    gold = ProgrammeTier.objects.create(
        name="Gold", rank=3, default_discount_percent=15, max_discount_percent=30
    )
    duplicate = ReviewReason.objects.get(code="duplicate")
    plan = [  # status, week, decision hours, conflicted, tier, other distributor
        (S.WON, last_monday, 4, False, gold, False),
        (S.LOST, last_monday, 10, True, gold, False),
        (S.WON, last_monday, 20, False, None, True),
        (S.REJECTED, this_monday, 30, False, None, False),
        (S.APPROVED, this_monday, 60, False, None, False),
        (S.SUBMITTED, this_monday, None, True, None, False),
    ]
    deals = []
    for status, monday, hours, conflicted, tier, other in plan:
        kwargs = {"estimated_value": Decimal("1000")}
        if other:
            kwargs["distributor"] = other_distributor_user.distributor
        deal = make_deal(status, **kwargs)
        at = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(10)))
        Deal.objects.filter(pk=deal.pk).update(
            submitted_at=at, decision_hours=hours, conflicted=conflicted, tier=tier,
            rejection_reason_code=duplicate if status == S.REJECTED else None,
        )  # fmt: skip
        deals.append(deal)
    overdue = deals[-1]
    Deal.objects.filter(pk=overdue.pk).update(
        decision_due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    tallies.rebuild()
    return {"this": this_monday, "last": last_monday, "deals": deals}


def test_the_reviewers_figures_match_those_computed_by_hand(history, settings):
    settings.DEAL_DECISION_BUSINESS_DAYS = 2  # 48 business hours
    figures = dashboards.vendor(4)
    assert figures.total == 6
    assert figures.registrations[history["last"]] == 3
    assert figures.registrations[history["this"]] == 3
    # Decided: 4, 10, 20, 30, 60 h. Median 20; the 90th percentile is the 5th of 5.
    assert (figures.median_all, figures.p90_all) == (20, 60)
    assert figures.median_hours[history["last"]] == 10
    assert figures.p90_hours[history["this"]] == 60
    assert figures.within_sla == pytest.approx(4 / 5)
    assert figures.overdue_now == 1
    assert figures.conflict_rate == pytest.approx(2 / 6)
    assert figures.conflicted[history["last"]] == pytest.approx(1 / 3)
    assert figures.reasons == [("Duplicate registration", 1)]
    by_tier = {name: (win, closed) for name, win, closed in figures.win_by_tier}
    assert by_tier["Gold"] == (0.5, 2)
    assert by_tier["No tier"] == (1.0, 1)
    by_distributor = {name: (win, closed) for name, win, closed in figures.win_by_distributor}
    assert len(by_distributor) == 2 and sorted(by_distributor.values()) == [(0.5, 2), (1.0, 1)]


def test_the_partners_figures_match_those_computed_by_hand(history, partner_user):
    deals = Deal.objects.filter(partner=partner_user.partner)
    figures = dashboards.partner(partner_user.partner_id, 4, deals)
    counts = {status: (n, value) for status, _label, n, value in figures.by_status}
    assert counts[S.WON] == (2, Decimal("2000"))
    assert counts[S.LOST] == (1, Decimal("1000"))
    assert figures.win_rate == pytest.approx(2 / 3) and figures.closed == 3
    # The approved deal's validity ends in DEAL_VALIDITY_DAYS: not soon.
    assert figures.expiring == []


def test_a_deal_expiring_soon_is_on_the_partners_dashboard(make_deal, partner_user):
    deal = make_deal(S.APPROVED)
    Deal.objects.filter(pk=deal.pk).update(
        validity_end=timezone.localdate() + datetime.timedelta(days=3)
    )
    figures = dashboards.partner(
        partner_user.partner_id, 4, Deal.objects.filter(partner=partner_user.partner)
    )
    assert figures.expiring == [deal]


def test_the_distributors_pipeline_by_partner_and_month(history, distributor_user):
    figures = dashboards.distributor(distributor_user.distributor_id, 4)
    (name, cells, n, value), *rest = figures.partners
    assert rest == [] and n == 5 and value == Decimal("5000")
    assert sum(cell[0] for cell in cells if cell) == 5
    assert sum(total for total, _value in figures.by_month.values()) == 5


@pytest.mark.parametrize(
    "role, sees",
    [
        ("reviewer", "Decision time per week"),
        ("partner_user", "Estimated value by status"),
        ("distributor_user", "Registered pipeline by partner and month"),
    ],
)
def test_each_role_sees_its_dashboard_in_a_bounded_number_of_queries(
    client, request, history, role, sees
):
    client.force_login(request.getfixturevalue(role))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:dashboard") + "?weeks=13")
    assert response.status_code == 200
    html = response.content.decode()
    assert sees in html and 'data-testid="chart-table"' in html
    assert len(queries) <= 14, [q["sql"] for q in queries]


def test_another_organisations_figures_never_show(client, history, other_partner_user):
    client.force_login(other_partner_user)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert response.context["figures"].by_status == []  # none of partner A's six
    assert "Nothing in this period." in response.content.decode()


def test_who_may_not_see_a_dashboard(client, staff_without_permission):
    url = reverse("portal:dashboard")
    assert client.get(url).status_code == 302  # to the login
    client.force_login(staff_without_permission)
    assert client.get(url).status_code == 403
    client.force_login(factories.UserFactory())
    assert client.get(url).status_code == 403


def test_a_period_that_is_not_offered_falls_back_to_the_default(client, reviewer, history):
    client.force_login(reviewer)
    for weeks in ["7", "x", "-1", "99999999999999999999"]:
        response = client.get(reverse("portal:dashboard"), {"weeks": weeks})
        assert response.status_code == 200
        assert 'value="13" selected' in response.content.decode()


def test_rebuild_tallies_says_whether_the_table_is_in_step(make_deal, capsys):
    from django.core.management import CommandError, call_command

    from portal.models import DealTally

    make_deal(S.APPROVED)
    call_command("rebuild_tallies", "--check")
    assert "in step" in capsys.readouterr().out
    DealTally.objects.update(n=7)
    with pytest.raises(CommandError, match="out of step"):
        call_command("rebuild_tallies", "--check")
    call_command("rebuild_tallies")
    call_command("rebuild_tallies", "--check")


def test_charts_have_round_axes_that_fit_and_bars_in_proportion():
    from portal import charts

    assert [charts.nice_top(v) for v in (0.3, 5, 87, 1_755_000)] == [0.4, 6, 100, 2_000_000]
    assert [charts.compact(v) for v in (2_000_000, 500_000, 1_500, 3, 2.5)] == [
        "2M", "500k", "1.5k", "3", "2.5",
    ]  # fmt: skip
    chart = charts.bars("Registrations", [("a", 3), ("b", 6), ("c", None)], headers=("", ""))
    a, b, c = chart.bars
    assert b.height == pytest.approx(2 * a.height) and c.height == 0
    assert chart.rows == [("a", "3"), ("b", "6"), ("c", "—")]
    assert b.width <= charts.MAX_BAR and a.x < b.x < c.x
