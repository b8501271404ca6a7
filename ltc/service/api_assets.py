"""/api/v1/service/assets: the installed base (装机清单) — list with filters, read, record by hand,
change (If-Match) and retire."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import OneOf
from ltc.org.types import AuthedRequest
from ltc.service.access import can_work_service
from ltc.service.models.assets import Asset, AssetStatus
from ltc.service.services import assets as services

router = Router(tags=["service"])


class AssetOut(Schema):
    id: int
    version: int
    account_id: int
    account_name: str = Field(alias="account.name")
    product_id: int | None
    code: str
    name: str
    quantity: Decimal
    serial_numbers: list[str] = Field(description="One per line on the asset.")
    site: str
    contract_id: int | None = Field(description="The contract it was made from; none when recorded by hand.")
    line_key: int | None = Field(description="The contract line it was made from.")
    delivered_on: date | None
    accepted_on: date | None
    warranty_ends_on: date | None
    entitlement_id: int | None = Field(description="The service contract covering it.")
    status: Annotated[str, OneOf(AssetStatus)]

    @staticmethod
    def resolve_serial_numbers(obj: Asset) -> list[str]:
        return obj.serial_list()


class AssetIn(Schema):
    account_id: int
    product_id: int | None = None
    code: str = Field("", description="Taken from the product when blank.")
    name: str = Field("", description="Taken from the product when blank.")
    quantity: Decimal = Decimal(1)
    serial_numbers: list[str] = Field(default_factory=list, description="None listed twice.")
    site: str = ""
    delivered_on: date | None = None
    accepted_on: date | None = None
    warranty_ends_on: date | None = None
    entitlement_id: int | None = Field(None, description="A service contract of the same account.")


class AssetPatch(Schema):
    serial_numbers: list[str] | None = Field(None, description="The whole list; none listed twice.")
    site: str | None = None
    status: Annotated[str, OneOf(AssetStatus)] | None = None
    entitlement_id: int | None = Field(None, description="A service contract of the same account; null for none.")
    warranty_ends_on: date | None = None


class AssetRetireIn(Schema):
    note: str = ""


class AssetQuery(Schema):
    account_id: int | None = None
    product_id: int | None = None
    status: Annotated[str, OneOf(AssetStatus, blank=True)] = ""
    warranty: Annotated[str, OneOf(services.WarrantyFilter, blank=True)] = Field(
        "", description="ending: within `days`; expired; covered (not yet ended)."
    )
    days: int = Field(60, ge=0, le=3650)
    q: str = Field("", description="Name, code, serial number or site.")
    limit: int = 50
    offset: int = 0


def _require_reader(request: AuthedRequest) -> None:
    if not services.reads_installed_base(request.user):
        raise PermissionDenied(_("You may not read the installed base."))


def _writable(request: AuthedRequest, asset_id: int) -> Asset:
    asset = services.asset_get(user=request.user, pk=asset_id)
    if not can_work_service(request.user):
        raise PermissionDenied(_("Only service staff and administrators change the installed base."))
    return asset


def _answer(request: AuthedRequest, response: HttpResponse, asset: Asset) -> Asset:
    fresh = services.asset_get(user=request.user, pk=asset.pk)
    response["ETag"] = etag(fresh.version)
    return fresh


@router.get("/service/assets", response=Page[AssetOut])
def asset_list(request: AuthedRequest, query: Query[AssetQuery]) -> dict[str, Any]:
    """Assets of the accounts the reader may read (service staff, administrators, executives,
    sales managers), by account and name."""
    _require_reader(request)
    filters = services.AssetFilters(
        account_id=query.account_id,
        product_id=query.product_id,
        status=query.status,
        warranty=query.warranty,
        days=query.days,
        q=query.q,
    )
    return paginate(services.asset_list(user=request.user, filters=filters), limit=query.limit, offset=query.offset)


@router.post("/service/assets", response={201: AssetOut})
def asset_create(request: AuthedRequest, payload: AssetIn, response: HttpResponse) -> Status[Any]:
    """Record an asset by hand (service staff and administrators)."""
    if not can_work_service(request.user):
        raise PermissionDenied(_("Only service staff and administrators change the installed base."))
    asset = services.asset_create(actor=request.user, data=payload.model_dump())
    response["Location"] = f"/api/v1/service/assets/{asset.pk}"
    return Status(201, _answer(request, response, asset))


@router.get("/service/assets/{asset_id}", response=AssetOut)
def asset_get(request: AuthedRequest, asset_id: int, response: HttpResponse) -> Asset:
    asset = services.asset_get(user=request.user, pk=asset_id)
    response["ETag"] = etag(asset.version)
    return asset


@router.patch("/service/assets/{asset_id}", response=AssetOut)
def asset_update(request: AuthedRequest, asset_id: int, payload: AssetPatch, response: HttpResponse) -> Asset:
    """Change serial numbers, site, status, service contract or warranty end (If-Match)."""
    asset = _writable(request, asset_id)
    expected = if_match_version(request, asset)
    asset = services.asset_update(
        actor=request.user, asset=asset, expected_version=expected, data=payload.model_dump(exclude_unset=True)
    )
    return _answer(request, response, asset)


@router.post("/service/assets/{asset_id}/retire", response=AssetOut)
def asset_retire(request: AuthedRequest, asset_id: int, payload: AssetRetireIn, response: HttpResponse) -> Asset:
    """Retire an asset the customer no longer uses (kept with its cases; If-Match)."""
    asset = _writable(request, asset_id)
    expected = if_match_version(request, asset)
    asset = services.asset_retire(actor=request.user, asset=asset, expected_version=expected, note=payload.note)
    return _answer(request, response, asset)
