"""The installation's configuration as a schema-1 document, records named by natural keys."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import metadata
from typing import Any

from django.utils import timezone

from ltc.leads.models import AssignmentRule, QualificationPolicy, ScoringRule
from ltc.opportunities.models import Pipeline, ReviewCriterion, Stage, StageRequirement
from ltc.org.models import Authority, CompanyProfile
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode
from ltc.process.transfer.document import CENT, SCHEMA_VERSION, ConfigCompanyProfile
from ltc.quotes.models import PaymentTermTemplate

# --- export ------------------------------------------------------------------------------------


def _ltc_version() -> str:
    try:
        return metadata.version("ltc")
    except metadata.PackageNotFoundError:
        return "unknown"


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def configuration_export() -> dict[str, Any]:
    """The installation's configuration as a schema-1 document (plain JSON values), in a fixed
    order: the same configuration always gives the same document but for `exported_at`."""
    pipelines = list(
        Pipeline.objects.select_related(
            "quote_accepted_stage", "quote_from_stage", "contract_signed_requirement__stage"
        )
        .prefetch_related("stages__requirements")
        .order_by("order", "name")
    )
    stages = {s.pk: s for p in pipelines for s in p.stages.all()}
    items = {r.pk: r for s in stages.values() for r in s.requirements.all()}
    rules = {r.pk: r for r in AssignmentRule.objects.select_related("assign_user", "assign_team")}
    policy = QualificationPolicy.objects.order_by("pk").first()
    profile = CompanyProfile.objects.order_by("pk").first()
    return {
        "schema": SCHEMA_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "ltc_version": _ltc_version(),
        "process_nodes": _export_nodes(),
        "process_bindings": _export_bindings(stages, items, rules),
        "pipelines": [_export_pipeline(p) for p in pipelines],
        "review_criteria": _export_review_criteria(),
        "routing_rules": [
            _export_routing_rule(r) for r in sorted(rules.values(), key=lambda r: (r.order, r.name, r.pk))
        ],
        "scoring_rules": [
            {
                "name": r.name,
                "order": r.order,
                "active": r.active,
                "kind": r.kind,
                "criterion": r.criterion,
                "value": r.value,
                "points": r.points,
            }
            for r in ScoringRule.objects.order_by("order", "name", "pk")
        ],
        "authority": _export_authority(),
        "payment_term_templates": [
            {
                "name": t.name,
                "active": t.active,
                "lines": [
                    {"label": line.label, "percent": _amount(line.percent), "trigger": line.trigger, "days": line.days}
                    for line in sorted(t.lines.all(), key=lambda line: line.position)
                ],
            }
            for t in PaymentTermTemplate.objects.prefetch_related("lines").order_by("name")
        ],
        "qualification_policy": None if policy is None else {"required_items": list(policy.required_items)},
        "company_profile": None if profile is None else {f: getattr(profile, f) for f in PROFILE_FIELDS},
    }


PROFILE_FIELDS = list(ConfigCompanyProfile.model_fields)


def _export_nodes() -> list[dict[str, Any]]:
    nodes = ProcessNode.objects.select_related("parent", "owner_role", "owner").order_by("level", "order", "code")
    return [
        {
            "code": n.code,
            "parent": n.parent.code if n.parent else None,
            "level": n.level,
            "order": n.order,
            "name_zh": n.name_zh,
            "name_en": n.name_en,
            "description_zh": n.description_zh,
            "description_en": n.description_en,
            "purpose_zh": n.purpose_zh,
            "purpose_en": n.purpose_en,
            "inputs_zh": n.inputs_zh,
            "inputs_en": n.inputs_en,
            "outputs_zh": n.outputs_zh,
            "outputs_en": n.outputs_en,
            "owner_role": n.owner_role.code if n.owner_role else None,
            "owner": n.owner.username if n.owner else None,
            "services": [line.strip() for line in n.services.splitlines() if line.strip()],
            "active": n.active,
        }
        for n in nodes
    ]


def _export_bindings(
    stages: dict[int, Stage], items: dict[int, StageRequirement], rules: dict[int, AssignmentRule]
) -> list[dict[str, Any]]:
    """Bindings by natural key; one whose stage, gate item or rule no longer exists names nothing
    another installation could bind, and is left out."""
    rows = []
    for b in ProcessBinding.objects.select_related("node"):
        row: dict[str, Any] = {
            "node": b.node.code,
            "kind": b.kind,
            "key": None,
            "pipeline": None,
            "stage": None,
            "label": None,
            "rule": None,
        }
        key = int(b.key) if b.key.isdigit() else None
        if b.kind == BindingKind.STAGE:
            if key not in stages:
                continue
            row |= {"pipeline": stages[key].pipeline.name, "stage": stages[key].name}
        elif b.kind == BindingKind.REQUIREMENT:
            if key not in items:
                continue
            item = items[key]
            row |= {"pipeline": item.stage.pipeline.name, "stage": item.stage.name, "label": item.label}
        elif b.kind == BindingKind.ROUTING:
            if key not in rules:
                continue
            row["rule"] = rules[key].name
        else:
            row["key"] = b.key
        rows.append(row)
    return sorted(rows, key=lambda r: (r["kind"], binding_label(r), r["node"]))


def _export_pipeline(p: Pipeline) -> dict[str, Any]:
    signed = p.contract_signed_requirement
    return {
        "name": p.name,
        "description": p.description,
        "order": p.order,
        "active": p.active,
        "quote_accepted_stage": p.quote_accepted_stage.name if p.quote_accepted_stage else None,
        "quote_from_stage": p.quote_from_stage.name if p.quote_from_stage else None,
        "contract_signed_requirement": None if signed is None else {"stage": signed.stage.name, "label": signed.label},
        "stages": [
            {
                "name": s.name,
                "order": s.order,
                "category": s.category,
                "probability": s.probability,
                "needs_fr": s.needs_fr,
                "guidance": s.guidance,
                "forecast_category": s.forecast_category,
                "requirements": [
                    {
                        "label": r.label,
                        "order": r.order,
                        "kind": r.kind,
                        "activity_kind": r.activity_kind,
                        "field_name": r.field_name,
                        "review_type": r.review_type,
                    }
                    for r in sorted(s.requirements.all(), key=lambda r: (r.order, r.label, r.pk))
                    if r.active
                ],
            }
            for s in sorted(p.stages.all(), key=lambda s: (s.order, s.pk))
            if s.active
        ],
    }


def _export_review_criteria() -> list[dict[str, Any]]:
    """Every criterion, the removed ones too (`active: false`), so a removal moves as well."""
    return [
        {
            "review_type": c.review_type,
            "role": c.role,
            "code": c.code,
            "label_zh": c.label_zh,
            "label_en": c.label_en,
            "help": c.help,
            "order": c.order,
            "active": c.active,
        }
        for c in ReviewCriterion.objects.order_by("review_type", "role", "order", "code")
    ]


def criterion_identity(row: dict[str, Any]) -> tuple[str, str, str]:
    return (str(row["review_type"]), str(row["role"]), str(row["code"]))


def criterion_label(row: dict[str, Any]) -> str:
    return f"{row['review_type']} · {str(row['role']).upper()} · {row['code']}"


def _export_routing_rule(r: AssignmentRule) -> dict[str, Any]:
    return {
        "name": r.name,
        "order": r.order,
        "active": r.active,
        "region": r.region,
        "industry": r.industry,
        "source": r.source,
        "company_size": r.company_size,
        "min_score": r.min_score,
        "max_score": r.max_score,
        "strategy": r.strategy,
        "assign_user": r.assign_user.username if r.assign_user else None,
        "assign_team": r.assign_team.name if r.assign_team else None,
        "first_contact_hours": r.first_contact_hours,
    }


def _export_authority() -> list[dict[str, Any]]:
    lines = [
        {
            "subject": a.subject,
            "role": a.role.code if a.role else None,
            "user": a.user.username if a.user else None,
            "max_amount": _amount(a.max_amount),
            "currency": a.currency,
            "max_discount_pct": _amount(a.max_discount_pct),
            "min_margin_pct": _amount(a.min_margin_pct),
        }
        for a in Authority.objects.select_related("role", "user")
    ]
    return sorted(lines, key=authority_identity)


def configuration_json(document: dict[str, Any]) -> str:
    """The document as the file is written: UTF-8 JSON, Chinese readable, two-space indents."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- natural keys --------------------------------------------------------------------------------


def binding_label(row: dict[str, Any]) -> str:
    if row.get("kind") == BindingKind.STAGE:
        return f"{row.get('pipeline')} › {row.get('stage')}"
    if row.get("kind") == BindingKind.REQUIREMENT:
        return f"{row.get('pipeline')} › {row.get('stage')} › {row.get('label')}"
    if row.get("kind") == BindingKind.ROUTING:
        return str(row.get("rule"))
    return str(row.get("key"))


def authority_identity(line: dict[str, Any]) -> tuple[str, str, str]:
    who = f"role:{line['role']}" if line.get("role") else f"user:{line.get('user')}"
    return (str(line["subject"]), who, str(line["currency"]))


def authority_label(line: dict[str, Any]) -> str:
    who = line.get("role") or f"@{line.get('user')}"
    return f"{line['subject']} · {who} · {line['currency']}"
