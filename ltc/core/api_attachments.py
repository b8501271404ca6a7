"""/api/v1/attachments: files attached to accounts, contacts, leads, deals, quotes, contracts,
invoices and payments (ltc.core.attachments). An attachment is visible to whoever sees its record;
attaching and removing take the record's change rights; those of contracts, invoices and payments
are never removed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.openapi.schema import REF_TEMPLATE

from ltc.core import attachments
from ltc.core.api import PROBLEM_CONTENT_TYPE, file_download
from ltc.core.models import Attachment, AttachmentRecordType
from ltc.core.schemas import UserRef
from ltc.core.views_attachments import stream
from ltc.org.types import AuthedRequest

router = Router(tags=["attachments"])

# The record named by the query may not be visible: it answers 404 as a path would.
RECORD_NOT_FOUND = {
    "responses": {
        404: {
            "description": "The record does not exist or is not shared with you.",
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": REF_TEMPLATE.format(model="Problem")}}},
        }
    }
}


class AttachmentRecordQuery(Schema):
    record_type: AttachmentRecordType = Field(description="The kind of record the files are attached to.")
    record_id: int = Field(description="The record's id.")


class AttachmentOut(Schema):
    id: int
    record_type: AttachmentRecordType
    record_id: int = Field(alias="object_id")
    title: str
    original_name: str
    media_type: str = Field(description="The type recognised from the file's content.")
    size: int = Field(description="In bytes.")
    sha256: str
    previewable: bool = Field(description="An image or a PDF: the file may be shown in a browser.")
    uploaded_by: UserRef
    uploaded_at: datetime
    file_url: str = Field(description="Where the bytes are downloaded (GET, signed in).")

    @staticmethod
    def resolve_record_type(obj: Attachment) -> str:
        return attachments.attachable_of_type(obj.content_type_id).kind

    @staticmethod
    def resolve_file_url(obj: Attachment) -> str:
        return f"/api/v1/attachments/{obj.pk}/file"


@router.get("/attachments", response=list[AttachmentOut], openapi_extra=RECORD_NOT_FOUND)
def attachment_list(request: AuthedRequest, query: Query[AttachmentRecordQuery]) -> Any:
    """The newest attachments of a record you may see (at most 50), removed ones left out."""
    record = attachments.record_get(user=request.user, kind=query.record_type, pk=query.record_id)
    return attachments.attachment_list(record)


@router.post("/attachments", response={201: AttachmentOut}, openapi_extra=RECORD_NOT_FOUND)
def attachment_add(
    request: AuthedRequest,
    query: Query[AttachmentRecordQuery],
    file: File[UploadedFile],
    title: Form[str] = "",
) -> Status[Any]:
    """Attach a file (multipart `file`, optional `title`) to a record you may change: PDF, PNG, JPEG,
    GIF, WebP, docx, xlsx, pptx, text or CSV, recognised by its content, within the size limit."""
    record = attachments.record_get(user=request.user, kind=query.record_type, pk=query.record_id)
    attachments.require_attach(request.user, record)
    return Status(201, attachments.attachment_add(actor=request.user, record=record, upload=file, title=title))


@router.get("/attachments/{attachment_id}", response=AttachmentOut)
def attachment_get(request: AuthedRequest, attachment_id: int) -> Attachment:
    attachment, _record = attachments.attachment_get(user=request.user, pk=attachment_id)
    return attachment


@router.get("/attachments/{attachment_id}/file", openapi_extra=file_download("*/*"))
def attachment_file(request: AuthedRequest, attachment_id: int) -> FileResponse:
    """The file's bytes, as a download (Content-Disposition: attachment)."""
    attachment, _record = attachments.attachment_get(user=request.user, pk=attachment_id)
    return stream(attachment, inline=False)


@router.delete("/attachments/{attachment_id}", response={204: None})
def attachment_remove(request: AuthedRequest, attachment_id: int) -> Status[None]:
    """Take a file off its record (it stays stored for the auditors). Attachments of contracts,
    invoices and payments are never removed (403)."""
    attachment, record = attachments.attachment_get(user=request.user, pk=attachment_id)
    attachments.attachment_remove(actor=request.user, attachment=attachment, record=record)
    return Status(204, None)
