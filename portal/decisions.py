"""What every reviewer decision shares: lock the pending row, check it is still pending,
stamp who decided and when, and write the action log (pretix's `log_action`)."""

from typing import TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import ActionLogEntry, User
from portal.workflow import DealTransitionError

M = TypeVar("M", bound=models.Model)


class AlreadyDecided(DealTransitionError):
    """The request, application or other pending item was decided in the meantime."""


def log_action(obj: models.Model, action: str, *, by: User | None, data: dict | None = None):
    """Record a decision on `obj` (e.g. "api_token.revoked") with its details."""
    from django.contrib.contenttypes.models import ContentType

    return ActionLogEntry.objects.create(
        actor=by if by is not None and by.pk else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        data=data or {},
    )


def lock_pending(queryset: models.QuerySet[M], pk, *, pending: str) -> M:
    """The row `pk` of `queryset`, locked until the transaction ends; AlreadyDecided
    unless its `status` is still `pending`."""
    locked = queryset.select_for_update().get(pk=pk)
    if locked.status != pending:
        raise AlreadyDecided(
            _("This %(item)s was already %(status)s.")
            % {"item": locked._meta.verbose_name, "status": locked.get_status_display().lower()}
        )
    return locked


def stamp(row: M, *, status: str, by: User, action: str, data: dict | None = None, **fields) -> M:
    """Save the decision on a locked pending row (status, decided_by, decided_at and
    `fields`) and log it as `action`."""
    row.status = status
    row.decided_by = by
    row.decided_at = timezone.now()
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=["status", "decided_by", "decided_at", *fields])
    log_action(row, action, by=by, data={"status": status, **(data or {})})
    return row
