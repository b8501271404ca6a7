"""Configuring pipelines in the app (the process centre): pipelines, their stages in order, and
each stage's checklist (gate items). Administrators only.

Every change is on the changed record's timeline with a field diff, and a change of a stage or
of a checklist item also on its pipeline's timeline, so the pipeline shows its whole history.
Changes apply to future moves only: no deal is rewritten. A stage deals used is deactivated,
never deleted; a checklist item deals ticked (or attached a document for) is deactivated too,
so their confirmations keep naming it — an item nothing refers to is deleted.

Before a gate is tightened, `gate_dry_run` says which open deals in the stage would now miss
the new items; adding such an item is refused until the caller confirms it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import timeline
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.models import ActivityKind, TimelineEvent, TimelineKind
from ltc.core.stewardship import ConfigArea, may_configure
from ltc.opportunities.choices import (
    ForecastCategory,
    OpportunityStatus,
    RequirableField,
    RequirementKind,
    ReviewType,
    StageCategory,
)
from ltc.opportunities.models import (
    Opportunity,
    OpportunityDocument,
    Pipeline,
    RequirementCheck,
    Stage,
    StageRequirement,
    StageTemplate,
    StageTemplateVersion,
)
from ltc.opportunities.services.deals import ChecklistItem, checklists_of_deals
from ltc.opportunities.services.files import checked_name
from ltc.org.models import User

PIPELINE_CREATE_FIELDS = ("name", "description", "order", "active")
PIPELINE_FIELDS = (
    *PIPELINE_CREATE_FIELDS,
    "quote_from_stage",
    "quote_accepted_stage",
    "contract_signed_requirement",
)
STAGE_FIELDS = ("name", "probability", "category", "needs_fr", "guidance", "forecast_category")
# A closing stage's forecast category is fixed: won deals count as closed, lost ones are left out.
CLOSING_FORECAST = {StageCategory.WON: ForecastCategory.CLOSED, StageCategory.LOST: ForecastCategory.OMITTED}
REQUIREMENT_FIELDS = ("label", "order", "kind", "activity_kind", "field_name", "review_type")
# Where a won and a lost stage are placed: after every open stage (a move back never passes a gate).
CLOSING_ORDER = 900
ORDER_STEP = 10
ORDER_MAX = 32767
IMPACT_LIST = 50
TITLE_MAX = 200


class Removal(models.TextChoices):
    """What removing a checklist item did."""

    DELETED = "deleted", gettext_lazy("Deleted")
    DEACTIVATED = "deactivated", gettext_lazy("Deactivated (kept for the deals that ticked it)")


# --- checks ----------------------------------------------------------------------------------


def can_configure(
    user: Any,
    *,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    requirement: StageRequirement | None = None,
) -> bool:
    """Administrators configure every pipeline; a steward (ltc.core.stewardship: the process
    owner of the step) the pipeline, stage or gate item at hand — a gate item also through its
    stage. Nothing at hand (a new pipeline): administrators only."""
    if requirement is not None:
        return may_configure(user, ConfigArea.REQUIREMENT, requirement.pk) or can_configure(
            user, stage=requirement.stage
        )
    if stage is not None:
        return may_configure(user, ConfigArea.STAGE, stage.pk)
    return may_configure(user, ConfigArea.PIPELINE, None if pipeline is None else pipeline.pk)


def require_configure(
    actor: User,
    *,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    requirement: StageRequirement | None = None,
) -> None:
    if not can_configure(actor, pipeline=pipeline, stage=stage, requirement=requirement):
        raise PermissionDenied(_("Only an administrator may configure pipelines."))


def _unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def _full_clean(record: Any, exclude: list[str] | None = None) -> None:
    record.full_clean(exclude=exclude, validate_constraints=False)


def _require_current(record: Any, expected_version: int) -> None:
    if record.version != expected_version:
        raise StaleVersionError(record.version)


# --- the pipeline's timeline -----------------------------------------------------------------


def _on_pipeline(
    actor: User, pipeline: Pipeline, kind: str, text: str, changes: list[dict[str, str]], via: str
) -> None:
    """A change of one of the pipeline's stages or items, on the pipeline's own timeline too
    (the fields named through the relation, e.g. "stages.probability", so they read labelled)."""
    if kind == TimelineKind.CHANGED and not changes:
        return
    TimelineEvent.objects.create(
        content_type=ContentType.objects.get_for_model(Pipeline),
        object_id=pipeline.pk,
        kind=kind,
        actor=actor,
        text=text,
        changes=[{**c, "field": f"{via}.{c['field']}"} for c in changes],
    )


def _diff(record: Any, before: dict[str, str]) -> list[dict[str, str]]:
    after = timeline.snapshot(record, before.keys())
    return [{"field": k, "old": v, "new": after[k]} for k, v in before.items() if after[k] != v]


def _created_values(record: Any, fields: Iterable[str]) -> list[dict[str, str]]:
    return [{"field": k, "old": "", "new": v} for k, v in timeline.snapshot(record, fields).items() if v]


# The texts name the stage or item by its names only (pure data): words would stay in the
# writer's language, while the changes' field paths are labelled in each reader's language.
def _stage_text(stage: Stage) -> str:
    return stage.name


def _item_text(item: StageRequirement, stage: Stage) -> str:
    return f"{stage.name} · {item.label}"


# --- pipelines -------------------------------------------------------------------------------


def pipeline_create(*, actor: User, data: dict[str, Any]) -> Pipeline:
    """A new pipeline (without stages: add them with `stage_create`). Refuses a taken name."""
    require_configure(actor)
    _unknown_fields(data, PIPELINE_CREATE_FIELDS)
    pipeline = Pipeline(**data)
    pipeline.name = (pipeline.name or "").strip()
    _full_clean(pipeline)
    with transaction.atomic():
        pipeline.save()
        timeline.record_created(actor=actor, subject=pipeline)
    return pipeline


def pipeline_update(*, actor: User, pipeline: Pipeline, data: dict[str, Any], expected_version: int) -> Pipeline:
    """Change the given fields if `expected_version` is still current (else StaleVersionError).
    The quote stages and the signing item must belong to this pipeline (Pipeline.clean)."""
    require_configure(actor, pipeline=pipeline)
    _unknown_fields(data, PIPELINE_FIELDS)
    _require_current(pipeline, expected_version)
    before = timeline.snapshot(pipeline, data.keys())
    for name, value in data.items():
        setattr(pipeline, name, value.strip() if name == "name" and isinstance(value, str) else value)
    _full_clean(pipeline)
    errors: dict[str, list[str]] = {}
    for name in ("quote_from_stage", "quote_accepted_stage"):
        stage = data.get(name)
        if stage is not None and (stage.category != StageCategory.OPEN or not stage.active):
            errors[name] = [_("Choose an open stage in use.")]
    item = data.get("contract_signed_requirement")
    if item is not None and not item.active:
        errors["contract_signed_requirement"] = [_("This checklist item was removed.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        save_if_current(pipeline, expected_version=expected_version, fields=list(data.keys()))
        timeline.record_changes(actor=actor, subject=pipeline, before=before)
    return pipeline


def _bump(pipeline: Pipeline) -> None:
    """A stage added or reordered changes what the pipeline is: its version moves on, so a
    form or client holding the old one learns of it."""
    save_if_current(pipeline, expected_version=pipeline.version, fields=[])


# --- stages ----------------------------------------------------------------------------------


def _stages(pipeline: Pipeline) -> list[Stage]:
    return list(Stage.objects.filter(pipeline=pipeline).order_by("order", "id"))


def _place(stages: list[Stage], category: str, exclude: Stage | None = None) -> int:
    """The order of a stage added in `category`: an open stage after the last open stage and
    before the closing ones; a won or lost stage after everything."""
    others = [s for s in stages if s != exclude]
    if category != StageCategory.OPEN:
        return max([CLOSING_ORDER - ORDER_STEP, *(s.order for s in others)]) + ORDER_STEP
    last_open = max((s.order for s in others if s.category == StageCategory.OPEN), default=0)
    first_closing = min((s.order for s in others if s.category != StageCategory.OPEN), default=ORDER_MAX + 1)
    for step in (ORDER_STEP, 1):
        if last_open + step < first_closing:
            return last_open + step
    raise ValidationError({"category": [_("No room for another open stage before the closing stages.")]})


def _check_closing(pipeline_stages: list[Stage], stage: Stage) -> None:
    """At most one won and one lost stage per pipeline."""
    if stage.category == StageCategory.OPEN:
        return
    if any(s.category == stage.category and s.pk != stage.pk for s in pipeline_stages):
        raise ValidationError(
            {
                "category": [
                    _("This pipeline already has a %(category)s stage.") % {"category": stage.get_category_display()}
                ]
            }
        )


def _closing_forecast(stage: Stage) -> None:
    """A won or lost stage takes its fixed forecast category, whatever was asked for."""
    fixed = CLOSING_FORECAST.get(stage.category)  # type: ignore[call-overload]
    if fixed is not None:
        stage.forecast_category = fixed


def _used(stage: Stage) -> bool:
    return (
        Opportunity.objects.filter(stage=stage).exists()
        or Opportunity.objects.filter(stage_before_close=stage).exists()
    )


def stage_create(*, actor: User, pipeline: Pipeline, data: dict[str, Any]) -> Stage:
    """A stage added to the pipeline: an open one after the last open stage, a won or lost one
    (at most one of each) at the end."""
    require_configure(actor, pipeline=pipeline)
    _unknown_fields(data, STAGE_FIELDS)
    stages = _stages(pipeline)
    stage = Stage(pipeline=pipeline, **data)
    stage.name = (stage.name or "").strip()
    _closing_forecast(stage)
    _full_clean(stage, exclude=["order", "pipeline"])
    _check_closing(stages, stage)
    stage.order = _place(stages, stage.category)
    with transaction.atomic():
        stage.save()
        timeline.record_created(actor=actor, subject=stage)
        _bump(pipeline)
        _on_pipeline(
            actor,
            pipeline,
            TimelineKind.CREATED,
            _stage_text(stage),
            _created_values(stage, ("name", "probability", "category", "needs_fr", "guidance", "forecast_category")),
            "stages",
        )
    return stage


def stage_update(
    *, actor: User, stage: Stage, data: dict[str, Any], expected_version: int, confirm_impact: bool = False
) -> Stage:
    """Change a stage. Its category changes only while no deal ever used it (a closing stage
    moves to the end, an open one after the last open stage); needing an FR when deals would
    enter it without one must be confirmed (`confirm_impact`)."""
    require_configure(actor, stage=stage)
    _unknown_fields(data, STAGE_FIELDS)
    _require_current(stage, expected_version)
    # A category change may change the forecast category too (a closing stage's is fixed).
    tracked = [*data.keys(), *(() if "forecast_category" in data else ("forecast_category",))]
    before = timeline.snapshot(stage, tracked)
    old_category = stage.category
    for name, value in data.items():
        setattr(stage, name, value.strip() if name == "name" and isinstance(value, str) else value)
    _closing_forecast(stage)
    if old_category != StageCategory.OPEN and stage.category == StageCategory.OPEN and "forecast_category" not in data:
        stage.forecast_category = ForecastCategory.PIPELINE
    _full_clean(stage, exclude=["order", "pipeline"])
    fields = list(tracked)
    if stage.category != old_category:
        if _used(stage):
            raise ValidationError({"category": [_("Deals used this stage: its category cannot change.")]})
        stages = _stages(stage.pipeline)
        _check_closing(stages, stage)
        stage.order = _place(stages, stage.category, exclude=stage)
        fields.append("order")
    if data.get("needs_fr") and before.get("needs_fr") == "False":
        _confirm(gate_dry_run(stage=stage, needs_fr=True), confirm_impact)
    with transaction.atomic():
        save_if_current(stage, expected_version=expected_version, fields=fields)
        timeline.record_changes(actor=actor, subject=stage, before=before)
        _on_pipeline(actor, stage.pipeline, TimelineKind.CHANGED, _stage_text(stage), _diff(stage, before), "stages")
    return stage


def stage_deactivate(*, actor: User, stage: Stage, expected_version: int) -> Stage:
    """Stop using a stage: deals no longer enter it; the deals and timelines that name it keep
    it. Refused while open deals are in it (move them first) and for the won or lost stage."""
    require_configure(actor, stage=stage)
    _require_current(stage, expected_version)
    if not stage.active:
        raise ValidationError({"active": [_("This stage is already deactivated.")]})
    if stage.category != StageCategory.OPEN:
        raise ValidationError({"category": [_("The won and the lost stage stay in use.")]})
    in_stage = Opportunity.objects.filter(stage=stage, status=OpportunityStatus.OPEN).count()
    if in_stage:
        raise ValidationError({"active": [_("%(n)d open deals are in this stage: move them first.") % {"n": in_stage}]})
    pipeline = stage.pipeline
    used_by_pipeline = pipeline.quote_from_stage_id == stage.pk or pipeline.quote_accepted_stage_id == stage.pk
    if used_by_pipeline:
        raise ValidationError({"active": [_("The pipeline's quote settings name this stage: change them first.")]})
    before = timeline.snapshot(stage, ["active"])
    stage.active = False
    with transaction.atomic():
        save_if_current(stage, expected_version=expected_version, fields=["active"])
        timeline.record_changes(actor=actor, subject=stage, before=before)
        _on_pipeline(actor, pipeline, TimelineKind.CHANGED, _stage_text(stage), _diff(stage, before), "stages")
    return stage


def stages_reorder(*, actor: User, pipeline: Pipeline, stage_ids: list[int], expected_version: int) -> Pipeline:
    """Put the pipeline's open stages in the given order (every open stage, once). The stages
    take the same order numbers in the new sequence, so the closing stages stay last."""
    require_configure(actor, pipeline=pipeline)
    _require_current(pipeline, expected_version)
    stages = _stages(pipeline)
    open_stages = [s for s in stages if s.category == StageCategory.OPEN]
    if sorted(stage_ids) != sorted(s.pk for s in open_stages) or len(set(stage_ids)) != len(stage_ids):
        raise ValidationError({"stage_ids": [_("List every open stage of this pipeline once.")]})
    by_id = {s.pk: s for s in open_stages}
    numbers = [s.order for s in open_stages]
    before = " → ".join(s.name for s in open_stages)
    moved = [(by_id[pk], number) for pk, number in zip(stage_ids, numbers, strict=True) if by_id[pk].order != number]
    if not moved:
        return pipeline
    with transaction.atomic():
        # Two steps, so no two stages ever hold the same order (the unique constraint).
        for stage, _number in moved:
            Stage.objects.filter(pk=stage.pk).update(order=ORDER_MAX - stage.order)
        for stage, number in moved:
            stage.order = number
            save_if_current(stage, expected_version=stage.version, fields=["order"])
        save_if_current(pipeline, expected_version=expected_version, fields=[])
        after = " → ".join(by_id[pk].name for pk in stage_ids)
        _on_pipeline(
            actor,
            pipeline,
            TimelineKind.CHANGED,
            "",
            [{"field": "order", "old": before, "new": after}],
            "stages",
        )
    return pipeline


# --- checklist items -------------------------------------------------------------------------


def _clean_item(item: StageRequirement) -> None:
    """The label, and the one detail the item's kind needs (the others are cleared)."""
    item.label = (item.label or "").strip()
    details = {
        RequirementKind.ACTIVITY: "activity_kind",
        RequirementKind.FIELD: "field_name",
        RequirementKind.REVIEW: "review_type",
    }
    needed = details.get(item.kind)  # type: ignore[call-overload]
    for name in details.values():
        if name != needed:
            setattr(item, name, "")
    _full_clean(item, exclude=["stage"])
    if item.kind == RequirementKind.ACTIVITY and item.activity_kind not in ActivityKind.values:
        raise ValidationError({"activity_kind": [_("Choose the type of activity that counts.")]})
    if item.kind == RequirementKind.FIELD and item.field_name not in RequirableField.values:
        raise ValidationError({"field_name": [_("Choose the field that must be filled in.")]})
    if item.kind == RequirementKind.REVIEW and item.review_type not in ReviewType.values:
        raise ValidationError({"review_type": [_("Choose the review that must be passed.")]})


