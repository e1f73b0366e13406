"""Webhooks: the deal events a partner's or a distributor's endpoint subscribed to, sent after
commit by a task, signed, retried with backoff, recorded, and switched off when an endpoint
keeps failing.

Signature: `Dealreg-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the
endpoint's secret>`; a receiver recomputes it and refuses a `t` more than five minutes old.
"""

import datetime
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from portal.models import Deal, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)
S = Deal.Status
EVENT_OF_STATUS = {
    S.SUBMITTED: WebhookEvent.SUBMITTED,
    S.APPROVED: WebhookEvent.APPROVED,
    S.REJECTED: WebhookEvent.REJECTED,
    S.ACTION_REQUIRED: WebhookEvent.ACTION_REQUIRED,
    S.EXPIRED: WebhookEvent.EXPIRED,
    S.WON: WebhookEvent.WON,
    S.LOST: WebhookEvent.LOST,
}
BACKOFF = [60, 300, 1800, 7200, 43200]  # seconds before the 2nd, 3rd, … attempt
SIGNATURE_HEADER = "Dealreg-Signature"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300) -> bool:
    """What a receiver does (and the tests): the signature matches and is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def check_target(url: str) -> None:
    """Refuse a target the portal must not call: not HTTPS, or a name that resolves to a
    loopback, private, link-local or otherwise internal address (unless settings allow it,
    as in development and the tests). Checked when saved and again before each send."""
    parts = urlsplit(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(_("Give the endpoint's full address, https://…"))
        return
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(_("Webhook endpoints must be https:// addresses."))
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ValidationError(_("This host name does not resolve.")) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                _("Webhook endpoints must be public addresses, not %(address)s.")
                % {"address": address}
            )


def payload(deal: Deal, event: str) -> dict:
    data = {
        "id": deal.pk,
        "name": deal.name,
        "status": deal.status,
        "deal_reg_number": deal.deal_reg_number,
        "customer": deal.customer.name,
        "partner": deal.partner.name,
        "distributor": deal.distributor.name,
        "validity_end": deal.validity_end,
    }
    if event == WebhookEvent.REJECTED:
        data["rejection_reason"] = deal.rejection_reason
        data["rejection_reason_code"] = (
            deal.rejection_reason_code.code if deal.rejection_reason_code_id else None
        )
    return {"event": event, "created": timezone.now(), "deal": data}


def endpoints_for(deal: Deal, event: str) -> list[WebhookEndpoint]:
    """The active endpoints of the deal's partner and distributor that chose `event`
    (one query; the deal's own ids are enough)."""
    owners = Q(partner_id=deal.partner_id) | Q(distributor_id=deal.distributor_id)
    return [
        e
        for e in WebhookEndpoint.objects.filter(owners, is_active=True)
        if event in (e.events or [])
    ]


def announce(deal: Deal, event: str, endpoints: list[WebhookEndpoint] | None = None) -> list[int]:
    """Record a delivery per subscribed endpoint and send them after commit."""
    if endpoints is None:
        endpoints = endpoints_for(deal, event)
    if not endpoints:
        return []
    body = json.loads(json.dumps(payload(deal, event), cls=DjangoJSONEncoder))
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=e, deal=deal, event=event, payload=body, next_attempt_at=now)
        for e in endpoints
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: deliver.enqueue(ids))
    return ids


def on_status_changed(sender, deal, from_status, to_status, **kwargs) -> None:
    """`workflow.status_changed` receiver (after commit)."""
    event = EVENT_OF_STATUS.get(to_status)
    if event is None:
        return
    try:
        # Most deals have no subscriber: the payload's names are read only for those that do.
        endpoints = endpoints_for(deal, event)
        if endpoints:
            parts = Deal.objects.select_related("customer", "partner", "distributor")
            announce(parts.get(pk=deal.pk), event, endpoints)
    except Exception:  # the transition is committed; a webhook never undoes it
        logger.exception("Could not queue the %s webhooks of deal %s", event, deal.pk)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new target: it could point inside the network."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    endpoint = delivery.endpoint
    try:
        check_target(endpoint.url)
    except ValidationError as refused:
        return None, " ".join(refused.messages)
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 - check_target allows http(s) only
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "dealreg-webhooks/1",
            SIGNATURE_HEADER: sign(endpoint.secret, body, int(time.time())),
            "Dealreg-Event": delivery.event,
            "Dealreg-Delivery": str(delivery.pk),
        },
    )
    try:
        with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))[:500]


def attempt(delivery: WebhookDelivery) -> bool:
    """Send once; record the outcome; schedule the next attempt or give up."""
    code, error = _post(delivery)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code = code
    endpoint = delivery.endpoint
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            WebhookDelivery.Status.DELIVERED, now, None
        )  # fmt: skip
        delivery.last_error = ""
        delivery.save()
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failures=0)
        return True
    delivery.last_error = error or f"HTTP {code}"
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
    else:
        wait = BACKOFF[min(delivery.attempts - 1, len(BACKOFF) - 1)]
        delivery.next_attempt_at = now + datetime.timedelta(seconds=wait)
    delivery.save()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failures=F("failures") + 1)
    endpoint.refresh_from_db(fields=["failures", "is_active"])
    if endpoint.is_active and endpoint.failures >= settings.WEBHOOK_DISABLE_AFTER:
        switch_off(endpoint)
    return False


def switch_off(endpoint: WebhookEndpoint) -> None:
    from portal import notifications

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_at=timezone.now()
    )
    notifications.webhook_disabled(endpoint)


@task()
def deliver(delivery_ids: list[int]) -> int:
    """Attempt the given deliveries that are still waiting; returns how many arrived."""
    arrived = 0
    due = WebhookDelivery.objects.filter(
        pk__in=delivery_ids, status=WebhookDelivery.Status.PENDING, endpoint__is_active=True
    ).select_related("endpoint")
    for delivery in due:
        arrived += attempt(delivery)
    return arrived


def deliver_due(now=None) -> int:
    """The retries whose time has come (`manage.py deliver_webhooks`, run every minute)."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__is_active=True,
        ).values_list("pk", flat=True)[:500]
    )
    return deliver.call(ids) if ids else 0


def resend(delivery: WebhookDelivery) -> WebhookDelivery:
    """A reviewer sends a recorded delivery again, as a new delivery of the same payload."""
    again = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        deal=delivery.deal,
        event=delivery.event,
        payload=delivery.payload,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: deliver.enqueue([again.pk]))
    return again
