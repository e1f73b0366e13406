"""The steps of Sales → Register a Deal as objects (pretix's checkout flow).

Each step owns its forms, the initial values it shows, what it stores in the session,
its part of the `Registration` the review shows and Register Deal creates, and its
"register a similar deal" prefill. The view (`portal.views.wizard`) only walks them.

A step's `handle` answers a request with None once the answer is stored (the view moves
on), a response of its own (a redirect), or the context of its page.
"""

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import access, attachments, forms, registration
from portal.conflicts import conflict_notice_for_partner, product_conflicts_for_partner
from portal.inputs import as_id
from portal.models import Customer, CustomerContact, Deal, Product, ProductFamily
from portal.registration import NewContact, NewCustomer, PartnerPerson, Registration
from portal.selectors import search_customers
from portal.wizard.base import (
    FormStep,
    Step,
    Stored,
    chosen_customer_id,
    initial,
    pick_or_new,
    posted,
    step_url,
)
from portal.wizard.state import WizardState

PRODUCT_LIST_LIMIT = 60


class OpportunityStep(FormStep):
    slug, name = "opportunity", gettext_lazy("Existing opportunity")
    form_class = forms.OpportunityForm

    def fill(self, state, r, viewer=None):
        form = forms.OpportunityForm(state.querydict(self.slug))
        if not form.is_valid():
            return False
        r.opportunity_id = form.cleaned_data["opportunity_id"].strip()
        return True


class CustomerStep(Step):
    slug, name = "customer", gettext_lazy("Customer")

    def handle(self, request, state):
        query = request.GET.get("q", "")
        results = search_customers(query=query) if query else []
        pick_form = forms.CustomerPickForm()
        shown = state.shown(self.slug)
        adding = shown.get("mode") == ["new"]
        new_form = forms.NewCustomerForm(initial=initial(shown) if adding else None)
        if request.method == "POST":
            if request.POST.get("mode") == "new":
                adding = True
                new_form = forms.NewCustomerForm(request.POST)
                if new_form.is_valid():
                    return self.save(request, state, {"mode": ["new"], **posted(new_form)})
                if new_form.existing is not None:
                    results = [new_form.existing]  # offered instead of a duplicate
            else:
                pick_form = forms.CustomerPickForm(request.POST)
                if pick_form.is_valid():
                    chosen = str(pick_form.cleaned_data["customer"].pk)
                    return self.save(request, state, {"mode": ["existing"], "customer": [chosen]})
        selected = None
        if state.value(self.slug, "mode") == "existing":
            selected = Customer.objects.filter(pk=state.value(self.slug, "customer")).first()
        return {
            "query": query,
            "results": results,
            "searched": bool(query or results),
            "pick_form": pick_form,
            "new_form": new_form,
            "selected": selected,
            "adding": adding,
        }

    def save(self, request, state, data):
        if data != state.data(self.slug) and state.value("contact", "mode") == "existing":
            state.forget("contact")  # that contact works for the customer chosen before
        state.save_step(self.slug, data)

    def fill(self, state, r, viewer=None):
        chosen = pick_or_new(
            state.querydict(self.slug), forms.CustomerPickForm, "customer", forms.NewCustomerForm
        )
        if isinstance(chosen, dict):
            r.new_customer = NewCustomer(**chosen)
        else:
            r.customer = chosen
        return chosen is not None

    def prefill(self, deal):
        return {"mode": ["existing"], "customer": [str(deal.customer_id)]}


