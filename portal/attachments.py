"""Files on a deal: what may be attached, checked from the file's bytes, and stored
through Django's storage API under names nobody can guess.

A file is accepted when its first bytes (and, for the zip-based office formats, the
names inside it) are one of `settings.ATTACHMENT_KINDS` and its name's ending fits that
kind: a renamed executable, or a PDF called "quote.xlsx", is refused. Who may attach to
or read a deal is `portal.access`'s decision, made by the views.
"""

import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.decisions import log_action
from portal.models import ActionRequest, Deal, DealAttachment, User


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]


KINDS = {
    "pdf": Kind("application/pdf", ("pdf",)),
    "png": Kind("image/png", ("png",)),
    "jpeg": Kind("image/jpeg", ("jpg", "jpeg")),
    "gif": Kind("image/gif", ("gif",)),
    "docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)
    ),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "pptx": Kind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)
    ),
    "odt": Kind("application/vnd.oasis.opendocument.text", ("odt",)),
    "ods": Kind("application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
    "doc": Kind("application/msword", ("doc",)),
    "xls": Kind("application/vnd.ms-excel", ("xls",)),
    "csv": Kind("text/csv", ("csv",)),
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of the older Word and Excel files
HEAD = 8192


def _zip_kind(upload: UploadedFile) -> str | None:
    """An office document is a zip archive; the names inside it say which."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
                return {KINDS["odt"].content_type: "odt", KINDS["ods"].content_type: "ods"}.get(
                    mimetype
                )
            if "[Content_Types].xml" not in names:
                return None
            for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
                if any(name.startswith(prefix) for name in names):
                    return kind
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1250"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        # A few control characters besides line breaks and tabs mean it is not a CSV.
        return sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t") == 0
    return False


def sniff(upload: UploadedFile, extension: str) -> str | None:
    """The kind the file's bytes show (the name's ending only tells text files apart)."""
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    if head.startswith(OLE2):
        return extension if extension in ("doc", "xls") else None
    if extension == "csv" and _looks_like_text(head):
        return "csv"
    return None


def clean_name(name: str) -> str:
    """The uploader's file name, fit to show and to send back in Content-Disposition."""
    name = unicodedata.normalize("NFC", os.path.basename(name or ""))
    name = re.sub(r"[\x00-\x1f\x7f\"\\/]", "", name).strip() or "file"
    stem, dot, ext = name.rpartition(".")
    return (stem[: 150 - len(ext)] + dot + ext) if dot else name[:150]


def accepted_kinds() -> list[str]:
    return [k for k in settings.ATTACHMENT_KINDS if k in KINDS]


def check(upload: UploadedFile) -> Kind:
    """The file's kind, or ValidationError with the sentence the uploader reads."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(max)s.")
            % {"max": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    extension = clean_name(upload.name).rpartition(".")[2].lower()
    kind = sniff(upload, extension)
    if kind is None or kind not in accepted_kinds():
        raise ValidationError(
            _(
                "This kind of file cannot be attached. Attach a PDF, an image, "
                "an office document or a CSV file."
            )
        )
    if extension not in KINDS[kind].extensions:
        raise ValidationError(
            _("The file's name does not match what it contains (a %(kind)s file): rename it.")
            % {"kind": kind.upper()}
        )
    return KINDS[kind]


@transaction.atomic
def attach(
    *,
    upload: UploadedFile,
    by: User,
    deal: Deal | None = None,
    draft_token: uuid.UUID | str | None = None,
    action_request: ActionRequest | None = None,
) -> DealAttachment:
    """Store `upload` on `deal` (or under a registration's `draft_token`, before the
    deal exists), after `check`."""
    kind = check(upload)
    attachment = DealAttachment(
        deal=deal,
        draft_token=draft_token if deal is None else None,
        action_request=action_request,
        uploaded_by=by,
        name=clean_name(upload.name),
        content_type=kind.content_type,
        size=upload.size,
    )
    upload.seek(0)
    attachment.file.save(uuid.uuid4().hex, upload, save=False)
    attachment.save()
    if deal is not None:
        log_action(deal, "deal.file_attached", by=by, data={"attachment": attachment.pk})
    return attachment


def drafts(token) -> list[DealAttachment]:
    return list(DealAttachment.objects.filter(draft_token=token, deal=None))


def adopt_drafts(*, token, deal: Deal) -> int:
    """Register Deal: the files uploaded during the registration join the new deal."""
    return DealAttachment.objects.filter(draft_token=token, deal=None).update(deal=deal)
