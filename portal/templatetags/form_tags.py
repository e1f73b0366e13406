"""Template helpers for forms: the error summary at the top of a refused step."""

from django import template

register = template.Library()


@register.filter
def field_errors(form) -> list[tuple]:
    """[(bound field, message)] of every field error, in the form's order. Errors of the
    whole form are shown next to the control they concern, not in the summary."""
    if form is None or not getattr(form, "errors", None):
        return []
    return [(field, error) for field in form for error in field.errors]
