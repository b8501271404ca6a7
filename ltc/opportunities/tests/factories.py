from __future__ import annotations

from decimal import Decimal
from typing import Any

from ltc.opportunities.choices import RequirableField, RequirementKind, StageCategory
from ltc.opportunities.models import Opportunity, Pipeline, Stage, StageRequirement
from ltc.org.models import Authority, Role


def make_pipeline(name: str = "项目销售") -> Pipeline:
    """Three open stages with one item of each kind, then won and lost:
    确认 (a tick) → 方案 (a visit done; SR named) → 签约 (needs an FR) → 赢单 / 输单."""
    pipeline = Pipeline.objects.create(name=name)
    confirm = Stage.objects.create(pipeline=pipeline, order=10, name="确认", probability=10)
    solution = Stage.objects.create(pipeline=pipeline, order=20, name="方案", probability=40)
    Stage.objects.create(pipeline=pipeline, order=30, name="签约", probability=90, needs_fr=True)
    Stage.objects.create(pipeline=pipeline, order=90, name="赢单", category=StageCategory.WON, probability=100)
    Stage.objects.create(pipeline=pipeline, order=91, name="输单", category=StageCategory.LOST, probability=0)
    StageRequirement.objects.create(stage=confirm, label="需求已确认", kind=RequirementKind.CHECK)
    StageRequirement.objects.create(
        stage=solution, label="现场拜访", kind=RequirementKind.ACTIVITY, activity_kind="visit"
    )
    StageRequirement.objects.create(
        stage=solution, label="SR 已指定", kind=RequirementKind.FIELD, field_name=RequirableField.SR
    )
    return pipeline


def stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name)


def make_opportunity(world: Any, pipeline: Pipeline | None = None, **fields: Any) -> Opportunity:
    pipeline = pipeline or Pipeline.objects.first() or make_pipeline()
    first = pipeline.open_stages()[0]
    values = {
        "name": "锦程智能工厂项目",
        "account": world.account,
        "pipeline": pipeline,
        "stage": first,
        "owner": world.owner,
        "amount": Decimal("1000000.00"),
        "probability": first.probability,
        **fields,
    }
    values.setdefault("max_stage_order", values["stage"].order)
    return Opportunity.objects.create(**values)


def require_review(pipeline: Pipeline, stage_name: str, review_type: str) -> StageRequirement:
    return StageRequirement.objects.create(
        stage=pipeline.stages.get(name=stage_name),
        label=f"{review_type} 通过",
        kind=RequirementKind.REVIEW,
        review_type=review_type,
    )


def grant(subject: str, *, role: str | None = None, user: Any = None, up_to: str | None = None) -> Authority:
    return Authority.objects.create(
        subject=subject,
        role=Role.objects.get(code=role) if role else None,
        user=user,
        max_amount=Decimal(up_to) if up_to is not None else None,
    )
