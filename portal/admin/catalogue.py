"""The catalogue, organisations, customers and users, as reviewers maintain them."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.admin.personal import PersonalDataActions
from portal.inputs import PlainTextModelForm
from portal.models import (
    Competitor,
    Customer,
    CustomerContact,
    Distributor,
    Partner,
    Product,
    ProductFamily,
    User,
)


class PlainTextAdmin(admin.ModelAdmin):
    """Reviewers type names and addresses here too: no control characters in them."""

    form = PlainTextModelForm


@admin.register(Partner)
class PartnerAdmin(PlainTextAdmin):
    list_display = ["name", "tax_id", "country", "city"]
    search_fields = ["name", "tax_id", "city"]


@admin.register(Distributor)
class DistributorAdmin(PlainTextAdmin):
    list_display = ["name", "country"]
    search_fields = ["name"]


class CustomerContactInline(admin.TabularInline):
    form = PlainTextModelForm
    model = CustomerContact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(PlainTextAdmin):
    list_display = ["name", "tax_id", "country", "city", "website"]
    search_fields = ["name", "tax_id_normalized", "website", "city"]
    list_filter = ["country"]
    inlines = [CustomerContactInline]


@admin.register(CustomerContact)
class CustomerContactAdmin(PersonalDataActions, PlainTextAdmin):
    list_display = ["last_name", "first_name", "email", "customer"]
    search_fields = ["last_name", "first_name", "email", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(ProductFamily)
class ProductFamilyAdmin(PlainTextAdmin):
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(PlainTextAdmin):
    list_display = ["sku", "name", "family", "is_active"]
    list_filter = ["is_active", "family"]
    search_fields = ["sku", "name"]
    list_select_related = ["family"]


@admin.register(Competitor)
class CompetitorAdmin(PlainTextAdmin):
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(PersonalDataActions, BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "partner",
        "distributor",
        "is_staff",
        "is_active",
    ]
    list_filter = ["is_staff", "is_active", "groups", "partner", "distributor"]
    list_select_related = ["partner", "distributor"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ["partner", "distributor", "phone", "language"]}),
    ]