def _require_gate(stage: Stage) -> None:
    if stage.category != StageCategory.OPEN:
        raise ValidationError({"stage": [_("Only an open stage has a checklist.")]})
    if not stage.active:
        raise ValidationError({"stage": [_("This stage is no longer used.")]})


def _confirm(impact: GateImpact, confirmed: bool) -> None:
    if impact.count and not confirmed:
        raise ValidationError({"confirm": [ValidationError(impact.message(), code="confirm")]})


def requirement_add(
    *, actor: User, stage: Stage, data: dict[str, Any], confirm_impact: bool = False
) -> StageRequirement:
    """A new item on the stage's checklist; deals leave the stage only once it is done. When
    open deals in the stage would now miss it, refused until `confirm_impact` (the dry run's
    message says how many)."""
    require_configure(actor, stage=stage)
    _unknown_fields(data, REQUIREMENT_FIELDS)
    _require_gate(stage)
    item = StageRequirement(stage=stage, **data)
    if "order" not in data:
        last = StageRequirement.objects.filter(stage=stage).aggregate(last=Max("order"))["last"]
        item.order = min((last or 0) + 1, ORDER_MAX)
    _clean_item(item)
    _confirm(gate_dry_run(stage=stage, add=[_item_data(item)]), confirm_impact)
    with transaction.atomic():
        item.save()
        timeline.record_created(actor=actor, subject=item)
        _on_pipeline(
            actor,
            stage.pipeline,
            TimelineKind.CREATED,
            _item_text(item, stage),
            _created_values(item, ("label", "kind", "activity_kind", "field_name", "review_type")),
            "stages.requirements",
        )
    return item


