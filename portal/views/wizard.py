"""Sales → Register a Deal: thin views over `portal.wizard` and `portal.forms`.

One URL per step; GET shows the step with what was answered before, POST
checks it and moves on. The answers live in the session until Register Deal.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.access import get_deal_for
from portal.forms import (
    ContactPickForm,
    CustomerPickForm,
    DetailsForm,
    NewContactForm,
    NewCustomerForm,
    OpportunityForm,
    ProductsForm,
)
from portal.models import Customer, CustomerContact, Product, ProductFamily
from portal.selectors import conflict_notice_for_partner, search_customers
from portal.wizard import (
    SLUGS,
    STEPS,
    DuplicateRegistration,
    WizardState,
    deal_for_token,
    prefill_from,
    register,
    review_context,
    step_by_slug,
    step_number,
    storage,
    validate_all,
)

PRODUCT_LIST_LIMIT = 60


def partner_staff_required(view: Callable) -> Callable:
    """Logged in, and on a partner's staff: only they register deals."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_partner_staff:
            return render(request, "portal/wizard/partner_staff_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _step_url(slug: str, *, edit: bool = False) -> str:
    url = reverse("portal:register_deal_step", args=[slug])
    return f"{url}?edit=1" if edit else url


def _expired(request: HttpRequest) -> HttpResponse:
    messages.warning(
        request,
        _("Your session expired or this registration was already finished; please start again."),
    )
    WizardState.start(request.session)
    return redirect(_step_url("opportunity"))


def _initial(raw: dict[str, list[str]]) -> dict:
    return {key: values[0] if len(values) == 1 else values for key, values in raw.items()}


def _next(request: HttpRequest, state: WizardState, slug: str) -> HttpResponse:
    """After an answer: the next step, or back to the review when editing from it."""
    if request.POST.get("edit") or request.GET.get("edit"):
        missing = state.first_missing()
        return redirect(_step_url(missing or "review", edit=bool(missing)))
    return redirect(_step_url(SLUGS[SLUGS.index(slug) + 1]))


def _render(request: HttpRequest, state: WizardState, slug: str, context: dict) -> HttpResponse:
    number = step_number(slug)
    context.update(
        {
            "step": step_by_slug(slug),
            "number": number,
            "total": len(STEPS),
            "steps": STEPS,
            "previous_url": _step_url(SLUGS[number - 2]) if number > 1 else None,
            "editing": bool(request.POST.get("edit") or request.GET.get("edit")),
            "state": state,
        }
    )
    return render(request, f"portal/wizard/{slug}.html", context)


@require_GET
@partner_staff_required
def register_deal(request: HttpRequest) -> HttpResponse:
    """The menu entry: carry on with the registration in progress, or start one."""
    similar = request.GET.get("similar")
    if similar is not None:
        deal = get_deal_for(user=request.user, pk=similar)
        state = WizardState.start(request.session)
        prefill_from(state, deal)
        messages.info(
            request,
            _("The customer, products and distributor are taken from %(deal)s.") % {"deal": deal},
        )
        return redirect(_step_url("opportunity"))
    state = WizardState.load(request.session)
    if state is None or request.GET.get("restart"):
        WizardState.start(request.session)
        return redirect(_step_url("opportunity"))
    return redirect(_step_url(state.first_missing() or "review"))


@require_http_methods(["GET", "POST"])
@partner_staff_required
def register_deal_step(request: HttpRequest, step: str) -> HttpResponse:
    if step_by_slug(step) is None:
        raise Http404
    if request.method == "POST" and step == "review":
        # A refresh, a double click or Back-then-submit: the deal exists already.
        done = deal_for_token(user=request.user, token=request.POST.get("token", ""))
        if done is not None:
            return redirect("portal:register_deal_done", pk=done.pk)
    state = WizardState.load(request.session)
    if state is None:
        if step != "opportunity":
            return _expired(request)
        state = WizardState.start(request.session)
    missing = state.first_missing(before=step)
    if missing is not None:
        if request.method == "POST":
            messages.warning(request, _("Answer this step first."))
        return redirect(_step_url(missing))
    return HANDLERS[step](request, state)


def opportunity_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    if request.method == "POST":
        form = OpportunityForm(request.POST)
        if form.is_valid():
            state.save_step("opportunity", storage(form))
            return _next(request, state, "opportunity")
    else:
        form = OpportunityForm(initial=_initial(state.data("opportunity")))
    return _render(request, state, "opportunity", {"form": form})


def customer_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    query = request.GET.get("q", "")
    results = search_customers(query=query) if query else []
    pick_form = CustomerPickForm()
    stored = state.data("customer")
    new_form = NewCustomerForm(
        initial=_initial(stored) if state.value("customer", "mode") == "new" else None
    )
    if request.method == "POST":
        if request.POST.get("mode") == "new":
            new_form = NewCustomerForm(request.POST)
            if new_form.is_valid():
                return _save_customer(request, state, {"mode": ["new"], **storage(new_form)})
            if new_form.existing is not None:
                results = [new_form.existing]  # offered instead of a duplicate
        else:
            pick_form = CustomerPickForm(request.POST)
            if pick_form.is_valid():
                customer = pick_form.cleaned_data["customer"]
                return _save_customer(
                    request, state, {"mode": ["existing"], "customer": [str(customer.pk)]}
                )
    selected = None
    if state.value("customer", "mode") == "existing":
        selected = Customer.objects.filter(pk=state.value("customer", "customer")).first()
    return _render(
        request,
        state,
        "customer",
        {
            "query": query,
            "results": results,
            "searched": bool(query or results),
            "pick_form": pick_form,
            "new_form": new_form,
            "selected": selected,
            "adding": request.POST.get("mode") == "new" or state.value("customer", "mode") == "new",
        },
    )


def _save_customer(request: HttpRequest, state: WizardState, data: dict) -> HttpResponse:
    if data != state.data("customer") and state.value("contact", "mode") == "existing":
        state.forget("contact")  # that contact works for the customer chosen before
    state.save_step("customer", data)
    return _next(request, state, "customer")


def _chosen_customer_id(state: WizardState) -> int | None:
    if state.value("customer", "mode") == "existing":
        return int(state.value("customer", "customer"))
    return None


def contact_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    customer_id = _chosen_customer_id(state)
    pick_form = ContactPickForm(customer_id=customer_id)
    adding = state.value("contact", "mode") == "new"
    new_form = NewContactForm(initial=_initial(state.data("contact")) if adding else None)
    if request.method == "POST":
        if request.POST.get("mode") == "new":
            adding = True
            new_form = NewContactForm(request.POST)
            if new_form.is_valid():
                existing = (
                    CustomerContact.objects.filter(
                        customer_id=customer_id, email__iexact=new_form.cleaned_data["email"]
                    ).first()
                    if customer_id
                    else None
                )
                if existing is not None:
                    messages.info(
                        request,
                        _("%(name)s is already a contact of this customer, so we use it.")
                        % {"name": existing.full_name},
                    )
                    data = {"mode": ["existing"], "contact": [str(existing.pk)]}
                else:
                    data = {"mode": ["new"], **storage(new_form)}
                state.save_step("contact", data)
                return _next(request, state, "contact")
        else:
            pick_form = ContactPickForm(request.POST, customer_id=customer_id)
            if pick_form.is_valid():
                contact = pick_form.cleaned_data["contact"]
                state.save_step("contact", {"mode": ["existing"], "contact": [str(contact.pk)]})
                return _next(request, state, "contact")
    if customer_id:
        contacts = list(
            CustomerContact.objects.filter(customer_id=customer_id).select_related("customer")
        )
        customer_name = (
            contacts[0].customer.name
            if contacts
            else Customer.objects.filter(pk=customer_id).values_list("name", flat=True).first()
        )
    else:
        contacts = []
        customer_name = state.value("customer", "name")
    selected = state.value("contact", "contact") if not adding else ""
    return _render(
        request,
        state,
        "contact",
        {
            "customer_name": customer_name,
            "contacts": contacts,
            "selected": selected,
            "pick_form": pick_form,
            "new_form": new_form,
            "adding": adding,
        },
    )


def products_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    source = request.POST if request.method == "POST" else state.querydict("products")
    form = None
    if request.method == "POST" and request.POST.get("action") != "filter":
        form = ProductsForm(request.POST)
        if form.is_valid():
            state.save_step("products", storage(form))
            return _next(request, state, "products")
    params = request.POST if request.method == "POST" else request.GET
    text = params.get("pq", "").strip()[:100]
    family = params.get("family", "")
    selected = [v for v in source.getlist("product") if v.isdigit()][:10]
    products = Product.objects.filter(is_active=True).select_related("family")
    if text or family.isdigit():
        match = Q()
        if text:
            match &= Q(name__icontains=text) | Q(sku__icontains=text)
        if family.isdigit():
            match &= Q(family_id=int(family))
        products = products.filter(match | Q(pk__in=selected))
    rows = [
        {
            "product": product,
            "checked": str(product.pk) in selected,
            "quantity": source.get(f"quantity_{product.pk}", "1"),
        }
        for product in products.order_by("family__name", "name")[:PRODUCT_LIST_LIMIT]
    ]
    return _render(
        request,
        state,
        "products",
        {
            "form": form,
            "rows": rows,
            "families": list(ProductFamily.objects.all()),
            "text": text,
            "family": family,
            "selected_count": len(selected),
        },
    )


def details_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            state.save_step("details", storage(form))
            return _next(request, state, "details")
    else:
        user = request.user
        initial = {
            "sales_name": user.get_full_name() or user.username,
            "sales_email": user.email,
            "sales_phone": user.phone,
            **_initial(state.data("details")),
        }
        form = DetailsForm(initial=initial)
    return _render(request, state, "details", {"form": form})


def review_step(request: HttpRequest, state: WizardState) -> HttpResponse:
    if request.method == "POST":
        return _register(request, state)
    context = review_context(state)
    conflict_since = None
    if context["customer"] is not None and context["lines"]:
        # Only the date: another partner's name or data is never shown.
        conflict_since = conflict_notice_for_partner(
            customer_id=context["customer"].pk,
            product_ids=[p.pk for p, _q in context["lines"]],
            partner_id=request.user.partner_id,
        )
    context["conflict_since"] = conflict_since
    context["edit_urls"] = {slug: _step_url(slug, edit=True) for slug in SLUGS}
    return _render(request, state, "review", context)


def _register(request: HttpRequest, state: WizardState) -> HttpResponse:
    if request.POST.get("token") != state.token:
        messages.warning(request, _("This page was out of date. Check your answers again."))
        return redirect(_step_url("review"))
    registration, bad_step = validate_all(state)
    if registration is None:
        state.forget_done(bad_step)
        messages.warning(
            request,
            _("Something changed since you answered this step. Check it again, please."),
        )
        return redirect(_step_url(bad_step, edit=True))
    try:
        deal = register(user=request.user, registration=registration, token=state.token)
        deal_pk = deal.pk
    except DuplicateRegistration as duplicate:
        deal_pk = duplicate.deal_id
    WizardState.clear(request.session)
    return redirect("portal:register_deal_done", pk=deal_pk)


HANDLERS = {
    "opportunity": opportunity_step,
    "customer": customer_step,
    "contact": contact_step,
    "products": products_step,
    "details": details_step,
    "review": review_step,
}


@require_GET
@partner_staff_required
def register_deal_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The success page: the deal waits for the vendor's approval."""
    deal = get_deal_for(user=request.user, pk=pk)
    lines = list(deal.lines.select_related("product"))
    return render(
        request,
        "portal/wizard/done.html",
        {
            "deal": deal,
            "customer": deal.customer,
            "lines": lines,
        },
    )


@require_GET
@partner_staff_required
def customer_search(request: HttpRequest) -> HttpResponse:
    """Search as you type (htmx): the results fragment of the customer step."""
    query = request.GET.get("q", "")
    if not request.headers.get("HX-Request"):
        # Without JavaScript the step itself shows the results.
        return redirect(f"{_step_url('customer')}?{urlencode({'q': query})}")
    return render(
        request,
        "portal/wizard/_customer_results.html",
        {"results": search_customers(query=query), "query": query, "searched": True},
    )
