"""/api/v1/evaluations: the closing evaluations of contracts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Schema

from ltc.contracts import selectors
from ltc.contracts.api.common import router
from ltc.core.api import Page, paginate
from ltc.org.types import AuthedRequest


class EvaluationOut(Schema):
    contract_id: int
    contract_number: str
    planned_margin_pct: Decimal | None
    actual_margin_pct: Decimal | None
    upfront_pct: Decimal
    signing_score: Decimal
    on_time_pct: Decimal
    average_delay_days: Decimal
    cost_variance_pct: Decimal | None
    acceptance_refusals: int
    satisfaction: int
    fulfilment_score: Decimal
    lessons: str
    evaluated_at: datetime

    @staticmethod
    def resolve_contract_number(obj: Any) -> str:
        return str(obj.contract.number)


class EvaluationQuery(Schema):
    q: str = Field("", description="Part of the contract number or the account name.")
    account_id: int | None = None
    limit: int = 50
    offset: int = 0


@router.get("/evaluations", response=Page[EvaluationOut])
def evaluation_list(request: AuthedRequest, query: Query[EvaluationQuery]) -> dict[str, Any]:
    """Closing evaluations across the contracts the user sees, newest first."""
    evaluations = selectors.evaluation_list(user=request.user, q=query.q, account_id=query.account_id)
    return paginate(evaluations, limit=query.limit, offset=query.offset)
