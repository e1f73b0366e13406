"""The dashboards' figures, read from the summary table (`portal.tallies`): a few hundred
rows a week whatever the number of deals, so each dashboard is a handful of small queries.

Periods are whole weeks ending with the current one; registrations count in the week (or
month) they were submitted, with the status they have now.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import tallies
from portal.models import Deal, DealTally, Distributor, Partner, ProgrammeTier, ReviewReason

PERIODS = [4, 13, 26, 52]  # weeks
DEFAULT_PERIOD = 13
S = Deal.Status
DECIDED = [S.APPROVED, S.REJECTED, S.EXPIRED, S.WON, S.LOST]
TOP = 10  # distributors and partners shown by name; the rest are "Others"


def period_start(weeks: int, today: datetime.date | None = None) -> datetime.date:
    """The Monday `weeks - 1` weeks before this week's."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=today.weekday(), weeks=weeks - 1)


def weeks_of(start: datetime.date, today: datetime.date | None = None) -> list[datetime.date]:
    today = today or timezone.localdate()
    weeks, monday = [], start
    while monday <= today:
        weeks.append(monday)
        monday += datetime.timedelta(weeks=1)
    return weeks


def _rows(scope, scope_id, measure, start):
    return DealTally.objects.filter(
        scope=scope, scope_id=scope_id, measure=measure, bucket__gte=start
    ).values_list("bucket", "key", "n", "value")


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def percentile(histogram: dict[int, int], fraction: float) -> int | None:
    """The smallest value with at least `fraction` of the counts at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    running = 0
    for value in sorted(histogram):
        running += histogram[value]
        if running >= fraction * total:
            return value
    return None  # pragma: no cover - the loop always reaches the total


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Vendor:
    weeks: list[datetime.date]
    registrations: dict[datetime.date, int]
    median_hours: dict[datetime.date, int | None]
    p90_hours: dict[datetime.date, int | None]
    median_all: int | None
    p90_all: int | None
    sla_hours: int
    within_sla: float | None
    overdue_now: int
    conflicted: dict[datetime.date, float | None]
    conflict_rate: float | None
    reasons: list[tuple[str, int]]
    win_by_tier: list[tuple[str, float | None, int]]
    win_by_distributor: list[tuple[str, float | None, int]]
    total: int = 0


def _win_rates(counts: dict[str, dict[str, int]], names: dict[str, str], top=None):
    """[(name, won / (won + lost), won + lost)], the most decided first."""
    rows = []
    for key, by_status in counts.items():
        closed = by_status.get(S.WON, 0) + by_status.get(S.LOST, 0)
        rows.append((names.get(key, _("Others")), rate(by_status.get(S.WON, 0), closed), closed))
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows[:top] if top else rows


def vendor(weeks: int, now: datetime.datetime | None = None) -> Vendor:
    """The reviewers' dashboard over the last `weeks` weeks."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    start = period_start(weeks, today)
    V = DealTally.Scope.VENDOR
    registrations: dict = defaultdict(int)
    for bucket, _key, n, _value in _rows(V, 0, "status", start):
        registrations[_monday(bucket)] += n
    hours_by_week: dict = defaultdict(lambda: defaultdict(int))
    hours_all: dict = defaultdict(int)
    for bucket, key, n, _value in _rows(V, 0, "hours", start):
        hours_by_week[_monday(bucket)][int(key)] += n
        hours_all[int(key)] += n
    conflicted: dict = defaultdict(lambda: [0, 0])
    for bucket, key, n, _value in _rows(V, 0, "conflicted", start):
        conflicted[_monday(bucket)][key == "1"] += n
    reason_counts: dict = defaultdict(int)
    for _bucket, key, n, _value in _rows(V, 0, "reason", start):
        reason_counts[int(key)] += n
    reason_names = {r.pk: r.label for r in ReviewReason.objects.filter(pk__in=reason_counts)}
    tier_counts: dict = defaultdict(lambda: defaultdict(int))
    for _bucket, key, n, _value in _rows(V, 0, "tier", start):
        tier, status = key.split(":")
        tier_counts[tier][status] += n
    tier_names = {str(t.pk): t.name for t in ProgrammeTier.objects.all()}
    tier_names["0"] = _("No tier")
    dist_counts: dict = defaultdict(lambda: defaultdict(int))
    for _bucket, key, n, _value in _rows(V, 0, "distributor", start):
        distributor, status = key.split(":")
        dist_counts[distributor][status] += n
    shown = {
        str(d.pk): d.name for d in Distributor.objects.filter(pk__in=[int(k) for k in dist_counts])
    }
    by_distributor = _win_rates(dist_counts, shown, top=TOP)
    sla_hours = settings.DEAL_DECISION_BUSINESS_DAYS * 24
    decided = sum(hours_all.values())
    within = sum(n for h, n in hours_all.items() if h <= sla_hours)
    all_conflicted = sum(c[True] for c in conflicted.values())
    week_list = weeks_of(start, today)
    return Vendor(
        weeks=week_list,
        registrations={w: registrations.get(w, 0) for w in week_list},
        median_hours={w: percentile(hours_by_week.get(w, {}), 0.5) for w in week_list},
        p90_hours={w: percentile(hours_by_week.get(w, {}), 0.9) for w in week_list},
        median_all=percentile(hours_all, 0.5),
        p90_all=percentile(hours_all, 0.9),
        sla_hours=sla_hours,
        within_sla=rate(within, decided),
        overdue_now=Deal.objects.filter(status=S.SUBMITTED, decision_due_at__lt=now).count(),
        conflicted={w: rate(conflicted[w][True], sum(conflicted[w])) for w in week_list},
        conflict_rate=rate(all_conflicted, sum(registrations.values())),
        reasons=sorted(
            ((reason_names.get(pk, _("Other")), n) for pk, n in reason_counts.items()),
            key=lambda r: (-r[1], r[0]),
        ),
        win_by_tier=_win_rates(tier_counts, tier_names),
        win_by_distributor=by_distributor,
        total=sum(registrations.values()),
    )


