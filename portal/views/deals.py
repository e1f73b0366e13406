"""The deal page, and what the deal's partner may do with it: withdraw, mark Won or Lost,
comment, and ask for an extension."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import comments, workflow
from portal.models import Deal, ExtensionRequest, User
from portal.selectors import (
    deal_timeline,
    get_deal_for,
    get_deal_page_for,
    is_deals_partner_staff,
    is_reviewer,
)


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


def available_actions(user: User, deal: Deal) -> list[DealAction]:
    if not is_deals_partner_staff(user, deal):
        return []
    return [action for action in ACTIONS.values() if deal.status in action.from_statuses]


class CommentForm(forms.Form):
    # Length and emptiness are `comments.add_comment`'s rules; its sentences show here.
    body = forms.CharField(
        label=_("Your comment"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "class": "form-control", "maxlength": comments.MAX_COMMENT_LENGTH}
        ),
    )
    internal = forms.BooleanField(
        label=_("Internal note (only vendor reviewers see it)"), required=False
    )

    def __init__(self, *args, reviewer: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not reviewer:
            # Partners write to the vendor only; a tampered "internal" is ignored.
            del self.fields["internal"]


def extension_state(user: User, deal: Deal) -> dict:
    """What the deal page says about extensions, from the page's prefetched requests and history.

    `may_request`: the deal's partner may ask now (Approved, nothing pending, extensions
    left) — `portal.extensions.request_extension` checks the same again, under a lock.
    """
    requests = list(deal.extension_requests.all())
    pending = any(r.status == ExtensionRequest.Status.PENDING for r in requests)
    approved = Deal.Status.APPROVED
    used = sum(1 for h in deal.history.all() if h.from_status == h.to_status == approved)
    used_up = used >= settings.DEAL_MAX_EXTENSIONS
    return {
        "extension_requests": requests,
        "extension_pending": pending,
        "extensions_used_up": used_up,
        "may_request_extension": (
            is_deals_partner_staff(user, deal)
            and deal.status == Deal.Status.APPROVED
            and not pending
            and not used_up
        ),
    }


def _deal_page(
    request: HttpRequest, deal: Deal, comment_form: CommentForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    may_comment = comments.can_comment(user=user, deal=deal)
    if may_comment and comment_form is None:
        comment_form = CommentForm(reviewer=is_reviewer(user))
    context = {
        "deal": deal,
        "lines": deal.lines.all(),
        "contacts": deal.partner_contacts,
        "competitors": deal.competitors.all(),
        "timeline": deal_timeline(user=user, deal=deal),
        "actions": available_actions(user, deal),
        "may_act": is_deals_partner_staff(user, deal),
        "note_form": ActionNoteForm(),
        "comment_form": comment_form if may_comment else None,
        # Set by the selector for partner staff only: a date, never the other partner.
        "conflict_since": getattr(deal, "conflict_since", None),
        "decision_overdue": bool(deal.decision_due_at and deal.decision_due_at < timezone.now()),
        **extension_state(user, deal),
    }
    return render(request, "portal/deals/detail.html", context, status=status)


@login_required
@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything registered on the deal, its status and Deal Reg Number, and its timeline."""
    return _deal_page(request, get_deal_page_for(user=request.user, pk=pk))


@login_required
@require_POST
def deal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a comment in the deal's thread, then back to it (or the page with the error)."""
    deal = get_deal_for(user=request.user, pk=pk)
    if not comments.can_comment(user=request.user, deal=deal):
        # Distributor staff read the thread but do not write in it.
        raise PermissionDenied
    form = CommentForm(request.POST, reviewer=is_reviewer(request.user))
    if form.is_valid():
        try:
            comment = comments.add_comment(
                deal=deal,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data.get("internal", False),
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            url = reverse("portal:deal_detail", args=[deal.pk])
            return redirect(f"{url}#comment-{comment.pk}")
    page = get_deal_page_for(user=request.user, pk=pk)
    return _deal_page(request, page, comment_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def deal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET asks for confirmation; POST makes the change through `portal.workflow`."""
    spec = ACTIONS[action]
    deal = get_deal_for(user=request.user, pk=pk)
    if not is_deals_partner_staff(request.user, deal):
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
