"""Invoices and receipts for the spending ledger: checked like the photo upload, kept privately.

A PDF is taken when it starts as a PDF does (`%PDF-`) and weighs at most 10 MB; anything else
must be a picture the image checker accepts (a photo of a receipt). The files live under
PRIVATE_FILES_DIR/invoices, outside MEDIA_ROOT, with no public URL: admin serves each one
only to staff who may see the ledger.
"""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile

from campaign_site.core.images import MAX_UPLOAD_BYTES, PictureRules, picture_check

PDF_MAGIC = b"%PDF-"
RECEIPT_RULES = PictureRules(what="photo of a receipt", min_width=200, min_height=200)
NOT_AN_INVOICE = (
    "This file is not an invoice we can keep. Upload a PDF, or a JPEG, PNG or WebP photo "
    "of the invoice or receipt."
)
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


class PrivateInvoiceStorage(FileSystemStorage):
    """Files on disk under PRIVATE_FILES_DIR/invoices (read when used, so a test's setting
    counts), which have no URL: nothing is ever served from there directly."""

    @property
    def base_location(self):
        return str(Path(settings.PRIVATE_FILES_DIR) / "invoices")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Invoices have no public URL; admin serves them.")


_storage = PrivateInvoiceStorage()


def invoice_storage() -> PrivateInvoiceStorage:
    return _storage


def invoice_check(upload: UploadedFile) -> ContentFile:
    """The upload as a file to keep (named afresh, by its real type), or a ValidationError
    saying what is wrong with it."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; the most we take is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB."
        )
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The most we take is {MAX_UPLOAD_BYTES // 1024 // 1024} MB.")
    if data.startswith(PDF_MAGIC):
        extension = ".pdf"
    else:
        try:
            image = picture_check(upload, rules=RECEIPT_RULES)
        except ValidationError as exc:
            message = " ".join(exc.messages)
            raise ValidationError(
                NOT_AN_INVOICE if "not a picture" in message else message
            ) from None
        extension = EXTENSIONS.get(image.format or "", "") or _probe_extension(data)
    return ContentFile(data, name=f"{uuid.uuid4().hex}{extension}")


def _probe_extension(data: bytes) -> str:
    # exif_transpose may hand back a copy without its format; the bytes still say it.
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".jpg"


def invoice_content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