@dataclass
class PartnerFigures:
    by_status: list[tuple[str, str, int, Decimal]]  # status, label, count, value
    weeks: list[datetime.date]
    registrations: dict[datetime.date, int]
    win_rate: float | None
    closed: int
    expiring: list[Deal] = field(default_factory=list)
    expiring_days: int = 0


def partner(partner_id: int, weeks: int, deals) -> PartnerFigures:
    """A partner's dashboard: its registrations by status and value, per week, the win
    rate, and its approved deals that expire soon (from `deals`, the user's visible ones)."""
    today = timezone.localdate()
    start = period_start(weeks, today)
    counts: dict = defaultdict(lambda: [0, Decimal(0)])
    registrations: dict = defaultdict(int)
    for bucket, key, n, value in _rows(DealTally.Scope.PARTNER, partner_id, "status", start):
        counts[key][0] += n
        counts[key][1] += value
        registrations[_monday(bucket)] += n
    by_status = [
        (status, label, counts[status][0], counts[status][1])
        for status, label in S.choices
        if status != S.DRAFT and counts[status][0]
    ]
    won, lost = counts[S.WON][0], counts[S.LOST][0]
    days = settings.DEAL_EXPIRY_REMINDER_DAYS
    expiring = list(
        deals.filter(
            status=S.APPROVED,
            validity_end__gte=today,
            validity_end__lte=today + datetime.timedelta(days=days),
        )
        .select_related("customer")
        .order_by("validity_end", "pk")[:TOP]
    )
    week_list = weeks_of(start, today)
    return PartnerFigures(
        by_status=by_status,
        weeks=week_list,
        registrations={w: registrations.get(w, 0) for w in week_list},
        win_rate=rate(won, won + lost),
        closed=won + lost,
        expiring=expiring,
        expiring_days=days,
    )


@dataclass
class DistributorFigures:
    months: list[datetime.date]
    by_month: dict[datetime.date, tuple[int, Decimal]]
    # (name, [(count, value) or None for each month], count, value), the largest first
    partners: list[tuple[str, list, int, Decimal]]


def distributor(distributor_id: int, weeks: int) -> DistributorFigures:
    """The registered pipeline naming a distributor, by partner and month."""
    today = timezone.localdate()
    start = tallies.month_of(period_start(weeks, today))
    cells: dict = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0)]))
    for bucket, key, n, value in _rows(
        DealTally.Scope.DISTRIBUTOR, distributor_id, "partner", start
    ):
        partner_id = int(key.split(":")[0])
        cells[partner_id][bucket][0] += n
        cells[partner_id][bucket][1] += value
    months, month = [], start
    while month <= today:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    totals = {
        pk: (sum(c[0] for c in by.values()), sum(c[1] for c in by.values()))
        for pk, by in cells.items()
    }
    ranked = sorted(totals, key=lambda pk: (-totals[pk][1], -totals[pk][0], pk))
    names = dict(Partner.objects.filter(pk__in=ranked[:TOP]).values_list("pk", "name"))
    partners = [
        (names.get(pk, "?"), {m: tuple(v) for m, v in cells[pk].items()}, *totals[pk])
        for pk in ranked[:TOP]
    ]
    rest = ranked[TOP:]
    if rest:
        others: dict = defaultdict(lambda: [0, Decimal(0)])
        for pk in rest:
            for m, (n, value) in cells[pk].items():
                others[m][0] += n
                others[m][1] += value
        partners.append(
            (
                _("Others"),
                {m: tuple(v) for m, v in others.items()},
                sum(totals[pk][0] for pk in rest),
                sum(totals[pk][1] for pk in rest),
            )
        )
    partners = [
        (name, [cells.get(m) for m in months], n, value) for name, cells, n, value in partners
    ]
    by_month = {
        m: (
            sum(cells[pk][m][0] for pk in cells if m in cells[pk]),
            sum(cells[pk][m][1] for pk in cells if m in cells[pk]),
        )
        for m in months
    }
    return DistributorFigures(months=months, by_month=by_month, partners=partners)
