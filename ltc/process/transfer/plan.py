"""What an import does: each object of the file matched to this installation's by natural key,
and its fields compared (create / update old → new / unchanged; kept when only here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from ltc.process.transfer.export import (
    authority_identity,
    authority_label,
    binding_label,
    criterion_identity,
    criterion_label,
)

# --- the plan --------------------------------------------------------------------------------


class Action(models.TextChoices):
    CREATE = "create", gettext_lazy("Create")
    UPDATE = "update", gettext_lazy("Update")
    UNCHANGED = "unchanged", gettext_lazy("Unchanged")
    KEPT = "kept", gettext_lazy("Kept (not in the file)")


class Section(models.TextChoices):
    PROCESS_NODE = "process_node", gettext_lazy("Process node")
    PROCESS_BINDING = "process_binding", gettext_lazy("Process binding")
    PIPELINE = "pipeline", gettext_lazy("Pipeline")
    STAGE = "stage", gettext_lazy("Stage")
    GATE_ITEM = "gate_item", gettext_lazy("Gate item")
    REVIEW_CRITERION = "review_criterion", gettext_lazy("Review criterion")
    ROUTING_RULE = "routing_rule", gettext_lazy("Routing rule")
    SCORING_RULE = "scoring_rule", gettext_lazy("Scoring rule")
    AUTHORITY = "authority", gettext_lazy("Authority line")
    PAYMENT_TERM_TEMPLATE = "payment_term_template", gettext_lazy("Payment-term template")
    QUALIFICATION_POLICY = "qualification_policy", gettext_lazy("Qualification policy")
    COMPANY_PROFILE = "company_profile", gettext_lazy("Company profile")


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class PlanWarning:
    """Something the import does that is worth knowing before applying it (open deals a tighter
    gate would hold)."""

    path: str
    message: str


@dataclass
class PlanItem:
    """One object of the file (or of the installation, when kept) and what the import does to it."""

    section: str
    key: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)
    path: str = ""  # where the object is in the file ("" when kept)
    values: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class ImportPlan:
    """What an import creates, updates, leaves unchanged and keeps; `applied` once it was written."""

    items: list[PlanItem]
    applied: bool = False
    warnings: list[PlanWarning] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action.value: self.count(action.value) for action in Action}

    @property
    def has_changes(self) -> bool:
        return any(item.action in (Action.CREATE, Action.UPDATE) for item in self.items)

    def changed(self) -> list[PlanItem]:
        return [item for item in self.items if item.action in (Action.CREATE, Action.UPDATE)]


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return " › ".join(_shown(v) for v in value.values())
    return str(value)


def _compare(
    section: str, key: str, path: str, wanted: dict[str, Any], current: dict[str, Any] | None, skip: tuple[str, ...]
) -> PlanItem:
    values = {name: value for name, value in wanted.items() if name not in skip}
    if current is None:
        return PlanItem(section, key, Action.CREATE, path=path, values=values)
    changes = [
        FieldChange(name, _shown(current.get(name)), _shown(value))
        for name, value in values.items()
        if current.get(name) != value
    ]
    return PlanItem(section, key, Action.UPDATE if changes else Action.UNCHANGED, changes, path, values)


def plan_import(wanted: dict[str, Any], current: dict[str, Any]) -> ImportPlan:
    """Match each object of the file to this installation's by natural key and compare fields."""
    items: list[PlanItem] = []

    def section(
        name: str,
        rows: list[dict[str, Any]],
        existing: list[dict[str, Any]],
        identity: Callable[[dict[str, Any]], Any],
        label: Callable[[dict[str, Any]], str],
        path: str,
        skip: tuple[str, ...] = (),
    ) -> None:
        have: dict[Any, dict[str, Any]] = {}
        for row in existing:
            have.setdefault(identity(row), row)
        named = set()
        for index, row in enumerate(rows):
            named.add(identity(row))
            items.append(_compare(name, label(row), f"{path}[{index}]", row, have.get(identity(row)), skip))
        items.extend(
            PlanItem(name, label(row), Action.KEPT, values=row) for row in existing if identity(row) not in named
        )

    section(
        Section.PROCESS_NODE,
        wanted["process_nodes"],
        current["process_nodes"],
        lambda r: r["code"],
        lambda r: r["code"],
        "process_nodes",
    )
    section(
        Section.PIPELINE,
        wanted["pipelines"],
        current["pipelines"],
        lambda r: r["name"],
        lambda r: r["name"],
        "pipelines",
        ("stages",),
    )
    have_pipelines = {p["name"]: p for p in current["pipelines"]}
    for p_index, pipeline in enumerate(wanted["pipelines"]):
        existing = have_pipelines.get(pipeline["name"], {"stages": []})
        p_path = f"pipelines[{p_index}]"
        for row in pipeline["stages"]:
            if row.get("forecast_category") is None:  # an older file: the installation's category stays
                row.pop("forecast_category", None)
        section(
            Section.STAGE,
            pipeline["stages"],
            existing["stages"],
            lambda r: r["name"],
            partial(_nested_label, pipeline["name"], "name"),
            f"{p_path}.stages",
            ("requirements", "order"),  # a stage's place is the pipeline's sequence (below)
        )
        _sequence_change(items, p_path, pipeline["stages"], existing["stages"])
        have_stages = {s["name"]: s for s in existing["stages"]}
        for s_index, stage in enumerate(pipeline["stages"]):
            section(
                Section.GATE_ITEM,
                stage["requirements"],
                have_stages.get(stage["name"], {"requirements": []})["requirements"],
                lambda r: r["label"],
                partial(_nested_label, f"{pipeline['name']} › {stage['name']}", "label"),
                f"{p_path}.stages[{s_index}].requirements",
            )
    if wanted.get("review_criteria") is not None:  # a file without the section leaves them alone
        section(
            Section.REVIEW_CRITERION,
            wanted["review_criteria"],
            current["review_criteria"],
            criterion_identity,
            criterion_label,
            "review_criteria",
        )
    section(
        Section.ROUTING_RULE,
        wanted["routing_rules"],
        current["routing_rules"],
        lambda r: r["name"],
        lambda r: r["name"],
        "routing_rules",
    )
    section(
        Section.SCORING_RULE,
        wanted["scoring_rules"],
        current["scoring_rules"],
        lambda r: r["name"],
        lambda r: r["name"],
        "scoring_rules",
    )
    section(
        Section.AUTHORITY, wanted["authority"], current["authority"], authority_identity, authority_label, "authority"
    )
    section(
        Section.PAYMENT_TERM_TEMPLATE,
        wanted["payment_term_templates"],
        current["payment_term_templates"],
        lambda r: r["name"],
        lambda r: r["name"],
        "payment_term_templates",
    )
    for name, sect in (
        ("qualification_policy", Section.QUALIFICATION_POLICY),
        ("company_profile", Section.COMPANY_PROFILE),
    ):
        if wanted[name] is not None:
            items.append(_compare(sect, str(sect.label), name, wanted[name], current[name], ()))
    section(
        Section.PROCESS_BINDING,
        wanted["process_bindings"],
        current["process_bindings"],
        lambda r: (r["kind"], binding_label(r)),
        lambda r: f"{r['kind']}: {binding_label(r)}",
        "process_bindings",
    )
    return ImportPlan(items)


def _nested_label(parent: str, name: str, row: dict[str, Any]) -> str:
    return f"{parent} › {row[name]}"


def _sequence_change(
    items: list[PlanItem], path: str, wanted: list[dict[str, Any]], current: list[dict[str, Any]]
) -> None:
    """The stages both the file and the installation have, in a different order: a change of the
    pipeline. (The order numbers themselves are the pipeline's to assign.)"""
    both = {s["name"] for s in wanted} & {s["name"] for s in current}
    old = [s["name"] for s in sorted(current, key=lambda s: s["order"]) if s["name"] in both]
    new = [s["name"] for s in sorted(wanted, key=lambda s: s["order"]) if s["name"] in both]
    if old == new:
        return
    item = next(i for i in items if i.section == Section.PIPELINE and i.path == path)
    item.changes.append(FieldChange("stages", " → ".join(old), " → ".join(new)))
    item.action = Action.UPDATE
