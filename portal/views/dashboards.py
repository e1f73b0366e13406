"""Sales Zone → Dashboard: the pipeline as pictures, fitted to the role (`portal.dashboards`
computes the figures, `portal.charts` draws them)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from portal import access, charts, dashboards, replica
from portal.inputs import PlainTextForm


class PeriodForm(PlainTextForm):
    weeks = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        choices=[
            (n, ngettext_lazy("Last %(n)d week", "Last %(n)d weeks", n) % {"n": n})
            for n in dashboards.PERIODS
        ],
        coerce=int,
        required=False,
    )


def _week(day) -> str:
    return date_format(day, "j M")


def _percent(value) -> str:
    return f"{number_format(value * 100, 0)}%"


def _rates(title, rows, headers):
    """A bar chart of shares (0 to 1), drawn and labelled as percentages."""
    return charts.bars(title, rows, headers=headers, fmt=_percent, top=1, tick=_percent)


def _hours(value) -> str:
    return _("%(n)s h") % {"n": number_format(value, 0)}


def _vendor_charts(figures: dashboards.Vendor) -> list[charts.Chart]:
    week = _("Week from")
    sla = (figures.sla_hours, _("SLA %(h)s h") % {"h": figures.sla_hours})
    return [
        charts.bars(
            _("Registrations per week"),
            [(_week(w), figures.registrations[w]) for w in figures.weeks],
            headers=(week, _("Registrations")),
        ),
        *(
            charts.bars(
                title,
                [(_week(w), by_week[w]) for w in figures.weeks],
                headers=(week, header),
                fmt=_hours,
                tick=_hours,
                reference=sla,
            )
            for title, header, by_week in [
                (
                    _("Decision time per week, median (business hours)"),
                    _("Median"),
                    figures.median_hours,
                ),
                (
                    _("Decision time per week, 90th percentile (business hours)"),
                    _("90th percentile"),
                    figures.p90_hours,
                ),
            ]
        ),  # fmt: skip
        _rates(
            _("Conflict rate per week"),
            [(_week(w), figures.conflicted[w]) for w in figures.weeks],
            (week, _("Conflicting registrations")),
        ),
        charts.bars(
            _("Rejections by reason"),
            figures.reasons,
            headers=(_("Reason"), _("Rejections")),
        ),
        _rates(
            _("Win rate by partner tier"),
            [(name, win) for name, win, _closed in figures.win_by_tier],
            (_("Tier"), _("Won of those closed")),
        ),
        _rates(
            _("Win rate by distributor"),
            [(name, win) for name, win, _closed in figures.win_by_distributor],
            (_("Distributor"), _("Won of those closed")),
        ),
    ]


@login_required
@replica.lists
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = access.dashboard_scope(request.user)
    if scope is None:
        raise PermissionDenied
    role, scope_id = scope
    form = PeriodForm(request.GET or None)
    weeks = (form.is_valid() and form.cleaned_data["weeks"]) or dashboards.DEFAULT_PERIOD
    context = {"form": form, "role": role, "weeks": weeks}
    if role == "vendor":
        figures = dashboards.vendor(weeks)
        context.update(figures=figures, charts=_vendor_charts(figures))
    elif role == "partner":
        deals = access.deals_visible_to(user=request.user)
        figures = dashboards.partner(scope_id, weeks, deals)
        context.update(
            figures=figures,
            charts=[
                charts.bars(
                    _("Registrations by status"),
                    [(label, n) for _s, label, n, _v in figures.by_status],
                    headers=(_("Status"), _("Registrations")),
                ),
                charts.bars(
                    _("Estimated value by status"),
                    [(label, float(value)) for _s, label, _n, value in figures.by_status],
                    headers=(_("Status"), _("Estimated value")),
                ),
                charts.bars(
                    _("Registrations per week"),
                    [(_week(w), figures.registrations[w]) for w in figures.weeks],
                    headers=(_("Week from"), _("Registrations")),
                ),
            ],
        )
    else:
        figures = dashboards.distributor(scope_id, weeks)
        context.update(
            figures=figures,
            charts=[
                charts.bars(
                    _("Registered pipeline per month (estimated value)"),
                    [
                        (date_format(m, "YEAR_MONTH_FORMAT"), float(figures.by_month[m][1]))
                        for m in figures.months
                    ],
                    headers=(_("Month"), _("Estimated value")),
                ),
                charts.bars(
                    _("Registrations per month"),
                    [
                        (date_format(m, "YEAR_MONTH_FORMAT"), figures.by_month[m][0])
                        for m in figures.months
                    ],
                    headers=(_("Month"), _("Registrations")),
                ),
            ],
        )
    return render(request, "portal/dashboard.html", context)
