"""The Opportunity Manager's CSV export: every deal of a filtered list, in its order.

Up to `EXPORT_STREAM_MAX_ROWS` rows the response streams the file; a larger list becomes
an `ExportJob` that the task worker writes to storage while the user watches its
progress, and an e-mail says when it is ready. Either way a file is whole: a stream that
would outlive the server's worker timeout is never started.

Rows come from `selectors.export_rows` (one query, plain tuples) and are written as
they arrive, so memory does not grow with the rows. On SQLite the file is written to a
temporary file first and then sent: a download at the client's pace would otherwise
keep a read transaction open the whole time (and, in WAL mode, the log could not be
checkpointed until it ended).
"""

import csv
import datetime
import logging
import tempfile
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import notifications
from portal.access import may_use_sales_zone
from portal.models import Deal, ExportJob, User
from portal.selectors import export_rows

logger = logging.getLogger(__name__)

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


# What a spreadsheet expects in each language: Excel set to Polish splits a CSV on ";"
# (its decimal separator is the comma) and reads a ","-separated file as one column.
DIALECTS = {"pl": (";", ",")}
DEFAULT_DIALECT = (",", ".")


def dialect() -> tuple[str, str]:
    """(field separator, decimal separator) for the active language."""
    return DIALECTS.get((translation.get_language() or "en")[:2], DEFAULT_DIALECT)


def csv_lines(deals: QuerySet[Deal], *, show_partner: bool) -> Iterator[str]:
    delimiter, decimal = dialect()
    writer = csv.writer(_Echo(), delimiter=delimiter)
    header = [
        _("Deal Reg Number"),
        _("Project name"),
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
        _("Estimated deal value"),
        _("Currency"),
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
                _cell(row.name),
                status_labels.get(row.status, row.status),
                _cell(row.customer_name),
                _cell(row.customer_tax_id),
                _cell(products),
                _cell(row.distributor_name),
                *([_cell(row.partner_name)] if show_partner else []),
                _date(row.expected_close_date),
                _date(row.submitted_at),
                _date(row.validity_end),
                ""
                if row.discount_percent is None
                else str(row.discount_percent).replace(".", decimal),
                ""
                if row.estimated_value is None
                else str(row.estimated_value).replace(".", decimal),
                row.currency,
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


# --- exports too large for one request ----------------------------------------------------


def too_large_to_stream(deals: QuerySet[Deal]) -> bool:
    """More rows than `EXPORT_STREAM_MAX_ROWS`: a capped count, cheap at any size."""
    limit = settings.EXPORT_STREAM_MAX_ROWS
    return deals.order_by().values("pk")[: limit + 1].count() > limit


def start(*, user: User, query: str) -> ExportJob:
    """Queue the export of the list `query` describes; the worker builds it (`build`)."""
    job = ExportJob.objects.create(
        user=user, query=query[:2000], language=translation.get_language() or "en"
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from portal.tasks import build_export

    build_export.enqueue(job_id=job_id)


def build(job_id: int) -> ExportJob | None:
    """Write the job's file: every deal of its list, read with the user's rights as they
    are now. Progress is saved every `EXPORT_CHUNK_SIZE` rows; the file is offered only
    once it is whole. None when another worker has the job or it is gone."""
    taken = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not taken:
        return None
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    try:
        with translation.override(job.language):
            _write(job)
    except Exception:
        logger.exception("Export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, finished_at=timezone.now()
        )
        return None  # the job page says so; the user may start it again
    notifications.enqueue(
        notifications.render_for(
            "export_ready",
            {
                "job": job,
                "job_url": notifications.absolute_url(job_url(job)),
                "days": settings.RETENTION_EXPORT_DAYS,
            },
            [notifications.Recipient(job.user.email, job.language, job.user.get_full_name())],
        )
        if job.user.email
        else []
    )
    return job


def _write(job: ExportJob) -> None:
    from portal.filters import DealFilter

    if not may_use_sales_zone(job.user):
        raise PermissionError(f"user {job.user_id} may no longer export")
    deals = DealFilter(QueryDict(job.query), user=job.user).qs
    ExportJob.objects.filter(pk=job.pk).update(rows_total=deals.count())
    written = 0
    with tempfile.TemporaryFile() as out:
        lines = csv_lines(deals, show_partner=not job.user.partner_id)
        out.write(next(lines).encode())  # the header
        for line in lines:
            out.write(line.encode())
            written += 1
            if written % EXPORT_CHUNK_SIZE == 0:
                ExportJob.objects.filter(pk=job.pk).update(rows_done=written)
        out.seek(0)
        job.file.save(f"{job.pk}-{uuid.uuid4().hex}.csv", File(out), save=False)
    # The count was the progress bar's; the file holds what the list held when it was read.
    job.rows_done = job.rows_total = written
    job.status, job.finished_at = ExportJob.Status.DONE, timezone.now()
    job.save(update_fields=["file", "rows_done", "rows_total", "status", "finished_at"])


def job_url(job: ExportJob) -> str:
    return reverse("portal:export_job", args=[job.pk])


def filename(job: ExportJob) -> str:
    return f"opportunity-manager-{timezone.localtime(job.created_at):%Y-%m-%d}.csv"
