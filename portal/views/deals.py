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

from portal import action_required, comments, sla, workflow
from portal.access import DealAccess, deal_access, get_deal_access
from portal.forms import AttachForm
from portal.inputs import PlainTextForm
from portal.models import Deal, DealHistory, ExtensionRequest
from portal.selectors import get_deal_page_for
from portal.timeline import deal_timeline
from portal.workflow import TRANSITIONS


@dataclass(frozen=True)
class DealAction:
    """How the deal page offers one workflow transition to the deal's partner. When it is
    offered is the workflow's table (`workflow.TRANSITIONS`) read through `portal.access`."""

    name: str  # the transition, and the URL name's suffix: portal:deal_<name>
    label: str
    question: str
    done: str
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
        transition=workflow.withdraw,
        button_class="btn-outline-danger",
    ),
    "mark_won": DealAction(
        name="mark_won",
        label=_("Mark as Won"),
        question=_("Mark this project as won?"),
        done=_("The deal was marked as won. Congratulations!"),
        transition=workflow.mark_won,
        button_class="btn-success",
    ),
    "mark_lost": DealAction(
        name="mark_lost",
        label=_("Mark as Lost"),
        question=_("Mark this project as lost?"),
        done=_("The deal was marked as lost."),
        transition=workflow.mark_lost,
        button_class="btn-outline-secondary",
    ),
}


class ActionNoteForm(PlainTextForm):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


def available_actions(access: DealAccess) -> list[DealAction]:
    """The deal page's buttons: the transitions this user may trigger now."""
    return [ACTIONS[t.name] for t in access.transitions if t.name in ACTIONS]


class CommentForm(PlainTextForm):
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


def extension_state(access: DealAccess) -> dict:
    """What the deal page says about extensions, from the page's prefetched requests and history.

    `may_request_extension`: the deal's partner may ask now — `portal.extensions.
    request_extension` checks the same again, under a lock.
    """
    deal = access.deal
    requests = list(deal.extension_requests.all())
    pending = any(r.status == ExtensionRequest.Status.PENDING for r in requests)
    used = sum(1 for h in deal.history.all() if h.kind == DealHistory.Kind.EXTENSION)
    limit = settings.DEAL_MAX_EXTENSIONS
    extendable = TRANSITIONS["extend"].allows(deal.status)
    return {
        "extension_requests": requests,
        "extension_pending": pending,
        "extensions_used_up": extendable and used >= limit and not pending,
        "may_request_extension": access.may_request_extension(
            used=used, pending=pending, limit=limit
        ),
    }


def waiting_on_partner(access: DealAccess) -> dict:
    """What the deal page says of a deal in Action Required: the request, how long the
    partner has, and the vendor's paused clock."""
    deal = access.deal
    if not deal.awaits_partner:
        return {}
    return {
        "request_for": action_required.open_request(deal),
        "may_resubmit": access.may("resubmit"),
        "answer_days": settings.ACTION_REQUIRED_ANSWER_DAYS,
        "paused_badge": action_required.paused_badge(deal),
    }


def _deal_page(
    request: HttpRequest, deal: Deal, comment_form: CommentForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    access = deal_access(user, deal)
    if access.may_comment and comment_form is None:
        comment_form = CommentForm(reviewer=access.may_write_internal_notes)
    context = {
        "deal": deal,
        "lines": deal.lines.all(),
        "contacts": deal.partner_contacts,
        "competitors": deal.competitors.all(),
        "timeline": deal_timeline(user=user, deal=deal),
        "actions": available_actions(access),
        "may_act": access.is_partner,
        "note_form": ActionNoteForm(),
        "comment_form": comment_form if access.may_comment else None,
        # Who writes in the thread attaches files too; distributors read them.
        "attach_form": AttachForm() if access.may_comment else None,
        # Set by the selector for partner staff only: a date, never the other partner.
        "conflict_since": getattr(deal, "conflict_since", None),
        "decision_overdue": bool(deal.decision_due_at and deal.decision_due_at < timezone.now()),
        "due_badge": sla.due_badge(deal.decision_due_at, timezone.now())
        if deal.awaits_decision and deal.decision_due_at
        else None,
        "due_wordings": sla.badge_wordings(),
        **waiting_on_partner(access),
        **extension_state(access),
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
    access = get_deal_access(user=request.user, pk=pk)
    if not access.may_comment:
        # Distributor staff read the thread but do not write in it.
        raise PermissionDenied
    deal = access.deal
    form = CommentForm(request.POST, reviewer=access.may_write_internal_notes)
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
    access = get_deal_access(user=request.user, pk=pk)
    deal = access.deal
    if not access.is_partner:
        raise PermissionDenied
    if not access.may(action):
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
