"""/api/v1/contracts/{id}/milestones and /risks: the draft's delivery plan and the risk register."""

from __future__ import annotations

from typing import Any

from ninja import Status

from ltc.contracts import selectors, services
from ltc.contracts.api.common import _contract, router
from ltc.contracts.api.schemas import MilestoneIn, MilestoneOut, RiskIn, RiskOut, RiskPatch
from ltc.contracts.models import ContractRisk
from ltc.org.types import AuthedRequest


@router.post("/contracts/{contract_id}/milestones", response={201: MilestoneOut})
def contract_milestone_add(request: AuthedRequest, contract_id: int, payload: MilestoneIn) -> Status[Any]:
    """Add a milestone to the draft's delivery plan (`term`: the payment term position it triggers)."""
    contract = _contract(request, contract_id)
    return Status(201, services.milestone_save(actor=request.user, contract=contract, data=payload.model_dump()))


@router.post("/contracts/{contract_id}/risks", response={201: RiskOut})
def contract_risk_add(request: AuthedRequest, contract_id: int, payload: RiskIn) -> Status[Any]:
    contract = _contract(request, contract_id)
    data = payload.model_dump()
    owner = data.pop("owner_id")
    if owner is not None:
        data["owner"] = owner
    return Status(201, services.risk_add(actor=request.user, contract=contract, data=data))


@router.patch("/risks/{risk_id}", response=RiskOut)
def risk_update(request: AuthedRequest, risk_id: int, payload: RiskPatch) -> ContractRisk:
    risk = selectors.risk_get(user=request.user, pk=risk_id)
    data = payload.model_dump(exclude_unset=True)
    if "owner_id" in data:
        data["owner"] = data.pop("owner_id")
    return services.risk_update(actor=request.user, risk=risk, data=data)
