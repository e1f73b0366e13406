"""What every step of Register a Deal shares: the step's interface, the one-form step, and
how answers go to and from the session."""

import re

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse

from portal import forms
from portal.models import Deal
from portal.registration import Registration
from portal.wizard.state import WizardState

Stored = dict[str, list[str]]


def step_url(slug: str, *, edit: bool = False) -> str:
    url = reverse("portal:register_deal_step", args=[slug])
    return f"{url}?edit=1" if edit else url


def initial(raw: Stored) -> dict:
    """Stored values as a form's initial data."""
    return {key: values[0] if len(values) == 1 else values for key, values in raw.items()}


def posted(form, names=None) -> Stored:
    """The posted values of a form's fields, ready for the session."""
    names = names or list(form.fields)
    return {name: form.data.getlist(name)[:20] for name in names if name in form.data}


# Left out of a draft: the form's plumbing, not what the partner typed.
NOT_TYPED = {"csrfmiddlewaretoken", "back", "edit", "token", "action", "mode"}
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


DRAFT_BUDGET = 20_000  # characters a draft may keep in the session


def draft_of(post: QueryDict) -> Stored:
    """What was typed on a page left with Back, bounded (it goes to the session) and
    empty when nothing was typed. Kept as typed: a draft is never validated."""
    typed: Stored = {}
    budget = DRAFT_BUDGET
    for key in list(post)[:60]:
        if key in NOT_TYPED or not FIELD_NAME.fullmatch(key):
            continue
        values = [value[:1000] for value in post.getlist(key)[:20]]
        budget -= sum(map(len, values))
        if budget < 0:
            break
        typed[key] = values
    if not any(value.strip() for values in typed.values() for value in values):
        return {}
    if "mode" in post:
        typed["mode"] = [post.get("mode", "")[:10]]
    return typed


class Step:
    slug = ""
    name = ""

    @property
    def template(self) -> str:
        return f"portal/wizard/{self.slug}.html"

    def handle(self, request: HttpRequest, state: WizardState) -> HttpResponse | dict | None:
        raise NotImplementedError

    def fill(self, state: WizardState, r: Registration, viewer=None) -> bool:
        """Re-check the stored answer as the database is now and add it to `r`."""
        return True

    def prefill(self, deal: Deal) -> Stored | None:
        """What a new registration "similar to `deal`" starts with at this step."""
        return None

    def save(self, request: HttpRequest, state: WizardState, data: Stored) -> None:
        state.save_step(self.slug, data)


class FormStep(Step):
    """A step with one form: bound to the POST, or showing what was stored."""

    form_class: type = forms.OpportunityForm

    def initial(self, request: HttpRequest, state: WizardState) -> dict:
        return initial(state.shown(self.slug))

    def handle(self, request, state):
        if request.method == "POST":
            form = self.form_class(request.POST)
            if form.is_valid():
                self.save(request, state, posted(form))
                return None
        else:
            form = self.form_class(initial=self.initial(request, state))
        return {"form": form}


def pick_or_new(data, pick_form, pick_field: str, new_form):
    """A step answered either way (an existing row, or a new one typed in): the chosen row,
    the new one's cleaned data, or None when the stored answer no longer holds."""
    form = new_form(data) if data.get("mode") == "new" else pick_form(data)
    if not form.is_valid():
        return None
    return form.cleaned_data if data.get("mode") == "new" else form.cleaned_data[pick_field]


def chosen_customer_id(state: WizardState) -> int | None:
    if state.value("customer", "mode") == "existing":
        return int(state.value("customer", "customer"))
    return None
