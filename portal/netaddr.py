"""The client's address, right behind a configured number of reverse proxies.

Each proxy appends the address it received the request from to `X-Forwarded-For`, so
with `PROXY_COUNT` proxies the client is the entry that many places from the right of
"X-Forwarded-For + REMOTE_ADDR"; anything further left was written by the client and is
not trusted. With no proxy configured the header is ignored.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent `request` (login lock-out, rate limits)."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.PROXY_COUNT
    if not proxies:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part for part in header.split(",") if part.strip()]
    chain = [*forwarded, request.META.get("REMOTE_ADDR", "")]
    if len(chain) <= proxies:
        return remote  # fewer hops than proxies: not what our proxies send
    return _address(chain[-(proxies + 1)]) or remote
