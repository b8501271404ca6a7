"""/api/v1/contracts/{id}: the contract review (submit, check, approve, reject)."""

from __future__ import annotations

from django.http import HttpResponse

from ltc.contracts import services
from ltc.contracts.api.common import _contract, _fresh, router
from ltc.contracts.api.schemas import ContractCheckIn, ContractDetailOut, ContractNoteIn
from ltc.contracts.models import Contract
from ltc.core.api import if_match_version
from ltc.org.types import AuthedRequest


@router.post("/contracts/{contract_id}/submit-review", response=ContractDetailOut)
def contract_submit_review(request: AuthedRequest, contract_id: int, response: HttpResponse) -> Contract:
    """Freeze the draft and open its review (checklist + decider by authority); needs If-Match."""
    contract = _contract(request, contract_id)
    services.contract_submit_review(
        actor=request.user, contract=contract, expected_version=if_match_version(request, contract)
    )
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/review/checks", response=ContractDetailOut)
def contract_review_check(
    request: AuthedRequest, contract_id: int, payload: ContractCheckIn, response: HttpResponse
) -> Contract:
    """Check one item of the open review (finance, legal or delivery)."""
    contract = _contract(request, contract_id)
    services.review_check(actor=request.user, contract=contract, **payload.model_dump())
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/approve", response=ContractDetailOut)
def contract_approve(
    request: AuthedRequest, contract_id: int, payload: ContractNoteIn, response: HttpResponse
) -> Contract:
    """Approve the reviewed contract (every item checked), within the ATC authority."""
    contract = _contract(request, contract_id)
    services.review_decide(actor=request.user, contract=contract, decision="approve", note=payload.note)
    return _fresh(request, contract, response)


@router.post("/contracts/{contract_id}/reject", response=ContractDetailOut)
def contract_reject(
    request: AuthedRequest, contract_id: int, payload: ContractNoteIn, response: HttpResponse
) -> Contract:
    """Send the contract back with the reason: a new draft version follows."""
    contract = _contract(request, contract_id)
    services.review_decide(actor=request.user, contract=contract, decision="reject", note=payload.note)
    return _fresh(request, contract, response)