class ContactStep(Step):
    slug, name = "contact", gettext_lazy("Customer contact")

    def handle(self, request, state):
        customer_id = chosen_customer_id(state)
        pick_form = forms.ContactPickForm(customer_id=customer_id)
        shown = state.shown(self.slug)
        adding = shown.get("mode") == ["new"]
        new_form = forms.NewContactForm(initial=initial(shown) if adding else None)
        if request.method == "POST":
            if request.POST.get("mode") == "new":
                adding = True
                new_form = forms.NewContactForm(request.POST)
                if new_form.is_valid():
                    existing = registration.same_contact(
                        customer_id=customer_id, email=new_form.cleaned_data["email"]
                    )
                    if existing is None:
                        return self.save(request, state, {"mode": ["new"], **posted(new_form)})
                    messages.info(
                        request,
                        _("%(name)s is already a contact of this customer, so we use it.")
                        % {"name": existing.full_name},
                    )
                    return self.save(
                        request, state, {"mode": ["existing"], "contact": [str(existing.pk)]}
                    )
            else:
                pick_form = forms.ContactPickForm(request.POST, customer_id=customer_id)
                if pick_form.is_valid():
                    chosen = str(pick_form.cleaned_data["contact"].pk)
                    return self.save(request, state, {"mode": ["existing"], "contact": [chosen]})
        contacts, customer_name = [], state.value("customer", "name")
        if customer_id:
            contacts = list(
                CustomerContact.objects.filter(customer_id=customer_id)
                .select_related("customer")
                .annotate(details_visible=access.contact_details_visible(request.user))
            )
            customer_name = (
                contacts[0].customer.name
                if contacts
                else Customer.objects.filter(pk=customer_id).values_list("name", flat=True).first()
            )
        return {
            "customer_name": customer_name,
            "contacts": contacts,
            "selected": state.value(self.slug, "contact") if not adding else "",
            "pick_form": pick_form,
            "new_form": new_form,
            "adding": adding,
        }

    def fill(self, state, r, viewer=None):
        customer_id = r.customer.pk if r.customer else None
        chosen = pick_or_new(
            state.querydict(self.slug),
            lambda data: forms.ContactPickForm(data, customer_id=customer_id, viewer=viewer),
            "contact",
            forms.NewContactForm,
        )
        if isinstance(chosen, dict):
            r.new_contact = NewContact(**chosen)
        else:
            r.contact = chosen
        return chosen is not None

    def prefill(self, deal):
        return {"mode": ["existing"], "contact": [str(deal.customer_contact_id)]}


class ProductsStep(Step):
    slug, name = "products", gettext_lazy("Products")

    def handle(self, request, state):
        posting = request.method == "POST"
        source = request.POST if posting else state.querydict(self.slug, shown=True)
        form = None
        if request.method == "POST" and request.POST.get("action") != "filter":
            form = forms.ProductsForm(request.POST)
            if form.is_valid():
                return self.save(request, state, form.storage())
        params = request.POST if request.method == "POST" else (request.GET or source)
        text = params.get("pq", "").strip()[:100]
        family = params.get("family", "")
        selected = [v for v in source.getlist("product") if as_id(v)][:10]
        products = Product.objects.filter(is_active=True).select_related("family")
        if text or as_id(family):
            match = Q()
            if text:
                match &= Q(name__icontains=text) | Q(sku__icontains=text)
            if as_id(family):
                match &= Q(family_id=as_id(family))
            products = products.filter(match | Q(pk__in=selected))
        shown = sorted(
            products.order_by("family__name", "name")[:PRODUCT_LIST_LIMIT],
            key=lambda product: product.sort_key,
        )
        conflicts = {}
        if customer_id := chosen_customer_id(state):
            # Told as soon as the products are in view; never who holds them.
            conflicts = product_conflicts_for_partner(
                customer_id=customer_id,
                product_ids=[p.pk for p in shown],
                partner_id=request.user.partner_id,
            )
        rows = [
            {
                "product": product,
                "checked": str(product.pk) in selected,
                "quantity": source.get(f"quantity_{product.pk}", "1"),
                "conflict": conflicts.get(product.pk),
            }
            for product in shown
        ]
        return {
            "form": form,
            "rows": rows,
            "families": list(ProductFamily.objects.all()),
            "text": text,
            "family": family,
            "selected_count": len(selected),
        }

    def fill(self, state, r, viewer=None):
        form = forms.ProductsForm(state.querydict(self.slug))
        if not form.is_valid():
            return False
        r.lines = [(p, form.quantities[p.pk]) for p in form.products]
        return True

    def prefill(self, deal):
        lines = list(deal.lines.filter(product__is_active=True))
        data: Stored = {"product": [str(line.product_id) for line in lines]}
        for line in lines:
            data[f"quantity_{line.product_id}"] = [str(line.quantity)]
        return data


