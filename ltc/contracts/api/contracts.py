"""/api/v1/contracts: the contracts, their versions and the comparison of two versions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Status

from ltc.contracts import amendments, selectors, services
from ltc.contracts.api.common import _contract, _fresh, router
from ltc.contracts.api.schemas import (
    ContractDetailOut,
    ContractIn,
    ContractOut,
    ContractPatch,
    ContractQuery,
    ContractVersionOut,
    ContractVersionSummaryOut,
    DiffOut,
    _diff_out,
)
from ltc.contracts.models import Contract, ContractVersion
from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.org.types import AuthedRequest
from ltc.quotes import selectors as quote_selectors


@router.get("/contracts", response=Page[ContractOut])
def contract_list(request: AuthedRequest, query: Query[ContractQuery]) -> dict[str, Any]:
    filters = selectors.ContractFilters(**query.model_dump(exclude={"limit", "offset"}))
    # sr and sponsor by primary key: more joins make PostgreSQL plan this page slowly.
    qs = selectors.contract_list(user=request.user, filters=filters).prefetch_related("sr", "sponsor")
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/contracts", response={201: ContractDetailOut})
def contract_create(request: AuthedRequest, payload: ContractIn, response: HttpResponse) -> Status[Any]:
    """Make the contract from a quote whose current version the customer accepted."""
    try:
        quote = quote_selectors.quote_get(user=request.user, pk=payload.quote_id)
    except Http404 as exc:
        raise ValidationError({"quote_id": [_("No such quote.")]}) from exc
    contract = services.contract_create(actor=request.user, quote=quote)
    response["Location"] = f"/api/v1/contracts/{contract.pk}"
    return Status(201, _fresh(request, contract, response))


@router.get("/contracts/{contract_id}", response=ContractDetailOut)
def contract_get(request: AuthedRequest, contract_id: int, response: HttpResponse) -> Contract:
    contract = _contract(request, contract_id)
    response["ETag"] = etag(contract.version)
    return contract


@router.patch("/contracts/{contract_id}", response=ContractDetailOut)
def contract_update(
    request: AuthedRequest, contract_id: int, payload: ContractPatch, response: HttpResponse
) -> Contract:
    """Edit the draft (subject, iron triangle, dates, clauses); needs If-Match."""
    contract = _contract(request, contract_id)
    expected = if_match_version(request, contract)
    data = payload.model_dump(exclude_unset=True)
    for name in ("sr", "fr", "sponsor"):
        if f"{name}_id" in data:
            data[name] = data.pop(f"{name}_id") or None
    services.contract_update(actor=request.user, contract=contract, expected_version=expected, data=data)
    return _fresh(request, contract, response)


@router.get("/contracts/{contract_id}/versions", response=list[ContractVersionSummaryOut])
def contract_versions(request: AuthedRequest, contract_id: int) -> list[ContractVersion]:
    return selectors.versions_of(_contract(request, contract_id))


@router.get("/contracts/{contract_id}/versions/{number}", response=ContractVersionOut)
def contract_version(request: AuthedRequest, contract_id: int, number: int) -> ContractVersion:
    return selectors.version_get(_contract(request, contract_id), number)


@router.get("/contracts/{contract_id}/compare", response=DiffOut)
def contract_compare(request: AuthedRequest, contract_id: int, a: int, b: int) -> dict[str, Any]:
    """What changed from version a to version b: header, lines, payment terms, delivery plan."""
    contract = _contract(request, contract_id)
    old, new = selectors.version_get(contract, a), selectors.version_get(contract, b)
    return _diff_out(amendments.diff(amendments.snapshot_of(old), amendments.snapshot_of(new)))
