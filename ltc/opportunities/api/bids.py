"""/api/v1/bids: tenders, their sections, documents, submission and result."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Schema, Status
from ninja.files import UploadedFile

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import Money, OneOf, UserRef
from ltc.opportunities import selectors, services
from ltc.opportunities.api.common import router
from ltc.opportunities.choices import BidSectionKind, BidStatus, SubmissionMethod
from ltc.opportunities.models import Bid, BidDocument, BidDocumentVersion, BidSection
from ltc.org.models import User
from ltc.org.types import AuthedRequest


class BidSectionOut(Schema):
    id: int
    kind: str
    owner: UserRef
    due_at: datetime
    done_at: datetime | None


class BidVersionOut(Schema):
    id: int
    number: int
    original_name: str
    size: int
    uploaded_by: UserRef
    uploaded_at: datetime


class BidDocumentOut(Schema):
    id: int
    title: str
    required: bool
    versions: list[BidVersionOut]

    @staticmethod
    def resolve_versions(obj: BidDocument) -> list[BidDocumentVersion]:
        return list(obj.versions.all())


class BidOut(Schema):
    id: int
    version: int
    opportunity_id: int
    tender_number: str
    issuer: str
    submission_deadline: datetime
    submission_method: Annotated[str, OneOf(SubmissionMethod)]
    status: Annotated[str, OneOf(BidStatus)]
    quote_reference: str
    submitted_at: datetime | None
    result_price: Money | None
    winning_competitor: str
    result_note: str
    sections: list[BidSectionOut]
    documents: list[BidDocumentOut]
    missing_to_submit: list[str]

    @staticmethod
    def resolve_sections(obj: Bid) -> list[BidSection]:
        return list(obj.sections.all())

    @staticmethod
    def resolve_documents(obj: Bid) -> list[BidDocument]:
        return list(obj.documents.all())

    @staticmethod
    def resolve_missing_to_submit(obj: Bid) -> list[str]:
        return services.missing_to_submit(obj) if obj.is_preparing else []


class BidIn(Schema):
    opportunity_id: int
    tender_number: str
    issuer: str
    submission_deadline: datetime
    submission_method: Annotated[str, OneOf(SubmissionMethod)] = "portal"
    quote_reference: str = ""


class BidPatch(Schema):
    tender_number: str | None = None
    issuer: str | None = None
    submission_deadline: datetime | None = None
    submission_method: Annotated[str, OneOf(SubmissionMethod)] | None = None
    quote_reference: str | None = None


class SectionIn(Schema):
    kind: Annotated[str, OneOf(BidSectionKind)]
    owner_id: int
    due_at: datetime


class DocumentIn(Schema):
    title: str
    required: bool = True


class ResultIn(Schema):
    result: Annotated[
        str,
        OneOf(
            BidStatus,
            only=(
                BidStatus.WON,
                BidStatus.LOST,
                BidStatus.CANCELLED,
            ),
        ),
    ]
    price: Decimal | None = None
    competitor: str = ""
    note: str = ""


def _bid(request: AuthedRequest, bid_id: int) -> Bid:
    return selectors.bid_get(user=request.user, pk=bid_id)


def _bid_answer(request: AuthedRequest, response: HttpResponse, bid_id: int) -> Bid:
    bid = _bid(request, bid_id)
    response["ETag"] = etag(bid.version)
    return bid


@router.get("/bids", response=Page[BidOut])
def bid_list(request: AuthedRequest, opportunity: int | None = None, limit: int = 50, offset: int = 0) -> Any:
    qs = selectors.bid_list(user=request.user, opportunity=opportunity).prefetch_related(
        "sections__owner", "documents__versions__uploaded_by"
    )
    return paginate(qs, limit=limit, offset=offset)


@router.post("/bids", response={201: BidOut})
def bid_create(request: AuthedRequest, payload: BidIn, response: HttpResponse) -> Status[Any]:
    data = payload.model_dump()
    try:
        opportunity = selectors.opportunity_get(user=request.user, pk=data.pop("opportunity_id"))
    except Http404 as exc:
        raise ValidationError({"opportunity_id": [_("No such opportunity.")]}) from exc
    bid = services.bid_create(actor=request.user, opportunity=opportunity, data=data)
    response["Location"] = f"/api/v1/bids/{bid.pk}"
    return Status(201, _bid_answer(request, response, bid.pk))


@router.get("/bids/{bid_id}", response=BidOut)
def bid_get(request: AuthedRequest, bid_id: int, response: HttpResponse) -> Bid:
    return _bid_answer(request, response, bid_id)


@router.patch("/bids/{bid_id}", response=BidOut)
def bid_update(request: AuthedRequest, bid_id: int, payload: BidPatch, response: HttpResponse) -> Bid:
    bid = _bid(request, bid_id)
    expected = if_match_version(request, bid)
    services.bid_update(
        actor=request.user, bid=bid, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/sections", response=BidOut)
def bid_section_set(request: AuthedRequest, bid_id: int, payload: SectionIn, response: HttpResponse) -> Bid:
    """Give a section an owner and a due date (the owner gets a task with a reminder)."""
    bid = _bid(request, bid_id)
    owner = User.objects.filter(pk=payload.owner_id).first()
    services.bid_section_set(actor=request.user, bid=bid, kind=payload.kind, owner=owner, due_at=payload.due_at)
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/sections/{section_id}/done", response=BidOut)
def bid_section_done(request: AuthedRequest, bid_id: int, section_id: int, response: HttpResponse) -> Bid:
    bid = _bid(request, bid_id)
    section = get_object_or_404(bid.sections.select_related("task", "bid__opportunity"), pk=section_id)
    services.bid_section_done(actor=request.user, section=section)
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/documents", response=BidOut)
def bid_document_add(request: AuthedRequest, bid_id: int, payload: DocumentIn, response: HttpResponse) -> Bid:
    bid = _bid(request, bid_id)
    services.bid_document_add(actor=request.user, bid=bid, title=payload.title, required=payload.required)
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/documents/{document_id}/versions", response=BidOut)
def bid_document_upload(
    request: AuthedRequest, bid_id: int, document_id: int, response: HttpResponse, file: File[UploadedFile]
) -> Bid:
    """Upload a new version of a checklist document (multipart, field `file`)."""
    bid = _bid(request, bid_id)
    document = get_object_or_404(bid.documents.all(), pk=document_id)
    services.bid_document_upload(actor=request.user, document=document, upload=file)
    return _bid_answer(request, response, bid_id)


@router.get("/bids/{bid_id}/documents/{document_id}/versions/{version_id}/file")
def bid_document_file(request: AuthedRequest, bid_id: int, document_id: int, version_id: int) -> FileResponse:
    bid = _bid(request, bid_id)
    version = get_object_or_404(
        BidDocumentVersion.objects.filter(document__bid=bid, document_id=document_id), pk=version_id
    )
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.original_name)


@router.post("/bids/{bid_id}/submit", response=BidOut)
def bid_submit(request: AuthedRequest, bid_id: int, response: HttpResponse) -> Bid:
    """Record the submission (If-Match): refused after the deadline or with items missing."""
    bid = _bid(request, bid_id)
    services.bid_submit(actor=request.user, bid=bid, expected_version=if_match_version(request, bid))
    return _bid_answer(request, response, bid_id)


@router.post("/bids/{bid_id}/result", response=BidOut)
def bid_result(request: AuthedRequest, bid_id: int, payload: ResultIn, response: HttpResponse) -> Bid:
    bid = _bid(request, bid_id)
    services.bid_record_result(
        actor=request.user, bid=bid, expected_version=if_match_version(request, bid), **payload.model_dump()
    )
    return _bid_answer(request, response, bid_id)
