"""The action log: every decision that is not a deal's status change, recorded the same way
(pretix's `log_action`): who, when, what, on which object, with what data."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models.fields import user_link


class ActionLogEntry(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = user_link(_("by"))
    action = models.CharField(_("action"), max_length=64, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("object type")
    )
    object_id = models.CharField(_("object"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    # The object's name when it was logged, so the entry reads well after a rename or delete.
    object_repr = models.CharField(_("object"), max_length=200)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("action log entry")
        verbose_name_plural = _("action log")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="actionlog_object"),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.object_repr}"
