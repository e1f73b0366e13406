"""Action Required: a reviewer returns a submitted deal to its partner with a structured
request; the partner changes what was asked and resubmits, or the portal withdraws the
deal when nobody answers in time.

While the deal waits on the partner the decision clock stops: the business time left is
kept on the deal (`sla_remaining`) and the due time is set again from it on resubmission.
The transitions are `workflow.TRANSITIONS`' request_action, resubmit and lapse.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import sla, workflow
from portal.deal_rules import validate_for_submission
from portal.decisions import log_action
from portal.models import ActionRequest, Deal, ReviewReason, User

MAX_MESSAGE_LENGTH = 2000
Field = ActionRequest.Field


def open_request(deal: Deal) -> ActionRequest | None:
    """The request the deal waits on, with its reasons."""
    return (
        deal.action_requests.filter(answered_at=None, closed_at=None)
        .prefetch_related("reasons")
        .first()
    )


def request_action(
    *,
    deal: Deal,
    by: User,
    reasons: Iterable[ReviewReason],
    message: str,
    fields: Iterable[str] = (),
) -> ActionRequest:
    """Return a submitted deal to its partner: at least one reason from the vendor's
    list, a message saying what to do, and optionally the fields to change."""
    reasons, message = list(reasons), (message or "").strip()
    fields = [f for f in dict.fromkeys(fields) if f in Field.values]
    errors = {}
    if not reasons:
        errors["reasons"] = _("Choose at least one reason.")
    if not message:
        errors["message"] = _("Say what the partner should do.")
    elif len(message) > MAX_MESSAGE_LENGTH:
        errors["message"] = _("Keep the message under %(n)d characters.") % {
            "n": MAX_MESSAGE_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    created: list[ActionRequest] = []

    def pause(locked: Deal) -> list[str]:
        now = timezone.localtime()
        if locked.decision_due_at:
            locked.sla_remaining = sla.business_time_between(
                now, timezone.localtime(locked.decision_due_at)
            )
        locked.sla_paused_at = now
        request = ActionRequest.objects.create(
            deal=locked, asked_by=by, message=message, fields=fields
        )
        request.reasons.set(reasons)
        created.append(request)
        return ["sla_paused_at", "sla_remaining"]

    with transaction.atomic():
        workflow.perform("request_action", deal=deal, by=by, note=message, change=pause)
        log_action(
            deal, "deal.action_requested", by=by,
            data={"reasons": [r.code for r in reasons], "fields": fields},
        )  # fmt: skip
    return created[0]


def resubmit(*, deal: Deal, by: User, changes: dict, answer: str = "") -> Deal:
    """The partner's answer: the fields asked for take `changes` (others are ignored),
    the request is answered, and the deal is Submitted again with the rest of its
    decision time. The submission rules are checked again on the changed deal."""
    answer = (answer or "").strip()[:MAX_MESSAGE_LENGTH]

    def resume(locked: Deal) -> list[str]:
        request = open_request(locked)
        if request is None:
            raise workflow.DealTransitionError(_("This deal waits on no request."))
        changed = [name for name in request.fields if name in changes]
        for name in changed:
            setattr(locked, name, changes[name])
        if Field.ESTIMATED_VALUE in changed and "currency" in changes:
            locked.currency, changed = changes["currency"], [*changed, "currency"]
        validate_for_submission(locked)
        now = timezone.localtime()
        if locked.sla_remaining is not None:
            locked.decision_due_at = sla.add_business_time(now, locked.sla_remaining)
        locked.sla_paused_at = locked.sla_remaining = None
        request.answered_at, request.answered_by, request.answer = now, by, answer
        request.save(update_fields=["answered_at", "answered_by", "answer"])
        return [*changed, "decision_due_at", "sla_paused_at", "sla_remaining"]

    return workflow.perform("resubmit", deal=deal, by=by, note=answer, change=resume)


def lapse(*, deal: Deal, by: User | None = None, note: str = "") -> Deal:
    """The portal withdraws a deal whose request went unanswered (`withdraw_unanswered`)."""
    return workflow.perform("lapse", deal=deal, by=by, note=note)


def withdraw_unanswered(*, now: datetime.datetime | None = None) -> int:
    """Withdraw the deals whose request has waited `ACTION_REQUIRED_ANSWER_DAYS` days:
    idempotent and safe from cron (a deal already moved on is skipped). Returns how many."""
    now = now or timezone.now()
    days = settings.ACTION_REQUIRED_ANSWER_DAYS
    cutoff = now - datetime.timedelta(days=days)
    late = ActionRequest.objects.filter(
        answered_at=None,
        closed_at=None,
        asked_at__lt=cutoff,
        deal__status=Deal.Status.ACTION_REQUIRED,
    ).select_related("deal")
    withdrawn = 0
    for request in late.order_by("asked_at", "pk").iterator():
        note = _("No answer to the vendor's request within %(days)d days.") % {"days": days}
        try:
            lapse(deal=request.deal, note=note)
        except workflow.DealTransitionError:
            continue  # answered or withdrawn since it was read
        withdrawn += 1
    return withdrawn


def paused_badge(deal: Deal) -> str:
    """How a paused clock reads: the business time the vendor still has once it runs."""
    remaining = deal.sla_remaining
    if remaining is None:
        return _("paused")
    if remaining <= datetime.timedelta(0):
        return _("paused, overdue")
    hours = int(remaining.total_seconds() // 3600)
    if hours >= 24:
        return _("paused, %(n)d d left") % {"n": hours // 24}
    return _("paused, %(n)d h left") % {"n": max(hours, 1)}
