"""Every status transition of a deal. Nothing else changes `Deal.status`.

Each function locks the deal row, checks that the transition is legal from the
current status, saves, writes a `DealHistory` entry, and announces the change
with `status_changed` once the transaction has committed (so a rollback never
sends an e-mail). An illegal transition raises `DealTransitionError`.
"""

import datetime
import importlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import conflicts, discounts, numbers, sla, tallies
from portal.deal_rules import bounded, latest_date, validate_for_submission
from portal.models import (
    Deal,
    DealHistory,
    DealLine,
    DecisionRule,
    ReviewReason,
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


class Actor(models.TextChoices):
    """Who triggers a transition. Which users act as whom is `portal.access`'s decision."""

    PARTNER = "partner", gettext_lazy("partner staff of the deal's partner")
    REVIEWER = "reviewer", gettext_lazy("vendor reviewer")
    SYSTEM = "system", gettext_lazy("the portal itself")


@dataclass(frozen=True)
class Transition:
    """One move of the deal lifecycle: the rulebook that views, admin, templates and any API
    read. `requires` names the input without which the transition is refused."""

    name: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    verb: str  # for "Cannot <verb> a deal that is <status>."
    requires: tuple[str, ...] = ()
    kind: str = DealHistory.Kind.STATUS
    # The module whose function of this name performs it, when its rules are a service's.
    service: str = "portal.workflow"

    def allows(self, status: str) -> bool:
        return status in self.sources

    @property
    def function(self):
        return getattr(importlib.import_module(self.service), self.name)


def _t(
    name, sources, target, actors, verb, requires=(), kind=DealHistory.Kind.STATUS, service=None
):
    return Transition(
        name, frozenset(sources), target, frozenset(actors), verb, requires, kind,
        service or "portal.workflow",
    )  # fmt: skip


S, PARTNER, REVIEWER, SYSTEM = Status, Actor.PARTNER, Actor.REVIEWER, Actor.SYSTEM
WAITING = [S.SUBMITTED, S.ACTION_REQUIRED]  # not decided yet
AR = "portal.action_required"
EXTENSION = DealHistory.Kind.EXTENSION
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        # name, from, to, who triggers it, the verb of its refusal, what it requires
        _t("submit", [S.DRAFT], S.SUBMITTED, [PARTNER], gettext_lazy("submit")),
        # The portal approves when a decision rule says so; a rule may ask for two reviewers.
        _t("approve", [S.SUBMITTED], S.APPROVED, [REVIEWER, SYSTEM], gettext_lazy("approve")),
        _t("reject", WAITING, S.REJECTED, [REVIEWER], gettext_lazy("reject"),
           ("reason_code", "reason")),
        _t("withdraw", WAITING, S.WITHDRAWN, [PARTNER], gettext_lazy("withdraw")),
        # Action Required: the reviewer asks and the clock stops; the partner answers and
        # resubmits, or the portal withdraws the deal unanswered.
        _t("request_action", [S.SUBMITTED], S.ACTION_REQUIRED, [REVIEWER],
           gettext_lazy("ask for changes to"), ("reasons", "message"), service=AR),
        _t("resubmit", [S.ACTION_REQUIRED], S.SUBMITTED, [PARTNER], gettext_lazy("resubmit"),
           service=AR),
        _t("lapse", [S.ACTION_REQUIRED], S.WITHDRAWN, [SYSTEM], gettext_lazy("withdraw"),
           service=AR),
        _t("expire", [S.APPROVED], S.EXPIRED, [SYSTEM], gettext_lazy("expire")),
        _t("mark_won", [S.APPROVED], S.WON, [PARTNER], gettext_lazy("mark as won")),
        _t("mark_lost", [S.APPROVED], S.LOST, [PARTNER], gettext_lazy("mark as lost")),
        # The partner asks (an extension request); a reviewer decides and moves the end,
        # by default to `default_extension_end`.
        _t("extend", [S.APPROVED], S.APPROVED, [REVIEWER], gettext_lazy("extend"),
           kind=EXTENSION),
    ]
}  # fmt: skip


