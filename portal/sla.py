"""The approval SLA: how a decision-due time reads ("due in 5 h", "overdue by 1 d"), and the
business time a paused clock keeps (Action Required).

The due time itself is set by `workflow.submit` with `add_business_days`.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class DueBadge:
    text: str
    overdue: bool


def _amount(delta: datetime.timedelta) -> tuple[int, str]:
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        # At least "1 min", so a deal due in 20 seconds does not read "due in 0 min".
        return max(1, seconds // 60), "min"
    if seconds < 86400:
        return seconds // 3600, "h"
    return seconds // 86400, "d"


WORDINGS = {
    ("due", "min"): gettext_lazy("due in %(n)d min"),
    ("due", "h"): gettext_lazy("due in %(n)d h"),
    ("due", "d"): gettext_lazy("due in %(n)d d"),
    ("overdue", "min"): gettext_lazy("overdue by %(n)d min"),
    ("overdue", "h"): gettext_lazy("overdue by %(n)d h"),
    ("overdue", "d"): gettext_lazy("overdue by %(n)d d"),
}


def due_badge(due_at: datetime.datetime, now: datetime.datetime) -> DueBadge:
    """The wording of a decision-due time seen at `now`, rounded down to whole units.

    Less than an hour reads in minutes, less than a day in hours, else in days.
    """
    overdue = due_at < now
    number, unit = _amount(now - due_at if overdue else due_at - now)
    wording = WORDINGS["overdue" if overdue else "due", unit]
    return DueBadge(str(wording) % {"n": number}, overdue=overdue)


def badge_wordings() -> dict[str, str]:
    """Each wording of `due_badge` with "__N__" for its number, in the active language:
    what the deal page's live countdown (static/js/decision-clock.js) writes."""
    marker = 987654321
    return {
        f"{state}-{unit}": (str(wording) % {"n": marker}).replace(str(marker), "__N__")
        for (state, unit), wording in WORDINGS.items()
    }


def add_business_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The same time of day `days` working days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def business_time_between(start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """How much of [start, end) falls on working days (Monday to Friday, the vendor's local
    days): what is left of a decision's time when the clock stops. Negative when overdue."""
    if end < start:
        return -business_time_between(end, start)
    total = datetime.timedelta(0)
    current = start
    while current < end:
        midnight = datetime.datetime.combine(
            current.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=current.tzinfo
        )
        step_end = min(end, midnight)
        if current.weekday() < 5:
            total += step_end - current
        current = step_end
    return total


def add_business_time(start: datetime.datetime, amount: datetime.timedelta) -> datetime.datetime:
    """`start` moved on by `amount` of working-day time: where a stopped clock's remaining
    time ends once it runs again. Time already overdue stays overdue."""
    if amount <= datetime.timedelta(0):
        return start + amount
    current = start
    while True:
        midnight = datetime.datetime.combine(
            current.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=current.tzinfo
        )
        if current.weekday() < 5:
            if current + amount <= midnight:
                return current + amount
            amount -= midnight - current
        current = midnight


def decision_hours(deal, now: datetime.datetime) -> int | None:
    """The whole business hours a decision at `now` took: the time the deal was given
    (`DEAL_DECISION_BUSINESS_DAYS` working days from submission) less what was left, so the hours it
    waited on the partner (Action Required) do not count."""
    if deal.submitted_at is None or deal.decision_due_at is None:
        return None
    submitted = timezone.localtime(deal.submitted_at)
    given = business_time_between(
        submitted, add_business_days(submitted, settings.DEAL_DECISION_BUSINESS_DAYS)
    )
    if deal.sla_paused_at is not None and deal.sla_remaining is not None:
        left = deal.sla_remaining
    else:
        left = business_time_between(
            timezone.localtime(now), timezone.localtime(deal.decision_due_at)
        )
    return max(0, int((given - left).total_seconds() // 3600))
