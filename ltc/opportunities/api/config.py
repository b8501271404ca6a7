"""/api/v1/pipelines, /stages and /requirements: configuring pipelines, their stages and gate
items (administrators; everyone signed in reads them). Thin over services/config.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Schema, Status
from ninja.files import UploadedFile

from ltc.core.access import fetch_or_404
from ltc.core.api import etag, if_match_version
from ltc.core.models import ActivityKind
from ltc.core.schemas import OneOf, TimelineEventOut, UserRef
from ltc.core.timeline import timeline_for
from ltc.opportunities import selectors
from ltc.opportunities.api.common import router
from ltc.opportunities.api.schemas import PipelineOut, RequirementOut, StageOut
from ltc.opportunities.choices import ForecastCategory, RequirableField, RequirementKind, ReviewType, StageCategory
from ltc.opportunities.models import Pipeline, Stage, StageRequirement, StageTemplate, StageTemplateVersion
from ltc.opportunities.services import config as services
from ltc.org.types import AuthedRequest

_Versioned = TypeVar("_Versioned", Stage, StageRequirement)


class PipelineIn(Schema):
    name: str
    description: str = ""
    order: int = 0
    active: bool = True


class PipelinePatch(Schema):
    name: str | None = None
    description: str | None = None
    order: int | None = None
    active: bool | None = None
    quote_from_stage_id: int | None = None
    quote_accepted_stage_id: int | None = None
    contract_signed_requirement_id: int | None = None


class StageIn(Schema):
    name: str
    probability: int = 10
    category: Annotated[str, OneOf(StageCategory)] = "open"
    needs_fr: bool = False
    guidance: str = ""
    forecast_category: Annotated[str, OneOf(ForecastCategory)] = "pipeline"


class StagePatch(Schema):
    name: str | None = None
    probability: int | None = None
    category: Annotated[str, OneOf(StageCategory)] | None = None
    needs_fr: bool | None = None
    guidance: str | None = None
    forecast_category: Annotated[str, OneOf(ForecastCategory)] | None = None
    confirm: bool = False  # the dry run's warning was seen (an FR newly needed)


class StagesReorderIn(Schema):
    stage_ids: list[int]


class RequirementIn(Schema):
    label: str
    kind: Annotated[str, OneOf(RequirementKind)]
    activity_kind: Annotated[str, OneOf(ActivityKind, blank=True)] = ""
    field_name: Annotated[str, OneOf(RequirableField, blank=True)] = ""
    review_type: Annotated[str, OneOf(ReviewType, blank=True)] = ""
    order: int | None = None
    confirm: bool = False  # the dry run's warning was seen: open deals would now miss the item


class RequirementPatch(Schema):
    label: str | None = None
    kind: Annotated[str, OneOf(RequirementKind)] | None = None
    activity_kind: Annotated[str, OneOf(ActivityKind, blank=True)] | None = None
    field_name: Annotated[str, OneOf(RequirableField, blank=True)] | None = None
    review_type: Annotated[str, OneOf(ReviewType, blank=True)] | None = None
    order: int | None = None
    confirm: bool = False


class GateItemIn(Schema):
    label: str
    kind: Annotated[str, OneOf(RequirementKind)]
    activity_kind: Annotated[str, OneOf(ActivityKind, blank=True)] = ""
    field_name: Annotated[str, OneOf(RequirableField, blank=True)] = ""
    review_type: Annotated[str, OneOf(ReviewType, blank=True)] = ""


class GateDryRunIn(Schema):
    add: list[GateItemIn] = []
    remove: list[int] = []
    needs_fr: bool | None = None


class ImpactedDealOut(Schema):
    id: int
    name: str
    account_name: str
    owner: UserRef
    missing: list[str]


class GateImpactOut(Schema):
    stage_id: int
    items: list[str]
    count: int
    released: int
    message: str
    deals: list[ImpactedDealOut]


class StageTemplateVersionOut(Schema):
    number: int
    note: str
    uploaded_by: UserRef | None
    uploaded_at: datetime


class StageTemplateOut(Schema):
    id: int
    stage_id: int
    title: str
    active: bool
    current: int | None
    versions: list[StageTemplateVersionOut]

    @staticmethod
    def resolve_current(obj: StageTemplate) -> int | None:
        current = obj.current_version
        return current.number if current else None

    @staticmethod
    def resolve_versions(obj: StageTemplate) -> list[StageTemplateVersion]:
        return sorted(obj.versions.all(), key=lambda v: -v.number)


class RequirementRemovedOut(Schema):
    id: int
    outcome: Annotated[str, OneOf(services.Removal)]


def _stage(stage_id: int) -> Stage:
    return fetch_or_404(Stage.objects.select_related("pipeline"), pk=stage_id)


def _requirement(requirement_id: int) -> StageRequirement:
    return fetch_or_404(StageRequirement.objects.select_related("stage__pipeline"), pk=requirement_id)


def _refs(data: dict[str, Any]) -> dict[str, Any]:
    """Ids in a pipeline patch as the records they name (the service checks they are this
    pipeline's); an id naming nothing is a field error."""
    refs = {
        "quote_from_stage": Stage,
        "quote_accepted_stage": Stage,
        "contract_signed_requirement": StageRequirement,
    }
    errors: dict[str, list[str]] = {}
    for name, model in refs.items():
        key = f"{name}_id"
        if key not in data:
            continue
        pk = data.pop(key)
        record = model.objects.filter(pk=pk).first() if pk is not None else None  # type: ignore[attr-defined]
        if pk is not None and record is None:
            errors[key] = [_("No such record.")]
        data[name] = record
    if errors:
        raise ValidationError(errors)
    return data


def _pipeline_answer(response: HttpResponse, pipeline: Pipeline) -> Pipeline:
    response["ETag"] = etag(pipeline.version)
    return selectors.pipeline_get(pk=pipeline.pk)


def _with_etag(response: HttpResponse, record: _Versioned) -> _Versioned:
    response["ETag"] = etag(record.version)
    return record


@router.post("/pipelines", response={201: PipelineOut})
def pipeline_create(request: AuthedRequest, payload: PipelineIn, response: HttpResponse) -> Status[Pipeline]:
    """A new pipeline (administrators); add its stages with POST /pipelines/{id}/stages."""
    pipeline = services.pipeline_create(actor=request.user, data=payload.model_dump())
    return Status(201, _pipeline_answer(response, pipeline))


@router.patch("/pipelines/{pipeline_id}", response=PipelineOut)
def pipeline_update(request: AuthedRequest, pipeline_id: int, payload: PipelinePatch, response: HttpResponse) -> Any:
    """Change a pipeline (administrators; If-Match). Stages and the item named must be its own."""
    pipeline = selectors.pipeline_get(pk=pipeline_id)
    expected = if_match_version(request, pipeline)
    data = _refs(payload.model_dump(exclude_unset=True))
    pipeline = services.pipeline_update(actor=request.user, pipeline=pipeline, data=data, expected_version=expected)
    return _pipeline_answer(response, pipeline)


@router.post("/pipelines/{pipeline_id}/stages/reorder", response=PipelineOut)
def stages_reorder(request: AuthedRequest, pipeline_id: int, payload: StagesReorderIn, response: HttpResponse) -> Any:
    """Put the open stages in this order (every one once); If-Match: the pipeline's ETag."""
    pipeline = selectors.pipeline_get(pk=pipeline_id)
    expected = if_match_version(request, pipeline)
    pipeline = services.stages_reorder(
        actor=request.user, pipeline=pipeline, stage_ids=payload.stage_ids, expected_version=expected
    )
    return _pipeline_answer(response, pipeline)


@router.get("/pipelines/{pipeline_id}/timeline", response=list[TimelineEventOut])
def pipeline_timeline(request: AuthedRequest, pipeline_id: int) -> Any:
    """The pipeline's history: its own changes and those of its stages and checklist items."""
    return timeline_for(selectors.pipeline_get(pk=pipeline_id))


@router.post("/pipelines/{pipeline_id}/stages", response={201: StageOut})
def stage_create(request: AuthedRequest, pipeline_id: int, payload: StageIn, response: HttpResponse) -> Status[Stage]:
    """A stage added to the pipeline (an open one after the last open stage; won/lost at the end)."""
    pipeline = selectors.pipeline_get(pk=pipeline_id)
    stage = services.stage_create(actor=request.user, pipeline=pipeline, data=payload.model_dump())
    return Status(201, _with_etag(response, stage))


@router.get("/stages/{stage_id}", response=StageOut)
def stage_get(request: AuthedRequest, stage_id: int, response: HttpResponse) -> Stage:
    return _with_etag(response, _stage(stage_id))


@router.patch("/stages/{stage_id}", response=StageOut)
def stage_update(request: AuthedRequest, stage_id: int, payload: StagePatch, response: HttpResponse) -> Stage:
    """Change a stage (If-Match). Needing an FR when open deals would enter without one answers
    422 on `confirm` with the dry run's message until sent again with `confirm: true`."""
    stage = _stage(stage_id)
    expected = if_match_version(request, stage)
    data = payload.model_dump(exclude_unset=True)
    confirm = bool(data.pop("confirm", False))
    stage = services.stage_update(
        actor=request.user, stage=stage, data=data, expected_version=expected, confirm_impact=confirm
    )
    return _with_etag(response, stage)


def _templates() -> Any:
    return StageTemplate.objects.prefetch_related("versions__uploaded_by")


@router.get("/stages/{stage_id}/templates", response=list[StageTemplateOut])
def stage_templates(request: AuthedRequest, stage_id: int) -> Any:
    """The stage's templates with their versions (removed ones too, `active: false`)."""
    return list(_templates().filter(stage=_stage(stage_id)).order_by("title", "id"))


@router.post("/stage-templates/{template_id}/versions", response={201: StageTemplateOut})
def stage_template_revise(
    request: AuthedRequest, template_id: int, file: File[UploadedFile], note: Form[str] = ""
) -> Status[Any]:
    """A new version of the template (multipart `file`, optional `note`): deals download it from now on."""
    template = fetch_or_404(StageTemplate.objects.select_related("stage__pipeline"), pk=template_id)
    services.stage_template_revise(actor=request.user, template=template, upload=file, note=note)
    return Status(201, fetch_or_404(_templates(), pk=template_id))


@router.post("/stages/{stage_id}/deactivate", response=StageOut)
def stage_deactivate(request: AuthedRequest, stage_id: int, response: HttpResponse) -> Stage:
    """Stop using a stage no open deal is in (If-Match); deals that used it keep naming it."""
    stage = _stage(stage_id)
    stage = services.stage_deactivate(
        actor=request.user, stage=stage, expected_version=if_match_version(request, stage)
    )
    return _with_etag(response, stage)


@router.post("/stages/{stage_id}/gate-dry-run", response=GateImpactOut)
def gate_dry_run(request: AuthedRequest, stage_id: int, payload: GateDryRunIn) -> dict[str, Any]:
    """Which open deals in the stage would now miss the items to add (first 50 listed), and how
    many are held today by the items to remove. Nothing is saved."""
    stage = _stage(stage_id)
    services.require_configure(request.user, stage=stage)
    impact = services.gate_dry_run(
        stage=stage,
        add=[item.model_dump() for item in payload.add],
        remove=payload.remove,
        needs_fr=payload.needs_fr,
    )
    return {
        "stage_id": stage.pk,
        "items": impact.items,
        "count": impact.count,
        "released": impact.released,
        "message": impact.message(),
        "deals": [
            {
                "id": d.opportunity.pk,
                "name": d.opportunity.name,
                "account_name": d.opportunity.account.name,
                "owner": d.opportunity.owner,
                "missing": d.missing,
            }
            for d in impact.deals
        ],
    }


@router.post("/stages/{stage_id}/requirements", response={201: RequirementOut})
def requirement_add(
    request: AuthedRequest, stage_id: int, payload: RequirementIn, response: HttpResponse
) -> Status[StageRequirement]:
    """A new gate item. When open deals in the stage would now miss it, 422 on `confirm` with
    the dry run's message ("12 open deals in 投标 would now miss …") until sent with `confirm: true`."""
    stage = _stage(stage_id)
    data = payload.model_dump()
    confirm = bool(data.pop("confirm"))
    if data["order"] is None:
        data.pop("order")
    item = services.requirement_add(actor=request.user, stage=stage, data=data, confirm_impact=confirm)
    return Status(201, _with_etag(response, item))


@router.patch("/requirements/{requirement_id}", response=RequirementOut)
def requirement_update(
    request: AuthedRequest, requirement_id: int, payload: RequirementPatch, response: HttpResponse
) -> StageRequirement:
    """Change a gate item (If-Match); what it asks for changing is confirmed as on adding."""
    item = _requirement(requirement_id)
    expected = if_match_version(request, item)
    data = payload.model_dump(exclude_unset=True)
    confirm = bool(data.pop("confirm", False))
    item = services.requirement_update(
        actor=request.user, requirement=item, data=data, expected_version=expected, confirm_impact=confirm
    )
    return _with_etag(response, item)


@router.delete("/requirements/{requirement_id}", response=RequirementRemovedOut)
def requirement_remove(request: AuthedRequest, requirement_id: int) -> dict[str, Any]:
    """Take a gate item off its checklist (If-Match): deleted, or deactivated when deals ticked
    it or attached a document for it (their history keeps it); `outcome` says which."""
    item = _requirement(requirement_id)
    outcome = services.requirement_remove(
        actor=request.user, requirement=item, expected_version=if_match_version(request, item)
    )
    return {"id": requirement_id, "outcome": outcome}
