"""Tax IDs per country: the company's country decides the rule (python-stdnum).

A Polish NIP must pass its check digit; a VAT number of another EU member state must
pass that state's format and check; elsewhere a free-form rule applies (4 to 20 letters
and digits, at least one digit). A number is stored as its country plus its compact
form without the prefix, so a Belgian `BE0123456749` and a Polish `PL0123456749` are
two companies, and one company is one row however its number was typed.

This module is the one validation: the wizard, the admin and partner applications ask
`parse` (or `problem`), the models ask `compact` when a row is written, and the searches
ask `lookup` to find a number in any spelling.
"""

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as NumberError

# The EU member states by ISO code (stdnum's "xi" is Northern Ireland's VAT
# prefix, not a country a customer lives in).
EU_COUNTRIES = {
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "BG": _("Bulgaria"),
    "CY": _("Cyprus"),
    "CZ": _("Czechia"),
    "DE": _("Germany"),
    "DK": _("Denmark"),
    "EE": _("Estonia"),
    "ES": _("Spain"),
    "FI": _("Finland"),
    "FR": _("France"),
    "GR": _("Greece"),
    "HR": _("Croatia"),
    "HU": _("Hungary"),
    "IE": _("Ireland"),
    "IT": _("Italy"),
    "LT": _("Lithuania"),
    "LU": _("Luxembourg"),
    "LV": _("Latvia"),
    "MT": _("Malta"),
    "NL": _("Netherlands"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "RO": _("Romania"),
    "SE": _("Sweden"),
    "SI": _("Slovenia"),
    "SK": _("Slovakia"),
}
assert set(EU_COUNTRIES) == {cc.upper() for cc in eu_vat.MEMBER_STATES} - {"XI"}
# The prefix a VAT number carries where it differs from the ISO code.
VAT_PREFIX = {"GR": "EL"}
PREFIX_COUNTRY = {VAT_PREFIX.get(cc, cc): cc for cc in EU_COUNTRIES}
SEPARATORS = re.compile(r"[\s.\-/,]")
FREE_FORM = re.compile(r"(?=.*\d)[A-Z0-9]{4,20}")


@dataclass(frozen=True)
class TaxId:
    """A valid tax ID: the country whose rule it passed and its compact number."""

    country: str
    compact: str

    @property
    def display(self) -> str:
        """How the portal writes it: an EU VAT number with its prefix, others compact."""
        if self.country in EU_COUNTRIES:
            return VAT_PREFIX.get(self.country, self.country) + self.compact
        return self.compact


def _squeezed(value: str) -> str:
    return SEPARATORS.sub("", value or "").upper()


def _module(country: str):
    return get_cc_module(country.lower(), "vat") if country in EU_COUNTRIES else None


def _without_prefix(raw: str, country: str) -> str:
    prefix = VAT_PREFIX.get(country, country)
    if raw.startswith(prefix) and raw[2:3].isdigit():
        return raw[2:]
    return raw


def compact(value: str, country: str) -> str:
    """The stored form, without validating: what a row written by any path is keyed on."""
    country = (country or "").upper()
    raw = _squeezed(value)
    module = _module(country)
    if module is not None:
        try:
            return module.compact(raw)
        except NumberError:  # pragma: no cover - compact() only strips and pads
            pass
    return _without_prefix(raw, country)


def parse(value: str, country: str) -> TaxId:
    """The tax ID `value` of a company in `country`, or a ValidationError saying why not."""
    country = (country or "").upper()
    raw = _squeezed(value)
    if not raw:
        raise ValidationError(_("Enter the company's tax ID."), code="required")
    if not raw.isalnum() or not raw.isascii():
        raise ValidationError(
            _("A tax ID has only letters and digits (spaces, dots and dashes are fine)."),
            code="characters",
        )
    prefix_country = PREFIX_COUNTRY.get(raw[:2]) if raw[:2].isalpha() else None
    if prefix_country and prefix_country != country and raw[2:3].isdigit():
        raise ValidationError(
            _(
                "This is a %(prefix)s VAT number but the country is %(country)s: "
                "correct the number or the country."
            )
            % {"prefix": raw[:2], "country": country or "-"},
            code="country",
        )
    module = _module(country)
    if module is None:
        number = _without_prefix(raw, country)
        if not FREE_FORM.fullmatch(number):
            raise ValidationError(
                _("Enter the tax ID as the company writes it: 4 to 20 letters and digits."),
                code="invalid",
            )
        return TaxId(country, number)
    try:
        number = module.validate(raw)
    except InvalidChecksum:
        raise ValidationError(_checksum_message(country), code="checksum") from None
    except NumberError:
        raise ValidationError(_format_message(country), code="format") from None
    return TaxId(country, module.compact(number))


def _checksum_message(country: str) -> str:
    if country == "PL":
        return str(_("This is not a valid Polish NIP: it has 10 digits and a check digit."))
    return str(
        _("The check digit of this VAT number of %(country)s is wrong: check the number.")
    ) % {"country": EU_COUNTRIES[country]}


def _format_message(country: str) -> str:
    if country == "PL":
        return _checksum_message(country)
    return str(
        _("This is not a valid VAT number of %(country)s: check its length and its digits.")
    ) % {"country": EU_COUNTRIES[country]}


def problem(value: str, country: str) -> str | None:
    """The sentence saying what is wrong with `value`, or None if it passes."""
    try:
        parse(value, country)
    except ValidationError as error:
        return error.messages[0]
    return None


def lookup(value: str, *, prefix: str = "", partial: bool = False) -> Q | None:
    """A condition finding the tax ID typed in any spelling, or None if `value` is not one.

    With a country prefix ('PL 701-111-11-03', 'be0123456749') it is that country's number;
    without one ('7011111103') the number in any country. `prefix` is the path to the
    model holding `country` and `tax_id_normalized` ('customer__' from a deal); `partial`
    also finds the numbers that start with it (a user's own deals, never the directory).
    """
    number = f"{prefix}tax_id_normalized__startswith" if partial else f"{prefix}tax_id_normalized"
    raw = _squeezed(value)
    if not raw.isalnum() or not any(char.isdigit() for char in raw):
        return None
    country = PREFIX_COUNTRY.get(raw[:2]) if raw[:2].isalpha() else None
    if country is not None:
        return Q(**{f"{prefix}country": country, number: compact(raw, country)})
    return Q(**{number: raw})


class CountryField(forms.CharField):
    """A two-letter country code, upper-cased: the country whose tax-ID rule applies."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("initial", "PL")
        super().__init__(**kwargs)
        self.error_messages["max_length"] = _("Enter the two-letter country code, e.g. PL.")

    def clean(self, value):
        country = super().clean(value).strip().upper()
        if len(country) != 2 or not country.isalpha() or not country.isascii():
            raise forms.ValidationError(_("Enter the two-letter country code, e.g. PL."))
        return country


def check_form(form: forms.Form) -> TaxId | None:
    """Check a form's `tax_id` against its `country` once both are clean; the sentence goes
    next to the tax ID and the form keeps the compact, displayable number."""
    value, country = form.cleaned_data.get("tax_id"), form.cleaned_data.get("country")
    if value is None:
        return None
    try:
        number = parse(value, country or "")
    except ValidationError as error:
        # Without a valid country only what any country refuses is said (empty, symbols).
        if country is not None or error.code in ("required", "characters"):
            form.add_error("tax_id", error)
        return None
    if country is None:
        return None
    form.cleaned_data["tax_id"] = number.display
    return number


NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def example_nip(n: int) -> str:
    """A valid Polish NIP, different for every n below 10⁸: for demo and benchmark data.

    Its nine digits are 7 and n; where that has no check digit (the sum gives 10), 8 and n,
    whose sum differs by the first weight, 6, and so has one.
    """
    for head in "78":
        digits = f"{head}{n:08d}"
        check = sum(int(d) * w for d, w in zip(digits, NIP_WEIGHTS, strict=True)) % 11
        if check != 10:
            return f"{digits}{check}"
    raise AssertionError("unreachable: the two heads' sums differ by 6 modulo 11")