def transitions_for(*, status: str, actor: str) -> list[Transition]:
    """The transitions `actor` may trigger on a deal in `status`, in the table's order."""
    return [t for t in TRANSITIONS.values() if actor in t.actors and t.allows(status)]


def _lock(deal: Deal) -> Deal:
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    # What the deal counts in the dashboards' tallies before the transition changes it.
    locked.tallied = tallies.contributions(locked)
    return locked


def refusal(deal: Deal, name: str) -> str:
    """The sentence that refuses transition `name` on `deal` in its status."""
    return _("Cannot %(action)s a deal that is %(status)s.") % {
        "action": TRANSITIONS[name].verb,
        "status": deal.get_status_display(),
    }


def _require(deal: Deal, name: str) -> Transition:
    transition = TRANSITIONS[name]
    if not transition.allows(deal.status):
        raise DealTransitionError(refusal(deal, name))
    return transition


def _record(
    locked: Deal,
    caller_copy: Deal,
    *,
    name: str,
    by: User | None,
    note: str,
    fields: list[str],
    rule: DecisionRule | None = None,
) -> None:
    from_status, to = locked.status, TRANSITIONS[name].target
    locked.status = to
    locked.save(update_fields=["status", "updated_at", *fields])
    tallies.shift(locked.tallied, locked)
    if from_status == Status.ACTION_REQUIRED and name != "resubmit":
        # Left unanswered (withdrawn, rejected, lapsed): the request is closed.
        locked.action_requests.filter(answered_at=None, closed_at=None).update(
            closed_at=timezone.now()
        )
    DealHistory.objects.create(
        deal=locked,
        by=by,
        kind=TRANSITIONS[name].kind,
        from_status=from_status,
        to_status=to,
        note=note,
        rule=rule,
        rule_version=rule.version if rule else None,
    )
    # The caller's instance reflects the new state without another query.
    for field in ["status", "updated_at", *fields]:
        setattr(caller_copy, field, getattr(locked, field))
    transaction.on_commit(
        lambda: status_changed.send(
            sender=Deal, deal=locked, from_status=from_status, to_status=to, by=by, note=note
        )
    )


@transaction.atomic
def perform(name: str, *, deal: Deal, by: User | None, note: str = "", change=None) -> Deal:
    """A transition whose own rules live in a service (`portal.action_required`): lock,
    check the table, let `change(locked)` set what it changes (returning the field names),
    then save and record it like every other transition."""
    locked = _lock(deal)
    _require(locked, name)
    fields = change(locked) if change else []
    _record(locked, deal, name=name, by=by, note=note, fields=fields)
    return locked


@transaction.atomic
def submit(*, deal: Deal, by: User) -> Deal:
    """Register Deal: a draft goes to Submitted and waits for the vendor's decision."""
    locked = _lock(deal)
    _require(locked, "submit")
    validate_for_submission(locked)
    # Business days are the vendor's local days: 00:30 on a Monday in Warsaw is
    # still Sunday in UTC.
    now = timezone.localtime()
    locked.submitted_at = now
    locked.decision_due_at = sla.add_business_days(now, settings.DEAL_DECISION_BUSINESS_DAYS)
    # As the deal stood when registered: what the matrix, the rules and the dashboards read.
    locked.tier_id = locked.partner.tier_id
    locked.conflicted = (
        conflicts.conflict_notice_for_partner(
            customer_id=locked.customer_id,
            product_ids=DealLine.objects.filter(deal=locked).values("product_id"),
            partner_id=locked.partner_id,
        )
        is not None
    )
    _record(
        locked,
        deal,
        name="submit",
        by=by,
        note="",
        fields=["submitted_at", "decision_due_at", "tier", "conflicted"],
    )
    return deal


@transaction.atomic
def route(
    *,
    deal: Deal,
    rule: DecisionRule,
    reviewer: User | None = None,
    queue=None,
    approvals_required: int = 1,
    note: str,
) -> Deal:
    """A decision rule sends a submitted deal to a reviewer or a queue, or asks for two
    approvals: the status stays, the history records the rule and its version."""
    locked = _lock(deal)
    _require(locked, "approve")
    locked.assigned_reviewer, locked.assigned_queue = reviewer, queue
    locked.approvals_required = approvals_required
    fields = ["assigned_reviewer", "assigned_queue", "approvals_required"]
    locked.save(update_fields=[*fields, "updated_at"])
    _history(locked, kind=DealHistory.Kind.ROUTED, by=None, note=note, rule=rule)
    for field in fields:
        setattr(deal, field, getattr(locked, field))
    return deal