def requirement_update(
    *,
    actor: User,
    requirement: StageRequirement,
    data: dict[str, Any],
    expected_version: int,
    confirm_impact: bool = False,
) -> StageRequirement:
    """Change an item in use. What it asks for changing (kind or its detail) is a new gate for
    the deals in the stage: refused until confirmed when some would now miss it. A ticked
    "check" item keeps its ticks, so its label, which is what the deals confirmed, is refused a
    change once deals ticked it (or attached a document for it): remove it and add a new item."""
    require_configure(actor, requirement=requirement)
    _unknown_fields(data, REQUIREMENT_FIELDS)
    _require_current(requirement, expected_version)
    if not requirement.active:
        raise ValidationError({"active": [_("This checklist item was removed.")]})
    before = timeline.snapshot(requirement, data.keys())
    asked = timeline.snapshot(requirement, ("kind", "activity_kind", "field_name", "review_type"))
    label = requirement.label
    for name, value in data.items():
        setattr(requirement, name, value)
    _clean_item(requirement)
    if requirement.label != label and _confirmed_by_deals(requirement):
        message = _(
            "Deals have already confirmed this item under its label: remove it (it is kept for them) "
            "and add a new item instead."
        )
        raise ValidationError({"label": [ValidationError(message, code="confirmed")]})
    if timeline.snapshot(requirement, asked.keys()) != asked:
        new = _item_data(requirement)
        _confirm(gate_dry_run(stage=requirement.stage, add=[new], remove=[requirement.pk]), confirm_impact)
    fields = sorted({*data.keys(), "activity_kind", "field_name", "review_type"})
    with transaction.atomic():
        save_if_current(requirement, expected_version=expected_version, fields=fields)
        timeline.record_changes(actor=actor, subject=requirement, before=before)
        _on_pipeline(
            actor,
            requirement.stage.pipeline,
            TimelineKind.CHANGED,
            _item_text(requirement, requirement.stage),
            _diff(requirement, before),
            "stages.requirements",
        )
    return requirement


