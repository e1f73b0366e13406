"""Partner users' personal API tokens: made on the profile page and shown once, stored as a
hash, scoped read or read+write, revocable, their last use recorded."""

import secrets

from django.db import transaction
from django.utils import timezone

from portal.dealregcheck import hash_token
from portal.decisions import log_action
from portal.models import PartnerApiToken, User

TOKEN_PREFIX = "dpt_"
MAX_LENGTH = 200


@transaction.atomic
def create_token(*, user: User, name: str, scope: str) -> tuple[PartnerApiToken, str]:
    """A new token acting as `user`; returns the row and the token, shown only this once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = PartnerApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        token_hash=hash_token(token),
        prefix=token[: len(TOKEN_PREFIX) + 6],
    )
    log_action(row, "partner_api_token.created", by=user, data={"scope": scope})
    return row, token


@transaction.atomic
def revoke_token(*, token: PartnerApiToken, by: User) -> bool:
    locked = PartnerApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    log_action(locked, "partner_api_token.revoked", by=by)
    return True


def token_for(raw: str) -> PartnerApiToken | None:
    """The live token `raw` is, with its user; marks it used."""
    if not raw or len(raw) > MAX_LENGTH or not raw.startswith(TOKEN_PREFIX):
        return None
    row = (
        PartnerApiToken.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if row is not None:
        PartnerApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row
