"""The vendor reviewers' deal queue and deal page (decisions: `deal_decisions`, bulk ones:
`deal_actions`)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal import access, action_required, comments, sla
from portal.admin.deal_actions import DealBulkActions
from portal.admin.deal_decisions import DealDecisionViews
from portal.admin.deal_parts import (
    AssignedListFilter,
    ConflictListFilter,
    DealAttachmentInline,
    DealCommentInline,
    DealContactInline,
    DealHistoryInline,
    DealLineInline,
    ExtensionRequestInline,
    ProductListFilter,
    SlaListFilter,
)
from portal.admin.queue import (
    LIST_ORDER,
    QUEUE_ORDER,
    CappedPaginator,
    KeysetChangeList,
    QueueStatusFilter,
    is_queue,
)
from portal.admin.searching import FindsDeals
from portal.models import Deal, DealComment
from portal.review_selectors import conflicts_with_details, with_conflict_counts
from portal.templatetags.deal_tags import money

# The statuses whose conflicts a reviewer weighs: the registrations that are live.
LIVE_STATUSES = (Deal.Status.SUBMITTED, Deal.Status.ACTION_REQUIRED, Deal.Status.APPROVED)


@admin.register(Deal)
class DealAdmin(DealDecisionViews, DealBulkActions, FindsDeals):
    list_display = [
        "id",
        "deal_reg_number_column",
        # What a reviewer triages by, early in the row rather than off-screen on the right.
        "status_badge",
        "decision_due_badge",
        "conflicts_column",
        "name",
        "customer",
        "value_column",
        "partner",
        "distributor",
        "submitted_at",
        "expected_close_date",
        "validity_end",
    ]
    list_display_links = ["id", "deal_reg_number_column"]
    list_filter = [
        QueueStatusFilter,
        "distributor",
        "partner",
        ProductListFilter,
        ("submitted_at", admin.DateFieldListFilter),
        SlaListFilter,
        ConflictListFilter,
        AssignedListFilter,
    ]
    # Customer, tax ID, numbers and partner: found by `FindsDeals`, accents aside.
    search_fields = ["deal_reg_number"]
    list_select_related = ["customer", "partner", "distributor"]
    list_per_page = 50
    date_hierarchy = None
    inlines = [
        DealLineInline,
        DealContactInline,
        DealHistoryInline,
        ExtensionRequestInline,
        DealAttachmentInline,
        DealCommentInline,
    ]
    actions = [
        "approve_selected",
        "approve_selected_confirmed",
        "reject_selected",
        "extend_selected",
    ]
    # The queue (Submitted, most urgent first) unless another status is chosen (queue.py).
    paginator = CappedPaginator
    show_full_result_count = False
    fieldsets = [
        (
            _("Registration"),
            {
                "fields": [
                    "status",
                    "deal_reg_number",
                    "partner",
                    "registered_by",
                    "name",
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
                    "decided_at",
                ]
            },
        ),
        (
            _("Programme"),
            {
                "fields": [
                    "tier",
                    "conflicted",
                    "assigned_reviewer",
                    "assigned_queue",
                    "approvals_required",
                    "first_approved_by",
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

    def get_ordering(self, request):
        return QUEUE_ORDER if is_queue(request) else LIST_ORDER

    def get_changelist(self, request, **kwargs):
        return KeysetChangeList

    @admin.display(description=_("decision"), ordering="decision_due_at")
    def decision_due_badge(self, obj: Deal) -> str:
        if obj.awaits_partner:
            # The clock is stopped while the partner answers.
            return format_html(
                '<span class="sla-badge sla-paused">{}</span>', action_required.paused_badge(obj)
            )
        if obj.status != Deal.Status.SUBMITTED or obj.decision_due_at is None:
            return ""
        badge = sla.due_badge(obj.decision_due_at, timezone.now())
        return format_html(
            '<span class="sla-badge{}" title="{}">{}</span>',
            " sla-overdue" if badge.overdue else "",
            date_format(timezone.localtime(obj.decision_due_at), "SHORT_DATETIME_FORMAT"),
            badge.text,
        )

    @admin.display(description=_("conflicts"), ordering="conflict_count")
    def conflicts_column(self, obj: Deal) -> str:
        count = getattr(obj, "conflict_count", 0)
        if not count or obj.status not in LIVE_STATUSES:
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

    @admin.display(description=_("Estimated deal value"))
    def value_column(self, obj: Deal) -> str:
        return money(obj) or "—"

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

    def has_review_permission(self, request: HttpRequest) -> bool:
        # Read by the bulk actions' `permissions=["review"]`: hidden and refused for others.
        return self.can_review(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        deal = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if deal is not None:
            decision = access.deal_access(request.user, deal)
            extra_context["can_decide"] = decision.may("approve") or decision.may("reject")
            extra_context["can_approve"] = decision.may("approve")
            extra_context["can_request_action"] = decision.may("request_action")
            if deal.awaits_partner:
                extra_context["waiting_request"] = action_required.open_request(deal)
                extra_context["paused_badge"] = action_required.paused_badge(deal)
            if deal.status in LIVE_STATUSES:
                extra_context["conflicts"] = conflicts_with_details(deal=deal)
                extra_context["this_deal"] = deal
                extra_context["can_reject_duplicate"] = extra_context["can_decide"] and any(
                    other.came_first for other in extra_context["conflicts"]
                )
            if extra_context["can_decide"] and deal.decision_due_at:
                extra_context["due_badge"] = sla.due_badge(deal.decision_due_at, timezone.now())
        return super().change_view(request, object_id, form_url, extra_context)
