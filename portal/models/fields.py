"""Field shapes that many models share."""

from django.conf import settings
from django.db import models


def optional_link(to, label=None, *, on_delete=models.SET_NULL, related_name="+", **options):
    """A link a row may lack: nullable, blank in forms, and without a reverse accessor
    unless one is named."""
    options.setdefault("blank", True)
    return models.ForeignKey(
        to, on_delete=on_delete, null=True, related_name=related_name, verbose_name=label, **options
    )


def user_link(label=None, **options):
    """Who did something; unless `on_delete` says otherwise, the row stays (the link
    NULL) when that user is deleted."""
    return optional_link(settings.AUTH_USER_MODEL, label, **options)
