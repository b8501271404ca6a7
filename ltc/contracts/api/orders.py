"""/api/v1/orders and /api/v1/deliveries: orders generated from contracts, and what was delivered."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema, Status

from ltc.contracts import selectors, services
from ltc.contracts.api.common import _contract, router
from ltc.contracts.choices import DeliveryKind, OrderStatus
from ltc.contracts.models import Delivery, Order
from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import Money, OneOf, UserRef
from ltc.org.types import AuthedRequest


class OrderLineOut(Schema):
    id: int
    line_key: int
    contract_line_id: int
    code: str
    name: str
    unit: str
    quantity: Decimal
    delivered_quantity: Decimal
    status: str


class OrderOut(Schema):
    id: int
    version: int
    number: str
    contract_id: int
    milestone_id: int | None
    title: str
    status: Annotated[str, OneOf(OrderStatus)]
    planned_date: date | None
    erp_reference: str
    created_at: datetime
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj: Order) -> list[Any]:
        return list(obj.lines.all())


class OrderIn(Schema):
    contract_id: int
    milestone_id: int | None = None
    title: str = ""
    planned_date: date | None = None
    lines: dict[str, Decimal] | None = None


class OrderPatch(Schema):
    erp_reference: str


class DeliveryLineOut(Schema):
    order_line_id: int
    code: str
    quantity: Decimal

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return str(obj.order_line.code)


class DeliveryOut(Schema):
    id: int
    number: str
    order_id: int
    kind: str
    delivered_on: date
    cost: Money | None
    note: str
    recorded_by: UserRef
    lines: list[DeliveryLineOut]

    @staticmethod
    def resolve_lines(obj: Delivery) -> list[Any]:
        return list(obj.lines.all())


class DeliveryIn(Schema):
    order_id: int
    kind: Annotated[str, OneOf(DeliveryKind)]
    delivered_on: date | None = None
    cost: Decimal | None = None
    note: str = ""
    lines: dict[str, Decimal]


@router.get("/orders", response=Page[OrderOut])
def order_list(
    request: AuthedRequest, contract: int | None = None, status: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    qs = selectors.order_list(user=request.user, contract=contract, status=status).prefetch_related("lines")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/orders", response={201: OrderOut})
def order_create(request: AuthedRequest, payload: OrderIn, response: HttpResponse) -> Status[Any]:
    """Generate an order from a contract: `lines` maps contract line keys to quantities (one
    delivery batch); without `lines`, everything not yet ordered."""
    try:
        contract = _contract(request, payload.contract_id)
    except Http404 as exc:
        raise ValidationError({"contract_id": [_("No such contract.")]}) from exc
    milestone = None
    if payload.milestone_id is not None:
        milestone = contract.milestones.filter(pk=payload.milestone_id, removed=False).first()
        if milestone is None:
            raise ValidationError({"milestone_id": [_("Choose a milestone of this contract.")]})
    order = services.order_generate(
        actor=request.user,
        contract=contract,
        title=payload.title,
        quantities=payload.lines,
        milestone=milestone,
        planned_date=payload.planned_date,
    )
    response["ETag"] = etag(order.version)
    return Status(201, selectors.order_get(user=request.user, pk=order.pk))


@router.get("/orders/{order_id}", response=OrderOut)
def order_get(request: AuthedRequest, order_id: int, response: HttpResponse) -> Order:
    order = selectors.order_get(user=request.user, pk=order_id)
    response["ETag"] = etag(order.version)
    return order


@router.patch("/orders/{order_id}", response=OrderOut)
def order_update(request: AuthedRequest, order_id: int, payload: OrderPatch, response: HttpResponse) -> Order:
    """Record the ERP's reference for the order; needs If-Match."""
    order = selectors.order_get(user=request.user, pk=order_id)
    services.order_update(
        actor=request.user,
        order=order,
        expected_version=if_match_version(request, order),
        erp_reference=payload.erp_reference,
    )
    response["ETag"] = etag(order.version)
    return order


@router.get("/deliveries", response=Page[DeliveryOut])
def delivery_list(
    request: AuthedRequest, order: int | None = None, contract: int | None = None, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    qs = selectors.delivery_list(user=request.user, order=order, contract=contract)
    return paginate(qs, limit=limit, offset=offset)


@router.post("/deliveries", response={201: DeliveryOut})
def delivery_create(request: AuthedRequest, payload: DeliveryIn) -> Status[Any]:
    """Record goods shipped or services performed: `lines` maps order line ids to quantities."""
    try:
        order = selectors.order_get(user=request.user, pk=payload.order_id)
    except Http404 as exc:
        raise ValidationError({"order_id": [_("No such order.")]}) from exc
    delivery = services.delivery_record(
        actor=request.user,
        order=order,
        kind=payload.kind,
        delivered_on=payload.delivered_on,
        quantities=payload.lines,
        cost=payload.cost,
        note=payload.note,
    )
    return Status(201, selectors.delivery_list(user=request.user).get(pk=delivery.pk))
