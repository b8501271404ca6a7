"""The closing evaluation (关闭和评价合同), computed from the contract's own data.

Signing quality (1–5): the margin finally earned against the margin signed, and how much of the
money falls due before acceptance. Fulfilment quality (1–5): milestones delivered on their
original dates, actual cost against the signed cost, acceptances refused, and the customer's
satisfaction. Each part scores 1–5 on the thresholds below; a quality is their mean.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from ltc.contracts.models import Contract, ContractVersion, Delivery, Evaluation
from ltc.contracts.services.common import current_of
from ltc.core.money import quantize
from ltc.org.models import User
from ltc.quotes.choices import TermTrigger

HUNDRED = Decimal(100)
UPFRONT = (TermTrigger.SIGNING, TermTrigger.DELIVERY)


def _score(value: Decimal, steps: list[Decimal], *, higher_is_better: bool = True) -> int:
    """5 when `value` passes the first step, 4 the second ... 1 when it passes none."""
    for points, step in zip((5, 4, 3, 2), steps, strict=False):
        if (value >= step) if higher_is_better else (value <= step):
            return points
    return 1


def _mean(values: list[int]) -> Decimal:
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"))


def figures(contract: Contract) -> dict[str, Any]:
    """The measured parts of the evaluation (also shown before closing)."""
    current = current_of(contract)
    first = ContractVersion.objects.filter(contract=contract).order_by("number").first() or current
    recorded = Delivery.objects.filter(order__contract=contract, cost__isnull=False).aggregate(total=Sum("cost"))
    actual_cost = recorded["total"] if recorded["total"] is not None else current.cost_total
    net = current.net_total
    actual_margin = quantize((net - actual_cost) / net * HUNDRED) if net else None
    planned_margin = first.margin_pct
    cost_variance = (
        quantize((actual_cost - first.cost_total) / first.cost_total * HUNDRED) if first.cost_total else None
    )
    upfront = sum((t.percent for t in current.terms.all() if t.trigger in UPFRONT), Decimal(0))
    original = {int(p["position"]): date.fromisoformat(p["planned_date"]) for p in first.milestone_plan}
    delays: list[int] = []
    refusals = 0
    for milestone in contract.milestones.filter(removed=False):
        refusals += milestone.refusals
        if milestone.delivered_on is None:
            continue
        planned = original.get(milestone.position, milestone.planned_date)
        delays.append(max(0, (milestone.delivered_on - planned).days))
    on_time = quantize(Decimal(sum(1 for d in delays if d == 0)) / len(delays) * HUNDRED) if delays else HUNDRED
    average_delay = (Decimal(sum(delays)) / len(delays)).quantize(Decimal("0.1")) if delays else Decimal(0)
    return {
        "planned_margin_pct": planned_margin,
        "actual_margin_pct": actual_margin,
        "upfront_pct": upfront,
        "on_time_pct": on_time,
        "average_delay_days": average_delay,
        "cost_variance_pct": cost_variance,
        "acceptance_refusals": refusals,
    }


def scores(values: dict[str, Any], satisfaction: int) -> tuple[Decimal, Decimal]:
    signing = [_score(values["upfront_pct"], [Decimal(50), Decimal(30), Decimal(10), Decimal("0.01")])]
    if values["actual_margin_pct"] is not None and values["planned_margin_pct"] is not None:
        gap = values["actual_margin_pct"] - values["planned_margin_pct"]
        signing.append(_score(gap, [Decimal(0), Decimal(-2), Decimal(-5), Decimal(-10)]))
    fulfilment = [
        _score(values["on_time_pct"], [Decimal(90), Decimal(75), Decimal(50), Decimal(25)]),
        _score(
            Decimal(values["acceptance_refusals"]),
            [Decimal(0), Decimal(1), Decimal(2), Decimal(3)],
            higher_is_better=False,
        ),
        satisfaction,
    ]
    if values["cost_variance_pct"] is not None:
        fulfilment.append(
            _score(
                values["cost_variance_pct"], [Decimal(0), Decimal(5), Decimal(10), Decimal(20)], higher_is_better=False
            )
        )
    return _mean(signing), _mean(fulfilment)


def evaluate(contract: Contract, *, satisfaction: int, lessons: str, actor: User) -> Evaluation:
    values = figures(contract)
    signing, fulfilment = scores(values, satisfaction)
    return Evaluation.objects.create(
        contract=contract,
        signing_score=signing,
        fulfilment_score=fulfilment,
        satisfaction=satisfaction,
        lessons=lessons,
        evaluated_by=actor,
        **values,
    )
