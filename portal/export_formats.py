"""What an Opportunity Manager export holds, and the two files it is written as.

`table` turns the deals into typed rows (text, dates, numbers); CSV writes them as text a
spreadsheet of the user's language reads, XLSX as typed cells (dates that sort, values
that sum). Both read the rows as they come (`selectors.export_rows`): memory does not
grow with the export. A contact's e-mail and phone are written only where the user may
read them (as on the deal page).
"""

import csv
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import Deal, User
from portal.selectors import export_rows

EXPORT_CHUNK_SIZE = 2000

Cell = str | int | Decimal | datetime.date | datetime.datetime | None


def header(*, show_partner: bool) -> list[str]:
    return [
        _("Deal Reg Number"),
        _("Project name"),
        _("Status"),
        _("Customer"),
        _("Customer tax ID"),
        _("Customer contact"),
        _("Contact's e-mail"),
        _("Contact's phone"),
        _("Products"),
        _("Distributor"),
        *([_("Partner")] if show_partner else []),
        _("Expected close date"),
        _("Submitted"),
        _("Valid until"),
        _("Registered-deal discount (%)"),
        _("Estimated deal value"),
        _("Currency"),
        _("Opportunity ID"),
    ]


def table(deals: QuerySet[Deal], *, viewer: User, show_partner: bool) -> Iterator[list[Cell]]:
    """Each deal of `deals` (scoped, filtered and ordered) as one row under `header`."""
    status_labels = {value: str(label) for value, label in Deal.Status.choices}
    for row in export_rows(deals, viewer=viewer, chunk_size=EXPORT_CHUNK_SIZE):
        visible = row.contact_visible
        yield [
            row.deal_reg_number or "",
            row.name,
            status_labels.get(row.status, row.status),
            row.customer_name,
            row.customer_tax_id,
            f"{row.contact_first_name} {row.contact_last_name}".strip(),
            row.contact_email if visible else "",
            row.contact_phone if visible else "",
            "; ".join(f"{name} ({sku}) × {quantity}" for name, sku, quantity in row.products),
            row.distributor_name,
            *([row.partner_name] if show_partner else []),
            row.expected_close_date,
            timezone.localtime(row.submitted_at) if row.submitted_at else None,
            row.validity_end,
            row.discount_percent,
            row.estimated_value,
            row.currency,
            row.opportunity_id,
        ]


# --- CSV ----------------------------------------------------------------------------------

# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# What a spreadsheet expects in each language: Excel set to Polish splits a CSV on ";"
# (its decimal separator is the comma) and reads a ","-separated file as one column.
DIALECTS = {"pl": (";", ",")}
DEFAULT_DIALECT = (",", ".")


def dialect() -> tuple[str, str]:
    """(field separator, decimal separator) for the active language."""
    return DIALECTS.get((translation.get_language() or "en")[:2], DEFAULT_DIALECT)


def _csv_cell(value: Cell, decimal: str) -> str:
    """ISO dates and local times every spreadsheet reads the same way; text typed by
    users made safe to open in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value).replace(".", decimal)
    value = str(value)
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


class _Echo:
    """The file-like object csv.writer needs, handing each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(deals: QuerySet[Deal], *, viewer: User, show_partner: bool) -> Iterator[str]:
    delimiter, decimal = dialect()
    writer = csv.writer(_Echo(), delimiter=delimiter)
    # The byte order mark tells Excel the file is UTF-8 (Polish letters intact).
    yield "\ufeff" + writer.writerow(header(show_partner=show_partner))
    for row in table(deals, viewer=viewer, show_partner=show_partner):
        yield writer.writerow([_csv_cell(value, decimal) for value in row])


def write_csv(deals, out: IO[bytes], *, viewer, show_partner, progress=None) -> int:
    lines = csv_lines(deals, viewer=viewer, show_partner=show_partner)
    out.write(next(lines).encode())  # the header
    written = 0
    for line in lines:
        out.write(line.encode())
        written += 1
        if progress and written % EXPORT_CHUNK_SIZE == 0:
            progress(written)
    return written


# --- XLSX ---------------------------------------------------------------------------------

# Excel's number formats, one per language like the portal's own dates.
XLSX_DATES = {"pl": ("dd.mm.yyyy", "dd.mm.yyyy hh:mm")}
XLSX_DEFAULT_DATES = ("d mmm yyyy", "d mmm yyyy hh:mm")


def write_xlsx(deals, out: IO[bytes], *, viewer, show_partner, progress=None) -> int:
    """One sheet of typed cells. Row by row (xlsxwriter's constant memory mode); text is
    never read as a formula, a link or a number."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    date_pattern, time_pattern = XLSX_DATES.get(
        (translation.get_language() or "en")[:2], XLSX_DEFAULT_DATES
    )
    bold = book.add_format({"bold": True})
    date, moment = (
        book.add_format({"num_format": date_pattern}),
        book.add_format({"num_format": time_pattern}),
    )
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet(_("Deals")[:31])
    names = header(show_partner=show_partner)
    sheet.write_row(0, 0, names, bold)
    sheet.freeze_panes(1, 0)
    for column, name in enumerate(names):
        sheet.set_column(column, column, max(12, min(len(name) + 2, 40)))
    written = 0
    for written, row in enumerate(table(deals, viewer=viewer, show_partner=show_partner), 1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.datetime):
                sheet.write_datetime(written, column, value.replace(tzinfo=None), moment)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(written, column, value, date)
            elif isinstance(value, Decimal):
                sheet.write_number(written, column, float(value), money)
            else:
                sheet.write_string(written, column, str(value))
        if progress and written % EXPORT_CHUNK_SIZE == 0:
            progress(written)
    sheet.autofilter(0, 0, max(written, 1), len(names) - 1)
    book.close()
    return written


@dataclass(frozen=True)
class Format:
    extension: str
    content_type: str
    write: Callable[..., int]


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8", write_csv),
    "xlsx": Format(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", write_xlsx
    ),
}
DEFAULT_FORMAT = "csv"


def format_for(name: str | None) -> Format:
    return FORMATS.get(name or "", FORMATS[DEFAULT_FORMAT])
