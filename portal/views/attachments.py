"""Files on a deal: attach one from the deal page, download one after the deal's check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import attachments
from portal.access import attachment_for, get_deal_access
from portal.forms import AttachForm


@login_required
@require_POST
def deal_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal's partner and reviewers attach a file; distributors read only."""
    access = get_deal_access(user=request.user, pk=pk)
    if not access.may_comment:
        raise PermissionDenied
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        attachment = attachments.attach(
            upload=form.cleaned_data["attachment"], by=request.user, deal=access.deal
        )
        messages.success(request, _("%(name)s is attached.") % {"name": attachment.name})
    else:
        for error in form.errors.get("attachment", []):
            messages.error(request, error)
    return redirect(reverse("portal:deal_detail", args=[access.deal.pk]) + "#attachments")


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Sent as a download (never shown inline), with the type checked on upload."""
    attachment = attachment_for(user=request.user, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
