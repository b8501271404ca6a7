"""Checks for a contract's documents (the signed copy, acceptance documents): a PDF or an image,
recognised by its first bytes as well as its name, not empty, at most 20 MB."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def checked_document(upload: UploadedFile | None, field: str) -> UploadedFile:
    """The upload, once it is a real PDF, PNG or JPEG within the size limit (else a field error)."""
    if upload is None:
        raise ValidationError({field: [_("Attach the document (PDF or image).")]})
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in SIGNATURES:
        raise ValidationError({field: [_("Upload a PDF, PNG or JPEG file.")]})
    if not upload.size:
        raise ValidationError({field: [_("The file is empty.")]})
    if upload.size > MAX_BYTES:
        raise ValidationError({field: [_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20}]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in SIGNATURES[suffix]):
        raise ValidationError({field: [_("The file's content is not a %(kind)s.") % {"kind": suffix[1:].upper()}]})
    return upload


def stored_file(document: FieldFile) -> FileResponse:
    """A stored document (signed copy, acceptance document) as a download; 404 when none."""
    if not document:
        raise Http404
    return FileResponse(document.open("rb"), filename=Path(document.name or "").name)
