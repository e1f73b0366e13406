"""What typed text may contain. Control characters (CR, LF, ESC, BEL, …) have no place in a
single-line field: a customer name with a line break silently stopped the reviewers'
e-mail, whose subject it is. Multi-line fields keep their line breaks and tabs."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

# C0 controls, DEL and C1 controls.
SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same, less tab, line feed and carriage return.
MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARACTER_MESSAGE = _(
    "Remove the control characters (such as line breaks or tabs) from this field."
)


def control_character_problem(value: str, *, multi_line: bool) -> str | None:
    pattern = MULTI_LINE_FORBIDDEN if multi_line else SINGLE_LINE_FORBIDDEN
    return str(CONTROL_CHARACTER_MESSAGE) if pattern.search(value) else None


# The largest id a database key holds (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def as_id(value) -> int | None:
    """A typed id as an int, or None for anything that is not one a key can hold ("²", ":",
    "-1", a number past 64 bits): a query with it would fail instead of finding nothing."""
    text = str(value).strip()
    if not text.isascii() or not text.isdecimal():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def guard_ids(field: forms.ModelChoiceField) -> None:
    """Make a model choice field refuse an id no key can hold as an invalid choice (Django
    would put it in the query, and the database would fail on it)."""
    original = field.clean

    def clean(value):
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item not in field.empty_values and as_id(item) is None:
                raise forms.ValidationError(
                    field.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return original(value)

    field.clean = clean


class PlainText:
    """Form mixin: every text value is checked for control characters, next to its field,
    and every model choice refuses an id no key can hold."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                guard_ids(field)

    def _clean_fields(self) -> None:
        super()._clean_fields()
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if not isinstance(value, str):
                continue
            multi_line = isinstance(field.widget, forms.Textarea)
            if problem := control_character_problem(value, multi_line=multi_line):
                self.add_error(name, problem)


class PlainTextForm(PlainText, forms.Form):
    pass


class PlainTextModelForm(PlainText, forms.ModelForm):
    pass
