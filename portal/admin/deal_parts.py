"""The pieces of the reviewers' deal admin: decision forms, read-only inlines, list filters."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal import access, deal_rules, discounts
from portal.admin.inlines import LabelledTabularInline
from portal.forms import AttachmentField
from portal.inputs import PlainTextForm, as_id
from portal.models import (
    ActionRequest,
    Deal,
    DealAttachment,
    DealComment,
    DealContact,
    DealHistory,
    DealLine,
    ExtensionRequest,
    Product,
    ReviewReason,
)


class ApproveForm(PlainTextForm):
    validity_end = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[deal_rules.not_too_far],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The partner sees this note in the approval e-mail and on the deal."),
    )
    confirm_conflicts = forms.BooleanField(
        label=_("Approve although an earlier registration by another partner conflicts"),
        required=False,
    )

    def __init__(self, *args, deal=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deal = deal
        self.validity_warning = ""
        # One discount per line, the matrix's default for the partner's tier and the
        # product's family; a reviewer may change it up to the tier's bound.
        top = discounts.bound(deal)
        defaults = discounts.line_defaults(deal)
        lines = {line.pk: line for line in deal.lines.select_related("product")}
        self.line_fields = []
        for pk, default in defaults.items():
            name = f"line_{pk}"
            self.fields[name] = forms.DecimalField(
                label=_("Discount on %(product)s (%%)") % {"product": lines[pk].product},
                min_value=0,
                max_value=100,
                decimal_places=2,
                initial=default,
                help_text=_("The matrix gives %(default)s%%; at most %(max)s%% for %(tier)s.")
                % {
                    "default": f"{default.normalize():f}",
                    "max": f"{top.normalize():f}",
                    "tier": deal.tier or _("a partner in no tier"),
                },
            )
            self.line_fields.append(name)
        # The discounts first, as the reviewer reads the deal: lines, then validity.
        self.order_fields([*self.line_fields, "validity_end", "note", "confirm_conflicts"])

    def clean(self) -> dict:
        data = super().clean()
        data["line_discounts"] = {
            int(name.removeprefix("line_")): data.pop(name)
            for name in self.line_fields
            if data.get(name) is not None
        }
        end = data.get("validity_end")
        if self.deal is not None and end and end < self.deal.expected_close_date:
            # A warning, not a refusal: the reviewer may mean it (an extension can follow).
            self.validity_warning = _(
                "The validity would end on %(end)s, before the expected close date %(close)s."
            ) % {"end": date_format(end), "close": date_format(self.deal.expected_close_date)}
        return data


class ConfirmConflictsForm(PlainTextForm):
    confirm = forms.BooleanField(
        label=_(
            "Approve these deals even where an earlier registration by another partner conflicts"
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )


def offered_reasons():
    return ReviewReason.objects.filter(is_active=True)


class RejectForm(PlainTextForm):
    reason_code = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=offered_reasons(),
        empty_label=_("Choose the reason"),
        help_text=_("The partner sees it with the vendor's guidance for it."),
    )
    reason = forms.CharField(
        label=_("Explanation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The partner sees this text."),
    )


class RequestActionForm(PlainTextForm):
    reasons = forms.ModelMultipleChoiceField(
        label=_("Reasons"),
        queryset=offered_reasons(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one reason.")},
    )
    message = forms.CharField(
        label=_("What the partner should do"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what the partner should do.")},
    )
    fields = forms.MultipleChoiceField(
        label=_("Fields the partner must change (optional)"),
        choices=ActionRequest.Field.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    attachment = AttachmentField(label=_("Attach a file for the partner (optional)"))


class ReadOnlyInline(LabelledTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DealLineInline(ReadOnlyInline):
    model = DealLine
    fields = ["product", "quantity", "discount_percent"]
    readonly_fields = fields


class DealContactInline(ReadOnlyInline):
    model = DealContact
    fields = ["role", "name", "email", "phone"]
    readonly_fields = fields


class DealHistoryInline(ReadOnlyInline):
    model = DealHistory
    fields = ["at", "by", "kind", "from_status", "to_status", "note"]
    readonly_fields = fields


class DealCommentForm(forms.ModelForm):
    """A new comment's two fields, labelled for screen readers: a tabular inline shows
    their labels only as column headers."""

    class Meta:
        model = DealComment
        fields = ["is_internal", "body"]
        widgets = {
            "is_internal": forms.CheckboxInput(attrs={"aria-label": _("Internal note")}),
            "body": forms.Textarea(attrs={"aria-label": _("Comment"), "rows": 3}),
        }


class DealCommentInline(LabelledTabularInline):
    """Reviewers read the whole thread and write partner-visible comments or internal notes."""

    model = DealComment
    form = DealCommentForm
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


class AssignedListFilter(admin.SimpleListFilter):
    """The deals a decision rule routed to the reviewer, by name or through a queue."""

    title = _("routed")
    parameter_name = "routed"

    def lookups(self, request, model_admin):
        return [("me", _("To me or my queues")), ("any", _("By any rule"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(
                Q(assigned_reviewer=request.user)
                | Q(assigned_queue__in=request.user.groups.values("pk"))
            )
        if self.value() == "any":
            return queryset.filter(
                Q(assigned_reviewer__isnull=False) | Q(assigned_queue__isnull=False)
            )
        return queryset


class ExtendForm(PlainTextForm):
    validity_end = forms.DateField(
        label=_("New validity end"),
        required=False,
        validators=[deal_rules.not_too_far],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Leave empty to extend each deal by the default extension from its current "
            "validity end (from today for one that has already ended)."
        ),
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
            # An id no key can hold matches nothing (rather than failing the query).
            product = as_id(self.value())
            if product is None:
                return queryset.none()
            return queryset.filter(lines__product_id=product).distinct()
        return queryset


class DealAttachmentInline(ReadOnlyInline):
    model = DealAttachment
    fields = ["download", "size", "uploaded_by", "uploaded_at", "action_request"]
    readonly_fields = fields

    @admin.display(description=_("file name"))
    def download(self, obj: DealAttachment) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("portal:attachment", args=[obj.pk]), obj.name
        )
