"""Files attached to business records: the registry of attachable records, the upload checks,
and the services and selectors every face (record pages, the API) goes through.

Each stage registers its records from its AppConfig.ready (an import of `<app>/attachments.py`):

    register(Attachable(kind=AttachmentRecordType.QUOTE, model=Quote, fetch=..., may_attach=...))

- `fetch(user, pk)`: the record when `user` may see it, else Http404 — the stage's own selector,
  so an attachment is visible exactly to those who see its record;
- `may_attach(user, record)`: who may attach and remove (the record's change rights);
- `permanent`: attachments that can never be removed (contracts, invoices, payments).

Registering also puts an "Attachments" panel on the record's page (ltc.core.panels). The bytes
are kept in the default storage (local disk, or S3-compatible storage: docs/deploy.md) and served
only through access-checked views; a removed attachment keeps its row and its bytes.
"""

from __future__ import annotations

import codecs
import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import panels, timeline
from ltc.core.access import fetch_or_404
from ltc.core.models import Attachment, AttachmentRecordType

TITLE_MAX = 200
NAME_MAX = 255
SHOWN = 50  # the newest attachments a record's panel lists
HEAD_BYTES = 64 * 1024  # what the text check reads


@dataclass(frozen=True)
class Attachable:
    """A record that takes attachments, as its stage registered it."""

    kind: str  # an AttachmentRecordType value: the API's record_type
    model: type[models.Model]
    fetch: Callable[[Any, Any], models.Model]
    may_attach: Callable[[Any, Any], bool]
    permanent: bool = False
    panel_slot: str = panels.MAIN
    panel_order: int = 900


_BY_KIND: dict[str, Attachable] = {}
_BY_MODEL: dict[type[models.Model], Attachable] = {}


def register(entry: Attachable) -> Attachable:
    """Make a record attachable and put the Attachments panel on its page."""
    if entry.kind not in AttachmentRecordType.values:
        raise ImproperlyConfigured(f"{entry.kind!r} is not an AttachmentRecordType.")
    known = _BY_KIND.get(entry.kind)
    if known is not None and known != entry:
        raise ImproperlyConfigured(f"Two attachable records named {entry.kind!r}.")
    _BY_KIND[entry.kind] = entry
    _BY_MODEL[entry.model] = entry
    panels.register(
        panels.Panel(
            record=entry.model,
            key="attachments",
            title=gettext_lazy("Attachments"),
            template="core/attachments_panel.html",
            selector=panel_context,
            max_queries=4,
            slot=entry.panel_slot,
            order=entry.panel_order,
        )
    )
    return entry


def registered() -> list[Attachable]:
    return sorted(_BY_KIND.values(), key=lambda e: e.kind)


def attachable(kind: str) -> Attachable:
    """The registration of a record type; an unknown one is a field error."""
    entry = _BY_KIND.get(kind)
    if entry is None:
        raise ValidationError({"record_type": [_("Files cannot be attached to this kind of record.")]})
    return entry


def attachable_of_type(content_type_id: int) -> Attachable:
    """The registration of a stored attachment's record type (ContentType's cache: no query)."""
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    entry = _BY_MODEL.get(model) if model is not None else None
    if entry is None:
        raise Http404
    return entry


def attachable_of(record: models.Model) -> Attachable:
    model = type(record)._meta.concrete_model
    entry = _BY_MODEL.get(model) if model is not None else None
    if entry is None:
        raise ValidationError({"record_type": [_("Files cannot be attached to this kind of record.")]})
    return entry


# --- checks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    label: str
    media_type: str
    check: Callable[[UploadedFile, bytes], bool]


def _starts(*magics: bytes) -> Callable[[UploadedFile, bytes], bool]:
    return lambda _upload, head: any(head.startswith(m) for m in magics)


