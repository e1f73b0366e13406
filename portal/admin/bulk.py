"""The scaffold of the reviewers' bulk actions: an optional intermediate form, the change
applied to each item in its own transaction, and one result message."""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal import workflow
from portal.admin.pages import admin_page

T = TypeVar("T")

# What a refused change raises: the item stays as it was and the reviewer reads why.
REFUSALS = (workflow.DealTransitionError, ValidationError)


def error_text(exc: Exception) -> str:
    """The sentence(s) of a refusal, for an admin message."""
    return "; ".join(getattr(exc, "messages", None) or [str(exc)])


def apply_each(
    items: Iterable[T], change: Callable[[T], object]
) -> tuple[list[T], list[tuple[T, str]]]:
    """Run `change` on every item; returns (done, [(refused item, why)]).

    Each change is its own transaction (the services are atomic), so one refusal never
    undoes or stops the others.
    """
    done: list[T] = []
    refused: list[tuple[T, str]] = []
    for item in items:
        try:
            change(item)
        except REFUSALS as exc:
            refused.append((item, error_text(exc)))
        else:
            done.append(item)
    return done, refused


def report(model_admin, request, done: list, refused: list[tuple], done_message: str) -> None:
    """One success message naming what changed, one warning per refusal with its reason."""
    if done:
        model_admin.message_user(request, done_message, messages.SUCCESS)
    if not done and not refused:
        model_admin.message_user(request, _("Nothing was changed."), messages.WARNING)
    for item, why in refused:
        model_admin.message_user(
            request,
            _("%(item)s was not changed: %(why)s") % {"item": item, "why": why},
            messages.WARNING,
        )


def run(model_admin, request, items, change, done_message: Callable[[list], str]) -> None:
    """Apply `change` to each of `items` and report the outcome."""
    done, refused = apply_each(items, change)
    report(model_admin, request, done, refused, done_message(done) if done else "")


def with_form(
    model_admin,
    request,
    queryset,
    *,
    form_class,
    change: Callable[[T, dict], object],
    done_message: Callable[[list], str],
    template: str,
    context: dict,
    initial: dict | None = None,
    items=None,
):
    """A bulk action with an intermediate form: show it, then on "apply" run `change`
    (item, cleaned data) on each selected item and report."""
    bound = "apply" in request.POST
    form = form_class(request.POST) if bound else form_class(initial=initial)
    if bound and form.is_valid():
        run(
            model_admin,
            request,
            items if items is not None else queryset,
            lambda item: change(item, form.cleaned_data),
            done_message,
        )
        return None
    return admin_page(
        model_admin,
        request,
        template,
        form=form,
        action_checkbox_name=ACTION_CHECKBOX_NAME,
        **context,
    )