def _confirmed_by_deals(requirement: StageRequirement) -> bool:
    """Whether deals ticked the item or attached a document for it: their confirmation is tied
    to the item, and its label says what they confirmed."""
    return (
        RequirementCheck.objects.filter(requirement=requirement).exists()
        or OpportunityDocument.objects.filter(requirement=requirement).exists()
    )


def requirement_remove(*, actor: User, requirement: StageRequirement, expected_version: int) -> Removal:
    """Take an item off the checklist; it gates no move from now on. An item a deal ticked or
    attached a document for, or that the pipeline ticks on signing, is deactivated (kept for
    that history): answers "deactivated"; otherwise it is deleted: answers "deleted"."""
    require_configure(actor, requirement=requirement)
    _require_current(requirement, expected_version)
    if not requirement.active:
        raise ValidationError({"active": [_("This checklist item was removed.")]})
    stage = requirement.stage
    pipeline = stage.pipeline
    referred = _confirmed_by_deals(requirement) or pipeline.contract_signed_requirement_id == requirement.pk
    with transaction.atomic():
        if referred:
            before = timeline.snapshot(requirement, ["active"])
            requirement.active = False
            save_if_current(requirement, expected_version=expected_version, fields=["active"])
            timeline.record_changes(actor=actor, subject=requirement, before=before)
            _on_pipeline(
                actor,
                pipeline,
                TimelineKind.CHANGED,
                _item_text(requirement, stage),
                _diff(requirement, before),
                "stages.requirements",
            )
            return Removal.DEACTIVATED
        timeline.record_deleted(actor=actor, subject=requirement)
        _on_pipeline(
            actor,
            pipeline,
            TimelineKind.DELETED,
            _item_text(requirement, stage),
            [{"field": "label", "old": requirement.label, "new": ""}],
            "stages.requirements",
        )
        deleted, _kinds = StageRequirement.objects.filter(pk=requirement.pk, version=expected_version).delete()
        if not deleted:
            raise StaleVersionError(
                StageRequirement.objects.filter(pk=requirement.pk).values_list("version", flat=True).first() or 0
            )
    return Removal.DELETED


