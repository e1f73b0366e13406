"""Export from the Opportunity Manager (CSV or XLSX): sent at once, or built in the
background when large."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from portal import exports, replica
from portal.access import may_use_sales_zone
from portal.export_formats import format_for
from portal.models import ExportJob
from portal.views.opportunity_manager import deal_filter_for


@login_required
@require_GET
@replica.lists
def deal_export(request: HttpRequest) -> HttpResponse:
    """Every deal of the current filtered list (all pages), as CSV or (`?format=xlsx`)
    XLSX: sent at once up to `EXPORT_STREAM_MAX_ROWS` rows, else a background job whose
    page shows its progress."""
    deal_filter = deal_filter_for(request)  # refuses who may not see deals
    deals = deal_filter.qs
    fmt = format_for(request.GET.get("format"))
    if exports.too_large_to_stream(deals):
        job = exports.start(user=request.user, query=request.GET.urlencode(), fmt=fmt)
        return redirect(exports.job_url(job))
    response = StreamingHttpResponse(
        exports.stream(deals, viewer=request.user, fmt=fmt), content_type=fmt.content_type
    )
    filename = f"opportunity-manager-{date_format(timezone.localdate(), 'Y-m-d')}.{fmt.extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    # Only the user who asked for it: anyone else is told it does not exist; the owner
    # too is refused once they may no longer see deals (the file holds deals).
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    if not may_use_sales_zone(request.user):
        raise PermissionDenied
    return job


@login_required
@require_GET
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """How far the export is; the download once it is whole."""
    return render(
        request, "portal/opportunity_manager/export_job.html", {"job": _own_job(request, pk)}
    )


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=exports.filename(job),
        content_type=format_for(job.format).content_type,
    )
