"""The catalogue, organisations, customers and users, as reviewers maintain them."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal import access, customers, mfa
from portal.admin import bulk
from portal.admin.inlines import LabelledTabularInline
from portal.admin.personal import PersonalDataActions
from portal.admin.searching import FindsCustomers, finds_tax_ids
from portal.inputs import PlainTextForm, PlainTextModelForm
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
    list_display = ["name", "tax_id", "country", "city", "tier"]
    list_filter = ["tier"]
    search_fields = ["name", "tax_id", "city"]

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        return finds_tax_ids(queryset, search_term, found), duplicates


@admin.register(Distributor)
class DistributorAdmin(PlainTextAdmin):
    list_display = ["name", "country"]
    search_fields = ["name"]


class CustomerContactInline(LabelledTabularInline):
    form = PlainTextModelForm
    model = CustomerContact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(FindsCustomers, PlainTextAdmin):
    list_display = ["name", "tax_id", "country", "city", "website"]
    # Name, city, website and tax ID are found by `FindsCustomers`, accents aside.
    search_fields = ["industry"]
    list_filter = ["country"]
    inlines = [CustomerContactInline]
    actions = ["merge_customers"]

    def has_merge_permission(self, request) -> bool:
        return access.is_reviewer(request.user)

    @admin.action(description=_("Merge two duplicate customers…"), permissions=["merge"])
    def merge_customers(self, request, queryset):
        chosen = list(queryset.order_by("pk")[:3])
        if len(chosen) != 2:
            self.message_user(request, _("Select exactly two customers to merge."), messages.ERROR)
            return None
        return bulk.with_form(
            self,
            request,
            queryset,
            form_class=lambda *args, **kwargs: MergeCustomersForm(*args, choices=chosen, **kwargs),
            change=lambda survivor, data: customers.merge(
                survivor=survivor,
                duplicate=next(c for c in chosen if c.pk != survivor.pk),
                by=request.user,
            ),
            done_message=lambda done: _("Merged into %(name)s.") % {"name": done[0].name},
            template="admin/portal/customer/merge.html",
            context={"customers": chosen, "title": _("Merge duplicate customers")},
            items=_SurvivorOf(request, chosen),
        )


class MergeCustomersForm(PlainTextForm):
    survivor = forms.TypedChoiceField(
        label=_("The customer that stays (its name and tax ID are kept)"),
        coerce=int,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [(c.pk, f"{c.name} ({c.tax_id})") for c in choices]


class _SurvivorOf:
    """The one item the merge applies to: the customer the reviewer chose to keep."""

    def __init__(self, request, chosen) -> None:
        self.request, self.chosen = request, chosen

    def __iter__(self):
        survivor = self.request.POST.get("survivor")
        return iter([c for c in self.chosen if str(c.pk) == survivor])


@admin.register(CustomerContact)
class CustomerContactAdmin(PersonalDataActions, FindsCustomers, PlainTextAdmin):
    list_display = ["last_name", "first_name", "email", "customer"]
    search_fields = ["last_name", "first_name", "email"]
    customer_path = "customer__"
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
