"""The router of /api/v1/pipelines and /api/v1/opportunities, and how its routes fetch a deal or a
pipeline."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from ltc.core.api import etag
from ltc.core.routers import PackageRouter
from ltc.opportunities import selectors
from ltc.opportunities.models import Opportunity, Pipeline, Stage
from ltc.org.types import AuthedRequest

router = PackageRouter(package="ltc.opportunities.api", tags=["opportunities"])


def _opportunity(request: AuthedRequest, opportunity_id: int) -> Opportunity:
    return selectors.opportunity_get(user=request.user, pk=opportunity_id)


def _answer(response: HttpResponse, opportunity: Opportunity) -> Opportunity:
    response["ETag"] = etag(opportunity.version)
    return opportunity


def _pipeline(pk: int, field: str = "pipeline_id") -> Pipeline:
    try:
        return selectors.pipeline_get(pk=pk)
    except Http404 as exc:
        raise ValidationError({field: [_("No such pipeline.")]}) from exc


def _stage(pipeline: Pipeline, pk: int | None, field: str = "stage_id") -> Stage | None:
    if pk is None:
        return None
    stage = next((s for s in pipeline.stages.all() if s.pk == pk), None)
    if stage is None:
        raise ValidationError({field: [_("No such stage in this pipeline.")]})
    return stage
