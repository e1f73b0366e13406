"""Sales → Register a Deal: one URL per step; the dispatcher walks `portal.wizard.steps`.

GET shows the step with what was answered before, POST checks it and moves on. The
answers live in the session until Register Deal.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal import access, registration
from portal.selectors import search_customers
from portal.wizard.base import draft_of, step_url
from portal.wizard.state import WizardState
from portal.wizard.steps import BY_SLUG, SLUGS, STEPS, first_missing, prefill_from


def partner_staff_required(view: Callable) -> Callable:
    """Logged in, and on a partner's staff: only they register deals."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not access.may_register_deals(request.user):
            return render(request, "portal/wizard/partner_staff_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _expired(request: HttpRequest) -> HttpResponse:
    messages.warning(
        request,
        _("Your session expired or this registration was already finished; please start again."),
    )
    WizardState.start(request.session)
    return redirect(step_url(SLUGS[0]))


def _editing(request: HttpRequest) -> bool:
    return bool(request.POST.get("edit") or request.GET.get("edit"))


def _next(request: HttpRequest, state: WizardState, slug: str) -> HttpResponse:
    """After an answer: the next step, or back to the review when editing from it."""
    if _editing(request):
        missing = first_missing(state)
        return redirect(step_url(missing or "review", edit=bool(missing)))
    return redirect(step_url(SLUGS[SLUGS.index(slug) + 1]))


@require_http_methods(["GET", "POST"])
@partner_staff_required
def register_deal(request: HttpRequest) -> HttpResponse:
    """The menu entry: start a registration; with one in progress, ask whether to carry on
    with it or start over (`?start_over=1` asks the same from a step's "Start over"). The
    answers are discarded only by the POST of that question."""
    if request.method == "POST":
        WizardState.start(request.session)
        messages.info(request, _("The registration you had started is discarded."))
        return redirect(step_url(SLUGS[0]))
    similar = request.GET.get("similar")
    if similar is not None:
        deal = access.get_deal_for(user=request.user, pk=similar)
        prefill_from(WizardState.start(request.session), deal)
        messages.info(
            request,
            _("The customer, products and distributor are taken from %(deal)s.") % {"deal": deal},
        )
        return redirect(step_url(SLUGS[0]))
    state = WizardState.load(request.session)
    if state is None or request.GET.get("restart"):
        WizardState.start(request.session)
        return redirect(step_url(SLUGS[0]))
    resume = step_url(first_missing(state) or "review")
    answered = [step for step in STEPS if state.is_done(step.slug)]
    if not answered:
        return redirect(resume)  # nothing to lose: no question
    return render(
        request,
        "portal/wizard/in_progress.html",
        {
            "resume_url": resume,
            "answered": answered,
            "total": len(STEPS),
            "start_over": bool(request.GET.get("start_over")),
        },
    )


@require_http_methods(["GET", "POST"])
@partner_staff_required
def register_deal_step(request: HttpRequest, step: str) -> HttpResponse:
    current = BY_SLUG.get(step)
    if current is None:
        raise Http404
    if request.method == "POST" and step == "review":
        # A refresh, a double click or Back-then-submit: the deal exists already.
        done = registration.deal_for_token(user=request.user, token=request.POST.get("token", ""))
        if done is not None:
            return redirect("portal:register_deal_done", pk=done.pk)
    state = WizardState.load(request.session)
    if state is None:
        if step != SLUGS[0]:
            return _expired(request)
        state = WizardState.start(request.session)
    if request.method == "POST" and request.POST.get("back") and step != SLUGS[0]:
        # Back keeps what was typed here, unchecked, for when the partner returns.
        state.save_draft(step, draft_of(request.POST))
        return redirect(step_url(SLUGS[SLUGS.index(step) - 1], edit=_editing(request)))
    missing = first_missing(state, before=step)
    if missing is not None:
        if request.method == "POST":
            messages.warning(request, _("Answer this step first."))
        return redirect(step_url(missing))
    answer = current.handle(request, state)
    if answer is None:
        return _next(request, state, step)
    if isinstance(answer, HttpResponse):
        return answer
    number = SLUGS.index(step) + 1
    answer.update(
        {
            "step": current,
            "number": number,
            "total": len(STEPS),
            "steps": STEPS,
            "previous_url": step_url(SLUGS[number - 2]) if number > 1 else None,
            "editing": _editing(request),
            "state": state,
            # The form whose refused fields the error summary lists.
            "refused_form": answer.get("form") or answer.get("new_form"),
        }
    )
    return render(request, current.template, answer)


@require_GET
@partner_staff_required
def register_deal_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The success page: the deal waits for the vendor's approval."""
    deal = access.get_deal_for(user=request.user, pk=pk)
    lines = list(deal.lines.select_related("product"))
    return render(
        request,
        "portal/wizard/done.html",
        {"deal": deal, "customer": deal.customer, "lines": lines},
    )


@require_GET
@partner_staff_required
def customer_search(request: HttpRequest) -> HttpResponse:
    """Search as you type (htmx): the results fragment of the customer step."""
    query = request.GET.get("q", "")
    if not request.headers.get("HX-Request"):
        # Without JavaScript the step itself shows the results.
        return redirect(f"{step_url('customer')}?{urlencode({'q': query})}")
    return render(
        request,
        "portal/wizard/_customer_results.html",
        {
            "results": search_customers(query=query),
            "query": query,
            "searched": True,
            "announce": True,  # the screen-reader sentence, swapped out of band
        },
    )
