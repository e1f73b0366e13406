"""The API object: authentication by token, limits, and errors as JSON with a field map."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from portal import access, api_tokens, ratelimit
from portal.dealregcheck import distributor_for_token
from portal.models import PartnerApiToken


class TooMany(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after


class Refused(HttpError):
    """An answer with the portal's sentences: `errors` maps fields to their messages."""

    def __init__(self, status: int, detail: str, errors: dict | None = None) -> None:
        super().__init__(status, detail)
        self.detail, self.errors = detail, errors or {}


class TooLarge(Exception):
    pass


def _limited(request: HttpRequest, token: str) -> None:
    # Per token, before the look-up: a wrong token is limited as much as a right one.
    retry_after = ratelimit.hit(ratelimit.limit("api_token"), token)
    if retry_after:
        raise TooMany(retry_after)
    # Before the body is read: a registration is a few KiB.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        raise TooLarge


class PartnerToken(HttpBearer):
    """A partner user's personal token (`dpt_…`); `request.auth` is the token row, acting
    as its user while that user is active partner staff."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> PartnerApiToken | None:
        _limited(request, token)
        row = api_tokens.token_for(token)
        if row is None or access.api_user(row) is None:
            return None
        request.user = row.user
        return row


class DistributorToken(HttpBearer):
    """A distributor's API token (`drc_…`, made by the vendor); `request.auth` is the
    distributor's id."""

    def authenticate(self, request: HttpRequest, token: str) -> int | None:
        _limited(request, token)
        return distributor_for_token(token)


api = NinjaAPI(
    title="dealreg partner API",
    version="1",
    description=(
        "Register and follow deal registrations from your own CRM. Partners use a personal "
        "token from their profile page; distributors the token the vendor gave them. Send "
        "it as `Authorization: Bearer <token>`."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(TooMany)
def too_many(request, exc: TooMany):
    response = api.create_response(
        request, {"detail": _("Too many requests. Try again later.")}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(TooLarge)
def too_large(request, exc):
    return api.create_response(
        request,
        {"detail": _("The request is too large (at most %(n)d bytes).")
         % {"n": settings.API_MAX_BODY_BYTES}},
        status=413,
    )  # fmt: skip


@api.exception_handler(Refused)
def refused(request, exc: Refused):
    return api.create_response(
        request, {"detail": exc.detail, "errors": exc.errors}, status=exc.status_code
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = api.create_response(
        request, {"detail": _("Invalid or missing API token.")}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="dealreg"'
    return response


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    """The request's shape is wrong (a field of the wrong type, a missing body): the same
    JSON as a refused registration, a message per field."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", [])[1:]) or "__all__"
        errors.setdefault(where, []).append(str(error.get("msg", "")))
    return api.create_response(
        request, {"detail": _("The request is not valid."), "errors": errors}, status=422
    )


def writable(request) -> None:
    """Operations that change something need a read+write token."""
    if request.auth.scope != PartnerApiToken.Scope.WRITE:
        raise Refused(403, _("This token may only read. Make a read and write token for this."))


from portal.api import distributor, partner  # noqa: E402,F401  (registers the operations)
