"""The deal page, and what the deal's partner may do with it: withdraw, mark Won or Lost."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from portal import workflow
from portal.models import Deal, User
from portal.selectors import get_deal_for, get_deal_page_for


@dataclass(frozen=True)
class DealAction:
    """One thing the deal's partner may do from the deal page."""

    name: str  # the URL name's suffix: portal:deal_<name>
    label: str
    question: str
    done: str
    from_statuses: tuple[str, ...]
    transition: Callable[..., Deal]
    button_class: str


ACTIONS = {
    "withdraw": DealAction(
        name="withdraw",
        label=_("Withdraw"),
        question=_(
            "Withdraw this registration? The vendor will not decide on it, and it cannot be "
            "submitted again."
        ),
        done=_("The registration was withdrawn."),
        from_statuses=(Deal.Status.SUBMITTED,),
        transition=workflow.withdraw,
        button_class="btn-outline-danger",
    ),
    "mark_won": DealAction(
        name="mark_won",
        label=_("Mark as Won"),
        question=_("Mark this project as won?"),
        done=_("The deal was marked as won. Congratulations!"),
        from_statuses=(Deal.Status.APPROVED,),
        transition=workflow.mark_won,
        button_class="btn-success",
    ),
    "mark_lost": DealAction(
        name="mark_lost",
        label=_("Mark as Lost"),
        question=_("Mark this project as lost?"),
        done=_("The deal was marked as lost."),
        from_statuses=(Deal.Status.APPROVED,),
        transition=workflow.mark_lost,
        button_class="btn-outline-secondary",
    ),
}


class ActionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


def may_act_on(user: User, deal: Deal) -> bool:
    """Only staff of the deal's own partner follow a deal up; distributors only read."""
    return bool(user.partner_id) and user.partner_id == deal.partner_id


def available_actions(user: User, deal: Deal) -> list[DealAction]:
    if not may_act_on(user, deal):
        return []
    return [action for action in ACTIONS.values() if deal.status in action.from_statuses]


@login_required
@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything registered on the deal, its status and Deal Reg Number, and its history."""
    deal = get_deal_page_for(user=request.user, pk=pk)
    context = {
        "deal": deal,
        "lines": deal.lines.all(),
        "contacts": deal.contacts.all(),
        "competitors": deal.competitors.all(),
        "history": deal.history.all(),
        "actions": available_actions(request.user, deal),
        "may_act": may_act_on(request.user, deal),
        "note_form": ActionNoteForm(),
    }
    return render(request, "portal/deals/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET asks for confirmation; POST makes the change through `portal.workflow`."""
    spec = ACTIONS[action]
    deal = get_deal_for(user=request.user, pk=pk)
    if not may_act_on(request.user, deal):
        raise PermissionDenied
    if deal.status not in spec.from_statuses:
        messages.error(
            request,
            _("This deal is %(status)s: it can no longer be changed that way.")
            % {"status": deal.get_status_display()},
        )
        return redirect("portal:deal_detail", pk=deal.pk)
    form = ActionNoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            spec.transition(deal=deal, by=request.user, note=form.cleaned_data["note"])
        except workflow.DealTransitionError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, spec.done)
        return redirect("portal:deal_detail", pk=deal.pk)
    return render(
        request,
        "portal/deals/confirm_action.html",
        {"deal": deal, "action": spec, "form": form},
    )


def deal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return deal_action(request, pk, "withdraw")


def deal_mark_won(request: HttpRequest, pk: int) -> HttpResponse:
    return deal_action(request, pk, "mark_won")


def deal_mark_lost(request: HttpRequest, pk: int) -> HttpResponse:
    return deal_action(request, pk, "mark_lost")
