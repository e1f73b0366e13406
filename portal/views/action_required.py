"""The partner's answer to Action Required: change what the vendor asked and resubmit."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import action_required, attachments, workflow
from portal.access import get_deal_access
from portal.forms import RespondForm


@login_required
@require_http_methods(["GET", "POST"])
def deal_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the request and the fields it names, filled with the deal's values;
    POST resubmits through `action_required.resubmit`. Only the deal's partner answers."""
    access = get_deal_access(user=request.user, pk=pk)
    deal = access.deal
    if not access.is_partner:
        raise PermissionDenied
    asked_for = action_required.open_request(deal) if access.may("resubmit") else None
    if asked_for is None:
        messages.info(request, _("This deal no longer waits on an answer from you."))
        return redirect("portal:deal_detail", pk=deal.pk)
    initial = {name: getattr(deal, name) for name in [*asked_for.fields, "currency"]}
    if "distributor" in initial:
        initial["distributor"] = deal.distributor_id
    form = RespondForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        asked=asked_for.fields,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    action_required.resubmit(
                        deal=deal, by=request.user, changes=form.changes,
                        answer=form.cleaned_data["answer"],
                    )  # fmt: skip
                    if upload := form.cleaned_data.get("attachment"):
                        attachments.attach(
                            upload=upload, by=request.user, deal=deal, action_request=asked_for
                        )
            except workflow.DealTransitionError as error:
                messages.error(request, str(error))
                return redirect("portal:deal_detail", pk=deal.pk)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("Thank you: the deal is Submitted again and waits for the vendor.")
                )
                return redirect("portal:deal_detail", pk=deal.pk)
    return render(
        request,
        "portal/deals/respond.html",
        {
            "deal": deal,
            "request_for": asked_for,
            "form": form,
            "answer_days": settings.ACTION_REQUIRED_ANSWER_DAYS,
        },
        status=status,
    )
