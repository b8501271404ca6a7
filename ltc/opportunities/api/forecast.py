"""/api/v1/pipelines/{id}/funnel and /api/v1/forecast."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Schema

from ltc.core.money import Currency
from ltc.core.schemas import Money, OneOf
from ltc.opportunities import selectors
from ltc.opportunities.api.common import router
from ltc.opportunities.api.schemas import MoneyOut
from ltc.org.types import AuthedRequest


class FunnelStageOut(Schema):
    stage_id: int
    stage_name: str
    count: int
    amounts: list[MoneyOut]
    reached: int
    conversion: Decimal | None


class FunnelOut(Schema):
    pipeline_id: int
    stages: list[FunnelStageOut]
    won: int
    lost: int
    win_rate: Decimal | None


class ForecastRowOut(Schema):
    key: str
    label: str
    pipeline: Money
    best_case: Money
    commit: Money
    closed: Money
    total: Money
    weighted: Money


class ForecastQuery(Schema):
    start: date | None = None
    months: int = 6
    group: str = "month"
    currency: Annotated[str, OneOf(Currency)] = "CNY"


@router.get("/pipelines/{pipeline_id}/funnel", response=FunnelOut)
def pipeline_funnel(request: AuthedRequest, pipeline_id: int) -> dict[str, Any]:
    """Open deals per stage now, deals that ever reached each stage, and stage-to-stage conversion."""
    pipeline = selectors.pipeline_get(pk=pipeline_id)
    result = selectors.funnel(user=request.user, pipeline=pipeline)
    return {
        "pipeline_id": pipeline.pk,
        "stages": [
            {
                "stage_id": s.stage.pk,
                "stage_name": s.stage.name,
                "count": s.count,
                "amounts": [{"currency": k, "amount": v} for k, v in s.amounts.items()],
                "reached": s.reached,
                "conversion": s.conversion,
            }
            for s in result.stages
        ],
        "won": result.won,
        "lost": result.lost,
        "win_rate": result.win_rate,
    }


@router.get("/forecast", response=list[ForecastRowOut])
def forecast(request: AuthedRequest, query: Query[ForecastQuery]) -> list[dict[str, Any]]:
    """Amounts per forecast category and the weighted pipeline, by close month, owner or team."""
    errors: dict[str, list[str]] = {}
    if not 1 <= query.months <= 24:
        errors["months"] = [_("Between 1 and 24 months.")]
    if query.group not in selectors.FORECAST_GROUPS:
        errors["group"] = [_("Group by month, owner or team.")]
    if errors:
        raise ValidationError(errors)
    start = (query.start or timezone.localdate()).replace(day=1)
    rows = selectors.forecast(
        user=request.user, start=start, months=query.months, group=query.group, currency=query.currency
    )
    return [
        {
            "key": str(r.key),
            "label": r.label,
            **{c: r.by_category.get(c, Decimal("0.00")) for c in ("pipeline", "best_case", "commit", "closed")},
            "total": r.total,
            "weighted": r.weighted,
        }
        for r in rows
    ]