def _history(locked: Deal, *, kind: str, by: User | None, note: str, rule=None) -> None:
    """A step that keeps the status (a first approval, a routing)."""
    DealHistory.objects.create(
        deal=locked,
        by=by,
        kind=kind,
        from_status=locked.status,
        to_status=locked.status,
        note=note,
        rule=rule,
        rule_version=rule.version if rule else None,
    )


def approval_defaults() -> dict:
    """What an approval gives unless the reviewer chooses: the default validity (the
    discount defaults per line, `discounts.line_defaults`)."""
    return {
        "validity_end": timezone.localdate() + datetime.timedelta(days=settings.DEAL_VALIDITY_DAYS),
    }


@transaction.atomic
def approve(
    *,
    deal: Deal,
    by: User | None,
    discount_percent: Decimal | None = None,
    line_discounts: dict[int, Decimal] | None = None,
    validity_end: datetime.date | None = None,
    note: str = "",
    rule: DecisionRule | None = None,
) -> Deal:
    """Approve a submitted deal: issue its Deal Reg Number, validity end and each line's
    discount. `by` is None when a decision `rule` approves.

    Each line gets `line_discounts[pk]`, else `discount_percent`, else the matrix default
    (`discounts.line_defaults`), within the tier's bound. A deal that needs two approvals
    records the first one and stays Submitted; the second must come from another reviewer.
    """
    locked = _lock(deal)
    _require(locked, "approve")
    if locked.approvals_required > 1 and by is not None:
        if locked.first_approved_by_id is None:
            locked.first_approved_by = by
            locked.save(update_fields=["first_approved_by", "updated_at"])
            _history(locked, kind=DealHistory.Kind.FIRST_APPROVAL, by=by, note=note)
            deal.first_approved_by = by
            return deal
        if locked.first_approved_by_id == by.pk:
            raise DealTransitionError(
                _("You gave the first approval: another reviewer must give the second.")
            )
    chosen = discounts.line_defaults(locked)
    if discount_percent is not None:
        chosen = dict.fromkeys(chosen, Decimal(discount_percent))
    chosen.update({pk: Decimal(v) for pk, v in (line_discounts or {}).items() if pk in chosen})
    if by is not None:  # a rule gives the matrix's own figures
        discounts.check(locked, chosen)
    today = timezone.localdate()
    if validity_end is None:
        validity_end = approval_defaults()["validity_end"]
    elif validity_end <= today:
        raise ValidationError({"validity_end": _("The validity end must be in the future.")})
    bounded("validity_end", validity_end)
    now = timezone.now()
    locked.decision_hours = sla.decision_hours(locked, now)
    locked.approved_at = locked.decided_at = now
    locked.deal_reg_number = numbers.next_deal_reg_number(today.year)
    locked.discount_percent = discounts.uniform(chosen)
    locked.validity_end = validity_end
    for pk, percent in chosen.items():
        DealLine.objects.filter(pk=pk).update(discount_percent=percent)
    fields = ["approved_at", "decided_at", "decision_hours", "deal_reg_number"]
    fields += ["discount_percent", "validity_end"]
    _record(locked, deal, name="approve", by=by, note=note, fields=fields, rule=rule)
    return deal


