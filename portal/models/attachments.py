"""Files attached to a deal: a bill of materials, the quote, proof of activity."""

import uuid

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from portal.models.deals import Deal
from portal.models.fields import optional_link, user_link
from portal.models.review import ActionRequest


class AttachmentStorage(LazyObject):
    """The "attachments" storage of settings.STORAGES (the filesystem outside any public
    URL by default, an object store by setting), looked up when first used, and again
    after STORAGES changes (as Django's own default_storage is)."""

    def _setup(self):
        self._wrapped = storages["attachments"]


ATTACHMENT_FILES = AttachmentStorage()


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs) -> None:
    if setting == "STORAGES":
        ATTACHMENT_FILES._wrapped = empty


def attachment_storage():
    return ATTACHMENT_FILES


def attachment_path(instance, filename: str) -> str:
    # A name nobody can guess; the uploader's file name is kept in `name`.
    return f"{uuid.uuid4().hex}"


class DealAttachment(models.Model):
    """One file on a deal, served only after the deal's own access check
    (`portal.views.attachments`). Uploaded in Register a Deal before the deal exists, it
    waits under the registration's token (`draft_token`) until Register Deal."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    draft_token = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    action_request = optional_link(
        ActionRequest,
        _("Action Required request"),
        related_name="attachments",
    )
    uploaded_by = user_link(_("uploaded by"), blank=False)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    file = models.FileField(storage=attachment_storage, upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(deal__isnull=False) | Q(draft_token__isnull=False),
                name="attachment_has_a_deal_or_a_draft",
            )
        ]

    def __str__(self) -> str:
        return self.name
