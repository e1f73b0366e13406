"""The partner programme in the reviewers' admin: tiers with their discount matrix, and the
decision rules with their versions and a dry run over past registrations."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal import access, decision_rules
from portal.admin.catalogue import PlainTextAdmin
from portal.admin.inlines import LabelledTabularInline
from portal.admin.pages import admin_page
from portal.inputs import PlainTextForm, PlainTextModelForm
from portal.models import DecisionRule, DecisionRuleVersion, ProgrammeTier, TierDiscount

DRY_RUN_DAYS = [(7, _("7 days")), (30, _("30 days")), (90, _("90 days")), (180, _("180 days"))]


class TierDiscountInline(LabelledTabularInline):
    model = TierDiscount
    form = PlainTextModelForm
    extra = 1
    fields = ["family", "discount_percent"]


@admin.register(ProgrammeTier)
class ProgrammeTierAdmin(PlainTextAdmin):
    list_display = ["name", "rank", "default_discount_percent", "max_discount_percent"]
    inlines = [TierDiscountInline]


class DecisionRuleForm(PlainTextModelForm):
    class Meta:
        model = DecisionRule
        fields = [
            "name",
            "position",
            "is_active",
            "no_conflict",
            "tiers",
            "families",
            "min_value",
            "max_value",
            "countries",
            "distributors",
            "outcome",
            "route_to_reviewer",
            "route_to_queue",
        ]

    def clean_countries(self) -> str:
        codes = [c.strip().upper() for c in self.cleaned_data["countries"].split(",") if c.strip()]
        wrong = [c for c in codes if len(c) != 2 or not c.isascii() or not c.isalpha()]
        if wrong:
            raise ValidationError(
                _("Use two-letter country codes, e.g. PL, CZ (not %(codes)s).")
                % {"codes": ", ".join(wrong)}
            )
        return ", ".join(codes)

    def clean(self) -> dict:
        data = super().clean()
        Outcome = DecisionRule.Outcome
        reviewer, queue = data.get("route_to_reviewer"), data.get("route_to_queue")
        if data.get("outcome") == Outcome.ROUTE and bool(reviewer) == bool(queue):
            self.add_error(
                "route_to_reviewer", _("Route to one reviewer or one queue: choose exactly one.")
            )
        if data.get("outcome") != Outcome.ROUTE and (reviewer or queue):
            self.add_error("outcome", _("Only a routing rule names a reviewer or a queue."))
        if reviewer is not None and not access.is_reviewer(reviewer):
            self.add_error("route_to_reviewer", _("This user is not a vendor reviewer."))
        return data


class DecisionRuleVersionInline(LabelledTabularInline):
    model = DecisionRuleVersion
    extra = 0
    can_delete = False
    fields = ["version", "saved_at", "saved_by", "definition"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class DryRunForm(PlainTextForm):
    days = forms.TypedChoiceField(
        label=_("Registrations of the last"), choices=DRY_RUN_DAYS, coerce=int, initial=30
    )


@admin.register(DecisionRule)
class DecisionRuleAdmin(admin.ModelAdmin):
    form = DecisionRuleForm
    list_display = ["name", "position", "outcome", "is_active", "version", "dry_run_link"]
    list_filter = ["is_active", "outcome"]
    inlines = [DecisionRuleVersionInline]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active"]}),
        (
            _("When the registration has"),
            {
                "fields": [
                    "no_conflict",
                    "tiers",
                    "families",
                    ("min_value", "max_value"),
                    "countries",
                    "distributors",
                ]
            },
        ),
        (_("Then"), {"fields": ["outcome", "route_to_reviewer", "route_to_queue"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "route_to_reviewer":
            kwargs["queryset"] = access.reviewers()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change) -> None:
        # The tiers, families and distributors are saved here: only now is the whole
        # definition known, and a change of it is a new version.
        super().save_related(request, form, formsets, change)
        decision_rules.record_version(form.instance, by=request.user)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/dry-run/",
                self.admin_site.admin_view(self.dry_run_view),
                name="portal_decisionrule_dry_run",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("dry run"))
    def dry_run_link(self, obj: DecisionRule) -> str:
        url = reverse("admin:portal_decisionrule_dry_run", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Try it"))

    def dry_run_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """What the rule would have decided over the past N days of real registrations."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rule = access.get_visible_or_404(
            DecisionRule.objects.prefetch_related("tiers", "families", "distributors"), object_id
        )
        form = DryRunForm(request.GET or None)
        days = form.cleaned_data["days"] if form.is_valid() else 30
        return admin_page(
            self,
            request,
            "admin/portal/decisionrule/dry_run.html",
            rule=rule,
            form=form,
            run=decision_rules.dry_run(rule, days=days),
            title=_("Dry run of %(rule)s") % {"rule": rule},
        )
