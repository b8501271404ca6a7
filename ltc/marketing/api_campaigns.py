"""/api/v1/marketing/campaigns: campaigns, their costs and their members."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.money import Currency
from ltc.core.schemas import Money, OneOf, UserRef
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.models import Campaign, CampaignKind, CampaignStatus, MemberSource, MemberStatus
from ltc.marketing.services import campaigns as services
from ltc.org.models import User
from ltc.org.types import AuthedRequest

router = Router(tags=["marketing"])


class CampaignIn(Schema):
    name: str
    code: str = Field(description="What `utm_campaign` carries: letters, digits, dots, dashes, underscores.")
    kind: Annotated[str, OneOf(CampaignKind)]
    parent_id: int | None = None
    owner_id: int | None = Field(None, description="Defaults to you.")
    status: Annotated[str, OneOf(CampaignStatus)] = "planned"
    starts_on: date | None = None
    ends_on: date | None = None
    currency: Annotated[str, OneOf(Currency)] = "CNY"
    budget: Decimal | None = None
    expected_responses: int | None = None
    expected_revenue: Decimal | None = None
    utm_source: str = ""
    utm_medium: str = ""
    description: str = ""


class CampaignPatch(Schema):
    name: str | None = None
    code: str | None = None
    kind: Annotated[str, OneOf(CampaignKind)] | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    status: Annotated[str, OneOf(CampaignStatus)] | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    currency: Annotated[str, OneOf(Currency)] | None = None
    budget: Decimal | None = None
    expected_responses: int | None = None
    expected_revenue: Decimal | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    description: str | None = None


class CampaignRef(Schema):
    id: int
    name: str
    code: str


class CampaignOut(Schema):
    id: int
    version: int
    name: str
    code: str
    kind: Annotated[str, OneOf(CampaignKind)]
    status: Annotated[str, OneOf(CampaignStatus)]
    parent: CampaignRef | None
    owner: UserRef
    starts_on: date | None
    ends_on: date | None
    currency: Annotated[str, OneOf(Currency)]
    budget: Money | None
    expected_responses: int | None
    expected_revenue: Money | None
    utm_source: str
    utm_medium: str
    description: str
    created_at: datetime
    updated_at: datetime


class CampaignChildOut(Schema):
    campaign: CampaignRef
    members: int
    cost_total: Money


class CampaignStatsOut(Schema):
    members_by_status: dict[str, int] = Field(description="Member status code → members (sub-campaigns included).")
    members_total: int
    touches_by_kind: dict[str, int] = Field(description="Touch kind code → touches (sub-campaigns included).")
    touches_total: int
    cost_total: Money = Field(description="Costs in the campaign's currency, sub-campaigns included.")
    budget: Money | None
    budget_left: Money | None
    other_currency_costs: bool = Field(description="A sub-campaign has costs in another currency (not added).")
    children: list[CampaignChildOut]


class CampaignDetailOut(CampaignOut):
    stats: CampaignStatsOut


class CampaignQuery(Schema):
    q: str = ""
    status: Annotated[str, OneOf(CampaignStatus, blank=True)] = ""
    kind: Annotated[str, OneOf(CampaignKind, blank=True)] = ""
    owner: str = Field("", description='"me" or a user id.')
    limit: int = 50
    offset: int = 0


class CampaignCostIn(Schema):
    spent_on: date
    description: str
    amount: Decimal = Field(description="In the campaign's currency; a correction is a negative line.")


class CampaignCostOut(Schema):
    id: int
    spent_on: date
    description: str
    amount: Money
    created_by: UserRef | None
    created_at: datetime


class CampaignMembersIn(Schema):
    lead_ids: list[int] = Field(default_factory=list, max_length=5000)
    contact_ids: list[int] = Field(default_factory=list, max_length=5000)


class CampaignMembersAddedOut(Schema):
    added: int


class CampaignMemberOut(Schema):
    id: int
    lead_id: int | None
    contact_id: int | None
    name: str
    status: Annotated[str, OneOf(MemberStatus)]
    source: Annotated[str, OneOf(MemberSource)]
    added_at: datetime
    status_at: datetime

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.lead if obj.lead_id else obj.contact)


class CampaignMemberQuery(Schema):
    status: Annotated[str, OneOf(MemberStatus, blank=True)] = ""
    limit: int = 50
    offset: int = 0


def _campaign(request: AuthedRequest, campaign_id: int) -> Campaign:
    return services.campaign_get(user=request.user, pk=campaign_id)


def _writable(request: AuthedRequest, campaign_id: int) -> Campaign:
    campaign = _campaign(request, campaign_id)
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators manage campaigns."))
    return campaign


def _relations(request: AuthedRequest, data: dict[str, Any]) -> dict[str, Any]:
    """parent_id and owner_id as records, or a field error."""
    if "parent_id" in data:
        parent_id = data.pop("parent_id")
        parent = None
        if parent_id is not None:
            parent = services.campaign_list(user=request.user).filter(pk=parent_id).first()
            if parent is None:
                raise ValidationError({"parent_id": [_("No such campaign.")]})
        data["parent"] = parent
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        if owner_id is None:
            raise ValidationError({"owner_id": [_("A campaign needs an owner.")]})
        owner = User.objects.filter(pk=owner_id, is_active=True).first()
        if owner is None:
            raise ValidationError({"owner_id": [_("No such user.")]})
        data["owner"] = owner
    return data


def _answer(response: HttpResponse, campaign: Campaign) -> Campaign:
    response["ETag"] = etag(campaign.version)
    return campaign


@router.get("/marketing/campaigns", response=Page[CampaignOut])
def campaign_list(request: AuthedRequest, query: Query[CampaignQuery]) -> dict[str, Any]:
    """Campaigns, newest first (marketing, administrators, executives and sales managers)."""
    if not sees_marketing(request.user):
        raise PermissionDenied(_("You may not read campaigns."))
    filters = services.CampaignFilters(q=query.q, status=query.status, kind=query.kind, owner=query.owner)
    return paginate(services.campaign_list(user=request.user, filters=filters), limit=query.limit, offset=query.offset)


@router.post("/marketing/campaigns", response={201: CampaignDetailOut})
def campaign_create(request: AuthedRequest, payload: CampaignIn, response: HttpResponse) -> Status[Any]:
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators manage campaigns."))
    data = payload.model_dump()
    if data["owner_id"] is None:
        del data["owner_id"]  # the service makes the actor the owner
    data = _relations(request, data)
    campaign = services.campaign_create(actor=request.user, data=data)
    campaign.stats = services.campaign_stats(campaign=campaign)  # type: ignore[attr-defined]
    response["Location"] = f"/api/v1/marketing/campaigns/{campaign.pk}"
    return Status(201, _answer(response, campaign))


@router.get("/marketing/campaigns/{campaign_id}", response=CampaignDetailOut)
def campaign_get(request: AuthedRequest, campaign_id: int, response: HttpResponse) -> Campaign:
    campaign = _campaign(request, campaign_id)
    campaign.stats = services.campaign_stats(campaign=campaign)  # type: ignore[attr-defined]
    return _answer(response, campaign)


@router.patch("/marketing/campaigns/{campaign_id}", response=CampaignDetailOut)
def campaign_update(
    request: AuthedRequest, campaign_id: int, payload: CampaignPatch, response: HttpResponse
) -> Campaign:
    campaign = _writable(request, campaign_id)
    expected = if_match_version(request, campaign)
    data = _relations(request, payload.model_dump(exclude_unset=True))
    campaign = services.campaign_update(actor=request.user, campaign=campaign, data=data, expected_version=expected)
    campaign.stats = services.campaign_stats(campaign=campaign)  # type: ignore[attr-defined]
    return _answer(response, campaign)


@router.get("/marketing/campaigns/{campaign_id}/costs", response=list[CampaignCostOut])
def campaign_cost_list(request: AuthedRequest, campaign_id: int) -> Any:
    return services.cost_list(campaign=_campaign(request, campaign_id))


@router.post("/marketing/campaigns/{campaign_id}/costs", response={201: CampaignCostOut})
def campaign_cost_add(request: AuthedRequest, campaign_id: int, payload: CampaignCostIn) -> Status[Any]:
    """Book a cost line; a wrong line is corrected by a negative one (lines are never deleted)."""
    campaign = _writable(request, campaign_id)
    cost = services.cost_add(actor=request.user, campaign=campaign, **payload.model_dump())
    return Status(201, cost)


@router.get("/marketing/campaigns/{campaign_id}/members", response=Page[CampaignMemberOut])
def campaign_member_list(request: AuthedRequest, campaign_id: int, query: Query[CampaignMemberQuery]) -> Any:
    """The members you may read by name: marketing and administrators all; a sales manager or an
    executive the leads and contacts they may read (the campaign's `members_total` counts all)."""
    campaign = _campaign(request, campaign_id)
    members = services.member_list(user=request.user, campaign=campaign, status=query.status)
    return paginate(members, limit=query.limit, offset=query.offset)


@router.post("/marketing/campaigns/{campaign_id}/members", response={201: CampaignMembersAddedOut})
def campaign_members_add(request: AuthedRequest, campaign_id: int, payload: CampaignMembersIn) -> Status[Any]:
    """Add leads and contacts you may read as targeted members (those already in stay as they are)."""
    campaign = _writable(request, campaign_id)
    added = services.members_add(
        actor=request.user, campaign=campaign, lead_ids=payload.lead_ids, contact_ids=payload.contact_ids
    )
    return Status(201, {"added": added})


@router.delete("/marketing/campaigns/{campaign_id}/members/{member_id}", response={204: None})
def campaign_member_remove(request: AuthedRequest, campaign_id: int, member_id: int) -> Status[None]:
    """Remove a member who is still only targeted; a member the campaign reached stays (422)."""
    campaign = _writable(request, campaign_id)
    services.member_remove(actor=request.user, member=services.member_get(campaign=campaign, pk=member_id))
    return Status(204, None)
