"""Plain forms, one per step of Sales → Register a Deal (see `portal.wizard`).

Each form turns what the partner typed into domain values and says what is
wrong in a sentence next to the field. Nothing here writes to the database:
the wizard's `register` service creates everything at the end.
"""

import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from portal import tax_ids
from portal.access import contact_details_visible
from portal.deal_rules import DISTRIBUTOR_REQUIRED, close_date_problem, not_too_far
from portal.inputs import PlainTextForm, as_id
from portal.models import (
    MAX_PRODUCTS_PER_DEAL,
    Competitor,
    Customer,
    CustomerContact,
    Distributor,
    Product,
)
from portal.models.deals import TOO_MANY_PRODUCTS

CURRENCIES = [("", "—"), ("PLN", "PLN"), ("EUR", "EUR"), ("USD", "USD")]
MAX_QUANTITY = 1_000_000


class OpportunityForm(PlainTextForm):
    """Step 1: is there already an open opportunity for this project?"""

    has_opportunity = forms.ChoiceField(
        label=_("Is there already an open opportunity for this project?"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        widget=forms.RadioSelect,
        help_text=_(
            "An opportunity is a sales opportunity; it is not a project registration. "
            "Here you register a project, so usually the answer is No."
        ),
        error_messages={
            "required": _("Answer Yes or No."),
            "invalid_choice": _("Answer Yes or No."),
        },
    )
    opportunity_id = forms.CharField(
        label=_("Opportunity ID"),
        max_length=64,
        required=False,
        help_text=_("The ID of the open opportunity, as the vendor gave it to you."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("has_opportunity") == "yes":
            if not data.get("opportunity_id", "").strip():
                self.add_error("opportunity_id", _("Enter the Opportunity ID."))
        else:
            data["opportunity_id"] = ""
        return data


class CustomerPickForm(PlainTextForm):
    """Step 2, first way: a customer already in the portal."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(),
        error_messages={
            "required": _("Search for the customer and choose it, or add a new customer."),
            "invalid_choice": _("This customer is not in the portal; search again."),
        },
    )


class NewCustomerForm(PlainTextForm):
    """Step 2, second way: a customer nobody has entered yet."""

    name = forms.CharField(label=_("Company name"), max_length=200)
    tax_id = forms.CharField(
        label=_("Tax ID"),
        max_length=32,
        help_text=_("NIP or VAT number, as the customer writes it."),
    )
    country = tax_ids.CountryField(
        label=_("Country"), help_text=_("Two letters, e.g. PL: its rule checks the tax ID.")
    )
    city = forms.CharField(label=_("City"), max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), max_length=16, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)

    existing: Customer | None = None

    def clean(self) -> dict:
        cleaned = super().clean()
        number = tax_ids.check_form(self)
        if number is None:
            return cleaned
        # Customers are shared by the whole portal: one company is one customer.
        self.existing = Customer.objects.with_tax_id(number.compact, number.country).first()
        if self.existing is not None:
            self.add_error(
                "tax_id",
                _(
                    "%(name)s is already in the portal with this tax ID: choose it instead "
                    "of adding it again."
                )
                % {"name": self.existing.name},
            )
        return cleaned


class ContactPickForm(PlainTextForm):
    """Step 3, first way: one of the chosen customer's contacts."""

    contact = forms.ModelChoiceField(
        queryset=CustomerContact.objects.none(),
        error_messages={
            "required": _("Choose one of the customer's contacts, or add a new one."),
            "invalid_choice": _("Choose one of this customer's contacts."),
        },
    )

    def __init__(self, *args, customer_id: int | None = None, viewer=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        contacts = CustomerContact.objects.filter(customer_id=customer_id)
        if viewer is not None:
            contacts = contacts.annotate(details_visible=contact_details_visible(viewer))
        self.fields["contact"].queryset = contacts


class NewContactForm(PlainTextForm):
    """Step 3, second way: a new person at the customer."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)


class ProductsForm(forms.Form):
    """Step 4: 1 to 3 distinct active products, each with a quantity.

    The ticked products come as repeated `product` values and each quantity as
    `quantity_<product id>`, so the list can be as long as the catalogue.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.products: list[Product] = []
        self.quantities: dict[int, int] = {}

    def selected_ids(self) -> list[str]:
        return [v for v in (self.data.getlist("product") if self.is_bound else []) if v]

    def storage(self) -> dict[str, list[str]]:
        ids = self.selected_ids()
        data = {"product": ids}
        for pk in ids:
            data[f"quantity_{pk}"] = self.data.getlist(f"quantity_{pk}")[:1]
        return data

    def clean(self) -> dict:
        ids = list(dict.fromkeys(as_id(v) for v in self.selected_ids()))
        if None in ids:
            raise forms.ValidationError(_("Choose products from the list."), code="invalid")
        if not ids:
            raise forms.ValidationError(_("Choose at least one product."), code="required")
        if len(ids) > MAX_PRODUCTS_PER_DEAL:
            raise forms.ValidationError(TOO_MANY_PRODUCTS, code="too_many")
        found = {p.pk: p for p in Product.objects.filter(pk__in=ids, is_active=True)}
        if len(found) != len(ids):
            raise forms.ValidationError(
                _("Choose products from the list: one of them is unknown or no longer sold."),
                code="invalid",
            )
        self.products = [found[pk] for pk in ids]
        for product in self.products:
            value = (self.data.get(f"quantity_{product.pk}") or "").strip()
            try:
                quantity = int(value)
            except ValueError:
                quantity = 0
            if not 1 <= quantity <= MAX_QUANTITY:
                self.add_error(
                    None,
                    _("Give a quantity between 1 and 1,000,000 for %(name)s.")
                    % {"name": product.name},
                )
            self.quantities[product.pk] = quantity
        return self.cleaned_data


class DateInput(forms.DateInput):
    input_type = "date"


def _attachment_help_text() -> str:
    return _("A PDF, an image, an office document or a CSV file, up to %(max)s.") % {
        "max": filesizeformat(settings.ATTACHMENT_MAX_BYTES)
    }


# Read in the language of the request that shows it, not the one the module loaded in.
_attachment_help = lazy(_attachment_help_text, str)


class AttachmentField(forms.FileField):
    """One file for the deal, checked from its bytes (`attachments.check`) next to the field."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Attach a file"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _attachment_help())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            from portal.attachments import check

            check(upload)
        return upload


class AttachForm(forms.Form):
    """The deal page's "attach a file"."""

    attachment = AttachmentField(required=True)


class DetailsForm(PlainTextForm):
    """Step 5: the seed's final details, and the project's name and value."""

    name = forms.CharField(
        label=_("Project name"),
        max_length=120,
        help_text=_("A short name your team will recognise, e.g. “Firewall refresh, head office”."),
        error_messages={"required": _("Give the project a short name.")},
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        validators=[not_too_far],
        widget=DateInput(format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    sales_name = forms.CharField(label=_("Sales contact"), max_length=200)
    sales_email = forms.EmailField(label=_("Sales contact's e-mail"), max_length=254)
    sales_phone = forms.CharField(label=_("Sales contact's phone"), max_length=40, required=False)
    engineer_name = forms.CharField(
        label=_("Engineer"),
        max_length=200,
        required=False,
        help_text=_("Optional, but worth giving: the engineer who works on the project."),
    )
    engineer_email = forms.EmailField(label=_("Engineer's e-mail"), max_length=254, required=False)
    engineer_phone = forms.CharField(label=_("Engineer's phone"), max_length=40, required=False)
    competitors = forms.ModelMultipleChoiceField(
        label=_("Competitors"),
        queryset=Competitor.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("If there are any."),
        error_messages={
            "invalid_choice": _("Choose competitors from the list."),
            "invalid_pk_value": _("Choose competitors from the list."),
        },
    )
    distributor = forms.ModelChoiceField(
        label=_("Distributor"),
        queryset=Distributor.objects.all(),
        empty_label=_("Choose the distributor"),
        help_text=_(
            "Do not forget it: without it the distributor does not see the project and "
            "cannot support you, and ordering takes several days longer."
        ),
        error_messages={
            "required": DISTRIBUTOR_REQUIRED,
            "invalid_choice": _("Choose a distributor from the list."),
        },
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you will do next with the customer."),
        error_messages={"required": _("Describe the next steps with the customer.")},
    )
    estimated_value = forms.DecimalField(
        label=_("Estimated deal value"),
        required=False,
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("999999999999.99"))],
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, required=False)
    # Kept with the registration until Register Deal (`attachments.drafts`).
    attachment = AttachmentField(
        label=_("Attach a file (optional)"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        self.fields["expected_close_date"].widget.attrs["min"] = tomorrow.isoformat()

    def clean_expected_close_date(self) -> datetime.date:
        date = self.cleaned_data["expected_close_date"]
        if problem := close_date_problem(date):
            raise forms.ValidationError(problem)
        return date

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("engineer_email") or data.get("engineer_phone")) and not data.get(
            "engineer_name"
        ):
            self.add_error("engineer_name", _("Give the engineer's name too."))
        if data.get("engineer_name") and not data.get("engineer_email"):
            self.add_error("engineer_email", _("Give the engineer's e-mail too."))
        if data.get("estimated_value") is not None and not data.get("currency"):
            self.add_error("currency", _("Choose the currency of the estimated value."))
        return data


class RespondForm(DetailsForm):
    """The partner's answer to Action Required: the deal's fields the reviewer asked to
    change (with the wizard's own rules for them) and a reply to the vendor."""

    answer = forms.CharField(
        label=_("Your answer to the vendor"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, asked: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keep = {*asked, "answer", "attachment"}
        keep |= {"currency"} if "estimated_value" in asked else set()
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.fields["attachment"].label = _("Attach what was asked for (optional)")
        self.asked = asked

    def clean(self) -> dict:
        data = super().clean()
        if not self.asked and not data.get("answer") and not data.get("attachment"):
            # Nothing to change: an answer or a file is the whole reply.
            self.add_error("answer", _("Write your answer or attach a file."))
        return data

    @property
    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("answer", "attachment")}
