"""My profile → API and webhooks: a partner user's personal API tokens, and the webhook
endpoints of the user's partner or distributor. A new token or secret is shown once, on
the page that made it, and never again."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import api_tokens, webhooks
from portal.inputs import PlainTextForm
from portal.models import PartnerApiToken, WebhookEndpoint, WebhookEvent


class TokenForm(PlainTextForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What uses it, e.g. “CRM sync”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("May"),
        choices=PartnerApiToken.Scope.choices,
        widget=forms.RadioSelect,
        initial=PartnerApiToken.Scope.READ,
    )


class WebhookForm(PlainTextForm):
    url = forms.URLField(label=gettext_lazy("Endpoint URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one event.")},
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        webhooks.check_target(url)
        return url


def _owner(user) -> dict:
    """Whose webhooks the user keeps: their partner's or their distributor's."""
    if user.partner_id:
        return {"partner_id": user.partner_id}
    if user.distributor_id:
        return {"distributor_id": user.distributor_id}
    raise PermissionDenied


def _page(request, *, token_form=None, webhook_form=None, new_token="", new_secret="", status=200):
    owner = _owner(request.user)
    context = {
        "tokens": request.user.api_tokens.all() if request.user.partner_id else None,
        "endpoints": WebhookEndpoint.objects.filter(**owner),
        "token_form": token_form or (TokenForm() if request.user.partner_id else None),
        "webhook_form": webhook_form or WebhookForm(),
        "new_token": new_token,
        "new_secret": new_secret,
    }
    return render(request, "portal/accounts/api_access.html", context, status=status)


@never_cache
@login_required
def api_access(request: HttpRequest) -> HttpResponse:
    _owner(request.user)
    return _page(request)


@never_cache
@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    if not request.user.partner_id:
        raise PermissionDenied
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, token_form=form, status=400)
    _row, token = api_tokens.create_token(user=request.user, **form.cleaned_data)
    return _page(request, new_token=token)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(PartnerApiToken, pk=pk, user=request.user)
    if api_tokens.revoke_token(token=token, by=request.user):
        messages.success(request, _("The token is revoked: it no longer opens the API."))
    return redirect("portal:api_access")


@never_cache
@login_required
@require_POST
def create_webhook(request: HttpRequest) -> HttpResponse:
    owner = _owner(request.user)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, webhook_form=form, status=400)
    secret = webhooks.new_secret()
    WebhookEndpoint.objects.create(
        **owner, created_by=request.user, secret=secret, **form.cleaned_data
    )
    return _page(request, new_secret=secret)


@login_required
@require_POST
@transaction.atomic
def delete_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, **_owner(request.user))
    endpoint.delete()
    messages.success(request, _("The webhook endpoint is deleted."))
    return redirect("portal:api_access")
