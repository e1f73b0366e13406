"""The Opportunity Manager's export (CSV or XLSX, `export_formats`): every deal of a
filtered list, in its order.

Up to `EXPORT_STREAM_MAX_ROWS` rows the response sends the file; a larger list becomes
an `ExportJob` that the task worker writes to storage while the user watches its
progress, and an e-mail says when it is ready. Either way a file is whole: a stream that
would outlive the server's worker timeout is never started.

Rows come from `selectors.export_rows` (one query, plain tuples) and are written as
they arrive, so memory does not grow with the rows. On SQLite the file is written to a
temporary file first and then sent: a download at the client's pace would otherwise
keep a read transaction open the whole time (and, in WAL mode, the log could not be
checkpointed until it ended).
"""

import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from portal import notifications, replica
from portal.access import may_use_sales_zone
from portal.export_formats import Format, csv_lines, format_for
from portal.models import Deal, ExportJob, User

logger = logging.getLogger(__name__)

# Kept in memory up to this size, then on disk; sent in blocks of SEND_BLOCK bytes.
SPOOL_IN_MEMORY = 1024 * 1024
SEND_BLOCK = 64 * 1024


def stream(deals: QuerySet[Deal], *, viewer: User, fmt: Format) -> Iterator[str | bytes]:
    """What the export response sends. A CSV's lines as they are read (on SQLite, the
    whole file once it is read: see the module's docstring); an XLSX, a zip file, only
    once written, from a temporary file."""
    show_partner = not viewer.partner_id
    if fmt.extension == "csv" and connection.vendor != "sqlite":
        return csv_lines(deals, viewer=viewer, show_partner=show_partner)
    return _spooled(lambda out: fmt.write(deals, out, viewer=viewer, show_partner=show_partner))


def _spooled(write: Callable[[IO[bytes]], int]) -> Iterator[bytes]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        write(spool)
        spool.seek(0)
        while block := spool.read(SEND_BLOCK):
            yield block


# --- exports too large for one request ----------------------------------------------------


def too_large_to_stream(deals: QuerySet[Deal]) -> bool:
    """More rows than `EXPORT_STREAM_MAX_ROWS`: a capped count, cheap at any size."""
    limit = settings.EXPORT_STREAM_MAX_ROWS
    return deals.order_by().values("pk")[: limit + 1].count() > limit


def start(*, user: User, query: str, fmt: Format) -> ExportJob:
    """Queue the export of the list `query` describes; the worker builds it (`build`)."""
    job = ExportJob.objects.create(
        user=user,
        query=query[:2000],
        language=translation.get_language() or "en",
        format=fmt.extension,
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from portal.tasks import build_export

    build_export.enqueue(job_id=job_id)


def build(job_id: int) -> ExportJob | None:
    """Write the job's file: every deal of its list, read with the user's rights as they
    are now. Progress is saved every `export_formats.EXPORT_CHUNK_SIZE` rows; the file is
    offered only once it is whole. None when another worker has the job or it is gone."""
    taken = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not taken:
        return None
    with replica.on_primary():  # the job was written a moment ago
        job = ExportJob.objects.select_related("user").get(pk=job_id)
    try:
        with translation.override(job.language), replica.reads_for(job.user):
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
    fmt = format_for(job.format)
    with tempfile.TemporaryFile() as out:
        written = fmt.write(
            deals,
            out,
            viewer=job.user,
            show_partner=not job.user.partner_id,
            progress=lambda done: ExportJob.objects.filter(pk=job.pk).update(rows_done=done),
        )
        out.seek(0)
        job.file.save(f"{job.pk}-{uuid.uuid4().hex}.{fmt.extension}", File(out), save=False)
    # The count was the progress bar's; the file holds what the list held when it was read.
    job.rows_done = job.rows_total = written
    job.status, job.finished_at = ExportJob.Status.DONE, timezone.now()
    job.save(update_fields=["file", "rows_done", "rows_total", "status", "finished_at"])


def job_url(job: ExportJob) -> str:
    return reverse("portal:export_job", args=[job.pk])


def filename(job: ExportJob) -> str:
    return f"opportunity-manager-{timezone.localtime(job.created_at):%Y-%m-%d}.{job.format}"
