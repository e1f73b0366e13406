"""What a reviewer asks of a partner: the vendor's list of reasons, and each Action Required
request with its answer."""

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.models.deals import Deal
from portal.models.fields import user_link


class ReviewReason(models.Model):
    """One reason of the vendor's list, given when a deal is returned (Action Required) or
    rejected, with what the partner should do about it. Written by the vendor in the
    admin, in English and Polish; the partner reads it in their language."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_pl = models.CharField(_("name in Polish"), max_length=120, blank=True)
    guidance = models.TextField(
        _("what to do next"),
        max_length=2000,
        blank=True,
        help_text=_("Shown to the partner with this reason."),
    )
    guidance_pl = models.TextField(_("what to do next, in Polish"), max_length=2000, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("offered to reviewers"), default=True)

    OTHER = "other"  # the catch-all every list keeps; older rejections carry it

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("review reason")
        verbose_name_plural = _("review reasons")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="reason_name_not_empty")]

    def __str__(self) -> str:
        return self.label

    def _in_language(self, field: str) -> str:
        # The Polish text where it is written, else the English one.
        if (translation.get_language() or "")[:2] == "pl":
            return getattr(self, f"{field}_pl") or getattr(self, field)
        return getattr(self, field)

    @property
    def label(self) -> str:
        return self._in_language("name")

    @property
    def what_to_do(self) -> str:
        return self._in_language("guidance")


class ActionRequest(models.Model):
    """One round of Action Required: what the reviewer asked (reasons, a message, the
    fields to change) and, once the partner resubmits, their answer."""

    class Field(models.TextChoices):
        """The parts of a deal a reviewer may ask the partner to change."""

        NAME = "name", _("Project name")
        EXPECTED_CLOSE_DATE = "expected_close_date", _("Expected close date")
        NEXT_STEPS = "next_steps", _("Next steps")
        ESTIMATED_VALUE = "estimated_value", _("Estimated deal value")
        DISTRIBUTOR = "distributor", _("Distributor")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="action_requests")
    asked_by = user_link(blank=False)
    asked_at = models.DateTimeField(_("asked"), auto_now_add=True)
    reasons = models.ManyToManyField(ReviewReason, related_name="+", verbose_name=_("reasons"))
    message = models.TextField(_("message"), max_length=2000)
    fields = models.JSONField(_("fields to change"), default=list, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = user_link(blank=False)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    # Set when the deal left Action Required without an answer (withdrawn, rejected, or
    # withdrawn by the portal after `ACTION_REQUIRED_ANSWER_DAYS` unanswered).
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]
        verbose_name = _("Action Required request")
        verbose_name_plural = _("Action Required requests")
        constraints = [
            # A deal waits on at most one open request.
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(answered_at__isnull=True, closed_at__isnull=True),
                name="one_open_action_request_per_deal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal} · {self.asked_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.closed_at is None

    @property
    def field_labels(self) -> list[str]:
        labels = dict(self.Field.choices)
        return [str(labels[f]) for f in self.fields if f in labels]
