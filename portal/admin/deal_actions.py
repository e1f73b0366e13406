"""The reviewers' bulk decisions on deals: approve (conflicts skipped, or confirmed), reject
with one reason, extend; each deal in its own transaction, one result message."""

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import review, workflow
from portal.admin import bulk
from portal.admin.deal_parts import ConfirmConflictsForm, ExtendForm, RejectForm
from portal.models import Deal


class DealBulkActions:
    """Mixed into DealAdmin; `has_review_permission` decides who sees these actions."""

    @staticmethod
    def _done(verb: str):
        return lambda done: (
            ngettext(
                "%(count)d deal %(verb)s: %(deals)s.",
                "%(count)d deals %(verb)s: %(deals)s.",
                len(done),
            )
            % {"count": len(done), "verb": verb, "deals": ", ".join(str(d) for d in done)}
        )

    def _bulk_context(self, queryset, title: str, **extra) -> dict:
        return {"deals": queryset.select_related("customer"), "title": title, **extra}

    @admin.action(
        description=_("Approve selected deals (matrix discounts, default validity)"),
        permissions=["review"],
    )
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Deal]):
        # A deal that conflicts with an earlier registration is skipped and listed.
        bulk.run(
            self,
            request,
            queryset.order_by("submitted_at"),
            lambda deal: review.approve(deal=deal, by=request.user),
            self._done(_("approved")),
        )

    @admin.action(
        description=_("Approve selected deals, conflicts confirmed…"), permissions=["review"]
    )
    def approve_selected_confirmed(self, request: HttpRequest, queryset: QuerySet[Deal]):
        return bulk.with_form(
            self,
            request,
            queryset,
            form_class=ConfirmConflictsForm,
            change=lambda deal, data: review.approve(
                deal=deal, by=request.user, confirm_conflicts=True
            ),
            done_message=self._done(_("approved")),
            template="admin/portal/deal/approve_selected.html",
            context=self._bulk_context(
                queryset.prefetch_related("partner"), _("Approve deals that conflict")
            ),
            items=queryset.order_by("submitted_at"),
        )

    @admin.action(description=_("Reject selected deals…"), permissions=["review"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Deal]):
        return bulk.with_form(
            self,
            request,
            queryset,
            form_class=RejectForm,
            change=lambda deal, data: workflow.reject(deal=deal, by=request.user, **data),
            done_message=self._done(_("rejected")),
            template="admin/portal/deal/reject_selected.html",
            context=self._bulk_context(queryset, _("Reject selected deals")),
        )

    @admin.action(description=_("Extend validity of selected deals…"), permissions=["review"])
    def extend_selected(self, request: HttpRequest, queryset: QuerySet[Deal]):
        # Without a date each deal gets `workflow.default_extension_end`, the same rule as
        # an approved extension request.
        return bulk.with_form(
            self,
            request,
            queryset,
            form_class=ExtendForm,
            change=lambda deal, data: workflow.extend(deal=deal, by=request.user, **data),
            done_message=self._done(_("extended")),
            template="admin/portal/deal/extend_selected.html",
            context=self._bulk_context(
                queryset,
                _("Extend validity of selected deals"),
                max_extensions=settings.DEAL_MAX_EXTENSIONS,
                extension_days=settings.DEAL_EXTENSION_DAYS,
            ),
            items=queryset.order_by("pk"),
        )
