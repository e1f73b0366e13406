"""The dashboards' summary table (`DealTally`): what each registration contributes, kept in
step by the workflow and rebuilt from the deals by `manage.py rebuild_tallies`.

`contributions(deal)` is the only definition: a transition adds the difference between a
deal's contributions after and before it, a rebuild adds every deal's. So the dashboards
read a few hundred rows per week whatever the number of deals, and a test can compare
the table kept in step with one rebuilt from scratch.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from portal.models import Deal, DealTally

V, P, D = DealTally.Scope.VENDOR, DealTally.Scope.PARTNER, DealTally.Scope.DISTRIBUTOR
# The fields `contributions` reads: what a transition snapshots and a rebuild loads.
FIELDS = [
    "submitted_at",
    "status",
    "partner_id",
    "distributor_id",
    "tier_id",
    "conflicted",
    "rejection_reason_code_id",
    "decision_hours",
    "estimated_value",
]
# A decision slower than this many business hours counts as this many.
HOURS_CAP = 999

Cell = tuple[datetime.date, str, int, str, str]  # bucket, scope, scope id, measure, key


def bucket_of(day: datetime.date) -> datetime.date:
    """The part of the week of `day` that lies in its month: the week's Monday, or the 1st
    of the month when the week began in the month before."""
    monday = day - datetime.timedelta(days=day.weekday())
    return max(monday, day.replace(day=1))


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def contributions(deal) -> dict[Cell, tuple[int, Decimal]]:
    """The cells `deal` counts in, each with (count, value). A draft counts nowhere."""
    if deal.status == Deal.Status.DRAFT or deal.submitted_at is None:
        return {}
    day = timezone.localtime(deal.submitted_at).date()
    bucket, month = bucket_of(day), month_of(day)
    status = deal.status
    one = (1, deal.estimated_value or Decimal(0))
    cells = {
        (bucket, V, 0, "status", status): one,
        (bucket, V, 0, "tier", f"{deal.tier_id or 0}:{status}"): one,
        (bucket, V, 0, "distributor", f"{deal.distributor_id}:{status}"): one,
        (bucket, V, 0, "conflicted", "1" if deal.conflicted else "0"): one,
        (bucket, P, deal.partner_id, "status", status): one,
        (month, D, deal.distributor_id, "partner", f"{deal.partner_id}:{status}"): one,
    }
    if status == Deal.Status.REJECTED:
        cells[bucket, V, 0, "reason", str(deal.rejection_reason_code_id or 0)] = one
    if deal.decision_hours is not None:
        cells[bucket, V, 0, "hours", str(min(deal.decision_hours, HOURS_CAP))] = one
    return cells


def _difference(before: dict, after: dict) -> list[tuple]:
    rows = []
    for cell in before.keys() | after.keys():
        n0, v0 = before.get(cell, (0, Decimal(0)))
        n1, v1 = after.get(cell, (0, Decimal(0)))
        if (n1 - n0, v1 - v0) != (0, 0):
            rows.append((*cell, n1 - n0, v1 - v0))
    return rows


# Add to a cell, creating it if new: one statement on both databases (SQLite ≥ 3.24). The
# table name is the model's own, not input.
_UPSERT = (
    "INSERT INTO portal_dealtally (bucket, scope, scope_id, measure, key, n, value) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (scope, scope_id, measure, bucket, key) DO UPDATE SET "
    "n = portal_dealtally.n + excluded.n, value = portal_dealtally.value + excluded.value"
)


def _add(rows: list[tuple]) -> None:
    if rows:
        # Sorted, so two transactions take the rows' locks in the same order.
        rows.sort(key=lambda r: (r[1], r[2], r[3], r[0], r[4]))
        with connection.cursor() as cursor:
            cursor.executemany(_UPSERT, [(*r[:5], r[5], str(r[6])) for r in rows])


def shift(before: dict, deal) -> None:
    """Move `deal`'s counts from the cells of `before` (its `contributions` before a change)
    to those of its state now, in the caller's transaction."""
    _add(_difference(before, contributions(deal)))


@transaction.atomic
def rebuild(deals: Iterable | None = None) -> int:
    """Empty the table and count every deal again; returns the number of cells."""
    if deals is None:
        deals = Deal.objects.exclude(status=Deal.Status.DRAFT).only(*FIELDS).iterator(10000)
    totals: dict[Cell, list] = defaultdict(lambda: [0, Decimal(0)])
    for deal in deals:
        for cell, (n, value) in contributions(deal).items():
            total = totals[cell]
            total[0] += n
            total[1] += value
    DealTally.objects.all().delete()
    _add([(*cell, n, value) for cell, (n, value) in totals.items()])
    return len(totals)


def table() -> Counter:
    """{cell: (n, value)} of the whole table, for comparing with a rebuild."""
    return Counter(
        {
            (t.bucket, t.scope, t.scope_id, t.measure, t.key): (t.n, t.value)
            for t in DealTally.objects.exclude(n=0, value=0)
        }
    )
