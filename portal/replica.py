"""An optional read replica (`DATABASE_REPLICA_URL`): which reads may go to it.

Lists, exports and dashboards read a lot and may lag a moment behind; they read from the
replica when one is configured. Everything else reads from the primary, and so does
every read of a user who has just changed something (for `REPLICA_PIN_SECONDS` after a
POST, kept in the shared cache so that every app node knows): a deal the user has just
registered or withdrawn is never missing from the list that follows. Writes always go to
the primary, whichever database a row was read from.

`reads_for(user)` (or the `lists` view decorator) marks a block whose reads may go to the
replica; `Router`, installed by settings, sends them there.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
_reading = ContextVar("replica_reads", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def _pin_key(user_id: int) -> str:
    return f"replica:primary-for:{user_id}"


def note_write(user) -> None:
    """`user` has just changed something: their reads stay on the primary for a while."""
    if configured() and user.is_authenticated:
        cache.set(_pin_key(user.pk), True, settings.REPLICA_PIN_SECONDS)


def may_read_replica(user) -> bool:
    return configured() and not (user.is_authenticated and cache.get(_pin_key(user.pk)))


@contextmanager
def reads_for(user) -> Iterator[None]:
    """Reads in this block go to the replica, unless `user` has just written (or there
    is no replica)."""
    if not may_read_replica(user):
        yield
        return
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def on_primary() -> Iterator[None]:
    """Reads in this block go to the primary, even inside `reads_for` (a row this request
    or task has just written)."""
    token = _reading.set(False)
    try:
        yield
    finally:
        _reading.reset(token)


def _inside(user, chunks: Iterator) -> Iterator:
    # A streamed response reads its rows after the view has returned.
    with reads_for(user):
        yield from chunks


def lists(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A read-only view (list, export, dashboard) whose GETs may read from the replica."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with reads_for(request.user):
            response = view(request, *args, **kwargs)
        if response.streaming:
            response.streaming_content = _inside(request.user, response.streaming_content)
        return response

    return wrapper


class PinAfterWriteMiddleware:
    """After a POST (or any unsafe method) by a signed-in user, keep their reads on the
    primary while the replica may not have the change yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and configured():
            note_write(request.user)
        return response


class Router:
    """Reads marked by `reads_for` go to the replica; all else, writes included, to the
    primary (a row read from the replica is saved to the primary)."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reading.get() else None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database and its copy

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
