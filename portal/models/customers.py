"""The end customers, shared by the whole portal, and their contacts."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from portal import search, tax_ids
from portal.models.fields import user_link


class CustomerQuerySet(models.QuerySet):
    def with_tax_id(self, tax_id: str, country: str) -> "CustomerQuerySet":
        """The customer (one at most) whose tax ID this is, however it was typed."""
        country = (country or "").upper()
        return self.filter(tax_id_normalized=tax_ids.compact(tax_id, country), country=country)


class Customer(models.Model):
    """The end customer company, shared by the whole portal and found by search."""

    name = models.CharField(_("company name"), max_length=200)
    tax_id = models.CharField(
        _("tax ID"), max_length=32, help_text=_("NIP or VAT number, as the customer writes it.")
    )
    # The number without separators or country prefix; with `country`, the company's key.
    tax_id_normalized = models.CharField(max_length=32, editable=False)
    country = models.CharField(_("country"), max_length=2, default="PL")
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    # Name, city and website folded, what the searches match (`portal.search`). Set here
    # for SQLite; on PostgreSQL a trigger sets it on every write (migration 0015).
    search_text = models.TextField(editable=False, default="")
    created_by = user_link()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # A partner's search of its own deals by the first digits of a tax ID (LIKE
            # 'x%' uses a B-tree only with the pattern operator class on PostgreSQL).
            models.Index(
                fields=["tax_id_normalized"],
                opclasses=["varchar_pattern_ops"],
                name="customer_tax_id_prefix",
            ),
            # The Opportunity Manager sorted by customer walks the customers in this order.
            models.Index(fields=["name", "id"], name="customer_name_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(tax_id_normalized=""), name="customer_tax_id_not_empty"
            ),
            # Number first: a search by a number typed without its prefix uses this index.
            models.UniqueConstraint(
                fields=["tax_id_normalized", "country"], name="customer_tax_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_id})"

    def save(self, *args, **kwargs) -> None:
        # Kept in step with tax_id however the row is written (form, admin, script).
        self.country = (self.country or "").upper()
        self.tax_id_normalized = tax_ids.compact(self.tax_id, self.country)
        self.search_text = search.searchable(self.name, self.city, self.website)
        if update_fields := kwargs.get("update_fields"):
            kwargs["update_fields"] = {*update_fields, "tax_id_normalized", "search_text"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.country = (self.country or "").upper()
        try:
            number = tax_ids.parse(self.tax_id, self.country)
        except ValidationError as error:
            raise ValidationError({"tax_id": error}) from None
        self.tax_id, self.tax_id_normalized = number.display, number.compact
        # The unique constraint names a field the admin's form does not hold, so the form
        # would not check it: a second row for one company is refused here, by name.
        same = Customer.objects.with_tax_id(number.compact, number.country)
        other = same.exclude(pk=self.pk).only("name").first()
        if other is not None:
            raise ValidationError(
                {
                    "tax_id": _("%(name)s is already in the portal with this tax ID.")
                    % {"name": other.name}
                }
            )


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
    # The partners who may read the e-mail and phone: the one that entered the contact (and,
    # for contacts from before this rule, those that had them on their deals). Others find
    # the contact by name and job title only; picking it does not add them here.
    known_to = models.ManyToManyField(
        "portal.Partner", blank=True, related_name="+", verbose_name=_("details visible to")
    )

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
