"""The second factor's pages: its status on the account, setting it up, the code after
the password, new recovery codes, turning it off."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from portal import mfa
from portal.inputs import PlainTextForm


class CodeForm(PlainTextForm):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=gettext_lazy("The 6 digits your authenticator app shows, or a recovery code."),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Whether the account has a second factor, and what can be done with it."""
    user = request.user
    return render(
        request,
        "portal/accounts/two_factor.html",
        {
            "enabled": mfa.has_second_factor(user),
            "required": mfa.required_for_account(user),
            "form": CodeForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the code (or type the key) into an app, then prove it with one of its codes."""
    user = request.user
    if mfa.has_second_factor(user) and not user.is_verified():
        return redirect("portal:two_factor_verify")
    device = mfa.pending_enrolment(user) if request.method == "POST" else None
    form = CodeForm(request.POST or None)
    if device is not None and form.is_valid():
        codes = mfa.confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(
                request,
                "portal/accounts/two_factor_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("code", _("This code does not match. Check the app's clock and try again."))
    if device is None:
        device = mfa.start_enrolment(user)
    context = {
        "form": form,
        "qr_code": mfa.qr_code_data_uri(device),
        "secret": mfa.secret_for_display(device),
        "next": _next_url(request),
        "required": mfa.required_for(user, _next_url(request)),
    }
    return render(
        request,
        "portal/accounts/two_factor_setup.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code after the password."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.verify(request, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", _("This code is wrong or was already used."))
    return render(
        request,
        "portal/accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """A fresh set of recovery codes (the old ones stop working), for a verified session."""
    if not request.user.is_verified():
        return redirect("portal:two_factor_verify")
    codes = mfa.new_recovery_codes(request.user)
    return render(request, "portal/accounts/two_factor_codes.html", {"codes": codes, "next": "/"})


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn the second factor off, with a current code; not where it is required."""
    user = request.user
    form = CodeForm(request.POST)
    if mfa.required_for_account(user):
        messages.error(request, _("Vendor reviewers keep two-factor authentication on."))
    elif form.is_valid() and mfa.verify(request, form.cleaned_data["code"]):
        mfa.disable(user, by=user)
        messages.success(request, _("Two-factor authentication is off."))
    else:
        messages.error(request, _("This code is wrong or was already used."))
    return redirect("portal:two_factor")
