"""Abuse limits: how often a client, an address or a token may do a costly or sensitive
thing (apply, ask for a password reset, log in, call the API) before it must wait.

Fixed windows counted in the database (`RateLimitCounter`), shared by every process.
Over the limit the answer is 429 with `Retry-After`.
"""

import datetime
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import RateLimitCounter
from portal.netaddr import client_ip


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


def limit(name: str) -> Limit:
    """The limit `name` as configured (`RATE_LIMITS` in settings: name -> (count, seconds))."""
    count, seconds = settings.RATE_LIMITS[name]
    return Limit(name, count, seconds)


def _key(limit: Limit, key: str) -> str:
    # Hashed: the table keeps no e-mail address or token, and any key fits the column.
    return f"{limit.name}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def hit(limit: Limit, key: str) -> int | None:
    """Count one use of `limit` by `key`. None while within the limit; over it, the
    seconds until the window ends (what `Retry-After` says)."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    now = time.time()
    window = int(now // limit.seconds)
    ends = datetime.datetime.fromtimestamp((window + 1) * limit.seconds, tz=datetime.UTC)
    count = _count_one(_key(limit, key), window, ends)
    if count <= limit.count:
        return None
    return max(1, int((ends - timezone.now()).total_seconds()) + 1)


def _count_one(key: str, window: int, ends: datetime.datetime) -> int:
    """Add one to the window's counter and read it back, in one atomic statement."""
    table = RateLimitCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("key", "window", "count", "expires_at") '  # noqa: S608
            "VALUES (%s, %s, 1, %s) "
            'ON CONFLICT ("key", "window") DO UPDATE SET "count" = '
            f'"{table}"."count" + 1 RETURNING "count"',
            [key, window, connection.ops.adapt_datetimefield_value(ends)],
        )
        return cursor.fetchone()[0]


def client_key(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def too_many_page(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The page a person sees over a limit."""
    minutes = max(1, round(retry_after / 60))
    response = render(request, "portal/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def too_many_json(retry_after: int) -> JsonResponse:
    """The API's answer over a limit."""
    response = JsonResponse(
        {"detail": _("Too many requests. Try again in %(s)d seconds.") % {"s": retry_after}},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