# --- stage templates -------------------------------------------------------------------------


def _checked_upload(upload: UploadedFile, note: str, errors: dict[str, list[str]]) -> tuple[str, str]:
    note = (note or "").strip()
    if len(note) > TITLE_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": TITLE_MAX}]
    try:
        return checked_name(upload), note
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return "", note


def _add_version(
    actor: User, template: StageTemplate, number: int, name: str, upload: UploadedFile, note: str
) -> StageTemplateVersion:
    version = StageTemplateVersion(template=template, number=number, note=note, uploaded_by=actor)
    version.file.save(name, upload, save=False)
    version.save()
    return version


def stage_template_add(*, actor: User, stage: Stage, title: str, upload: UploadedFile, note: str = "") -> StageTemplate:
    """A downloadable template for the stage's work (a solution outline, a bid checklist ...):
    an office, PDF, image or ZIP file within the size limit, with a title; the file is its version 1."""
    require_configure(actor, stage=stage)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("At most %(n)d characters.") % {"n": TITLE_MAX}]
    name, note = _checked_upload(upload, note, errors)
    if errors:
        raise ValidationError(errors)
    template = StageTemplate(stage=stage, title=title)
    with transaction.atomic():
        template.save()
        _add_version(actor, template, 1, name, upload, note)
        change = [{"field": "title", "old": "", "new": title}]
        _on_stage(actor, stage, TimelineKind.CREATED, title, change)
    return template


