"""The deal-registration domain: organisations, customers, the catalogue and deals.

Data invariants live here as database constraints (and `clean()` for the
messages a form shows); status changes live in `portal.workflow` only.
"""

import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAX_PRODUCTS_PER_DEAL = 3


class Partner(models.Model):
    """A reseller organisation; its staff register deals."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    tax_id = models.CharField(_("tax ID"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    city = models.CharField(_("city"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class Distributor(models.Model):
    """A distributor; its staff see, read-only, the deals that name it."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("distributor")
        verbose_name_plural = _("distributors")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A portal user: partner staff, distributor staff, or vendor staff (neither)."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("partner"),
    )
    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("distributor"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__isnull=True) | Q(distributor__isnull=True),
                name="user_in_at_most_one_organisation",
                violation_error_message=_(
                    "A user belongs to at most one organisation: a partner or a distributor."
                ),
            ),
        ]

    @property
    def organisation(self) -> Partner | Distributor | None:
        return self.partner or self.distributor

    @property
    def is_partner_staff(self) -> bool:
        return self.partner_id is not None


def normalize_tax_id(value: str) -> str:
    """'PL 123-456-78-90', 'pl1234567890' and '1234567890' all give '1234567890'.

    Separators are dropped and a leading two-letter country prefix (as in EU VAT
    numbers) is removed, so one company is one customer however it was typed.
    """
    compact = re.sub(r"[^0-9A-Za-z]", "", value or "").upper()
    if len(compact) > 2 and compact[:2].isalpha() and not compact[2:].isalpha():
        compact = compact[2:]
    return compact


class Customer(models.Model):
    """The end customer company, shared by the whole portal and found by search."""

    name = models.CharField(_("company name"), max_length=200)
    tax_id = models.CharField(
        _("tax ID"), max_length=32, help_text=_("NIP or VAT number, as the customer writes it.")
    )
    tax_id_normalized = models.CharField(max_length=32, unique=True, editable=False)
    country = models.CharField(_("country"), max_length=2, default="PL")
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(tax_id_normalized=""), name="customer_tax_id_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_id})"

    def save(self, *args, **kwargs) -> None:
        # Kept in step with tax_id however the row is written (form, admin, script).
        self.tax_id_normalized = normalize_tax_id(self.tax_id)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.tax_id_normalized = normalize_tax_id(self.tax_id)
        if not self.tax_id_normalized:
            raise ValidationError({"tax_id": _("Enter the customer's tax ID.")})


class CustomerContact(models.Model):
    """A person at the customer."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")
        constraints = [
            models.UniqueConstraint(
                "customer",
                Lower("email"),
                name="customer_contact_email_unique",
                violation_error_message=_("This customer already has a contact with this e-mail."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ProductFamily(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product family")
        verbose_name_plural = _("product families")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """The vendor's catalogue; only active products can be registered."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("family"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["family__name", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class Competitor(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


# The context keeps the status words apart from the same English words elsewhere
# ("Submitted" is also a date column): in Polish, Submitted and Approved stay the
# vendor portal's English names while the column and the other statuses are Polish.
class DealStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("deal status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("deal status", "Submitted")
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
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | Q(discount_percent__gte=0, discount_percent__lte=100),
                name="deal_discount_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="deal_status_submitted"),
        ]

    def __str__(self) -> str:
        return self.deal_reg_number or _("Deal #%(pk)s") % {"pk": self.pk}

    @property
    def was_approved(self) -> bool:
        return self.status in self.NUMBERED_STATUSES


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

    class Meta:
        ordering = ["position"]
        verbose_name = _("deal product")
        verbose_name_plural = _("deal products")
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "product"],
                name="deal_line_product_unique",
                violation_error_message=_("The same product is on this deal twice."),
            ),
            models.UniqueConstraint(fields=["deal", "position"], name="deal_line_position_unique"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_PRODUCTS_PER_DEAL),
                name="deal_line_at_most_three",
                violation_error_message=_(
                    "A registration covers at most 3 products. Register another deal for the rest."
                ),
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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
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

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(_("when"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.STATUS, db_default="status"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=Deal.Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Deal.Status.choices)
    note = models.TextField(_("note"), blank=True)

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


class DealComment(models.Model):
    """A message on a deal: partner ↔ vendor reviewers, or an internal reviewers' note.

    Who writes and reads which kind is decided in `portal.comments`, not here.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
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
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
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


class DistributorApiToken(models.Model):
    """A distributor's key to the Deal Reg Number check API; only its hash is stored."""

    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("distributor"),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses it, e.g. “ERP order import”.")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["distributor__name", "-created_at"]
        verbose_name = _("distributor API token")
        verbose_name_plural = _("distributor API tokens")

    def __str__(self) -> str:
        return f"{self.distributor} · {self.name} ({self.prefix}…)"


class PartnerApplication(models.Model):
    """A company's request for partner access, decided by a vendor reviewer.

    Approval (in `portal.applications`) creates the Partner and an inactive user
    who sets a password from the e-mailed link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, editable=False
    )
    company_name = models.CharField(_("company name"), max_length=200)
    tax_id = models.CharField(_("tax ID"), max_length=32, help_text=_("NIP or VAT number."))
    tax_id_normalized = models.CharField(max_length=32, editable=False)
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=16)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="PL")
    contact_first_name = models.CharField(_("first name"), max_length=100)
    contact_last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40)
    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.PROTECT,
        related_name="partner_applications",
        verbose_name=_("distributor you buy from"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en", editable=False
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True, editable=False)
    partner = models.OneToOneField(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="application",
        verbose_name=_("partner"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("applied"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        constraints = [
            # One live application per company and per e-mail; a rejected one may reapply.
            models.UniqueConstraint(
                fields=["tax_id_normalized"],
                condition=Q(status__in=["pending", "approved"]),
                name="partner_application_tax_id_unique_live",
                violation_error_message=_("An application for this tax ID already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(status__in=["pending", "approved"]),
                name="partner_application_email_unique_live",
                violation_error_message=_("An application with this e-mail already exists."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="partner_application_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.tax_id})"

    def save(self, *args, **kwargs) -> None:
        self.tax_id_normalized = normalize_tax_id(self.tax_id)
        super().save(*args, **kwargs)

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first_name} {self.contact_last_name}"
