"""FILE_STORAGE=s3: exports and attachments in an S3-compatible object store, so that app
nodes and the worker share files without a shared disk.

The store is moto's S3 server on a loopback port, spoken to over HTTP by the same
django-storages backend production uses.
"""

import datetime

import boto3
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.models import Deal, DealAttachment, ExportJob
from tests import fresh_process
from tests.test_attachments import PDF, upload

BUCKET = "dealreg-files"
CREDENTIALS = {"access_key": "test", "secret_key": "test", "region_name": "eu-central-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    bucket_client(endpoint).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    yield endpoint
    server.stop()


def bucket_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="eu-central-1",
    )


def keys(endpoint: str) -> set[str]:
    listing = bucket_client(endpoint).list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listing.get("Contents", [])}


@pytest.fixture
def object_store(s3_endpoint, settings, tmp_path):
    """STORAGES as FILE_STORAGE=s3 makes them, pointed at the loopback store; MEDIA_ROOT
    an empty folder that must stay empty."""
    options = {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, **CREDENTIALS}
    s3 = "storages.backends.s3.S3Storage"
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": s3, "OPTIONS": options},
        "attachments": {"BACKEND": s3, "OPTIONS": {**options, "location": "attachments"}},
    }
    before = keys(s3_endpoint)
    yield s3_endpoint
    assert not any(tmp_path.iterdir()), "a file was written to the local disk"
    bucket_client(s3_endpoint).delete_objects(
        Bucket=BUCKET,
        Delete={"Objects": [{"Key": k} for k in keys(s3_endpoint) - before] or [{"Key": "-"}]},
    )


@pytest.mark.django_db
def test_an_export_job_is_written_to_the_store_downloaded_and_pruned_from_it(
    client, partner_user, make_deal, object_store, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_STREAM_MAX_ROWS = 1
    deals = [make_deal(Deal.Status.SUBMITTED, name=f"Stored {n}") for n in range(3)]
    client.force_login(partner_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("portal:deal_export"))
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE
    assert keys(object_store) == {job.file.name}
    assert job.file.name.startswith("exports/") and job.file.name.endswith(".csv")

    download = client.get(reverse("portal:export_download", args=[job.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert all(deal.name in body for deal in deals)

    ExportJob.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    call_command("prune_records")
    assert not ExportJob.objects.exists()
    assert keys(object_store) == set()


@pytest.mark.django_db
def test_an_attachment_is_kept_in_the_store_and_served_after_the_access_check(
    client, partner_user, other_partner_user, make_deal, object_store
):
    deal = make_deal(Deal.Status.SUBMITTED)
    client.force_login(partner_user)
    response = client.post(
        reverse("portal:deal_attach", args=[deal.pk]),
        {"attachment": upload("quote.pdf", PDF)},
        follow=True,
    )
    assert "quote.pdf is attached." in response.content.decode()
    stored = DealAttachment.objects.get()
    assert keys(object_store) == {f"attachments/{stored.file.name}"}

    download = client.get(reverse("portal:attachment", args=[stored.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="quote.pdf"'
    assert b"".join(download.streaming_content) == PDF
    client.force_login(other_partner_user)
    assert client.get(reverse("portal:attachment", args=[stored.pk])).status_code == 404


def test_the_store_comes_from_the_environment():
    env = {
        "DEBUG": "1",
        "FILE_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "files",
        "AWS_S3_ENDPOINT_URL": "http://objects.internal:9000",
    }
    shown = fresh_process.printed(
        "d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['endpoint_url'], "
        "a['OPTIONS']['location']",
        env=env,
        setup="d, a = settings.STORAGES['default'], settings.STORAGES['attachments']",
    )
    assert shown.split() == [
        "storages.backends.s3.S3Storage",
        "files",
        "http://objects.internal:9000",
        "attachments",
    ]


def test_an_unknown_store_is_refused_by_name():
    result = fresh_process.manage("check", env={"DEBUG": "1", "FILE_STORAGE": "nfs"})
    assert result.returncode != 0
    assert "FILE_STORAGE is 'filesystem' or 's3', not 'nfs'" in result.stderr
