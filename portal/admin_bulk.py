"""What the reviewers' bulk actions share: apply a change to each item, collect the refusals."""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.exceptions import ValidationError

from portal import workflow
from portal.applications import ApplicationDecisionError

T = TypeVar("T")

# What a refused change raises: the item stays as it was and the reviewer reads why.
REFUSALS = (workflow.DealTransitionError, ValidationError, ApplicationDecisionError)


def error_text(exc: Exception) -> str:
    """The sentence(s) of a refusal, for an admin message."""
    return "; ".join(getattr(exc, "messages", None) or [str(exc)])


def apply_each(
    items: Iterable[T], change: Callable[[T], object]
) -> tuple[list[T], list[tuple[T, str]]]:
    """Run `change` on every item; returns (done, [(refused item, why)]).

    Each change is its own transaction (the workflow's functions are atomic), so
    one refusal never undoes or stops the others.
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
