"""/api/v1/contracts/{id}: signing, hand-over, completion, closing, termination and the timeline."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import FileResponse, HttpResponse
from ninja import File, Form
from ninja.files import UploadedFile

from ltc.contracts import services
from ltc.contracts.api.common import _contract, _fresh, router
from ltc.contracts.api.schemas import AcceptIn, CloseIn, ContractDetailOut, ProblemsOut, TerminateIn
from ltc.contracts.files import stored_file
from ltc.contracts.models import Contract
from ltc.core.api import if_match_version
from ltc.core.schemas import TimelineEventOut
from ltc.core.timeline import timeline_for
from ltc.org.types import AuthedRequest


@router.post("/contracts/{contract_id}/sign", response=ContractDetailOut)
def contract_sign(
    request: AuthedRequest,
    contract_id: int,
    response: HttpResponse,
    signed_on: Form[date | None] = None,
    customer_signatory: Form[str] = "",
    our_signatory: Form[str] = "",
    signed_copy: File[UploadedFile | None] = None,
) -> Contract:
    """Record the signature (multipart: the signed copy as a PDF, PNG or JPEG ≤ 20 MB); needs If-Match."""
    contract = _contract(request, contract_id)
    services.contract_sign(
        actor=request.user,
        contract=contract,
        expected_version=if_match_version(request, contract),
        signed_on=signed_on,
        customer_signatory=customer_signatory,
        our_signatory=our_signatory,
        signed_copy=signed_copy,
    )
    return _fresh(request, contract, response)


@router.get("/contracts/{contract_id}/signed-copy")
def contract_signed_copy(request: AuthedRequest, contract_id: int) -> FileResponse:
    contract = _contract(request, contract_id)
    return stored_file(contract.signed_copy)


@router.post("/contracts/{contract_id}/accept", response=ContractDetailOut)
def contract_accept(request: AuthedRequest, contract_id: int, payload: AcceptIn, response: HttpResponse) -> Contract:
    """The FR accepts the signed contract for delivery (hand-over); needs If-Match."""
    contract = _contract(request, contract_id)
    services.contract_accept(
        actor=request.user,
        contract=contract,
        expected_version=if_match_version(request, contract),
        data=payload.model_dump(),
    )
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/complete", response=ContractDetailOut)
def contract_complete(request: AuthedRequest, contract_id: int, response: HttpResponse) -> Contract:
    contract = _contract(request, contract_id)
    services.contract_complete(
        actor=request.user, contract=contract, expected_version=if_match_version(request, contract)
    )
    return _fresh(request, contract, response)


@router.get("/contracts/{contract_id}/close-check", response=ProblemsOut)
def contract_close_check(request: AuthedRequest, contract_id: int) -> dict[str, Any]:
    """What still stands in the way of closing (empty when it may close)."""
    return {"problems": services.close_problems(_contract(request, contract_id))}


@router.post("/contracts/{contract_id}/close", response=ContractDetailOut)
def contract_close(request: AuthedRequest, contract_id: int, payload: CloseIn, response: HttpResponse) -> Contract:
    """Close and evaluate (satisfaction 1–5, lessons learned); needs If-Match."""
    contract = _contract(request, contract_id)
    services.contract_close(
        actor=request.user,
        contract=contract,
        expected_version=if_match_version(request, contract),
        satisfaction=payload.satisfaction,
        lessons=payload.lessons,
    )
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/terminate", response=ContractDetailOut)
def contract_terminate(
    request: AuthedRequest, contract_id: int, payload: TerminateIn, response: HttpResponse
) -> Contract:
    contract = _contract(request, contract_id)
    services.contract_terminate(
        actor=request.user,
        contract=contract,
        expected_version=if_match_version(request, contract),
        reason=payload.reason,
    )
    return _fresh(request, contract, response)


@router.get("/contracts/{contract_id}/timeline", response=list[TimelineEventOut])
def contract_timeline(request: AuthedRequest, contract_id: int) -> list[Any]:
    return timeline_for(_contract(request, contract_id))
