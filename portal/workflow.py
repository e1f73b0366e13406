"""Every status transition of a deal. Nothing else changes `Deal.status`.

Each function locks the deal row, checks that the transition is legal from the
current status, saves, writes a `DealHistory` entry, and announces the change
with `status_changed` once the transaction has committed (so a rollback never
sends an e-mail). An illegal transition raises `DealTransitionError`.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import (
    MAX_PRODUCTS_PER_DEAL,
    Deal,
    DealHistory,
    DealRegSequence,
    User,
)

Status = Deal.Status

# Sent after commit with deal, from_status, to_status, by, note.
status_changed = Signal()
# Sent after commit with deal, by, old_validity_end, validity_end, note. The status
# stays Approved, so `status_changed` is not sent for an extension.
validity_extended = Signal()


class DealTransitionError(Exception):
    """The deal is not in a status from which this transition is allowed."""


def _lock(deal: Deal) -> Deal:
    return Deal.objects.select_for_update().get(pk=deal.pk)


def _require(deal: Deal, allowed: tuple[str, ...], action: str) -> None:
    if deal.status not in allowed:
        raise DealTransitionError(
            _("Cannot %(action)s a deal that is %(status)s.")
            % {"action": action, "status": deal.get_status_display()}
        )


def _record(
    locked: Deal, caller_copy: Deal, *, to: str, by: User | None, note: str, fields: list[str]
) -> None:
    from_status = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at", *fields])
    DealHistory.objects.create(deal=locked, by=by, from_status=from_status, to_status=to, note=note)
    # The caller's instance reflects the new state without another query.
    for field in ["status", "updated_at", *fields]:
        setattr(caller_copy, field, getattr(locked, field))
    transaction.on_commit(
        lambda: status_changed.send(
            sender=Deal, deal=locked, from_status=from_status, to_status=to, by=by, note=note
        )
    )


def add_business_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The same time of day `days` working days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def validate_for_submission(deal: Deal) -> None:
    """Raise ValidationError with one sentence per rule a submitted deal must meet."""
    errors: dict[str, list[str]] = {}
    lines = list(deal.lines.select_related("product"))
    if not lines:
        errors.setdefault("products", []).append(_("Choose at least one product."))
    if len(lines) > MAX_PRODUCTS_PER_DEAL:
        errors.setdefault("products", []).append(
            _("A registration covers at most 3 products. Register another deal for the rest.")
        )
    if len({line.product_id for line in lines}) != len(lines):
        errors.setdefault("products", []).append(_("The same product is on this deal twice."))
    inactive = [line.product.name for line in lines if not line.product.is_active]
    if inactive:
        errors.setdefault("products", []).append(
            _("These products can no longer be registered: %(names)s.")
            % {"names": ", ".join(inactive)}
        )
    if not deal.distributor_id:
        errors.setdefault("distributor", []).append(
            _("Choose the distributor: without it the distributor does not see the project.")
        )
    if deal.expected_close_date and deal.expected_close_date <= timezone.localdate():
        errors.setdefault("expected_close_date", []).append(
            _("The expected close date must be in the future.")
        )
    if deal.customer_contact.customer_id != deal.customer_id:
        errors.setdefault("customer_contact", []).append(
            _("This contact works for another customer.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def submit(*, deal: Deal, by: User) -> Deal:
    """Register Deal: a draft goes to Submitted and waits for the vendor's decision."""
    locked = _lock(deal)
    _require(locked, (Status.DRAFT,), _("submit"))
    validate_for_submission(locked)
    # Business days are the vendor's local days: 00:30 on a Monday in Warsaw is
    # still Sunday in UTC.
    now = timezone.localtime()
    locked.submitted_at = now
    locked.decision_due_at = add_business_days(now, settings.DEAL_DECISION_BUSINESS_DAYS)
    _record(
        locked,
        deal,
        to=Status.SUBMITTED,
        by=by,
        note="",
        fields=["submitted_at", "decision_due_at"],
    )
    return deal


