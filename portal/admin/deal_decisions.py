"""The reviewer's decisions on one deal, each a page of the admin: approve, reject, reject
as a duplicate, and return it to the partner (Action Required). Each calls the service
that owns the decision; the page only collects its input."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal import access, action_required, attachments, review, workflow
from portal.admin.deal_parts import ApproveForm, RejectForm, RequestActionForm
from portal.admin.pages import admin_page
from portal.models import Deal
from portal.review_selectors import conflicts_with_details


class DealDecisionViews(admin.ModelAdmin):
    # (URL part, view, name suffix) of each decision page, under the deal's admin URL.
    DECISIONS = [
        ("approve", "approve_view", "approve"),
        ("reject", "reject_view", "reject"),
        ("request-action", "request_action_view", "request_action"),
        ("reject-duplicate", "reject_duplicate_view", "reject_duplicate"),
    ]

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            *(
                path(
                    f"<path:object_id>/{part}/",
                    self.admin_site.admin_view(getattr(self, view)),
                    name=f"{prefix}_{suffix}",
                )
                for part, view, suffix in self.DECISIONS
            ),
            *super().get_urls(),
        ]

    def reject_duplicate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One click: reject as a duplicate of the earliest conflicting registration."""
        deal = self._reviewable_deal(request, object_id)
        change_url = reverse("admin:portal_deal_change", args=[deal.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        try:
            review.reject_as_duplicate(deal=deal, by=request.user)
        except workflow.DealTransitionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, _("Deal rejected as a duplicate."), messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def _reviewable_deal(self, request: HttpRequest, object_id: str) -> Deal:
        if not self.can_review(request):
            raise PermissionDenied
        return access.get_visible_or_404(
            Deal.objects.select_related("customer", "partner"), object_id
        )

    def _render_decision(self, request, deal, form, title, template) -> HttpResponse:
        return admin_page(
            self,
            request,
            template,
            deal=deal,
            form=form,
            title=title,
            conflicts=conflicts_with_details(deal=deal),
        )

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def make_form(deal: Deal, data, files) -> ApproveForm:
            form = ApproveForm(data, deal=deal, initial=workflow.approval_defaults())
            if not review.earlier_conflicts(deal):
                del form.fields["confirm_conflicts"]
            default_end = workflow.approval_defaults()["validity_end"]
            if not form.is_bound and default_end < deal.expected_close_date:
                form.validity_warning = _(
                    "The validity would end on %(end)s, before the expected close date %(close)s."
                ) % {
                    "end": date_format(default_end),
                    "close": date_format(deal.expected_close_date),
                }
            return form

        def done(deal: Deal, form: ApproveForm) -> list[tuple[str, int]]:
            if deal.status == Deal.Status.SUBMITTED:
                return [
                    (
                        _("First approval recorded: a second reviewer must approve this deal."),
                        messages.SUCCESS,
                    )
                ]
            number = _("Deal approved. Deal Reg Number: %(number)s.") % {
                "number": deal.deal_reg_number
            }
            warning = [(form.validity_warning, messages.WARNING)] if form.validity_warning else []
            return [(number, messages.SUCCESS), *warning]

        return self._decision_page(
            request,
            object_id,
            make_form=make_form,
            decide=lambda deal, data: review.approve(deal=deal, by=request.user, **data),
            done=done,
            title=_("Approve %(deal)s"),
            template="admin/portal/deal/approve.html",
        )

    def _decision_page(
        self, request, object_id, *, make_form, decide, done, title, template
    ) -> HttpResponse:
        """One decision's page: its form (`make_form(deal, data, files)`), and on a valid
        POST `decide(deal, data)` then the messages `done(deal, form)` gives; a refusal is
        said beside the fields, a deal decided meanwhile back on its page."""
        deal = self._reviewable_deal(request, object_id)
        change_url = reverse("admin:portal_deal_change", args=[deal.pk])
        posted = request.method == "POST"
        form = make_form(deal, request.POST if posted else None, request.FILES if posted else None)
        if posted and form.is_valid():
            try:
                with transaction.atomic():
                    decide(deal, dict(form.cleaned_data))
            except workflow.DealTransitionError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(change_url)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                for text, level in done(deal, form):
                    self.message_user(request, text, level)
                return HttpResponseRedirect(change_url)
        return self._render_decision(request, deal, form, title % {"deal": deal}, template)

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._decision_page(
            request,
            object_id,
            make_form=lambda deal, data, files: RejectForm(data),
            decide=lambda deal, data: workflow.reject(deal=deal, by=request.user, **data),
            done=lambda deal, form: [(_("Deal rejected."), messages.SUCCESS)],
            title=_("Reject %(deal)s"),
            template="admin/portal/deal/reject.html",
        )

    def request_action_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Return the deal to its partner with reasons, a message, the fields to change and
        optionally a file for them."""

        def decide(deal: Deal, data: dict) -> None:
            upload = data.pop("attachment", None)
            asked = action_required.request_action(deal=deal, by=request.user, **data)
            if upload:
                attachments.attach(upload=upload, by=request.user, deal=deal, action_request=asked)

        return self._decision_page(
            request,
            object_id,
            make_form=lambda deal, data, files: RequestActionForm(data, files),
            decide=decide,
            done=lambda deal, form: [
                (_("The deal is back with the partner: Action Required."), messages.SUCCESS)
            ],
            title=_("Request action on %(deal)s"),
            template="admin/portal/deal/request_action.html",
        )