class DetailsStep(FormStep):
    slug, name = "details", gettext_lazy("Deal details")
    form_class = forms.DetailsForm

    def handle(self, request, state):
        if request.method == "POST":
            form = forms.DetailsForm(request.POST, request.FILES)
            if form.is_valid():
                if upload := form.cleaned_data.get("attachment"):
                    # Kept under the registration's token until Register Deal adopts it.
                    attachments.attach(upload=upload, by=request.user, draft_token=state.token)
                self.save(request, state, posted(form))
                return None
        else:
            form = forms.DetailsForm(initial=self.initial(request, state))
        return {"form": form, "attached": attachments.drafts(state.token)}

    def initial(self, request, state):
        user = request.user
        return {
            "sales_name": user.get_full_name() or user.username,
            "sales_email": user.email,
            "sales_phone": user.phone,
            **initial(state.shown(self.slug)),
        }

    def fill(self, state, r, viewer=None):
        form = forms.DetailsForm(state.querydict(self.slug))
        if not form.is_valid():
            return False
        d = form.cleaned_data
        r.name = d["name"]
        r.expected_close_date = d["expected_close_date"]
        r.sales = PartnerPerson(d["sales_name"], d["sales_email"], d["sales_phone"])
        if d["engineer_name"]:
            r.engineer = PartnerPerson(d["engineer_name"], d["engineer_email"], d["engineer_phone"])
        r.competitors = list(d["competitors"])
        r.distributor = d["distributor"]
        r.next_steps = d["next_steps"]
        r.estimated_value = d["estimated_value"]
        r.currency = d["currency"]
        return True

    def prefill(self, deal):
        return {
            "name": [deal.name],
            "distributor": [str(deal.distributor_id)],
            "competitors": [str(pk) for pk in deal.competitors.values_list("pk", flat=True)],
        }


class ReviewStep(Step):
    slug, name = "review", gettext_lazy("Review")

    def handle(self, request, state):
        r, bad_step = build_registration(state, viewer=request.user)
        if r is None:
            return send_back(request, state, bad_step)
        if request.method == "POST":
            return self.register(request, state, r)
        conflict_since = None
        if r.customer is not None:
            # Only the date: another partner's name or data is never shown.
            conflict_since = conflict_notice_for_partner(
                customer_id=r.customer.pk,
                product_ids=[p.pk for p, _q in r.lines],
                partner_id=request.user.partner_id,
            )
        contact_details_visible = r.contact is None or r.contact.details_visible
        return {
            "registration": r,
            "attached": attachments.drafts(state.token),
            "contact_details_visible": contact_details_visible,
            "conflict_since": conflict_since,
            "edit_urls": {step.slug: step_url(step.slug, edit=True) for step in STEPS},
        }

    def register(self, request, state, r: Registration) -> HttpResponse:
        if request.POST.get("token") != state.token:
            messages.warning(request, _("This page was out of date. Check your answers again."))
            return redirect(step_url(self.slug))
        try:
            deal = registration.register(user=request.user, registration=r, token=state.token)
        except registration.DuplicateRegistration as duplicate:
            deal_pk = duplicate.deal_id
        else:
            deal_pk = deal.pk
            attachments.adopt_drafts(token=state.token, deal=deal)
        WizardState.clear(request.session)
        return redirect("portal:register_deal_done", pk=deal_pk)


STEPS: list[Step] = [
    OpportunityStep(),
    CustomerStep(),
    ContactStep(),
    ProductsStep(),
    DetailsStep(),
    ReviewStep(),
]
SLUGS = [step.slug for step in STEPS]
BY_SLUG = {step.slug: step for step in STEPS}


def build_registration(state: WizardState, viewer=None) -> tuple[Registration | None, str | None]:
    """Every answer re-checked as the database is now: (registration, None), or
    (None, the first step whose answer no longer holds). A picked contact says whether
    `viewer` may read its details (`details_visible`)."""
    r = Registration()
    for step in STEPS:
        if not step.fill(state, r, viewer=viewer):
            return None, step.slug
    return r, None


def send_back(request: HttpRequest, state: WizardState, slug: str) -> HttpResponse:
    """An answer stopped holding since it was given: ask that step again."""
    state.forget_done(slug)
    messages.warning(
        request, _("Something changed since you answered this step. Check it again, please.")
    )
    return redirect(step_url(slug, edit=True))


def first_missing(state: WizardState, before: str | None = None) -> str | None:
    """The first step not answered yet (among those before `before`, if given)."""
    for slug in SLUGS[: SLUGS.index(before) if before else len(SLUGS) - 1]:
        if not state.is_done(slug):
            return slug
    return None


def prefill_from(state: WizardState, deal: Deal) -> None:
    """ "Register a similar deal": each step's answers of `deal` that fit a new
    registration; every step is still shown for the partner to confirm."""
    for step in STEPS:
        data = step.prefill(deal)
        if data is not None:
            state.save_step(step.slug, data, done=False)