def _next_deal_reg_number(year: int) -> str:
    # The row lock makes concurrent approvals wait for each other; the increment
    # commits or rolls back with the approval, so numbers never repeat or skip.
    DealRegSequence.objects.bulk_create(
        [DealRegSequence(year=year, last_value=0)], ignore_conflicts=True
    )
    sequence = DealRegSequence.objects.select_for_update().get(year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return format_deal_reg_number(year, sequence.last_value)


def format_deal_reg_number(year: int, sequence: int) -> str:
    """The Deal Reg Number of the `sequence`-th approval of `year`: DR-2026-000042."""
    return f"DR-{year}-{sequence:06d}"


@transaction.atomic
def approve(
    *,
    deal: Deal,
    by: User,
    discount_percent: Decimal | None = None,
    validity_end: datetime.date | None = None,
    note: str = "",
) -> Deal:
    """Approve a submitted deal: issue its Deal Reg Number, validity end and discount."""
    locked = _lock(deal)
    _require(locked, (Status.SUBMITTED,), _("approve"))
    if discount_percent is None:
        discount_percent = Decimal(str(settings.DEAL_DEFAULT_DISCOUNT_PERCENT))
    if not Decimal(0) <= Decimal(discount_percent) <= Decimal(100):
        raise ValidationError({"discount_percent": _("The discount must be between 0 and 100%.")})
    today = timezone.localdate()
    if validity_end is None:
        validity_end = today + datetime.timedelta(days=settings.DEAL_VALIDITY_DAYS)
    elif validity_end <= today:
        raise ValidationError({"validity_end": _("The validity end must be in the future.")})
    locked.approved_at = timezone.now()
    locked.deal_reg_number = _next_deal_reg_number(today.year)
    locked.discount_percent = Decimal(discount_percent)
    locked.validity_end = validity_end
    _record(
        locked,
        deal,
        to=Status.APPROVED,
        by=by,
        note=note,
        fields=["approved_at", "deal_reg_number", "discount_percent", "validity_end"],
    )
    return deal


@transaction.atomic
def reject(*, deal: Deal, by: User, reason: str) -> Deal:
    """Reject a submitted deal; the reason is required and shown to the partner."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    locked = _lock(deal)
    _require(locked, (Status.SUBMITTED,), _("reject"))
    locked.rejection_reason = reason
    _record(locked, deal, to=Status.REJECTED, by=by, note=reason, fields=["rejection_reason"])
    return deal


@transaction.atomic
def withdraw(*, deal: Deal, by: User, note: str = "") -> Deal:
    """The partner withdraws a registration the vendor has not decided yet."""
    locked = _lock(deal)
    _require(locked, (Status.SUBMITTED,), _("withdraw"))
    _record(locked, deal, to=Status.WITHDRAWN, by=by, note=note, fields=[])
    return deal


@transaction.atomic
def expire(*, deal: Deal, by: User | None = None, today: datetime.date | None = None) -> Deal:
    """An approved deal whose validity has ended becomes Expired; it keeps its number."""
    locked = _lock(deal)
    _require(locked, (Status.APPROVED,), _("expire"))
    today = today or timezone.localdate()
    if locked.validity_end is None or locked.validity_end >= today:
        raise DealTransitionError(_("This registration is still valid."))
    _record(
        locked,
        deal,
        to=Status.EXPIRED,
        by=by,
        note=_("Validity ended on %(date)s.") % {"date": locked.validity_end},
        fields=[],
    )
    return deal


@transaction.atomic
def mark_won(*, deal: Deal, by: User, note: str = "") -> Deal:
    """The partner reports that the approved project was won."""
    locked = _lock(deal)
    _require(locked, (Status.APPROVED,), _("mark as won"))
    _record(locked, deal, to=Status.WON, by=by, note=note, fields=[])
    return deal


@transaction.atomic
def mark_lost(*, deal: Deal, by: User, note: str = "") -> Deal:
    """The partner reports that the approved project was lost."""
    locked = _lock(deal)
    _require(locked, (Status.APPROVED,), _("mark as lost"))
    _record(locked, deal, to=Status.LOST, by=by, note=note, fields=[])
    return deal


def extensions_used(deal: Deal) -> int:
    """How many times the validity of `deal` was extended (its Approved → Approved entries)."""
    return deal.history.filter(from_status=Status.APPROVED, to_status=Status.APPROVED).count()


@transaction.atomic
def extend(*, deal: Deal, by: User | None, validity_end: datetime.date, note: str = "") -> Deal:
    """Move an approved deal's validity end later; it stays Approved with its number.

    Allowed `settings.DEAL_MAX_EXTENSIONS` times per deal; each extension is a
    history entry from Approved to Approved with `note`.
    """
    locked = _lock(deal)
    _require(locked, (Status.APPROVED,), _("extend"))
    if extensions_used(locked) >= settings.DEAL_MAX_EXTENSIONS:
        raise DealTransitionError(
            _("This registration was already extended the maximum number of times (%(max)d).")
            % {"max": settings.DEAL_MAX_EXTENSIONS}
        )
    today = timezone.localdate()
    if validity_end is None or validity_end <= max(today, locked.validity_end or today):
        raise ValidationError(
            {
                "validity_end": _("The new validity end must be later than %(date)s.")
                % {"date": max(today, locked.validity_end or today).isoformat()}
            }
        )
    old_end = locked.validity_end
    locked.validity_end = validity_end
    locked.save(update_fields=["validity_end", "updated_at"])
    note = note or _("Validity extended from %(old)s to %(new)s.") % {
        "old": old_end.isoformat() if old_end else "—",
        "new": validity_end.isoformat(),
    }
    DealHistory.objects.create(
        deal=locked, by=by, from_status=Status.APPROVED, to_status=Status.APPROVED, note=note
    )
    for field in ("validity_end", "updated_at"):
        setattr(deal, field, getattr(locked, field))
    transaction.on_commit(
        lambda: validity_extended.send(
            sender=Deal,
            deal=locked,
            by=by,
            old_validity_end=old_end,
            validity_end=validity_end,
            note=note,
        )
    )
    return deal
