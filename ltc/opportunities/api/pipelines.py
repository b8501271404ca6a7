"""/api/v1/pipelines: the pipelines, their stages and the board."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from ltc.core.api import etag
from ltc.opportunities import selectors
from ltc.opportunities.api.common import router
from ltc.opportunities.api.schemas import BoardColumnOut, PipelineOut
from ltc.opportunities.models import Pipeline
from ltc.org.types import AuthedRequest


@router.get("/pipelines", response=list[PipelineOut])
def pipeline_list(request: AuthedRequest, include_inactive: bool = False) -> Any:
    """The active pipelines (`include_inactive`: all), their stages and active checklist items."""
    return list(selectors.pipelines(active_only=not include_inactive))


@router.get("/pipelines/{pipeline_id}", response=PipelineOut)
def pipeline_get(request: AuthedRequest, pipeline_id: int, response: HttpResponse) -> Pipeline:
    """One pipeline; its ETag is the version a PATCH or a reorder names in If-Match."""
    pipeline = selectors.pipeline_get(pk=pipeline_id)
    response["ETag"] = etag(pipeline.version)
    return pipeline


@router.get("/pipelines/{pipeline_id}/board", response=list[BoardColumnOut])
def pipeline_board(request: AuthedRequest, pipeline_id: int, mine: str = "") -> Any:
    """Per stage: count, amounts per currency, weighted amounts, and the 20 largest deals."""
    pipeline = selectors.pipeline_get(pk=pipeline_id)
    return [
        {
            "stage_id": c.stage.pk,
            "stage_name": c.stage.name,
            "category": c.stage.category,
            "probability": c.stage.probability,
            "count": c.count,
            "amounts": [{"currency": k, "amount": v} for k, v in c.amounts.items()],
            "weighted": [{"currency": k, "amount": v} for k, v in c.weighted.items()],
            "cards": c.cards,
        }
        for c in selectors.board(user=request.user, pipeline=pipeline, mine=mine)
    ]
