"""Reviewers decide partner applications in the admin: approve, or reject with a reason."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import access, applications
from portal.admin.bulk import error_text
from portal.admin.pages import admin_page
from portal.admin.searching import finds_tax_ids
from portal.decisions import AlreadyDecided
from portal.inputs import PlainTextForm
from portal.models import PartnerApplication


class RejectApplicationForm(PlainTextForm):
    reason = forms.CharField(
        label=_("Reason (sent to the applicant)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Give the reason for the rejection.")},
    )


@admin.register(PartnerApplication)
class PartnerApplicationAdmin(admin.ModelAdmin):
    list_display = ["company_name", "tax_id", "contact_name", "email", "distributor", "status"]
    list_filter = ["status", "distributor"]
    search_fields = ["company_name", "tax_id_normalized", "email", "contact_last_name"]

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        return finds_tax_ids(queryset, search_term, found), duplicates

    list_select_related = ["distributor"]
    # Shown on the (read-only) page besides the applicant's fields.
    readonly_fields = [
        "status",
        "rejection_reason",
        "partner",
        "decided_by",
        "decided_at",
        "created_at",
        "language",
    ]

    actions = ["resend_set_password_link"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applications come from the public form

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # kept as the record of who was let in

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # The applicant's data is evidence, not something to edit: the page is read-only
        # and the decision goes through Approve / Reject (the change permission).
        return False

    @admin.display(description=_("contact person"))
    def contact_name(self, obj: PartnerApplication) -> str:
        return obj.contact_name

    def can_decide(self, request: HttpRequest) -> bool:
        # Letting a company in is a reviewer's decision, like a deal's.
        return access.is_reviewer(request.user)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return self.can_decide(request)

    @admin.action(description=_("Resend the set-password e-mail"), permissions=["decide"])
    def resend_set_password_link(self, request: HttpRequest, queryset) -> None:
        sent = [a for a in queryset if applications.resend_set_password_link(application=a)]
        self.message_user(
            request,
            ngettext(
                "%(count)d set-password e-mail sent (approved applicants who have not set a "
                "password yet).",
                "%(count)d set-password e-mails sent (approved applicants who have not set a "
                "password yet).",
                len(sent),
            )
            % {"count": len(sent)},
            messages.SUCCESS if sent else messages.WARNING,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="portal_partnerapplication_approve",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="portal_partnerapplication_reject",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_decide": application is not None
            and self.can_decide(request)
            and application.status == PartnerApplication.Status.PENDING,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _decidable(self, request: HttpRequest, object_id: str) -> PartnerApplication:
        if not self.can_decide(request):
            raise PermissionDenied
        return access.get_visible_or_404(
            PartnerApplication.objects.select_related("distributor"), object_id
        )

    def _render(self, request, application, form, title, template) -> HttpResponse:
        return admin_page(self, request, template, application=application, form=form, title=title)

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        application = self._decidable(request, object_id)
        change_url = reverse("admin:portal_partnerapplication_change", args=[application.pk])
        if request.method == "POST":
            try:
                applications.approve_application(application=application, by=request.user)
            except (AlreadyDecided, ValidationError) as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _(
                        "Approved: the partner %(name)s was created and %(email)s was sent a link "
                        "to set a password."
                    )
                    % {"name": application.company_name, "email": application.email},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url)
        return self._render(
            request,
            application,
            None,
            _("Approve %(name)s") % {"name": application.company_name},
            "admin/portal/partnerapplication/approve.html",
        )

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        application = self._decidable(request, object_id)
        change_url = reverse("admin:portal_partnerapplication_change", args=[application.pk])
        form = RejectApplicationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                applications.reject_application(
                    application=application, by=request.user, reason=form.cleaned_data["reason"]
                )
            except AlreadyDecided as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request, _("Rejected: the applicant was e-mailed the reason."), messages.SUCCESS
                )
            return HttpResponseRedirect(change_url)
        return self._render(
            request,
            application,
            form,
            _("Reject %(name)s") % {"name": application.company_name},
            "admin/portal/partnerapplication/reject.html",
        )
