"""Reviewers decide partners' extension requests: approve with a new end, or refuse."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import access, extensions
from portal.admin import bulk
from portal.admin.deal_parts import ExtendForm
from portal.admin.searching import FindsDeals
from portal.inputs import PlainTextForm
from portal.models import (
    ExtensionRequest,
)


class ApproveExtensionForm(ExtendForm):
    """The bulk extend form, where an empty date means each request's own default."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["validity_end"].help_text = _(
            "Leave empty to use each request's requested date, or else the current validity "
            "end plus the default extension."
        )


class RefuseExtensionForm(PlainTextForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The partner sees this reason."),
    )


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(FindsDeals):
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
    search_fields = ["deal__deal_reg_number"]  # and all `FindsDeals` finds
    deal_path = "deal__"
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

    def has_decide_permission(self, request: HttpRequest) -> bool:
        # Read by the actions' `permissions=["decide"]`: hidden and refused for others.
        return access.is_reviewer(request.user)

    def _decide(self, request, queryset, *, form_class, change, verb, action, title):
        return bulk.with_form(
            self,
            request,
            queryset,
            form_class=form_class,
            change=change,
            done_message=lambda done: (
                ngettext(
                    "%(count)d extension request %(verb)s: %(items)s.",
                    "%(count)d extension requests %(verb)s: %(items)s.",
                    len(done),
                )
                % {"count": len(done), "verb": verb, "items": ", ".join(str(r.deal) for r in done)}
            ),
            template="admin/portal/extensionrequest/decide.html",
            context={
                "requests": queryset.select_related("deal__customer", "deal__partner"),
                "title": title,
                "action_name": action,
            },
            items=queryset.select_related("deal").order_by("pk"),
        )

    @admin.action(description=_("Approve selected extension requests…"), permissions=["decide"])
    def approve_requests(self, request: HttpRequest, queryset: QuerySet[ExtensionRequest]):
        return self._decide(
            request,
            queryset,
            form_class=ApproveExtensionForm,
            change=lambda r, data: extensions.approve_extension(request=r, by=request.user, **data),
            verb=_("approved"),
            action="approve_requests",
            title=_("Approve extension requests"),
        )

    @admin.action(description=_("Refuse selected extension requests…"), permissions=["decide"])
    def refuse_requests(self, request: HttpRequest, queryset: QuerySet[ExtensionRequest]):
        return self._decide(
            request,
            queryset,
            form_class=RefuseExtensionForm,
            change=lambda r, data: extensions.refuse_extension(
                request=r, by=request.user, reason=data["reason"]
            ),
            verb=_("refused"),
            action="refuse_requests",
            title=_("Refuse extension requests"),
        )
