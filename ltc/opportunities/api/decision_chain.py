"""/api/v1/opportunities/{id}/decision-chain: the customer's people on a deal."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Schema, Status

from ltc.core.schemas import OneOf
from ltc.customers.models import Contact
from ltc.opportunities import services
from ltc.opportunities.api.common import _opportunity, router
from ltc.opportunities.api.schemas import ContactRef
from ltc.opportunities.choices import Attitude, DecisionRole, Level
from ltc.opportunities.models import Opportunity, Stakeholder
from ltc.org.types import AuthedRequest


class StakeholderOut(Schema):
    id: int
    contact: ContactRef
    title: str
    role: str
    attitude: str
    influence: str
    relationship: int
    last_contact_on: date | None
    notes: str

    @staticmethod
    def resolve_title(obj: Stakeholder) -> str:
        return obj.contact.title


class WarningOut(Schema):
    code: str
    message: str


class ChainOut(Schema):
    stakeholders: list[StakeholderOut]
    warnings: list[WarningOut]


class StakeholderIn(Schema):
    contact_id: int
    role: Annotated[str, OneOf(DecisionRole)]
    attitude: Annotated[str, OneOf(Attitude)] = "neutral"
    influence: Annotated[str, OneOf(Level)] = "medium"
    relationship: int = 3
    last_contact_on: date | None = None
    notes: str = ""


def _chain(opportunity: Opportunity) -> dict[str, Any]:
    stakeholders = list(opportunity.stakeholders.select_related("contact"))
    return {"stakeholders": stakeholders, "warnings": services.chain_warnings(stakeholders)}


@router.get("/opportunities/{opportunity_id}/decision-chain", response=ChainOut)
def decision_chain(request: AuthedRequest, opportunity_id: int) -> dict[str, Any]:
    """The customer's people on the deal, and warnings (no decision maker, stale contact, ...)."""
    return _chain(_opportunity(request, opportunity_id))


@router.post("/opportunities/{opportunity_id}/decision-chain", response=ChainOut)
def decision_chain_set(request: AuthedRequest, opportunity_id: int, payload: StakeholderIn) -> dict[str, Any]:
    """Add a contact to the chain, or update how they stand (one entry per contact)."""
    opportunity = _opportunity(request, opportunity_id)
    data = payload.model_dump()
    contact = Contact.objects.filter(pk=data.pop("contact_id"), account_id=opportunity.account_id).first()
    if contact is None:
        raise ValidationError({"contact_id": [_("No such contact of the deal's account.")]})
    services.stakeholder_set(actor=request.user, opportunity=opportunity, contact=contact, data=data)
    return _chain(opportunity)


@router.delete("/opportunities/{opportunity_id}/decision-chain/{stakeholder_id}", response={204: None})
def decision_chain_remove(request: AuthedRequest, opportunity_id: int, stakeholder_id: int) -> Status[None]:
    opportunity = _opportunity(request, opportunity_id)
    stakeholder = get_object_or_404(opportunity.stakeholders.select_related("contact"), pk=stakeholder_id)
    services.stakeholder_remove(actor=request.user, stakeholder=stakeholder)
    return Status(204, None)