def stage_template_revise(
    *, actor: User, template: StageTemplate, upload: UploadedFile, note: str = ""
) -> StageTemplateVersion:
    """A new file for the template: it becomes the current version (the one deals download);
    earlier versions stay. Same file checks as a new template; refused for a removed template."""
    require_configure(actor, stage=template.stage)
    errors: dict[str, list[str]] = {}
    if not template.active:
        errors["template"] = [_("This template was removed.")]
    name, note = _checked_upload(upload, note, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the template so two uploads cannot take the same number.
        StageTemplate.objects.select_for_update().filter(pk=template.pk).first()
        last = template.versions.aggregate(n=Max("number"))["n"] or 0
        version = _add_version(actor, template, last + 1, name, upload, note)
        change = [{"field": "version", "old": str(last) if last else "", "new": str(version.number)}]
        _on_stage(actor, template.stage, TimelineKind.CHANGED, template.title, change)
    return version


def stage_template_remove(*, actor: User, template: StageTemplate) -> None:
    """Take a template off its stage: deactivated, so deals no longer list it; its versions
    (files deals may have used) are kept."""
    require_configure(actor, stage=template.stage)
    if not template.active:
        raise ValidationError({"template": [_("This template was removed.")]})
    stage = template.stage
    with transaction.atomic():
        template.active = False
        template.save(update_fields=["active"])
        change = [{"field": "title", "old": template.title, "new": ""}]
        _on_stage(actor, stage, TimelineKind.DELETED, template.title, change)


def _on_stage(actor: User, stage: Stage, kind: str, text: str, changes: list[dict[str, str]]) -> None:
    """A template's change on its stage's timeline and on the pipeline's."""
    TimelineEvent.objects.create(
        content_type=ContentType.objects.get_for_model(Stage),
        object_id=stage.pk,
        kind=kind,
        actor=actor,
        text=text,
        changes=[{**c, "field": f"templates.{c['field']}"} for c in changes],
    )
    _on_pipeline(actor, stage.pipeline, kind, f"{_stage_text(stage)} · {text}", changes, "stages.templates")


# --- the dry run -----------------------------------------------------------------------------


def _item_data(item: StageRequirement) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ("label", "kind", "activity_kind", "field_name", "review_type")}


