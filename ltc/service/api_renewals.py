"""/api/v1/service/...: renewals, upsell flags on cases and the service KPIs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ltc.catalog.models import Product
from ltc.core.access import fetch_or_404
from ltc.core.api import Page, paginate
from ltc.core.schemas import Money, OneOf
from ltc.opportunities.choices import OpportunityStatus
from ltc.org.types import AuthedRequest
from ltc.service.access import can_work_service, sees_service, service_scope
from ltc.service.kpis import Period, service_kpis
from ltc.service.models import Case, CaseCategory, CaseUpsell, Priority, Renewal, RenewalKind, UpsellKind
from ltc.service.services.renewals import renewal_list
from ltc.service.services.upsell import NOTE_MAX, case_upsell_flag

router = Router(tags=["service"])


class ServiceRenewalQuery(Schema):
    kind: Annotated[str, OneOf(RenewalKind, blank=True)] = ""
    status: Annotated[str, OneOf(OpportunityStatus, blank=True)] = Field("", description="The renewal deal's status.")
    account_id: int | None = Field(None, description="Only the renewals of this account.")
    limit: int = 50
    offset: int = 0


class ServiceRenewalOut(Schema):
    id: int
    kind: Annotated[str, OneOf(RenewalKind)]
    account_id: int
    asset_id: int | None
    entitlement_id: int | None
    ends_on: date
    opportunity_id: int
    opportunity_name: str
    opportunity_status: Annotated[str, OneOf(OpportunityStatus)]
    amount: Money
    currency: str

    @staticmethod
    def resolve_opportunity_name(obj: Renewal) -> str:
        return obj.opportunity.name

    @staticmethod
    def resolve_opportunity_status(obj: Renewal) -> str:
        return obj.opportunity.status

    @staticmethod
    def resolve_amount(obj: Renewal) -> Decimal:
        return Decimal(obj.opportunity.amount)

    @staticmethod
    def resolve_currency(obj: Renewal) -> str:
        return obj.opportunity.currency


@router.get("/service/renewals", response=Page[ServiceRenewalOut])
def renewals(request: AuthedRequest, query: Query[ServiceRenewalQuery]) -> dict[str, Any]:
    """Renewal deals opened for warranties and service contracts ending within the renewal window,
    soonest end first, of the accounts the viewer may read (service readers only)."""
    if not sees_service(request.user):
        raise PermissionDenied(_("You may not read service records."))
    rows = renewal_list(request.user, kind=query.kind, status=query.status)
    if query.account_id is not None:
        rows = rows.filter(account_id=query.account_id)
    return paginate(rows, limit=query.limit, offset=query.offset)


class CaseUpsellIn(Schema):
    kind: Annotated[str, OneOf(UpsellKind)]
    note: str = Field(max_length=NOTE_MAX, description="What the customer needs: the lead's need.")
    product_id: int | None = None


class CaseUpsellOut(Schema):
    id: int
    case_id: int
    kind: Annotated[str, OneOf(UpsellKind)]
    note: str
    product_id: int | None
    lead_id: int
    lead_owner_id: int | None
    flagged_by_id: int
    flagged_at: datetime

    @staticmethod
    def resolve_lead_owner_id(obj: CaseUpsell) -> int | None:
        return obj.lead.owner_id


@router.post("/service/cases/{case_id}/upsell", response={201: CaseUpsellOut})
def case_upsell(request: AuthedRequest, case_id: int, payload: CaseUpsellIn, response: HttpResponse) -> Status[Any]:
    """Flag an upsell or cross-sell on a case: a lead from customer service (source "service"),
    routed to sales like a web lead and linked to the case. Service staff and administrators."""
    case = fetch_or_404(service_scope(Case.objects.select_related("account", "contact"), request.user), pk=case_id)
    if not can_work_service(request.user):
        raise PermissionDenied(_("Only service staff may flag upsell opportunities."))
    product = None
    if payload.product_id is not None:
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise ValidationError({"product_id": [_("Choose an existing product.")]})
    try:
        upsell = case_upsell_flag(actor=request.user, case=case, kind=payload.kind, note=payload.note, product=product)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "product" in exc.error_dict:
            exc.error_dict["product_id"] = exc.error_dict.pop("product")
        raise
    response["Location"] = f"/api/v1/service/cases/{case.pk}"
    return Status(201, upsell)


class ServiceKpiQuery(Schema):
    since: date | None = Field(None, description="First day of the period (default: 29 days before `until`).")
    until: date | None = Field(None, description="Last day of the period, inclusive (default: today).")
    team: int | None = Field(None, description="Only the cases of this team.")


class KpiTimesOut(Schema):
    measured: int
    average_minutes: int | None = Field(description="business minutes")
    median_minutes: int | None = Field(description="business minutes")


class KpiVerdictsOut(Schema):
    met: int
    missed: int
    breached: int = Field(description="past due and still open: it can only end missed")
    attainment: Decimal | None = Field(description="percent met of met + missed + breached")


class KpiSlaOut(Schema):
    response: KpiVerdictsOut
    resolution: KpiVerdictsOut


class KpiCasesOut(Schema):
    opened: int
    resolved: int


class KpiBacklogOut(Schema):
    bucket: Literal["lt_1d", "1_3d", "3_7d", "gt_7d"]
    label: str
    cases: int


class KpiCsatOut(Schema):
    average: Decimal | None
    answered: int
    sent: int
    response_rate: Decimal | None = Field(description="percent")


class KpiPriorityOut(Schema):
    priority: Annotated[str, OneOf(Priority)]
    label: str
    cases: int


class KpiCategoryOut(Schema):
    category: Annotated[str, OneOf(CaseCategory)]
    label: str
    cases: int


class KpiAssetOut(Schema):
    asset_id: int
    name: str
    code: str
    cases: int


class KpiProductOut(Schema):
    product_id: int
    name: str
    cases: int


class KpiAssetsOut(Schema):
    cases_on_assets: int
    assets_in_use: int
    cases_per_asset: Decimal | None
    top_assets: list[KpiAssetOut]
    top_products: list[KpiProductOut]


class KpiWonAmountOut(Schema):
    currency: str
    amount: Money


class KpiUpsellOut(Schema):
    flagged: int
    deals: int
    won: int
    won_amounts: list[KpiWonAmountOut]


class KpiAgentOut(Schema):
    user_id: int
    name: str
    opened: int
    resolved: int
    response_attainment: Decimal | None
    resolution_attainment: Decimal | None
    csat_average: Decimal | None


class ServiceKpisOut(Schema):
    since: date
    until: date
    team_id: int | None
    cases: KpiCasesOut
    first_response: KpiTimesOut
    resolution: KpiTimesOut
    sla: KpiSlaOut
    backlog: list[KpiBacklogOut]
    backlog_total: int
    csat: KpiCsatOut
    by_priority: list[KpiPriorityOut]
    by_category: list[KpiCategoryOut]
    assets: KpiAssetsOut
    upsell: KpiUpsellOut
    agents: list[KpiAgentOut] | None = Field(description="By agent: for service managers, administrators, executives.")


@router.get("/service/kpis", response=ServiceKpisOut)
def kpis(request: AuthedRequest, query: Query[ServiceKpiQuery]) -> dict[str, Any]:
    """The service KPIs of the cases opened in the period (default: the last 30 days) that the
    viewer may read: first response and resolution times in business minutes, SLA attainment,
    backlog by age (now), CSAT, cases by priority, category, asset and product, upsell leads and
    their won amount; by agent for managers. Service readers only."""
    if not sees_service(request.user):
        raise PermissionDenied(_("You may not read the service figures."))
    default = Period.default(query.until)
    since, until = query.since or default.since, query.until or default.until
    # service_kpis checks the period (years, order, span) and raises its field errors (422).
    return service_kpis(request.user, since=since, until=until, team_id=query.team)
