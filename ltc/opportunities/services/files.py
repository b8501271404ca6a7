"""Checks for files attached to deals and bids: a known office/PDF/image/ZIP type, not empty,
not over the size limit."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_FILE_BYTES = 50 * 1024 * 1024
ALLOWED_SUFFIXES = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".png", ".jpg", ".jpeg"}


def checked_name(upload: UploadedFile) -> str:
    """The upload's file name, once its type and size are acceptable (else a field error)."""
    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise ValidationError({"file": [_("Upload a PDF, Office document, image or ZIP file.")]})
    if not upload.size:
        raise ValidationError({"file": [_("The file is empty.")]})
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError({"file": [_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 2**20}]})
    return name[:255]
