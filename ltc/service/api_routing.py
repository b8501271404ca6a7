"""/api/v1/service/routing-rules: the case routing rules (administrators and service team
managers): list, create, change (If-Match) and deactivate. Rules are never deleted: the cases
they routed still name them."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from ltc.catalog.models import Product
from ltc.core.access import fetch_or_404
from ltc.core.api import etag, if_match_version
from ltc.core.schemas import OneOf, UserRef
from ltc.leads.choices import AssignStrategy
from ltc.org.choices import Region
from ltc.org.models import Team, User
from ltc.org.types import AuthedRequest
from ltc.service import selectors
from ltc.service.access import can_configure_service
from ltc.service.models import CaseCategory, CaseChannel, CaseRoutingRule, Priority
from ltc.service.services import routing as services

router = Router(tags=["service"])


class CaseRoutingTeamRef(Schema):
    id: int
    name: str


class CaseRoutingRuleOut(Schema):
    id: int
    version: int
    order: int
    name: str
    active: bool
    category: Annotated[str, OneOf(CaseCategory, blank=True)]
    priority: Annotated[str, OneOf(Priority, blank=True)]
    channel: Annotated[str, OneOf(CaseChannel, blank=True)]
    region: Annotated[str, OneOf(Region, blank=True)]
    product_id: int | None
    strategy: Annotated[str, OneOf(AssignStrategy)]
    assign_user: UserRef | None
    assign_team: CaseRoutingTeamRef | None


class CaseRoutingRuleIn(Schema):
    order: int = Field(100, ge=0, le=100000)
    name: str = Field(max_length=100)
    active: bool = True
    category: Annotated[str, OneOf(CaseCategory, blank=True)] = Field("", description="Empty: any category.")
    priority: Annotated[str, OneOf(Priority, blank=True)] = ""
    channel: Annotated[str, OneOf(CaseChannel, blank=True)] = ""
    region: Annotated[str, OneOf(Region, blank=True)] = Field("", description="The account's region.")
    product_id: int | None = Field(None, description="The product of the case's asset.")
    strategy: Annotated[str, OneOf(AssignStrategy)] = "user"
    assign_user_id: int | None = Field(None, description="With strategy user: an active service user.")
    assign_team_id: int | None = Field(None, description="With a team strategy: its service members take turns.")


class CaseRoutingRulePatch(Schema):
    order: int | None = Field(None, ge=0, le=100000)
    name: str | None = Field(None, max_length=100)
    active: bool | None = None
    category: Annotated[str, OneOf(CaseCategory, blank=True)] | None = None
    priority: Annotated[str, OneOf(Priority, blank=True)] | None = None
    channel: Annotated[str, OneOf(CaseChannel, blank=True)] | None = None
    region: Annotated[str, OneOf(Region, blank=True)] | None = None
    product_id: int | None = None
    strategy: Annotated[str, OneOf(AssignStrategy)] | None = None
    assign_user_id: int | None = None
    assign_team_id: int | None = None


def _require(request: AuthedRequest) -> None:
    if not can_configure_service(request.user):
        raise PermissionDenied(_("Only administrators and service team managers configure case routing."))


def _rule(request: AuthedRequest, rule_id: int) -> CaseRoutingRule:
    _require(request)
    rule: CaseRoutingRule = fetch_or_404(selectors.routing_rule_list(), pk=rule_id)
    return rule


def relations(data: dict[str, Any]) -> dict[str, Any]:
    """product_id, assign_user_id and assign_team_id as records, or a field error."""
    for key, model, name in (
        ("product_id", Product, "product"),
        ("assign_user_id", User, "assign_user"),
        ("assign_team_id", Team, "assign_team"),
    ):
        if key not in data:
            continue
        pk = data.pop(key)
        record = None
        if pk is not None:
            record = model.objects.filter(pk=pk).first()
            if record is None:
                raise ValidationError({key: [_("No such record.")]})
        data[name] = record
    for name in ("order", "name", "active", "category", "priority", "channel", "region", "strategy"):
        if name in data and data[name] is None:
            raise ValidationError({name: [_("This field cannot be empty.")]})
    return data


ID_FIELDS = {"product": "product_id", "assign_user": "assign_user_id", "assign_team": "assign_team_id"}


def _as_sent(exc: ValidationError) -> ValidationError:
    """The service names the rule's fields (assign_user); the API's caller sends ids (assign_user_id)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({ID_FIELDS.get(name, name): errors for name, errors in exc.message_dict.items()})


def _answer(response: HttpResponse, rule: CaseRoutingRule) -> CaseRoutingRule:
    response["ETag"] = etag(rule.version)
    return rule


@router.get("/service/routing-rules", response=list[CaseRoutingRuleOut])
def routing_rule_list(request: AuthedRequest) -> Any:
    """The rules in the order they are tried, inactive ones included."""
    _require(request)
    return selectors.routing_rule_list()


@router.post("/service/routing-rules", response={201: CaseRoutingRuleOut})
def routing_rule_create(request: AuthedRequest, payload: CaseRoutingRuleIn, response: HttpResponse) -> Status[Any]:
    _require(request)
    try:
        rule = services.routing_rule_create(actor=request.user, data=relations(payload.model_dump()))
    except ValidationError as exc:
        raise _as_sent(exc) from exc
    response["Location"] = f"/api/v1/service/routing-rules/{rule.pk}"
    return Status(201, _answer(response, rule))


@router.patch("/service/routing-rules/{rule_id}", response=CaseRoutingRuleOut)
def routing_rule_update(
    request: AuthedRequest, rule_id: int, payload: CaseRoutingRulePatch, response: HttpResponse
) -> CaseRoutingRule:
    rule = _rule(request, rule_id)
    expected = if_match_version(request, rule)
    data = relations(payload.model_dump(exclude_unset=True))
    try:
        rule = services.routing_rule_update(actor=request.user, rule=rule, data=data, expected_version=expected)
    except ValidationError as exc:
        raise _as_sent(exc) from exc
    return _answer(response, rule)


@router.post("/service/routing-rules/{rule_id}/deactivate", response=CaseRoutingRuleOut)
def routing_rule_deactivate(request: AuthedRequest, rule_id: int, response: HttpResponse) -> CaseRoutingRule:
    """Stop trying the rule (If-Match); it is kept."""
    rule = _rule(request, rule_id)
    expected = if_match_version(request, rule)
    rule = services.routing_rule_deactivate(actor=request.user, rule=rule, expected_version=expected)
    return _answer(response, rule)
