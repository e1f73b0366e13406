"""What happens around a deal besides its status: comments and extension requests."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models.deals import Deal
from portal.models.fields import user_link


class DealComment(models.Model):
    """A message on a deal: partner ↔ vendor reviewers, or an internal reviewers' note.

    Who writes and reads which kind is decided in `portal.comments`, not here.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="comments")
    author = user_link(_("author"))
    body = models.TextField(_("comment"), max_length=4000)
    is_internal = models.BooleanField(
        _("internal note"),
        default=False,
        help_text=_("Only vendor reviewers see internal notes."),
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="deal_comment_body_not_empty"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class ExtensionRequest(models.Model):
    """A partner asks the vendor to extend an approved registration's validity."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason = models.TextField(_("reason"), max_length=2000)
    requested_validity_end = models.DateField(_("requested validity end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = user_link(_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "refused"]),
                name="extension_request_status_valid",
            ),
            # One open request per deal, even when two are sent at the same moment.
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(status="pending"),
                name="extension_request_one_pending_per_deal",
                violation_error_message=_("This deal already has a pending extension request."),
            ),
        ]

    def __str__(self) -> str:
        return _("Extension of %(deal)s") % {"deal": self.deal}