@dataclass
class ImpactedDeal:
    opportunity: Opportunity
    missing: list[str]  # the new items this deal would miss


@dataclass
class GateImpact:
    """What a gate change would do to the open deals in the stage (who must meet it to leave)."""

    stage: Stage
    items: list[str]  # the labels of the items added
    count: int = 0  # open deals that would now miss one of them
    deals: list[ImpactedDeal] = field(default_factory=list)  # the first IMPACT_LIST of them
    needs_fr: bool = False  # an FR newly needed to enter the stage
    released: int = 0  # open deals that miss one of the items removed (no longer held by it)

    def message(self) -> str:
        if not self.count:
            return ""
        if self.needs_fr:
            return _("%(n)d open deals would now need an FR to enter %(stage)s.") % {
                "n": self.count,
                "stage": self.stage.name,
            }
        return _("%(n)d open deals in %(stage)s would now miss the item %(items)s.") % {
            "n": self.count,
            "stage": self.stage.name,
            "items": ", ".join(f"'{label}'" for label in self.items),
        }


def gate_dry_run(
    *,
    stage: Stage,
    add: list[dict[str, Any]] | None = None,
    remove: list[int] | None = None,
    needs_fr: bool | None = None,
) -> GateImpact:
    """Which open deals a tighter gate would hold: the deals in `stage` (they must meet its
    checklist to leave) that would miss one of the items in `add` — judged by the deals' own
    checklist logic, read in bulk — and, when `needs_fr` becomes true, the open deals whose
    next move enters the stage without an FR. Items in `remove` gate nothing any more: the deals
    in the stage missing one of them are counted as released. Nothing is saved. Refuses an item
    to add that is not valid, with field errors named by its index ("add.0.field_name")."""
    new_items = [StageRequirement(pk=None, stage=stage, **_known(data)) for data in add or []]
    errors: dict[str, list[ValidationError]] = {}
    for index, item in enumerate(new_items):
        try:
            _clean_item(item)
        except ValidationError as exc:
            for name, messages in exc.error_dict.items():
                errors[f"add.{index}.{name}"] = messages
    if errors:
        raise ValidationError(errors)
    impact = GateImpact(stage=stage, items=[i.label for i in new_items], needs_fr=bool(needs_fr))
    held: list[tuple[Opportunity, list[str]]] = []
    removed = list(StageRequirement.objects.filter(stage=stage, active=True, pk__in=remove)) if remove else []
    if new_items or removed:
        deals = list(
            Opportunity.objects.filter(stage=stage, status=OpportunityStatus.OPEN)
            .select_related("owner", "account")
            .order_by("-amount", "-id")
        )
        lists: dict[int, list[ChecklistItem]] = checklists_of_deals(deals, [*new_items, *removed])
        for deal in deals:
            missing = [item.label for item in lists[deal.pk] if not item.done and item.requirement.pk is None]
            if missing:
                held.append((deal, missing))
            if any(not item.done and item.requirement.pk is not None for item in lists[deal.pk]):
                impact.released += 1
    if needs_fr and not stage.needs_fr and stage.category == StageCategory.OPEN:
        before = (
            Stage.objects.filter(
                pipeline_id=stage.pipeline_id, category=StageCategory.OPEN, active=True, order__lt=stage.order
            )
            .order_by("-order")
            .first()
        )
        if before is not None:
            deals = list(
                Opportunity.objects.filter(stage=before, status=OpportunityStatus.OPEN, fr__isnull=True)
                .select_related("owner", "account")
                .order_by("-amount", "-id")
            )
            held += [(deal, [_("an FR must be named")]) for deal in deals]
    impact.count = len(held)
    impact.deals = [ImpactedDeal(deal, missing) for deal, missing in held[:IMPACT_LIST]]
    return impact


def _known(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in ("label", "kind", "activity_kind", "field_name", "review_type")}
