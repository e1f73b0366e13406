"""Data-protection requests in the admin: export a person's data as a file, or erase it."""

import json

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import access, personal_data
from portal.admin import bulk
from portal.admin.read_only import ReviewersReadOnlyAdmin
from portal.inputs import PlainTextForm
from portal.models import DealContact


class EraseForm(PlainTextForm):
    confirm = forms.BooleanField(
        label=_("I understand: the person's name and contact details are replaced for good."),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )


class PersonalDataActions:
    """Admin actions for a model whose rows are people (contacts, users)."""

    personal_data_actions = ["export_personal_data", "erase_personal_data"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        for name in self.personal_data_actions:
            if self.has_personal_data_permission(request):
                actions[name] = self.get_action(name)
        return actions

    def has_personal_data_permission(self, request: HttpRequest) -> bool:
        # Read by the actions' `permissions=["personal_data"]` too.
        return access.is_reviewer(request.user)

    @admin.action(description=_("Export personal data (JSON file)"), permissions=["personal_data"])
    def export_personal_data(self, request: HttpRequest, queryset):
        people = []
        for person in queryset:
            people.append(personal_data.export(person))
            personal_data.log_export(person, by=request.user)
        response = HttpResponse(
            json.dumps(people, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
        return response

    @admin.action(description=_("Erase personal data…"), permissions=["personal_data"])
    def erase_personal_data(self, request: HttpRequest, queryset):
        return bulk.with_form(
            self,
            request,
            queryset,
            form_class=EraseForm,
            change=lambda person, data: personal_data.erase(person, by=request.user),
            done_message=lambda done: (
                ngettext(
                    "%(count)d person's data erased.", "%(count)d people's data erased.", len(done)
                )
                % {"count": len(done)}
            ),
            template="admin/portal/erase_personal_data.html",
            context={"people": queryset, "title": _("Erase personal data")},
        )


@admin.register(DealContact)
class DealContactAdmin(PersonalDataActions, ReviewersReadOnlyAdmin):
    """Partner contacts named on deals: found here for a data-protection request."""

    list_display = ["name", "email", "role", "deal"]
    search_fields = ["name", "email", "deal__deal_reg_number"]
    list_select_related = ["deal"]
    fields = ["deal", "role", "name", "email", "phone", "user"]
    readonly_fields = fields