@transaction.atomic
def reject(*, deal: Deal, by: User, reason: str, reason_code: ReviewReason | None = None) -> Deal:
    """Reject a submitted deal (or one waiting on the partner) with a reason from the
    vendor's list (`ReviewReason`; "other" when none is given) and the reviewer's text,
    both shown to the partner with the reason's guidance."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    if reason_code is None:
        reason_code = ReviewReason.objects.get(code=ReviewReason.OTHER)
    locked = _lock(deal)
    _require(locked, "reject")
    locked.rejection_reason, locked.rejection_reason_code = reason, reason_code
    now = timezone.now()
    locked.decision_hours, locked.decided_at = sla.decision_hours(locked, now), now
    fields = ["rejection_reason", "rejection_reason_code", "decision_hours", "decided_at"]
    _record(locked, deal, name="reject", by=by, note=reason, fields=fields)
    return deal


@transaction.atomic
def expire(*, deal: Deal, by: User | None = None, today: datetime.date | None = None) -> Deal:
    """An approved deal whose validity has ended becomes Expired; it keeps its number."""
    locked = _lock(deal)
    _require(locked, "expire")
    today = today or timezone.localdate()
    if locked.validity_end is None or locked.validity_end >= today:
        raise DealTransitionError(_("This registration is still valid."))
    _record(
        locked,
        deal,
        name="expire",
        by=by,
        note=_("Validity ended on %(date)s.") % {"date": locked.validity_end},
        fields=[],
    )
    return deal


def _note_only(name: str, doc: str):
    """A transition that needs nothing but the table's permission and an optional note."""

    @transaction.atomic
    def transition(*, deal: Deal, by: User, note: str = "") -> Deal:
        locked = _lock(deal)
        _require(locked, name)
        _record(locked, deal, name=name, by=by, note=note, fields=[])
        return deal

    transition.__name__ = transition.__qualname__ = name
    transition.__doc__ = doc
    return transition


withdraw = _note_only("withdraw", "The partner withdraws a registration not decided yet.")
mark_won = _note_only("mark_won", "The partner reports that the approved project was won.")
mark_lost = _note_only("mark_lost", "The partner reports that the approved project was lost.")


def extensions_used(deal: Deal) -> int:
    """How many times the validity of `deal` was extended."""
    return deal.history.filter(kind=DealHistory.Kind.EXTENSION).count()


def default_extension_end(deal: Deal, *, requested: datetime.date | None = None) -> datetime.date:
    """The new validity end an extension gives unless the reviewer chooses one.

    The partner's requested date when there is one, else `DEAL_EXTENSION_DAYS` after the
    current end (or after today, for an end already past). Every path that extends uses it.
    """
    if requested:
        return requested
    today = timezone.localdate()
    base = max(deal.validity_end or today, today)
    if base >= latest_date():
        return base  # no later end is allowed; `extend` says so
    return min(base + datetime.timedelta(days=settings.DEAL_EXTENSION_DAYS), latest_date())


@transaction.atomic
def extend(
    *, deal: Deal, by: User | None, validity_end: datetime.date | None = None, note: str = ""
) -> Deal:
    """Move an approved deal's validity end later; it stays Approved with its number.

    Allowed `settings.DEAL_MAX_EXTENSIONS` times per deal; each extension is a history
    entry of kind Extension with `note`. Without `validity_end`, `default_extension_end`.
    """
    locked = _lock(deal)
    _require(locked, "extend")
    if extensions_used(locked) >= settings.DEAL_MAX_EXTENSIONS:
        raise DealTransitionError(
            _("This registration was already extended the maximum number of times (%(max)d).")
            % {"max": settings.DEAL_MAX_EXTENSIONS}
        )
    if validity_end is None:
        validity_end = default_extension_end(locked)
    today = timezone.localdate()
    if validity_end <= max(today, locked.validity_end or today):
        raise ValidationError(
            {
                "validity_end": _("The new validity end must be later than %(date)s.")
                % {"date": date_format(max(today, locked.validity_end or today))}
            }
        )
    bounded("validity_end", validity_end)
    old_end = locked.validity_end
    locked.validity_end = validity_end
    locked.save(update_fields=["validity_end", "updated_at"])
    note = note or _("Validity extended from %(old)s to %(new)s.") % {
        "old": old_end.isoformat() if old_end else "—",
        "new": validity_end.isoformat(),
    }
    DealHistory.objects.create(
        deal=locked,
        by=by,
        kind=DealHistory.Kind.EXTENSION,
        from_status=Status.APPROVED,
        to_status=Status.APPROVED,
        note=note,
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
