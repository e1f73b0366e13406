"""The partner's "Request an extension" of an Approved registration."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from portal.access import get_deal_access
from portal.deal_rules import not_too_far
from portal.extensions import request_extension
from portal.inputs import PlainTextForm


class ExtensionRequestForm(PlainTextForm):
    reason = forms.CharField(
        label=_("Why does the registration need more time?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    requested_validity_end = forms.DateField(
        label=_("Valid until (requested)"),
        required=False,
        validators=[not_too_far],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional; the vendor decides the new date."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def deal_request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the form; POST files the request and returns to the deal."""
    access = get_deal_access(user=request.user, pk=pk)
    deal = access.deal
    if not access.is_partner:
        # Distributor staff and reviewers see the deal but do not ask for extensions.
        raise PermissionDenied
    form = ExtensionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_extension(deal=deal, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, gettext("Your extension request was sent to the vendor."))
            return redirect("portal:deal_detail", pk=deal.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "portal/extensions/request.html", {"deal": deal, "form": form}, status=status
    )
