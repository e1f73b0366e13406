"""The vendor reviewers' workspace: deal queue, approve / reject, catalogue, organisations."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, QuerySet, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import access, comments, extensions, sla, workflow
from portal.admin_bulk import apply_each
from portal.dealregcheck import create_api_token
from portal.models import (
    Competitor,
    Customer,
    CustomerContact,
    Deal,
    DealComment,
    DealContact,
    DealHistory,
    DealLine,
    Distributor,
    DistributorApiToken,
    ExtensionRequest,
    Partner,
    Product,
    ProductFamily,
    User,
)
from portal.review_selectors import conflicts_with_details, with_conflict_counts


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


class DealCommentInline(admin.TabularInline):
    """Reviewers read the whole thread and write partner-visible comments or internal notes."""

    model = DealComment
    extra = 1
    can_delete = False
    fields = ["created_at", "author", "is_internal", "body"]
    readonly_fields = ["created_at", "author"]
    verbose_name = _("comment or internal note")
    verbose_name_plural = _("Comments and internal notes")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_change_permission(self, request, obj=None) -> bool:
        # Written comments stay as they were; a correction is a new comment.
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return access.is_reviewer(request.user) and super().has_add_permission(request, obj)


class ExtensionRequestInline(ReadOnlyInline):
    model = ExtensionRequest
    fields = ["created_at", "requested_by", "reason", "requested_validity_end", "status"]
    readonly_fields = fields
    show_change_link = True


class SlaListFilter(admin.SimpleListFilter):
    title = _("decision due")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("today", _("Due in 24 h"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        submitted = queryset.filter(status=Deal.Status.SUBMITTED)
        if self.value() == "overdue":
            return submitted.filter(decision_due_at__lt=now)
        if self.value() == "today":
            return submitted.filter(
                decision_due_at__gte=now, decision_due_at__lt=now + timedelta(hours=24)
            )
        return queryset


class ConflictListFilter(admin.SimpleListFilter):
    title = _("conflicts")
    parameter_name = "conflicts"

    def lookups(self, request, model_admin):
        return [("yes", _("With conflicts"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                conflict_count__gt=0,
                status__in=[Deal.Status.SUBMITTED, Deal.Status.APPROVED],
            )
        return queryset


class ExtendForm(forms.Form):
    validity_end = forms.DateField(
        label=_("New validity end"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


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
        # What a reviewer triages by, early in the row rather than off-screen on the right.
        "status_badge",
        "decision_due_badge",
        "conflicts_column",
        "customer",
        "partner",
        "distributor",
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
        SlaListFilter,
        ConflictListFilter,
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
    inlines = [
        DealLineInline,
        DealContactInline,
        DealHistoryInline,
        ExtensionRequestInline,
        DealCommentInline,
    ]
    actions = ["approve_selected", "reject_selected", "extend_selected"]
    # The queue: Submitted deals first, the most urgent decision first; then the rest, newest first.
    ordering = [
        Case(When(status=Deal.Status.SUBMITTED, then=F("decision_due_at"))).asc(nulls_last=True),
        "-created_at",
    ]
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

    def get_queryset(self, request):
        return with_conflict_counts(super().get_queryset(request))

    @admin.display(description=_("decision"), ordering="decision_due_at")
    def decision_due_badge(self, obj: Deal) -> str:
        if obj.status != Deal.Status.SUBMITTED or obj.decision_due_at is None:
            return ""
        badge = sla.due_badge(obj.decision_due_at, timezone.now())
        return format_html(
            '<span class="sla-badge{}" title="{}">{}</span>',
            " sla-overdue" if badge.overdue else "",
            timezone.localtime(obj.decision_due_at).strftime("%Y-%m-%d %H:%M"),
            badge.text,
        )

    @admin.display(description=_("conflicts"), ordering="conflict_count")
    def conflicts_column(self, obj: Deal) -> str:
        count = getattr(obj, "conflict_count", 0)
        if not count or obj.status not in (Deal.Status.SUBMITTED, Deal.Status.APPROVED):
            return ""
        return format_html(
            '<span class="conflict-flag">⚠ {}</span>',
            count,
        )

    def has_change_permission(self, request, obj=None) -> bool:
        # Every field is read-only; "change" here means writing comments on the deal.
        return super().has_change_permission(request, obj) or self.can_review(request)

    def save_model(self, request, obj, form, change) -> None:
        # Nothing on the deal itself is editable in the admin; only inlines are saved.
        return None

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not DealComment:
            return super().save_formset(request, form, formset, change)
        # Through the service, so the rules and the e-mail apply as anywhere else.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for comment_form in formset.forms:
            if comment_form.instance.pk or not comment_form.has_changed():
                continue
            formset.new_objects.append(
                comments.add_comment(
                    deal=form.instance,
                    author=request.user,
                    body=comment_form.cleaned_data.get("body", ""),
                    internal=comment_form.cleaned_data.get("is_internal", False),
                )
            )
        return None

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
        return access.is_reviewer(request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.can_review(request):
            actions.pop("approve_selected", None)
            actions.pop("reject_selected", None)
            actions.pop("extend_selected", None)
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
            path(
                "<path:object_id>/reject-duplicate/",
                self.admin_site.admin_view(self.reject_duplicate_view),
                name=f"{opts.app_label}_{opts.model_name}_reject_duplicate",
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
                extra_context["conflicts"] = conflicts_with_details(deal=deal)
                extra_context["this_deal"] = deal
                extra_context["can_reject_duplicate"] = extra_context["can_decide"] and any(
                    other.came_first for other in extra_context["conflicts"]
                )
            if deal.status == Deal.Status.SUBMITTED and deal.decision_due_at:
                extra_context["due_badge"] = sla.due_badge(deal.decision_due_at, timezone.now())
        return super().change_view(request, object_id, form_url, extra_context)

    def reject_duplicate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One click: reject as a duplicate of the earliest conflicting registration."""
        deal = self._reviewable_deal(request, object_id)
        change_url = reverse("admin:portal_deal_change", args=[deal.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        earlier = [other for other in conflicts_with_details(deal=deal) if other.came_first]
        if not earlier:
            self.message_user(
                request,
                _("No earlier registration by another partner: not rejected as a duplicate."),
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        first = earlier[0]
        since = timezone.localtime(first.submitted_at).date().isoformat()
        # The partner reads the reason: it names the date only, never the other partner
        # or their deal. The reviewers' internal note records which deal it was.
        reason = _(
            "Duplicate registration: this customer and product were already registered "
            "by another partner on %(date)s."
        ) % {"date": since}
        try:
            with transaction.atomic():
                workflow.reject(deal=deal, by=request.user, reason=reason)
                comments.add_comment(
                    deal=deal,
                    author=request.user,
                    internal=True,
                    body=_(
                        "Rejected as a duplicate of %(other)s (%(partner)s, submitted %(date)s)."
                    )
                    % {
                        "other": first.deal_reg_number or f"#{first.pk}",
                        "partner": first.partner.name,
                        "date": since,
                    },
                )
        except workflow.DealTransitionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, _("Deal rejected as a duplicate."), messages.SUCCESS)
        return HttpResponseRedirect(change_url)

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
            "conflicts": conflicts_with_details(deal=deal),
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
                ngettext(
                    "%(count)d deal %(verb)s: %(deals)s.",
                    "%(count)d deals %(verb)s: %(deals)s.",
                    len(done),
                )
                % {"count": len(done), "verb": verb, "deals": ", ".join(str(d) for d in done)},
                messages.SUCCESS,
            )
        if not done and not refused:
            self.message_user(request, _("No deal was changed."), messages.WARNING)
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
        done, refused = apply_each(
            queryset.order_by("submitted_at"),
            lambda deal: workflow.approve(deal=deal, by=request.user),
        )
        self._report(request, done, refused, _("approved"))

    @admin.action(description=_("Reject selected deals…"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Deal]):
        if not self.can_review(request):
            raise PermissionDenied
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, refused = apply_each(
                queryset,
                lambda deal: workflow.reject(
                    deal=deal, by=request.user, reason=form.cleaned_data["reason"]
                ),
            )
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

    @admin.action(description=_("Extend validity of selected deals…"))
    def extend_selected(self, request: HttpRequest, queryset: QuerySet[Deal]):
        if not self.can_review(request):
            raise PermissionDenied
        form = ExtendForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            # Each deal in its own transaction (workflow.extend is atomic): one refusal
            # never undoes or half-applies another deal.
            done, refused = apply_each(
                queryset.order_by("pk"),
                lambda deal: workflow.extend(deal=deal, by=request.user, **form.cleaned_data),
            )
            self._report(request, done, refused, _("extended"))
            return None
        if not form.is_bound:
            form = ExtendForm(
                initial={
                    "validity_end": timezone.localdate()
                    + timedelta(days=settings.DEAL_EXTENSION_DAYS)
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "deals": queryset.select_related("customer"),
            "title": _("Extend validity of selected deals"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "max_extensions": settings.DEAL_MAX_EXTENSIONS,
        }
        return TemplateResponse(request, "admin/portal/deal/extend_selected.html", context)


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


class ApproveExtensionForm(forms.Form):
    validity_end = forms.DateField(
        label=_("New validity end"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Leave empty to use each request's requested date, or else the current validity "
            "end plus the default extension."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RefuseExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The partner sees this reason."),
    )


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    """Reviewers decide partners' extension requests: approve with a new end, or refuse."""

    list_display = [
        "deal",
        "partner",
        "created_at",
        "requested_by",
        "current_validity_end",
        "requested_validity_end",
        "status",
        "decided_by",
    ]
    list_filter = ["status"]
    list_select_related = ["deal__partner", "requested_by", "decided_by"]
    search_fields = ["deal__deal_reg_number", "deal__customer__name", "deal__partner__name"]
    actions = ["approve_requests", "refuse_requests"]
    fields = [
        "deal",
        "requested_by",
        "created_at",
        "reason",
        "requested_validity_end",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("partner"), ordering="deal__partner__name")
    def partner(self, obj: ExtensionRequest) -> str:
        return obj.deal.partner.name

    @admin.display(description=_("valid until"), ordering="deal__validity_end")
    def current_validity_end(self, obj: ExtensionRequest):
        return obj.deal.validity_end

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not access.is_reviewer(request.user):
            actions.pop("approve_requests", None)
            actions.pop("refuse_requests", None)
        return actions

    def _decide(self, request, queryset, form_class, decide, verb, template, title):
        if not access.is_reviewer(request.user):
            raise PermissionDenied
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, refused = apply_each(
                queryset.select_related("deal").order_by("pk"),
                lambda extension_request: decide(extension_request, form.cleaned_data),
            )
            if done:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d extension request %(verb)s: %(items)s.",
                        "%(count)d extension requests %(verb)s: %(items)s.",
                        len(done),
                    )
                    % {
                        "count": len(done),
                        "verb": verb,
                        "items": ", ".join(str(r.deal) for r in done),
                    },
                    messages.SUCCESS,
                )
            for extension_request, why in refused:
                self.message_user(
                    request,
                    _("%(item)s was not changed: %(why)s")
                    % {"item": extension_request, "why": why},
                    messages.WARNING,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "requests": queryset.select_related("deal__customer", "deal__partner"),
            "title": title,
            "action_name": template,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/portal/extensionrequest/decide.html", context)

    @admin.action(description=_("Approve selected extension requests…"))
    def approve_requests(self, request: HttpRequest, queryset: QuerySet[ExtensionRequest]):
        return self._decide(
            request,
            queryset,
            ApproveExtensionForm,
            lambda r, data: extensions.approve_extension(request=r, by=request.user, **data),
            _("approved"),
            "approve_requests",
            _("Approve extension requests"),
        )

    @admin.action(description=_("Refuse selected extension requests…"))
    def refuse_requests(self, request: HttpRequest, queryset: QuerySet[ExtensionRequest]):
        return self._decide(
            request,
            queryset,
            RefuseExtensionForm,
            lambda r, data: extensions.refuse_extension(
                request=r, by=request.user, reason=data["reason"]
            ),
            _("refused"),
            "refuse_requests",
            _("Refuse extension requests"),
        )


class DistributorApiTokenForm(forms.ModelForm):
    class Meta:
        model = DistributorApiToken
        fields = ["distributor", "name"]


@admin.register(DistributorApiToken)
class DistributorApiTokenAdmin(admin.ModelAdmin):
    """Tokens for distributors' ordering systems; the token is shown once, at creation."""

    list_display = ["distributor", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["distributor"]
    list_select_related = ["distributor"]
    actions = ["revoke_selected"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DistributorApiTokenForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["distributor", "name"]
        return ["distributor", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["distributor", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoke instead, so "last used" stays on record.
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        row, token = create_api_token(distributor=obj.distributor, name=obj.name)
        obj.pk = row.pk
        obj.token_hash, obj.prefix, obj.created_at = row.token_hash, row.prefix, row.created_at
        obj._state.adding = False
        self.message_user(
            request,
            format_html(
                '{} <code data-testid="new-api-token">{}</code>',
                _("Copy the token now; it is not shown again:"),
                token,
            ),
            messages.WARNING,
        )
        return None

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[DistributorApiToken]):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


# Partner applications have their own module; importing it registers them.
from portal import admin_applications  # noqa: E402, F401
