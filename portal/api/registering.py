"""A registration sent to the API, checked by the wizard's own forms (the same rules and
the same sentences) and turned into the wizard's `Registration` for `registration.register`.

The request's parts become the answers the wizard's steps keep, each step's forms check
them and say what is wrong beside the field's name (`customer.tax_id`), and the steps'
own `build_registration` makes the value the wizard would have made.
"""

from django.http import QueryDict

from portal import forms
from portal.registration import Registration
from portal.wizard.state import WizardState
from portal.wizard.steps import SLUGS, build_registration

DETAILS = [
    "name",
    "expected_close_date",
    "sales_name",
    "sales_email",
    "sales_phone",
    "engineer_name",
    "engineer_email",
    "engineer_phone",
    "distributor",
    "next_steps",
    "estimated_value",
    "currency",
]


class _Session(dict):
    modified = False


def _text(value) -> list[str]:
    if value is None:
        return [""]
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    return [str(value)]


def _querydict(data: dict[str, list[str]]) -> QueryDict:
    qd = QueryDict(mutable=True)
    for key, values in data.items():
        qd.setlist(key, values)
    return qd


def _errors(form, prefix: str) -> dict[str, list[str]]:
    return {
        (prefix.rstrip(".") if field == "__all__" else f"{prefix}{field}"): [str(m) for m in msgs]
        for field, msgs in form.errors.items()
    }


def _pick_or_new(part: dict, slug: str, pick_form, pick_field: str, new_form):
    """The step's answer and its errors: an `id` picks, anything else is new."""
    if part.get("id") is not None:
        data = {"mode": ["existing"], pick_field: _text(part["id"])}
        form = pick_form(_querydict(data))
        errors = {} if form.is_valid() else {f"{slug}.id": _errors(form, "")[pick_field]}
        return data, errors, form
    data = {"mode": ["new"], **{k: _text(v) for k, v in part.items() if k != "id"}}
    form = new_form(_querydict(data))
    return data, ({} if form.is_valid() else _errors(form, f"{slug}.")), form


def registration_from(body: dict, *, user) -> tuple[Registration | None, dict[str, list[str]]]:
    """(the registration, {}) or (None, {field: [messages]})."""
    answers: dict[str, dict[str, list[str]]] = {}
    errors: dict[str, list[str]] = {}
    opportunity = body.get("opportunity_id") or ""
    answers["opportunity"] = {
        "has_opportunity": ["yes" if opportunity else "no"],
        "opportunity_id": _text(opportunity),
    }
    form = forms.OpportunityForm(_querydict(answers["opportunity"]))
    if not form.is_valid():
        errors.update(_errors(form, ""))
    customer = body.get("customer") or {}
    answers["customer"], found, pick = _pick_or_new(
        customer, "customer", forms.CustomerPickForm, "customer", forms.NewCustomerForm
    )
    errors.update(found)
    customer_id = None
    if customer.get("id") is not None and not found:
        customer_id = pick.cleaned_data["customer"].pk
    contact = body.get("contact") or {}
    answers["contact"], found, _form = _pick_or_new(
        contact,
        "contact",
        lambda data: forms.ContactPickForm(data, customer_id=customer_id, viewer=user),
        "contact",
        forms.NewContactForm,
    )
    errors.update(found)
    products = body.get("products") or []
    answers["products"] = {"product": [_text(p.get("id"))[0] for p in products]}
    for p in products:
        answers["products"][f"quantity_{p.get('id')}"] = _text(p.get("quantity"))
    form = forms.ProductsForm(_querydict(answers["products"]))
    if not form.is_valid():
        errors.update(_errors(form, "products."))
    answers["details"] = {name: _text(body.get(name)) for name in DETAILS}
    answers["details"]["competitors"] = [str(c) for c in body.get("competitors") or []]
    form = forms.DetailsForm(_querydict(answers["details"]))
    if not form.is_valid():
        errors.update(_errors(form, ""))
    if errors:
        return None, errors
    state = WizardState(_Session(), {"token": "", "data": answers, "done": list(SLUGS)})
    registration, failed = build_registration(state, viewer=user)
    if registration is None:  # pragma: no cover - every step was checked above
        return None, {failed: ["Not valid."]}
    return registration, {}
