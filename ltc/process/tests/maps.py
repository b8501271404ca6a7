"""A small process map for the step log's and the figures' tests (codes no shipped node uses)."""

from __future__ import annotations

from typing import Any

from ltc.opportunities.models import Pipeline
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode, StepVisit


def node(code: str, level: int, order: int, parent: ProcessNode | None = None, **fields: Any) -> ProcessNode:
    return ProcessNode.objects.create(
        code=code, level=level, order=order, parent=parent, name_zh=f"节点{code}", name_en=f"Node {code}", **fields
    )


def make_map(pipeline: Pipeline) -> dict[str, ProcessNode]:
    """T › (ML › new, working) and (MO › confirm, solution, won): lead statuses new → ML.NEW,
    verifying and qualified → ML.WORK; the pipeline's 确认 → MO.CONFIRM, 方案 and 签约 →
    MO.SOLUTION, 赢单 → MO.WON (输单 and the closed lead statuses stand nowhere)."""
    ProcessBinding.objects.all().delete()  # the map under test is the only one bound
    StepVisit.objects.all().delete()
    top = node("T", 1, 1)
    ml = node("T.ML", 2, 1, top)
    mo = node("T.MO", 2, 2, top)
    nodes = {
        "T": top,
        "ML": ml,
        "MO": mo,
        "ML.NEW": node("T.ML.NEW", 3, 1, ml),
        "ML.WORK": node("T.ML.WORK", 3, 2, ml),
        "MO.CONFIRM": node("T.MO.CONFIRM", 3, 1, mo),
        "MO.SOLUTION": node("T.MO.SOLUTION", 3, 2, mo),
        "MO.WON": node("T.MO.WON", 3, 3, mo),
    }
    stages = {s.name: s.pk for s in pipeline.stages.all()}
    for code, kind, key in (
        ("ML.NEW", BindingKind.LEAD_STATUS, "new"),
        ("ML.WORK", BindingKind.LEAD_STATUS, "verifying"),
        ("ML.WORK", BindingKind.LEAD_STATUS, "qualified"),
        ("MO.CONFIRM", BindingKind.STAGE, stages["确认"]),
        ("MO.SOLUTION", BindingKind.STAGE, stages["方案"]),
        ("MO.SOLUTION", BindingKind.STAGE, stages["签约"]),
        ("MO.WON", BindingKind.STAGE, stages["赢单"]),
    ):
        ProcessBinding.objects.create(node=nodes[code], kind=kind, key=str(key))
    return nodes
