"""The vendor reviewers' workspace: deal queue, approve / reject, catalogue, organisations."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import workflow
from portal.models import (
    Competitor,
    Customer,
    CustomerContact,
    Deal,
    DealContact,
    DealHistory,
    DealLine,
    Distributor,
    Partner,
    Product,
    ProductFamily,
    User,
)
from portal.selectors import conflicting_deals


class ApproveForm(forms.Form):
    discount_percent = forms.DecimalField(
        label=_("Registered-deal discount (%)"), min_value=0, max_value=100, decimal_places=2
    )
    validity_end = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The partner sees this reason."),
    )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DealLineInline(ReadOnlyInline):
    model = DealLine
    fields = ["product", "quantity"]
    readonly_fields = fields


class DealContactInline(ReadOnlyInline):
    model = DealContact
    fields = ["role", "name", "email", "phone"]
    readonly_fields = fields


class DealHistoryInline(ReadOnlyInline):
    model = DealHistory
    fields = ["at", "by", "from_status", "to_status", "note"]
    readonly_fields = fields


class ProductListFilter(admin.SimpleListFilter):
    title = _("product")
    parameter_name = "product"

    def lookups(self, request, model_admin):
        return [(p.pk, str(p)) for p in Product.objects.only("pk", "name", "sku")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(lines__product_id=self.value()).distinct()
        return queryset


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "deal_reg_number_column",
        "customer",
        "partner",
        "distributor",
        "status_badge",
        "submitted_at",
        "expected_close_date",
        "validity_end",
    ]
    list_display_links = ["id", "deal_reg_number_column"]
    list_filter = [
        "status",
        "distributor",
        "partner",
        ProductListFilter,
        ("submitted_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "customer__name",
        "customer__tax_id_normalized",
        "deal_reg_number",
        "partner__name",
    ]
    list_select_related = ["customer", "partner", "distributor"]
    list_per_page = 50
    date_hierarchy = None
    inlines = [DealLineInline, DealContactInline, DealHistoryInline]
    actions = ["approve_selected", "reject_selected"]
    fieldsets = [
        (
            _("Registration"),
            {
                "fields": [
                    "status",
                    "deal_reg_number",
                    "partner",
                    "registered_by",
                    "opportunity_id",
                    "customer",
                    "customer_contact",
                    "distributor",
                    "competitors",
                    "expected_close_date",
                    "next_steps",
                    "estimated_value",
                    "currency",
                ]
            },
        ),
        (
            _("Decision"),
            {
                "fields": [
                    "submitted_at",
                    "decision_due_at",
                    "approved_at",
                    "validity_end",
                    "discount_percent",
                    "rejection_reason",
                ]
            },
        ),
    ]

    # Deals come from partners through the wizard; reviewers decide, they do not edit.
    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Deal Reg Number"), ordering="deal_reg_number")
    def deal_reg_number_column(self, obj: Deal) -> str:
        return obj.deal_reg_number or "—"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Deal) -> str:
        # Colours in static/css/admin.css: the CSP forbids inline styles.
        return format_html(
            '<span class="admin-status-badge status-{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    # --- review -----------------------------------------------------------

    def can_review(self, request: HttpRequest) -> bool:
        return request.user.has_perm("portal.review_deal")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.can_review(request):
            actions.pop("approve_selected", None)
            actions.pop("reject_selected", None)
        return actions

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name=f"{opts.app_label}_{opts.model_name}_approve",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name=f"{opts.app_label}_{opts.model_name}_reject",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deal = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if deal is not None:
            extra_context["can_decide"] = (
                self.can_review(request) and deal.status == Deal.Status.SUBMITTED
            )
            if deal.status in (Deal.Status.SUBMITTED, Deal.Status.APPROVED):
                extra_context["conflicts"] = list(conflicting_deals(deal=deal))
        return super().change_view(request, object_id, form_url, extra_context)

    def _reviewable_deal(self, request: HttpRequest, object_id: str) -> Deal:
        if not self.can_review(request):
            raise PermissionDenied
        return get_object_or_404(Deal.objects.select_related("customer", "partner"), pk=object_id)

    def _render_decision(self, request, deal, form, title, template) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "deal": deal,
            "form": form,
            "title": title,
            "conflicts": list(conflicting_deals(deal=deal)),
        }
        return TemplateResponse(request, template, context)

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        deal = self._reviewable_deal(request, object_id)
        change_url = reverse("admin:portal_deal_change", args=[deal.pk])
        if request.method == "POST":
            form = ApproveForm(request.POST)
            if form.is_valid():
                try:
                    workflow.approve(deal=deal, by=request.user, **form.cleaned_data)
                except workflow.DealTransitionError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                    return HttpResponseRedirect(change_url)
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    self.message_user(
                        request,
                        _("Deal approved. Deal Reg Number: %(number)s.")
                        % {"number": deal.deal_reg_number},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = ApproveForm(
                initial={
                    "discount_percent": settings.DEAL_DEFAULT_DISCOUNT_PERCENT,
                    "validity_end": timezone.localdate()
                    + timedelta(days=settings.DEAL_VALIDITY_DAYS),
                }
            )
        return self._render_decision(
            request,
            deal,
            form,
            _("Approve %(deal)s") % {"deal": deal},
            "admin/portal/deal/approve.html",
        )

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        deal = self._reviewable_deal(request, object_id)
        change_url = reverse("admin:portal_deal_change", args=[deal.pk])
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.reject(deal=deal, by=request.user, reason=form.cleaned_data["reason"])
            except workflow.DealTransitionError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _("Deal rejected."), messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        return self._render_decision(
            request,
            deal,
            form,
            _("Reject %(deal)s") % {"deal": deal},
            "admin/portal/deal/reject.html",
        )

    def _report(self, request, done: list[Deal], refused: list[tuple[Deal, str]], verb: str):
        if done:
            self.message_user(
                request,
                ngettext("%(count)d deal %(verb)s.", "%(count)d deals %(verb)s.", len(done))
                % {"count": len(done), "verb": verb},
                messages.SUCCESS,
            )
        for deal, why in refused:
            self.message_user(
                request,
                _("%(deal)s was not changed: %(why)s") % {"deal": deal, "why": why},
                messages.WARNING,
            )

    @admin.action(description=_("Approve selected deals (default discount and validity)"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Deal]):
        if not self.can_review(request):
            raise PermissionDenied
        done, refused = [], []
        for deal in queryset.order_by("submitted_at"):
            try:
                workflow.approve(deal=deal, by=request.user)
            except (workflow.DealTransitionError, ValidationError) as exc:
                refused.append((deal, "; ".join(getattr(exc, "messages", [str(exc)]))))
            else:
                done.append(deal)
        self._report(request, done, refused, _("approved"))

    @admin.action(description=_("Reject selected deals…"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Deal]):
        if not self.can_review(request):
            raise PermissionDenied
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, refused = [], []
            for deal in queryset:
                try:
                    workflow.reject(deal=deal, by=request.user, reason=form.cleaned_data["reason"])
                except workflow.DealTransitionError as exc:
                    refused.append((deal, str(exc)))
                else:
                    done.append(deal)
            self._report(request, done, refused, _("rejected"))
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "deals": queryset.select_related("customer"),
            "title": _("Reject selected deals"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/portal/deal/reject_selected.html", context)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "tax_id", "country", "city"]
    search_fields = ["name", "tax_id", "city"]


@admin.register(Distributor)
class DistributorAdmin(admin.ModelAdmin):
    list_display = ["name", "country"]
    search_fields = ["name"]


class CustomerContactInline(admin.TabularInline):
    model = CustomerContact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "tax_id", "country", "city", "website"]
    search_fields = ["name", "tax_id_normalized", "website", "city"]
    list_filter = ["country"]
    inlines = [CustomerContactInline]


@admin.register(CustomerContact)
class CustomerContactAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "customer"]
    search_fields = ["last_name", "first_name", "email", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(ProductFamily)
class ProductFamilyAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "family", "is_active"]
    list_filter = ["is_active", "family"]
    search_fields = ["sku", "name"]
    list_select_related = ["family"]


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


# Partner applications have their own module; importing it registers them.
from portal import admin_applications  # noqa: E402, F401
