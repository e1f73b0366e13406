"""A list too long to stream is exported in the background: a whole file, or none."""

import datetime
import os

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal import exports
from portal.models import Deal, ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limit(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_STREAM_MAX_ROWS = 3


@pytest.fixture
def five_deals(make_deal):
    return [make_deal(Deal.Status.SUBMITTED) for _ in range(4)] + [make_deal(Deal.Status.APPROVED)]


def csv_rows(response) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[1:]


def test_a_long_list_becomes_a_job_whose_file_holds_every_row(
    client, partner_user, five_deals, django_capture_on_commit_callbacks
):
    client.force_login(partner_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("portal:deal_export"))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:export_job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Your export is ready: 5 deals." in page.content.decode()
    assert 'hx-trigger="every 3s"' not in page.content.decode()  # nothing left to wait for
    download = client.get(reverse("portal:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="opportunity-manager-')
    rows = csv_rows(download)
    assert len(rows) == 5
    assert {deal.customer.name for deal in five_deals} == {row.split(",")[3] for row in rows}
    (message,) = mail.outbox
    assert message.to == [partner_user.email]
    assert message.subject == "Your Opportunity Manager export is ready"
    assert f"/sales-zone/exports/{job.pk}/" in message.body


def test_the_job_exports_the_list_as_filtered(
    client, partner_user, five_deals, django_capture_on_commit_callbacks
):
    client.force_login(partner_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("portal:deal_export"), {"status": "submitted"})
    job = ExportJob.objects.get()
    assert job.query == "status=submitted"
    rows = csv_rows(client.get(reverse("portal:export_download", args=[job.pk])))
    assert len(rows) == 4 and all(",Submitted," in row for row in rows)


def test_a_short_list_still_streams_at_once(client, partner_user, make_deal):
    make_deal(Deal.Status.SUBMITTED)
    client.force_login(partner_user)
    response = client.get(reverse("portal:deal_export"))
    assert response.status_code == 200 and len(csv_rows(response)) == 1
    assert not ExportJob.objects.exists()


def test_a_waiting_job_shows_its_progress_and_refreshes(client, partner_user):
    job = ExportJob.objects.create(
        user=partner_user, language="en", status="running", rows_total=40_000, rows_done=10_000
    )
    client.force_login(partner_user)
    page = client.get(reverse("portal:export_job", args=[job.pk])).content.decode()
    assert "10000 of 40000 deals written." in page
    assert 'value="25"' in page and 'hx-trigger="every 3s"' in page
    assert client.get(reverse("portal:export_download", args=[job.pk])).status_code == 404


def test_a_failed_job_says_so(client, partner_user):
    job = ExportJob.objects.create(user=partner_user, language="en", status="failed")
    client.force_login(partner_user)
    page = client.get(reverse("portal:export_job", args=[job.pk])).content.decode()
    assert "The export could not be written." in page


def test_a_job_is_built_once(partner_user, five_deals):
    job = ExportJob.objects.create(user=partner_user, language="en")
    assert exports.build(job.pk).rows_done == 5
    assert exports.build(job.pk) is None  # a second worker finds it taken
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == ("done", 5, 5)


def test_a_user_who_lost_access_gets_no_file(partner_user, five_deals):
    job = ExportJob.objects.create(user=partner_user, language="en")
    partner_user.partner = None
    partner_user.save()
    assert exports.build(job.pk) is None
    job.refresh_from_db()
    assert job.status == "failed" and not job.file


def test_old_exports_and_their_files_are_pruned(partner_user, five_deals):
    job = ExportJob.objects.create(user=partner_user, language="en")
    exports.build(job.pk)
    job.refresh_from_db()
    path = job.file.path
    ExportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    call_command("prune_records")
    assert not ExportJob.objects.exists()
    assert not os.path.exists(path)


def test_the_owner_who_lost_access_cannot_download_an_earlier_file(
    client, partner_user, five_deals
):
    job = ExportJob.objects.create(user=partner_user, language="en")
    exports.build(job.pk)
    client.force_login(partner_user)
    download = reverse("portal:export_download", args=[job.pk])
    assert client.get(download).status_code == 200
    partner_user.partner = None
    partner_user.save()
    assert client.get(download).status_code == 403
    assert client.get(reverse("portal:export_job", args=[job.pk])).status_code == 403


def test_a_long_list_in_excel_becomes_a_job_whose_file_is_an_xlsx(
    client, partner_user, five_deals, django_capture_on_commit_callbacks
):
    import io

    import openpyxl

    client.force_login(partner_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("portal:deal_export"), {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("portal:export_job", args=[job.pk])
    assert "Your export is ready: 5 deals." in client.get(response["Location"]).content.decode()
    download = client.get(reverse("portal:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert download["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 6  # the header and every deal
    assert {deal.name for deal in five_deals} == {row[1] for row in rows[1:]}
