"""/api/v1/process/configuration: the whole configuration as a file, and its import with a preview
(administrators). Thin over ltc.process.transfer."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Router, Schema

from ltc.core.schemas import OneOf
from ltc.org.types import AuthedRequest
from ltc.process import transfer
from ltc.process.transfer import Action, ConfigDocument, ImportPlan, Section

router = Router(tags=["process"])


class ConfigImportIn(Schema):
    """A configuration file as `GET /process/configuration` gives it, and whether only to preview
    its import (the default) or to apply it."""

    document: dict[str, Any] = Field(description="A configuration document (schema 1), e.g. an export.")
    dry_run: bool = True


class ConfigFieldChangeOut(Schema):
    field: str
    old: str
    new: str


class ConfigPlanItemOut(Schema):
    """One object of the file (or of this installation, when kept) and what the import does to it;
    `path` is where it stands in the file ("" when kept)."""

    section: Annotated[str, OneOf(Section)]
    key: str
    action: Annotated[str, OneOf(Action)]
    path: str
    changes: list[ConfigFieldChangeOut]


class ConfigPlanWarningOut(Schema):
    path: str
    message: str


class ConfigPlanCountsOut(Schema):
    create: int
    update: int
    unchanged: int
    kept: int


class ConfigImportPlanOut(Schema):
    """What the import creates, updates, leaves unchanged and keeps; `applied` once written."""

    dry_run: bool
    applied: bool
    counts: ConfigPlanCountsOut
    items: list[ConfigPlanItemOut]
    warnings: list[ConfigPlanWarningOut]


def plan_out(plan: ImportPlan, *, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "applied": plan.applied,
        "counts": plan.counts,
        "items": [
            {
                "section": item.section,
                "key": item.key,
                "action": item.action,
                "path": item.path,
                "changes": [vars(change) for change in item.changes],
            }
            for item in plan.items
        ],
        "warnings": [vars(warning) for warning in plan.warnings],
    }


@router.get("/process/configuration", response=ConfigDocument, by_alias=True)
def process_configuration_export(request: AuthedRequest) -> dict[str, Any]:
    """The whole configuration (process map, pipelines, rules, authority matrix, policies, company
    profile) as a schema-1 document, records named by natural keys (administrators)."""
    transfer.require_transfer(request.user)
    return transfer.configuration_export()


@router.post("/process/configuration/import", response=ConfigImportPlanOut)
def process_configuration_import(request: AuthedRequest, payload: ConfigImportIn) -> dict[str, Any]:
    """Validate a configuration document and compare it with this installation; with
    `"dry_run": false` also apply it, in one transaction, through each stage's services
    (administrators). Nothing is deleted. An invalid file answers 422 with one error per problem,
    `field` being its path in the file (e.g. `pipelines[1].stages[2].name`), and changes nothing."""
    plan = transfer.configuration_import(actor=request.user, document=payload.document, dry_run=payload.dry_run)
    return plan_out(plan, dry_run=payload.dry_run)
