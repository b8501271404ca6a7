"""/api/v1/marketing/attribution and /api/v1/marketing/dashboard: what campaigns brought, down to
the cash collected, under first-touch, last-touch or linear attribution (ltc.marketing.attribution)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema

from ltc.core.schemas import Money, OneOf
from ltc.marketing.attribution import CampaignFigures, Report, attribution_report
from ltc.marketing.models import CampaignKind
from ltc.marketing.models.attribution import AttributionModel
from ltc.org.types import AuthedRequest

router = Router(tags=["marketing"])

# A count credited to a campaign: linear attribution splits an outcome, so two decimals.
Share = Money


class AttributionQuery(Schema):
    model: Annotated[str, OneOf(AttributionModel)] = "linear"
    start: date | None = Field(
        None, alias="from", description="First day of the period (default: 364 days before `to`)."
    )
    end: date | None = Field(None, alias="to", description="Last day of the period, inclusive (default: today).")
    kind: Annotated[str, OneOf(CampaignKind, blank=True)] = ""


class AttributionRowOut(Schema):
    campaign_id: int
    name: str
    code: str
    kind: Annotated[str, OneOf(CampaignKind)]
    currency: str
    leads: Share
    mql: Share
    sql: Share
    deals: Share
    won: Share
    won_amount: Money
    cash: Money
    cost: Money
    roi: Decimal | None = Field(description="(attributed cash − cost) / cost; null without a cost")
    cost_per_lead: Money | None
    cost_per_mql: Money | None
    cost_per_won: Money | None


class AttributionTotalsOut(Schema):
    leads: Share
    mql: Share
    sql: Share
    deals: Share
    won: Share
    won_amount: Money
    cash: Money
    cost: Money
    roi: Decimal | None


class AttributionOut(Schema):
    model: Annotated[str, OneOf(AttributionModel)]
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    kind: str
    currency: str = "CNY"
    campaigns: list[AttributionRowOut]
    totals: AttributionTotalsOut


class FunnelRowOut(Schema):
    campaign_id: int
    name: str
    kind: Annotated[str, OneOf(CampaignKind)]
    members: int
    responded: int
    leads: Share
    mql: Share
    sql: Share
    won: Share
    cash: Money
    roi: Decimal | None


class ConversionOut(Schema):
    mql_to_sql: Decimal | None = Field(description="percent")
    sql_to_won: Decimal | None = Field(description="percent")
    mql_to_won: Decimal | None = Field(description="percent")


class DashboardFunnelOut(Schema):
    members: int
    responded: int
    leads: Share
    mql: Share
    sql: Share
    won: Share


class DashboardOut(Schema):
    model: Annotated[str, OneOf(AttributionModel)]
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    kind: str
    funnel: DashboardFunnelOut
    conversion: ConversionOut
    won_amount: Money
    cash: Money
    cost: Money
    roi: Decimal | None
    campaigns: list[FunnelRowOut]


def _report(request: AuthedRequest, query: AttributionQuery) -> Report:
    return attribution_report(
        user=request.user, model=query.model, start=query.start, end=query.end, kind=query.kind or None
    )


def _row(row: CampaignFigures) -> dict[str, Any]:
    names = ("campaign_id", "name", "code", "kind", "currency", "members", "responded", "leads", "mql", "sql")
    more = ("deals", "won", "won_amount", "cash", "cost", "roi", "cost_per_lead", "cost_per_mql", "cost_per_won")
    return {name: getattr(row, name) for name in (*names, *more)}


def _head(report: Report) -> dict[str, Any]:
    return {"model": report.model, "start": report.period.start, "end": report.period.end, "kind": report.kind or ""}


@router.get("/marketing/attribution", response=AttributionOut, by_alias=True)
def marketing_attribution(request: AuthedRequest, query: Query[AttributionQuery]) -> dict[str, Any]:
    """Per campaign: leads, MQL, SQL, deals, won deals, won amount and cash collected (CNY)
    credited under the model, the costs of the period, ROI and cost per lead, MQL and won deal.
    Marketing, sales managers, executives and administrators only."""
    report = _report(request, query)
    return {**_head(report), "campaigns": [_row(row) for row in report.campaigns], "totals": report.totals}


@router.get("/marketing/dashboard", response=DashboardOut, by_alias=True)
def marketing_dashboard(request: AuthedRequest, query: Query[AttributionQuery]) -> dict[str, Any]:
    """The marketing dashboard's figures: the funnel (members → responded → leads → MQL → SQL →
    won), MQL → SQL → won conversion, cash against cost, and each campaign's funnel."""
    report = _report(request, query)
    totals = report.totals
    return {
        **_head(report),
        "funnel": totals,
        "conversion": report.conversion,
        "won_amount": totals["won_amount"],
        "cash": totals["cash"],
        "cost": totals["cost"],
        "roi": totals["roi"],
        "campaigns": [_row(row) for row in report.campaigns],
    }
