"""Extension requests: a partner asks; a reviewer approves (`workflow.extend`) or refuses.

At most `settings.DEAL_MAX_EXTENSIONS` extensions per deal (counted by the
workflow from the deal's history, so bulk extensions by reviewers count too) and
one pending request per deal (also a database constraint).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal import deal_rules, workflow
from portal.access import is_partner_staff_of, is_reviewer
from portal.decisions import lock_pending, stamp
from portal.models import Deal, DealHistory, ExtensionRequest, User

Status = ExtensionRequest.Status


@transaction.atomic
def request_extension(
    *,
    deal: Deal,
    by: User,
    reason: str,
    requested_validity_end: datetime.date | None = None,
) -> ExtensionRequest:
    """Partner staff of the deal ask for a longer validity of an Approved registration."""
    if not is_partner_staff_of(by, deal):
        raise PermissionDenied(_("Only the partner of this deal can ask for an extension."))
    # One locked read with both counts: requests for one deal queue up behind this lock.
    locked = (
        Deal.objects.select_for_update(of=("self",))
        .annotate(
            extensions=Coalesce(
                Subquery(
                    DealHistory.objects.filter(
                        deal_id=OuterRef("pk"), kind=DealHistory.Kind.EXTENSION
                    )
                    .order_by()
                    .values("deal_id")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            has_pending=Exists(
                ExtensionRequest.objects.filter(deal_id=OuterRef("pk"), status=Status.PENDING)
            ),
        )
        .get(pk=deal.pk)
    )
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(_("Say why the registration needs more time."))
    if not workflow.TRANSITIONS["extend"].allows(locked.status):
        errors.setdefault("__all__", []).append(_("Only an Approved registration can be extended."))
    elif locked.extensions >= settings.DEAL_MAX_EXTENSIONS:
        errors.setdefault("__all__", []).append(
            _("This registration was already extended the maximum number of times (%(max)d).")
            % {"max": settings.DEAL_MAX_EXTENSIONS}
        )
    if locked.has_pending:
        errors.setdefault("__all__", []).append(
            _("An extension request for this deal is already waiting for the vendor.")
        )
    if (
        requested_validity_end is not None
        and locked.validity_end is not None
        and requested_validity_end <= locked.validity_end
    ):
        errors.setdefault("requested_validity_end", []).append(
            _("Choose a date after the current validity end (%(date)s).")
            % {"date": date_format(locked.validity_end)}
        )
    if requested_validity_end is not None and requested_validity_end > deal_rules.latest_date():
        errors.setdefault("requested_validity_end", []).append(
            _("Choose a date before %(date)s.") % {"date": date_format(deal_rules.latest_date())}
        )
    if errors:
        raise ValidationError(errors)
    try:
        return ExtensionRequest.objects.create(
            deal=locked,
            requested_by=by,
            reason=reason,
            requested_validity_end=requested_validity_end,
        )
    except IntegrityError:
        # The row lock above already serialises requests for one deal; the unique
        # constraint is the last guard. The outer transaction rolls back.
        raise ValidationError(
            _("An extension request for this deal is already waiting for the vendor.")
        ) from None


def default_new_validity_end(request: ExtensionRequest) -> datetime.date:
    """What a reviewer approves unless they choose: `workflow.default_extension_end`."""
    return workflow.default_extension_end(request.deal, requested=request.requested_validity_end)


def _locked_pending(request: ExtensionRequest) -> ExtensionRequest:
    return lock_pending(
        ExtensionRequest.objects.select_related("deal"), request.pk, pending=Status.PENDING
    )


@transaction.atomic
def approve_extension(
    *,
    request: ExtensionRequest,
    by: User,
    validity_end: datetime.date | None = None,
    note: str = "",
) -> ExtensionRequest:
    """Approve a pending request: the deal's validity moves to `validity_end` (workflow.extend)."""
    if not is_reviewer(by):
        raise PermissionDenied
    locked = _locked_pending(request)
    validity_end = validity_end or default_new_validity_end(locked)
    note = (note or "").strip()
    history_note = _("Extension request approved: %(reason)s") % {"reason": locked.reason}
    if note:
        history_note += "\n" + note
    workflow.extend(deal=locked.deal, by=by, validity_end=validity_end, note=history_note)
    return stamp(
        locked,
        status=Status.APPROVED,
        by=by,
        action="extension_request.approved",
        data={"validity_end": validity_end.isoformat()},
        decision_note=note,
    )


@transaction.atomic
def refuse_extension(*, request: ExtensionRequest, by: User, reason: str) -> ExtensionRequest:
    """Refuse a pending request; the reason is required and shown to the partner."""
    if not is_reviewer(by):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for refusing the extension.")})
    locked = _locked_pending(request)
    return stamp(
        locked,
        status=Status.REFUSED,
        by=by,
        action="extension_request.refused",
        data={"reason": reason},
        decision_note=reason,
    )