def _webp(_upload: UploadedFile, head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _office(folder: str) -> Callable[[UploadedFile, bytes], bool]:
    """An Office Open XML package: a zip with its content types and the part folder of its kind."""

    def check(upload: UploadedFile, head: bytes) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return False
        finally:
            upload.seek(0)
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


def _text(upload: UploadedFile, head: bytes) -> bool:
    """Plain text: no NUL byte, and the start reads as UTF-8 or GB 18030 (a cut multi-byte
    character at the end of what was read is no reason to refuse)."""
    upload.seek(0)
    sample = upload.read(HEAD_BYTES)
    upload.seek(0)
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


KINDS: dict[str, FileKind] = {
    ".pdf": FileKind("PDF", "application/pdf", _starts(b"%PDF-")),
    ".png": FileKind("PNG", "image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    ".jpg": FileKind("JPEG", "image/jpeg", _starts(b"\xff\xd8\xff")),
    ".jpeg": FileKind("JPEG", "image/jpeg", _starts(b"\xff\xd8\xff")),
    ".gif": FileKind("GIF", "image/gif", _starts(b"GIF87a", b"GIF89a")),
    ".webp": FileKind("WEBP", "image/webp", _webp),
    ".docx": FileKind(
        "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _office("word/")
    ),
    ".xlsx": FileKind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _office("xl/")),
    ".pptx": FileKind(
        "PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation", _office("ppt/")
    ),
    ".txt": FileKind("TXT", "text/plain", _text),
    ".csv": FileKind("CSV", "text/csv", _text),
}
ACCEPT = ",".join(KINDS)  # the file input's accept attribute


def max_bytes() -> int:
    return int(settings.LTC_ATTACHMENT_MAX_BYTES)


def checked_upload(upload: UploadedFile | None, field: str = "file") -> FileKind:
    """The kind of an upload, recognised by its name and confirmed by its content, within the size
    limit; anything else is a field error."""
    if upload is None:
        raise ValidationError({field: [_("Choose a file to attach.")]})
    kind = KINDS.get(PurePath(upload.name or "").suffix.lower())
    if kind is None:
        raise ValidationError(
            {
                field: [
                    _("Attach a PDF, an image (PNG, JPEG, GIF, WebP), a Word, Excel or PowerPoint file, or text/CSV.")
                ]
            }
        )
    if not upload.size:
        raise ValidationError({field: [_("The file is empty.")]})
    if upload.size > max_bytes():
        raise ValidationError({field: [_("The file is larger than %(mb)d MB.") % {"mb": max_bytes() // 2**20}]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not kind.check(upload, head):
        raise ValidationError({field: [_("The file's content is not a %(kind)s.") % {"kind": kind.label}]})
    return kind


def _digest(upload: UploadedFile) -> str:
    sha = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


# --- services -----------------------------------------------------------------------------------


def require_attach(actor: Any, record: models.Model) -> Attachable:
    entry = attachable_of(record)
    if not entry.may_attach(actor, record):
        raise PermissionDenied(_("You may not attach files to this record."))
    return entry


def attachment_add(*, actor: Any, record: models.Model, upload: UploadedFile | None, title: str = "") -> Attachment:
    """Attach a file to a record the actor may change. Refuses (changing nothing) a record that takes
    no attachments, an actor without the record's change rights, a file of a type not allowed, one
    whose content is not what its name says, an empty or too large one, a title over 200 characters.
    The record's timeline notes the new attachment."""
    require_attach(actor, record)
    kind = checked_upload(upload)
    assert upload is not None  # noqa: S101 - checked_upload refuses None
    name = PurePath((upload.name or "").replace("\\", "/")).name.strip()[:NAME_MAX] or "file"
    title = (title or "").strip() or name
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": [_("A title may have at most %(n)d characters.") % {"n": TITLE_MAX}]})
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        title=title,
        original_name=name,
        media_type=kind.media_type,
        size=upload.size or 0,
        sha256=_digest(upload),
        uploaded_by=actor,
    )
    # The bytes are written first; should the rows not commit, they are taken back out.
    attachment.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            # A change of the record's "attachment" (core.models.TIMELINE_ENTRIES): it reads in each
            # reader's language, and an "@name" in a title is text, not a mention.
            timeline.record_field_changes(
                actor=actor, subject=record, changes=[{"field": "attachment", "old": "", "new": title}]
            )
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_remove(*, actor: Any, attachment: Attachment, record: models.Model) -> Attachment:
    """Take an attachment off its record: it is no longer listed nor served, and its row and bytes
    stay for the auditors. Refuses an actor without the record's change rights, an attachment of a
    contract, invoice or payment (those are never removed) and one already removed."""
    entry = require_attach(actor, record)
    if entry.permanent:
        raise PermissionDenied(_("Attachments of contracts, invoices and payments are kept: they cannot be removed."))
    now = timezone.now()
    with transaction.atomic():
        taken = Attachment.objects.filter(pk=attachment.pk, removed_at__isnull=True).update(
            removed_at=now, removed_by=actor
        )
        if not taken:
            raise ValidationError({"attachment": [_("This attachment was already removed.")]})
        timeline.record_field_changes(
            actor=actor, subject=record, changes=[{"field": "attachment", "old": attachment.title, "new": ""}]
        )
    attachment.removed_at, attachment.removed_by = now, actor
    return attachment


# --- selectors ----------------------------------------------------------------------------------


def record_get(*, user: Any, kind: str, pk: Any) -> models.Model:
    """The record of a type and id when the user may see it; 404 otherwise (an unknown type is a
    field error)."""
    return attachable(kind).fetch(user, pk)


def attachment_list(record: models.Model) -> list[Attachment]:
    """The newest attachments of a record the caller already may see, with their uploaders."""
    return list(Attachment.objects.of(record).current().select_related("uploaded_by")[:SHOWN])


def attachment_get(*, user: Any, pk: Any) -> tuple[Attachment, models.Model]:
    """An attachment (not removed) and its record, when the user may see the record; else 404."""
    attachment = fetch_or_404(Attachment.objects.current().select_related("uploaded_by"), pk=pk)
    return attachment, attachable_of_type(attachment.content_type_id).fetch(user, attachment.object_id)


def panel_context(user: Any, record: models.Model) -> dict[str, Any]:
    entry = attachable_of(record)
    may_attach = entry.may_attach(user, record)
    return {
        "attachments": attachment_list(record),
        "record_type": entry.kind,
        "may_attach": may_attach,
        "may_remove": may_attach and not entry.permanent,
        "accept": ACCEPT,
        "max_mb": max_bytes() // 2**20,
    }
