"""Files on a deal (issue 15): checked from their bytes, stored under names nobody can
guess, and served only to who may see the deal, as a download."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import action_required, attachments
from portal.models import Deal, DealAttachment, ReviewReason
from tests.wizard_steps import answer_until, answers, step_url

pytestmark = pytest.mark.django_db
S = Deal.Status

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "Bill of materials"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("quote.pdf", PDF, "application/pdf"),
        ("site.png", PNG, "image/png"),
        ("bom.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("letter.docx", None, attachments.KINDS["docx"].content_type),
        ("lines.csv", "sku;qty\nNGFW-400;2\nZażółć;1\n".encode(), "text/csv"),
    ],
)  # fmt: skip
def test_the_kinds_a_partner_attaches_are_recognised_from_their_bytes(name, content, content_type):
    content = content or (xlsx() if name.endswith("xlsx") else docx())
    # The browser's claimed type is ignored: every upload here claims octet-stream.
    assert attachments.check(upload(name, content)).content_type == content_type


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("quote.pdf", EXE, "This kind of file cannot be attached"),  # a renamed executable
        ("setup.exe", EXE, "This kind of file cannot be attached"),
        ("quote.xlsx", PDF, r"does not match what it contains \(a PDF file\)"),
        ("notes.csv", b"a,b\x00\x01\x02", "This kind of file cannot be attached"),
        ("empty.pdf", b"", "The file is empty."),
        ("archive.zip", docx()[:30], "This kind of file cannot be attached"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(name, content, message):
    with pytest.raises(ValidationError, match=message):
        attachments.check(upload(name, content))


def test_a_file_over_the_limit_is_refused_with_the_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 50
    with pytest.raises(ValidationError, match="larger than 50"):
        attachments.check(upload("quote.pdf", PDF + b" " * 60))


def test_a_partner_attaches_on_the_deal_page_and_downloads_it(client, partner_user, make_deal):
    deal = make_deal(S.SUBMITTED)
    client.force_login(partner_user)
    response = client.post(
        reverse("portal:deal_attach", args=[deal.pk]),
        {"attachment": upload('Oferta "Alfa".pdf', PDF)},
        follow=True,
    )
    page = response.content.decode()
    assert "Oferta Alfa.pdf is attached." in page
    stored = DealAttachment.objects.get()
    assert stored.deal == deal and stored.uploaded_by == partner_user
    assert "Oferta" not in stored.file.name and len(stored.file.name) == 32  # unguessable
    assert reverse("portal:attachment", args=[stored.pk]) in page
    download = client.get(reverse("portal:attachment", args=[stored.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="Oferta Alfa.pdf"'
    assert b"".join(download.streaming_content) == PDF


def test_a_refused_file_is_said_on_the_deal_page_and_not_stored(client, partner_user, make_deal):
    deal = make_deal(S.SUBMITTED)
    client.force_login(partner_user)
    response = client.post(
        reverse("portal:deal_attach", args=[deal.pk]),
        {"attachment": upload("quote.pdf", EXE)},
        follow=True,
    )
    assert "This kind of file cannot be attached" in response.content.decode()
    assert not DealAttachment.objects.exists()


def test_the_file_itself_has_no_public_address(client, partner_user, make_deal, settings):
    deal = make_deal(S.SUBMITTED)
    stored = attachments.attach(upload=upload("quote.pdf", PDF), by=partner_user, deal=deal)
    # Kept by the "attachments" storage the settings name (here the test run's folder).
    assert stored.file.storage.location == settings.STORAGES["attachments"]["OPTIONS"]["location"]
    assert stored.file.storage.exists(stored.file.name)
    client.force_login(partner_user)
    for path in (f"/media/{stored.file.name}", f"/media/attachments/{stored.file.name}"):
        assert client.get(path).status_code == 404


def test_a_file_uploaded_in_the_wizard_joins_the_deal_on_register(client, partner_user, catalogue):
    client.force_login(partner_user)
    answer_until(client, catalogue, "details")
    details = {**answers(catalogue)["details"], "attachment": upload("bom.xlsx", xlsx())}
    assert client.post(step_url("details"), details).status_code == 302
    draft = DealAttachment.objects.get()
    assert draft.deal is None and draft.draft_token is not None
    review = client.get(step_url("review"))
    assert "bom.xlsx" in review.content.decode()
    client.post(step_url("review"), {"token": review.context["state"].token})
    draft.refresh_from_db()
    assert draft.deal == Deal.objects.get()


def test_a_refused_file_in_the_wizard_is_said_next_to_the_field(client, partner_user, catalogue):
    client.force_login(partner_user)
    answer_until(client, catalogue, "details")
    details = {**answers(catalogue)["details"], "attachment": upload("bom.xlsx", EXE)}
    response = client.post(step_url("details"), details)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This kind of file cannot be attached" in page
    assert f'value="{answers(catalogue)["details"]["name"]}"' in page  # the rest is kept
    assert not DealAttachment.objects.exists()


def test_a_draft_file_is_its_uploaders_alone(client, partner_user, other_partner_user, reviewer):
    import uuid

    draft = attachments.attach(
        upload=upload("quote.pdf", PDF), by=partner_user, draft_token=uuid.uuid4()
    )
    url = reverse("portal:attachment", args=[draft.pk])
    for user, status in [(partner_user, 200), (other_partner_user, 404), (reviewer, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_the_partner_attaches_what_was_asked_when_answering(
    client, partner_user, make_deal, reviewer
):
    deal = make_deal(S.SUBMITTED)
    asked = action_required.request_action(
        deal=deal,
        by=reviewer,
        reasons=[ReviewReason.objects.get(code="missing_distributor_quote")],
        message="The quote, please.",
    )
    client.force_login(partner_user)
    response = client.post(
        reverse("portal:deal_respond", args=[deal.pk]),
        {"attachment": upload("quote.pdf", PDF)},
    )
    assert response.status_code == 302
    stored = DealAttachment.objects.get()
    assert (stored.deal, stored.action_request) == (deal, asked)
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert page.count("quote.pdf") >= 2  # in the files and in the timeline


def test_a_reviewer_attaches_a_file_to_the_request(client, reviewer, partner_user, make_deal):
    deal = make_deal(S.SUBMITTED)
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:portal_deal_request_action", args=[deal.pk]),
        {
            "reasons": [ReviewReason.objects.get(code="products_mismatch").pk],
            "message": "Use this template for the bill of materials.",
            "attachment": upload("template.xlsx", xlsx()),
        },
    )
    assert response.status_code == 302
    stored = DealAttachment.objects.get()
    assert stored.action_request == deal.action_requests.get()
    client.force_login(partner_user)
    page = client.get(reverse("portal:deal_detail", args=[deal.pk])).content.decode()
    assert "template.xlsx" in page


def test_uploads_of_a_registration_never_finished_are_pruned_with_their_files(
    partner_user, make_deal, settings
):
    import datetime
    import uuid

    from django.utils import timezone

    from portal.management.commands.prune_records import prune

    abandoned = attachments.attach(
        upload=upload("quote.pdf", PDF), by=partner_user, draft_token=uuid.uuid4()
    )
    kept = attachments.attach(upload=upload("kept.pdf", PDF), by=partner_user, deal=make_deal())
    later = timezone.now() + datetime.timedelta(days=settings.RETENTION_EXPORT_DAYS + 1)
    assert prune(now=later)["abandoned uploads"] == 1
    assert not abandoned.file.storage.exists(abandoned.file.name)
    assert list(DealAttachment.objects.all()) == [kept]
    assert prune(now=later)["abandoned uploads"] == 0
