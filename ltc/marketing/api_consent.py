"""/api/v1/marketing/consent and /api/v1/marketing/data-requests: consent of an address (its
current state per channel, its history, recording a grant or a withdrawal) and the data-subject
requests of PIPL (record, list, the export download, marking the copy given, the confirmed
erasure)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from ltc.core.api import Page, paginate
from ltc.core.schemas import OneOf, UserRef
from ltc.customers.models import Contact
from ltc.leads.models import Lead
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.models import ConsentBasis, ConsentChannel, ConsentState
from ltc.marketing.models.privacy import DataSubjectRequest, RequestKind, RequestStatus
from ltc.marketing.services import consent as services
from ltc.marketing.services import privacy
from ltc.org.types import AuthedRequest

router = Router(tags=["marketing"])


class ConsentOut(Schema):
    address: str
    channel: Annotated[str, OneOf(ConsentChannel)]
    state: Annotated[str, OneOf(ConsentState)]
    basis: Annotated[str, OneOf(ConsentBasis, blank=True)]
    source: str
    recorded_at: datetime
    recorded_by: UserRef | None


class ConsentStateOut(Schema):
    address: str
    email_allowed: bool = Field(description="Whether marketing e-mail may be sent to the address now.")
    consents: list[ConsentOut]


class ConsentIn(Schema):
    address: str = Field(max_length=254)
    channel: Annotated[str, OneOf(ConsentChannel)] = "email"
    state: Annotated[str, OneOf(ConsentState)]
    basis: Annotated[str, OneOf(ConsentBasis, blank=True)] = ""
    source: str = Field(max_length=200, description="Where it was given or withdrawn.")


class AddressQuery(Schema):
    address: str = Field(min_length=1, max_length=254)


def _reader(request: AuthedRequest) -> None:
    if not sees_marketing(request.user):
        raise PermissionDenied


def _state(address: str) -> dict[str, Any]:
    key = services.address_key(address)
    return {
        "address": key,
        "email_allowed": bool(services.email_allowed([key])),
        "consents": services.consent_state(key),
    }


@router.get("/marketing/consent", response=ConsentStateOut)
def consent_get(request: AuthedRequest, query: Query[AddressQuery]) -> dict[str, Any]:
    """The current consent of an address on each channel (marketing, administrators, executives
    and sales managers)."""
    _reader(request)
    return _state(query.address)


@router.get("/marketing/consent/history", response=list[ConsentOut])
def consent_history(request: AuthedRequest, query: Query[AddressQuery]) -> list[Any]:
    """Every recorded grant and withdrawal of an address, the latest first (at most 200)."""
    _reader(request)
    return services.consent_history([query.address])


@router.post("/marketing/consent", response={201: ConsentStateOut})
def consent_record(request: AuthedRequest, payload: ConsentIn) -> Status[dict[str, Any]]:
    """Record a grant (with its lawful basis) or a withdrawal for an address (marketing and
    administrators)."""
    consent = services.consent_record_checked(actor=request.user, **payload.model_dump())
    return Status(201, _state(consent.address))


class DataRequestIn(Schema):
    kind: Annotated[str, OneOf(RequestKind)]
    lead_id: int | None = None
    contact_id: int | None = None
    asked_via: str = Field(max_length=200, description="How the person asked: e-mail, phone, letter ...")
    asked_at: AwareDatetime | None = Field(
        None, description="When the person asked, with its time zone offset; default now."
    )


class DataRequestOut(Schema):
    id: int
    kind: Annotated[str, OneOf(RequestKind)]
    status: Annotated[str, OneOf(RequestStatus)]
    lead_id: int | None
    contact_id: int | None
    asked_via: str
    asked_at: datetime
    created_by: UserRef
    created_at: datetime
    done_by: UserRef | None
    done_at: datetime | None
    outcome: str


class DataRequestQuery(Schema):
    status: Annotated[str, OneOf(RequestStatus, blank=True)] = ""
    limit: int = 50
    offset: int = 0


class EraseIn(Schema):
    confirm: bool = Field(description="Must be true: an erasure cannot be undone.")


def _manager(request: AuthedRequest) -> None:
    if not can_manage_marketing(request.user):
        raise PermissionDenied


def _request(request: AuthedRequest, request_id: int) -> DataSubjectRequest:
    _manager(request)
    found = privacy.data_request_get(user=request.user, pk=request_id)
    if found is None:
        raise Http404
    return found


@router.get("/marketing/data-requests", response=Page[DataRequestOut])
def data_request_list(request: AuthedRequest, query: Query[DataRequestQuery]) -> dict[str, Any]:
    _manager(request)
    queryset = privacy.data_request_list(user=request.user)
    if query.status:
        queryset = queryset.filter(status=query.status)
    return paginate(queryset, limit=query.limit, offset=query.offset)


@router.post("/marketing/data-requests", response={201: DataRequestOut})
def data_request_create(request: AuthedRequest, payload: DataRequestIn) -> Status[DataSubjectRequest]:
    """Record a person's request for a copy (export) or the erasure of their data: name one lead
    or one contact."""
    _manager(request)
    if payload.lead_id and payload.contact_id:
        raise ValidationError({"__all__": [_("Name one lead or one contact.")]})
    subject = privacy.subject_get(user=request.user, lead_id=payload.lead_id, contact_id=payload.contact_id)
    if subject is None:
        field = "contact_id" if payload.contact_id else "lead_id"
        raise ValidationError({field: [_("No such lead or contact.")]})
    created = privacy.data_request_create(
        actor=request.user,
        kind=payload.kind,
        asked_via=payload.asked_via,
        asked_at=payload.asked_at,
        lead=subject if isinstance(subject, Lead) else None,
        contact=subject if isinstance(subject, Contact) else None,
    )
    return Status(201, privacy.data_request_list(user=request.user).get(pk=created.pk))


@router.get("/marketing/data-requests/{request_id}", response=DataRequestOut)
def data_request_get(request: AuthedRequest, request_id: int) -> DataSubjectRequest:
    return _request(request, request_id)


EXPORT_ANSWER = {
    "responses": {
        200: {
            "description": "The person's data, as a JSON attachment.",
            "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        }
    }
}


@router.get("/marketing/data-requests/{request_id}/export", openapi_extra=EXPORT_ANSWER)
def data_request_export(request: AuthedRequest, request_id: int) -> HttpResponse:
    """The person's data as one JSON document (their fields, consents and history, campaigns,
    touches, e-mails). Reading changes nothing: `POST .../given` closes the request."""
    found = _request(request, request_id)
    data = privacy.data_request_export(actor=request.user, request=found)
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{data["kind"]}-{data["id"]}.json"'
    return response


@router.post("/marketing/data-requests/{request_id}/erase", response=DataRequestOut)
def data_request_erase(request: AuthedRequest, request_id: int, payload: EraseIn) -> DataSubjectRequest:
    """Erase the person of an open erasure request (`confirm` true): irreversible."""
    found = _request(request, request_id)
    privacy.data_request_erase(actor=request.user, request=found, confirmed=payload.confirm)
    return privacy.data_request_list(user=request.user).get(pk=found.pk)


@router.post("/marketing/data-requests/{request_id}/given", response=DataRequestOut)
def data_request_given(request: AuthedRequest, request_id: int) -> DataSubjectRequest:
    """Mark the copy of an open export request as given to the person: closes the request (who,
    when, what the copy held)."""
    found = _request(request, request_id)
    privacy.data_request_given(actor=request.user, request=found)
    return privacy.data_request_list(user=request.user).get(pk=found.pk)
