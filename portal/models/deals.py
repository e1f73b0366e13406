"""A deal registration, its products, partner contacts, history and number sequence.

Status changes live in `portal.workflow` only."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models.catalogue import Competitor, Product
from portal.models.customers import Customer, CustomerContact
from portal.models.fields import optional_link, user_link
from portal.models.organisations import Distributor, Partner

MAX_PRODUCTS_PER_DEAL = 3
# The sentences of the line invariants, shown wherever a rule refuses (form, workflow, DB).
TOO_MANY_PRODUCTS = _(
    "A registration covers at most 3 products. Register another deal for the rest."
)
SAME_PRODUCT_TWICE = _("The same product is on this deal twice.")


# The context keeps the status words apart from the same English words elsewhere
# ("Submitted" is also a date column): in Polish, Submitted and Approved stay the
# vendor portal's English names while the column and the other statuses are Polish.
class DealStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("deal status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("deal status", "Submitted")
    # Returned to the partner with a request; back to Submitted when they answer it.
    ACTION_REQUIRED = "action_required", pgettext_lazy("deal status", "Action Required")
    APPROVED = "approved", pgettext_lazy("deal status", "Approved")
    REJECTED = "rejected", pgettext_lazy("deal status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("deal status", "Withdrawn")
    EXPIRED = "expired", pgettext_lazy("deal status", "Expired")
    WON = "won", pgettext_lazy("deal status", "Won")
    LOST = "lost", pgettext_lazy("deal status", "Lost")


# Statuses in which the deal was approved and so carries a Deal Reg Number.
NUMBERED_STATUSES = (
    DealStatus.APPROVED,
    DealStatus.EXPIRED,
    DealStatus.WON,
    DealStatus.LOST,
)


class Deal(models.Model):
    """One project registration. Its status changes only through `portal.workflow`."""

    Status = DealStatus
    NUMBERED_STATUSES = NUMBERED_STATUSES

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="deals", verbose_name=_("partner")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registered_deals",
        verbose_name=_("registered by"),
    )
    # What the partner's team calls the project ("Firewall refresh, head office"): the
    # deal's name on every page, e-mail and export, beside its Deal Reg Number.
    name = models.CharField(_("project name"), max_length=120)
    opportunity_id = models.CharField(
        _("Opportunity ID"),
        max_length=64,
        blank=True,
        help_text=_("The existing opportunity this registration belongs to, if any."),
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="deals", verbose_name=_("customer")
    )
    customer_contact = models.ForeignKey(
        CustomerContact,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("customer contact"),
    )
    products = models.ManyToManyField(
        Product, through="DealLine", related_name="deals", verbose_name=_("products")
    )
    expected_close_date = models.DateField(_("expected close date"))
    competitors = models.ManyToManyField(
        Competitor, blank=True, related_name="deals", verbose_name=_("competitors")
    )
    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("distributor"),
    )
    next_steps = models.TextField(_("next steps"), max_length=2000)
    estimated_value = models.DecimalField(
        _("estimated deal value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    deal_reg_number = models.CharField(
        _("Deal Reg Number"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    decision_due_at = models.DateTimeField(_("decision due"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    validity_end = models.DateField(_("valid until"), null=True, blank=True, editable=False)
    discount_percent = models.DecimalField(
        _("registered-deal discount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True, editable=False)
    # The programme tier of the partner when it registered: the discount matrix's row and
    # the dashboards' grouping, unchanged when the partner later moves tier.
    tier = optional_link(
        "portal.ProgrammeTier", _("tier"), on_delete=models.PROTECT, editable=False
    )
    # Whether another partner's live registration conflicted when it was submitted.
    conflicted = models.BooleanField(
        _("another partner's registration overlapped at submission"), default=False, editable=False
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    # Business hours the decision took, the clock stopped while it waited on the partner.
    decision_hours = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Where a decision rule sent it: a named reviewer or a queue (a group of reviewers).
    assigned_reviewer = user_link(_("assigned reviewer"), editable=False)
    assigned_queue = optional_link("auth.Group", _("queue"), editable=False)
    # Two when a rule asks for a second approver; the first approval is recorded here.
    approvals_required = models.PositiveSmallIntegerField(default=1, editable=False)
    first_approved_by = user_link(_("first approval by"), editable=False)
    rejection_reason_code = optional_link(
        "portal.ReviewReason", _("reason"), on_delete=models.PROTECT, editable=False
    )
    # The decision clock stops while the deal waits on the partner (Action Required):
    # since when, and how much business time was left (`sla.business_time_between`).
    sla_paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_remaining = models.DurationField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The Register a Deal wizard's one-time token: unique, so a refresh, a double
    # click or Back-then-submit finds the deal already made instead of a second one.
    registration_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # The validity end that the "expires soon" reminder was sent for: one reminder per
    # end date, and a new one after an extension moves the end.
    expiry_reminder_sent_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        permissions = [("review_deal", _("Can approve or reject deal registrations"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DealStatus.values), name="deal_status_valid"
            ),
            # The number exists exactly when the deal was approved.
            models.CheckConstraint(
                condition=(
                    Q(status__in=[str(s) for s in NUMBERED_STATUSES], deal_reg_number__isnull=False)
                    | (
                        ~Q(status__in=[str(s) for s in NUMBERED_STATUSES])
                        & Q(deal_reg_number__isnull=True)
                    )
                ),
                name="deal_reg_number_iff_approved",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="deal_name_not_empty"),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | Q(discount_percent__gte=0, discount_percent__lte=100),
                name="deal_discount_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="deal_status_submitted"),
            # The reviewers' queue: Submitted deals, most urgent decision first (admin).
            models.Index(fields=["status", "decision_due_at", "id"], name="deal_queue"),
            # A decision rule's dry run: the registrations of the last N days with what its
            # conditions read, from the index alone (portal.decision_rules).
            models.Index(
                fields=[
                    "submitted_at",
                    "tier",
                    "conflicted",
                    "estimated_value",
                    "status",
                    "distributor",
                ],
                name="deal_rule_window",
            ),  # fmt: skip
            # The Opportunity Manager's sorts, one index per scope and column (the
            # submission order's are in migration 0006): every page is an index walk.
            *(
                models.Index(fields=[*scope, column, "id"], name=f"deal_{prefix}{suffix}")
                for column, suffix in [
                    ("expected_close_date", "close"),
                    ("validity_end", "valid"),
                    ("status", "status_id"),
                    ("deal_reg_number", "number"),
                ]
                for scope, prefix in [(["partner"], "p_"), (["distributor"], "d_"), ([], "")]
                # The unique number's own index serves the vendor's sort by number.
                if (column, scope) != ("deal_reg_number", [])
            ),
        ]

    def __str__(self) -> str:
        return " · ".join(part for part in (self.deal_reg_number, self.name) if part)

    @property
    def was_approved(self) -> bool:
        return self.status in self.NUMBERED_STATUSES

    @property
    def awaits_decision(self) -> bool:
        return self.status == DealStatus.SUBMITTED

    @property
    def awaits_partner(self) -> bool:
        return self.status == DealStatus.ACTION_REQUIRED

    @property
    def was_rejected(self) -> bool:
        return self.status == DealStatus.REJECTED


class DealLine(models.Model):
    """One product on a deal; `position` 1..3 caps a deal at three products in the database."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="deal_lines", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    position = models.PositiveSmallIntegerField(default=1)
    # Set at approval: the matrix's default for the tier and family, or the reviewer's.
    discount_percent = models.DecimalField(
        _("registered-deal discount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("deal product")
        verbose_name_plural = _("deal products")
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "product"],
                name="deal_line_product_unique",
                violation_error_message=SAME_PRODUCT_TWICE,
            ),
            models.UniqueConstraint(fields=["deal", "position"], name="deal_line_position_unique"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_PRODUCTS_PER_DEAL),
                name="deal_line_at_most_three",
                violation_error_message=TOO_MANY_PRODUCTS,
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="deal_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class DealContact(models.Model):
    """A person on the partner's side of the deal: the sales contact or the engineer."""

    class Role(models.TextChoices):
        SALES = "sales", _("Sales contact")
        ENGINEER = "engineer", _("Engineer")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    user = user_link()
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["role"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        constraints = [
            models.UniqueConstraint(fields=["deal", "role"], name="deal_contact_role_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["sales", "engineer"]), name="deal_contact_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class DealHistory(models.Model):
    """One step of a deal's life: who, when, what kind, from, to, and the note (e.g. the
    rejection reason). An extension keeps the status, so its kind says what it was."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        EXTENSION = "extension", _("Validity extended")
        FIRST_APPROVAL = "first_approval", _("First approval")
        ROUTED = "routed", _("Routed by a rule")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    by = user_link(_("by"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.STATUS, db_default="status"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=Deal.Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Deal.Status.choices)
    note = models.TextField(_("note"), blank=True)
    # The decision rule (and its version) that made this step, when a rule made it.
    rule = optional_link("portal.DecisionRule", _("rule"))
    rule_version = models.PositiveIntegerField(_("rule version"), null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")

    def __str__(self) -> str:
        # The status words in the reader's language (the admin shows this on each history row).
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class DealRegSequence(models.Model):
    """The last Deal Reg Number issued in a year; its row lock serialises approvals."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Deal Reg Number sequence")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"
