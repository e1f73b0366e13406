"""The Opportunity Manager's CSV export: every deal of a filtered list, in its order.

Rows come from `selectors.export_rows` (one query, plain tuples) and are written as
they arrive, so memory does not grow with the rows. On SQLite the file is written to a
temporary file first and then sent: a download at the client's pace would otherwise
keep a read transaction open the whole time (and, in WAL mode, the log could not be
checkpointed until it ended).
"""

import csv
import datetime
import tempfile
from collections.abc import Iterator

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Deal
from portal.selectors import export_rows

EXPORT_CHUNK_SIZE = 2000
# Kept in memory up to this size, then on disk; sent in blocks of SEND_BLOCK bytes.
SPOOL_IN_MEMORY = 1024 * 1024
SEND_BLOCK = 64 * 1024


# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Text typed by users, made safe to open in a spreadsheet."""
    value = value or ""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def _date(value: datetime.date | datetime.datetime | None) -> str:
    """ISO dates (and local times) that every spreadsheet reads the same way."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


class _Echo:
    """The file-like object csv.writer needs, handing each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(deals: QuerySet[Deal], *, show_partner: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    header = [
        _("Deal Reg Number"),
        _("Status"),
        _("Customer"),
        _("Customer tax ID"),
        _("Products"),
        _("Distributor"),
        *([_("Partner")] if show_partner else []),
        _("Expected close date"),
        _("Submitted"),
        _("Valid until"),
        _("Registered-deal discount (%)"),
        _("Opportunity ID"),
    ]
    # The byte order mark tells Excel the file is UTF-8 (Polish letters intact).
    yield "\ufeff" + writer.writerow(header)
    status_labels = {value: str(label) for value, label in Deal.Status.choices}
    for row in export_rows(deals, chunk_size=EXPORT_CHUNK_SIZE):
        products = "; ".join(f"{name} ({sku}) × {quantity}" for name, sku, quantity in row.products)
        yield writer.writerow(
            [
                row.deal_reg_number or "",
                status_labels.get(row.status, row.status),
                _cell(row.customer_name),
                _cell(row.customer_tax_id),
                _cell(products),
                _cell(row.distributor_name),
                *([_cell(row.partner_name)] if show_partner else []),
                _date(row.expected_close_date),
                _date(row.submitted_at),
                _date(row.validity_end),
                "" if row.discount_percent is None else str(row.discount_percent),
                _cell(row.opportunity_id),
            ]
        )


def csv_stream(deals: QuerySet[Deal], *, show_partner: bool) -> Iterator[str | bytes]:
    """What the export response sends: the lines as they are read, or on SQLite the
    whole file once it is read (see the module's docstring)."""
    lines = csv_lines(deals, show_partner=show_partner)
    if connection.vendor != "sqlite":
        return lines
    return _spooled(lines)


def _spooled(lines: Iterator[str]) -> Iterator[bytes]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        for line in lines:
            spool.write(line.encode())
        spool.seek(0)
        while block := spool.read(SEND_BLOCK):
            yield block
