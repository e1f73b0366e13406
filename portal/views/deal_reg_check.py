"""Deal Reg Number check for distributor staff: a portal page and a JSON endpoint."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from portal import ratelimit
from portal.dealregcheck import MAX_INPUT_LENGTH, check_number, distributor_for_token
from portal.inputs import PlainTextForm

NOT_FOUND = _(
    "Not found: no registration with this Deal Reg Number is valid today for your organisation."
)


class DealRegCheckForm(PlainTextForm):
    number = forms.CharField(
        label=_("Deal Reg Number"),
        max_length=MAX_INPUT_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "DR-2026-000123", "autofocus": True}),
    )


@never_cache
@login_required
@require_GET
def deal_reg_check(request: HttpRequest) -> HttpResponse:
    """A distributor types the number from an incoming order and sees if it is valid today."""
    if not request.user.distributor_id:
        return render(request, "portal/deal_reg_check/forbidden.html", status=403)
    form = DealRegCheckForm(request.GET or None)
    result, checked = None, False
    if "number" in request.GET:
        checked = True
        # Always look up, even a malformed or overlong number: the answer and its
        # cost must not tell "malformed" from "unknown" or "another distributor's".
        result = check_number(
            distributor=request.user.distributor_id, raw_number=request.GET.get("number", "")
        )
    return render(
        request,
        "portal/deal_reg_check/check.html",
        {"form": form, "result": result, "checked": checked, "not_found": NOT_FOUND},
    )


def _bearer_token(request: HttpRequest) -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt
@never_cache
@require_GET
def api_deal_reg_check(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/deal-reg-check/?number=DR-… with `Authorization: Bearer <token>`."""
    token = _bearer_token(request)
    # Per token (and per client without one), before the look-up: guessing is limited too.
    retry_after = ratelimit.hit(
        ratelimit.limit("api_token"), token or f"client:{ratelimit.client_key(request)}"
    )
    if retry_after:
        return ratelimit.too_many_json(retry_after)
    distributor_id = distributor_for_token(token)
    if distributor_id is None:
        response = JsonResponse({"detail": gettext("Invalid or missing API token.")}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="deal-reg-check"'
        return response
    result = check_number(distributor=distributor_id, raw_number=request.GET.get("number", ""))
    if result is None:
        return JsonResponse({"found": False, "valid": False, "detail": str(NOT_FOUND)}, status=404)
    return JsonResponse(result.as_json())
