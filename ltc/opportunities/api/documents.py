"""/api/v1/opportunities/{id}/documents: files attached to a deal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Schema, Status
from ninja.files import UploadedFile

from ltc.core.schemas import UserRef
from ltc.opportunities import services
from ltc.opportunities.api.common import _opportunity, router
from ltc.opportunities.models import StageRequirement
from ltc.org.types import AuthedRequest


class DealDocumentOut(Schema):
    id: int
    title: str
    requirement_id: int | None
    original_name: str
    size: int
    uploaded_by: UserRef
    uploaded_at: datetime


@router.get("/opportunities/{opportunity_id}/documents", response=list[DealDocumentOut])
def opportunity_documents(request: AuthedRequest, opportunity_id: int) -> Any:
    return list(_opportunity(request, opportunity_id).documents.select_related("uploaded_by"))


@router.post("/opportunities/{opportunity_id}/documents", response={201: DealDocumentOut})
def opportunity_document_add(
    request: AuthedRequest,
    opportunity_id: int,
    file: File[UploadedFile],
    title: Form[str] = "",
    requirement_id: Form[int | None] = None,
) -> Status[Any]:
    """Attach a file (multipart `file`), optionally for the checklist item that asks for it."""
    opportunity = _opportunity(request, opportunity_id)
    requirement = None
    if requirement_id is not None:
        requirement = StageRequirement.objects.select_related("stage").filter(pk=requirement_id).first()
        if requirement is None:
            raise ValidationError({"requirement_id": [_("No such checklist item.")]})
    document = services.opportunity_document_add(
        actor=request.user, opportunity=opportunity, upload=file, title=title, requirement=requirement
    )
    return Status(201, document)


@router.get("/opportunities/{opportunity_id}/documents/{document_id}/file")
def opportunity_document_file(request: AuthedRequest, opportunity_id: int, document_id: int) -> FileResponse:
    document = get_object_or_404(_opportunity(request, opportunity_id).documents.all(), pk=document_id)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name)
