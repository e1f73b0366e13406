"""The catalogue, organisations, customers and users, as reviewers maintain them."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal import access, mfa
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
    actions = ["turn_off_two_factor"]

    def has_two_factor_permission(self, request) -> bool:
        return access.is_reviewer(request.user)

    @admin.action(
        description=_("Turn off two-factor authentication (lost phone)"),
        permissions=["two_factor"],
    )
    def turn_off_two_factor(self, request, queryset):
        for user in queryset:
            mfa.disable(user, by=request.user)
        self.message_user(
            request, _("Two-factor authentication is off for the selected users."), messages.SUCCESS
        )

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


# Second factors are managed on the account page and reset with the action above; the
# django-otp admin pages (which show keys as QR codes) stay out of the reviewers' admin.
def _unregister_otp_admins() -> None:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_otp_admins()
