"""Importing a configuration: validated, compared, and written in one transaction through each
stage's own services (a dry run goes through the same writes and rolls them back)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ltc.leads.models import AssignmentRule, ScoringRule
from ltc.leads.services import rules as lead_rules
from ltc.opportunities.choices import StageCategory
from ltc.opportunities.models import Pipeline, ReviewCriterion, Stage, StageRequirement
from ltc.opportunities.services import config as pipeline_config
from ltc.opportunities.services import criteria as criteria_services
from ltc.org import profile as company_profile
from ltc.org import services as org_services
from ltc.org.choices import RoleCode
from ltc.org.models import Authority, User
from ltc.process import services as process_services
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode
from ltc.process.transfer.checks import References, check_references, parse_document
from ltc.process.transfer.export import configuration_export
from ltc.process.transfer.plan import Action, ImportPlan, PlanItem, PlanWarning, Section, plan_import
from ltc.quotes.models import PaymentTermTemplate
from ltc.quotes.services import terms as term_services


def can_transfer(user: Any) -> bool:
    """Who may export or import the configuration: administrators (the file holds the company's
    bank details and every rule)."""
    return bool(user.is_authenticated and user.is_active and user.has_role(RoleCode.ADMIN))


def require_transfer(user: Any) -> None:
    if not can_transfer(user):
        raise PermissionDenied(_("Only an administrator may export or import the configuration."))


# --- import ----------------------------------------------------------------------------------


class _DryRun(Exception):
    """Rolls back a dry run once every write went through."""


def configuration_import(*, actor: User, document: Any, dry_run: bool = True) -> ImportPlan:
    """Validate a configuration document, compare it with this installation and, unless a dry
    run, write what it creates and changes in one transaction through each stage's own services
    (so their rules apply and each change is on its object's timeline). Nothing is deleted:
    objects the file does not name are kept. A dry run goes through the same writes and rolls
    them back, so what a service refuses shows in the preview, and the open deals a tighter gate
    would hold are listed as warnings. Refuses anyone but an administrator, and a file that is
    not valid (each problem a field error named by its path in the file, e.g.
    `pipelines[1].stages[2].name`), changing nothing. Importing the same file again changes
    nothing."""
    require_transfer(actor)
    doc = parse_document(document)
    references = check_references(doc)
    plan = plan_import(doc, configuration_export())
    if not plan.has_changes:
        plan.applied = not dry_run
        return plan
    try:
        with transaction.atomic():
            _Writer(actor, references, plan).apply(doc)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return plan
    plan.applied = True
    return plan


class _Writer:
    """Writes the plan's creations and changes in dependency order, each through the service of
    the stage that owns the object. A service's refusal is reported under the object's path in
    the file."""

    def __init__(self, actor: User, references: References, plan: ImportPlan) -> None:
        self.actor = actor
        self.refs = references
        self.plan = plan
        self.todo = {(item.section, item.path): item for item in plan.changed()}
        self.deactivate: list[tuple[str, ProcessNode]] = []

    def _item(self, section: str, path: str) -> PlanItem | None:
        return self.todo.get((section, path))

    def apply(self, doc: dict[str, Any]) -> None:
        for index, row in sorted(enumerate(doc["process_nodes"]), key=lambda pair: pair[1]["level"]):
            self._node(f"process_nodes[{index}]", row)
        for index, row in enumerate(doc["pipelines"]):
            self._pipeline(f"pipelines[{index}]", row)
        if doc.get("review_criteria") is not None:
            self._review_criteria(doc["review_criteria"])
        for index, row in enumerate(doc["routing_rules"]):
            self._routing_rule(f"routing_rules[{index}]", row)
        for index, row in enumerate(doc["scoring_rules"]):
            self._scoring_rule(f"scoring_rules[{index}]", row)
        for index, row in enumerate(doc["authority"]):
            self._authority(f"authority[{index}]", row)
        for index, row in enumerate(doc["payment_term_templates"]):
            self._term_template(f"payment_term_templates[{index}]", row)
        if doc["qualification_policy"] is not None:
            self._policy(doc["qualification_policy"])
        if doc["company_profile"] is not None:
            self._profile(doc["company_profile"])
        for index, row in enumerate(doc["process_bindings"]):
            self._binding(f"process_bindings[{index}]", row)
        # A node leaves the map once its bindings have moved to where the file puts them.
        for path, node in self.deactivate:
            with _named(path):
                node.refresh_from_db()
                process_services.node_deactivate(actor=self.actor, node=node, expected_version=node.version)

    # --- the process map

    def _node(self, path: str, row: dict[str, Any]) -> None:
        item = self._item(Section.PROCESS_NODE, path)
        if item is None:
            return
        values = {
            "order": row["order"],
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "description_zh": row["description_zh"],
            "description_en": row["description_en"],
            "purpose_zh": row["purpose_zh"],
            "purpose_en": row["purpose_en"],
            "inputs_zh": row["inputs_zh"],
            "inputs_en": row["inputs_en"],
            "outputs_zh": row["outputs_zh"],
            "outputs_en": row["outputs_en"],
            "owner_role": self.refs.roles[row["owner_role"]] if row["owner_role"] else None,
            "owner": self.refs.users[row["owner"]] if row["owner"] else None,
            "services": "\n".join(row["services"]),
        }
        node = ProcessNode.objects.filter(code=row["code"]).first()
        with _named(path):
            if node is None:
                if not row["parent"]:
                    raise ValidationError({"parent": [_("Only the shipped map has a level 1 node.")]})
                parent = ProcessNode.objects.get(code=row["parent"])
                node = process_services.node_create(
                    actor=self.actor, parent=parent, data={"code": row["code"], **values}
                )
            else:
                changed = _changed(item, {**values, "parent": None, "level": None, "active": None})
                if "parent" in changed or "level" in changed:
                    raise ValidationError(
                        {"parent": [_("A node keeps its place in the map: its parent cannot change.")]}
                    )
                if changed.pop("active", None) is not None and row["active"]:
                    raise ValidationError({"active": [_("A node taken out of the map cannot be put back.")]})
                if changed:
                    process_services.node_update(
                        actor=self.actor, node=node, data=changed, expected_version=node.version
                    )
        if not row["active"] and node.active:
            self.deactivate.append((path, node))

    def _binding(self, path: str, row: dict[str, Any]) -> None:
        if self._item(Section.PROCESS_BINDING, path) is None:
            return
        node = ProcessNode.objects.get(code=row["node"])
        kind = row["kind"]
        if kind == BindingKind.STAGE:
            stage = Stage.objects.filter(pipeline__name=row["pipeline"], name=row["stage"], active=True)
            key = str(stage.values_list("pk", flat=True).first())
        elif kind == BindingKind.REQUIREMENT:
            item = StageRequirement.objects.filter(
                stage__pipeline__name=row["pipeline"], stage__name=row["stage"], label=row["label"], active=True
            ).order_by("order", "pk")
            key = str(item.values_list("pk", flat=True).first())
        elif kind == BindingKind.ROUTING:
            rule = AssignmentRule.objects.filter(name=row["rule"]).order_by("order", "pk")
            key = str(rule.values_list("pk", flat=True).first())
        else:
            key = row["key"]
        with _named(path):
            held = ProcessBinding.objects.filter(kind=kind, key=key).select_related("node").first()
            if held is not None:
                process_services.binding_remove(actor=self.actor, binding=held)
            process_services.binding_add(actor=self.actor, node=node, kind=kind, key=key)

    # --- pipelines

    def _pipeline(self, path: str, row: dict[str, Any]) -> None:
        item = self._item(Section.PIPELINE, path)
        pipeline = Pipeline.objects.filter(name=row["name"]).first()
        scalars = {"description": row["description"], "order": row["order"], "active": row["active"]}
        with _named(path):
            if pipeline is None:
                pipeline = pipeline_config.pipeline_create(actor=self.actor, data={"name": row["name"], **scalars})
            elif item is not None and _changed(item, scalars):
                pipeline_config.pipeline_update(
                    actor=self.actor, pipeline=pipeline, data=_changed(item, scalars), expected_version=pipeline.version
                )
        self._stages(path, pipeline, row["stages"])
        if item is None:
            return
        stages = {s.name: s for s in pipeline.stages.filter(active=True)}
        signed = row["contract_signed_requirement"]
        refs = {
            "quote_accepted_stage": stages.get(row["quote_accepted_stage"] or ""),
            "quote_from_stage": stages.get(row["quote_from_stage"] or ""),
            "contract_signed_requirement": None
            if signed is None
            else StageRequirement.objects.filter(
                stage__pipeline=pipeline, stage__name=signed["stage"], label=signed["label"], active=True
            ).first(),
        }
        refs = _changed(item, refs)
        if refs:
            pipeline.refresh_from_db()
            with _named(path):
                pipeline_config.pipeline_update(
                    actor=self.actor, pipeline=pipeline, data=refs, expected_version=pipeline.version
                )

    def _stages(self, path: str, pipeline: Pipeline, rows: list[dict[str, Any]]) -> None:
        existing = {s.name: s for s in pipeline.stages.all()}
        for index, row in enumerate(rows):
            s_path = f"{path}.stages[{index}]"
            item = self._item(Section.STAGE, s_path)
            values = {k: row[k] for k in ("category", "probability", "needs_fr", "guidance")}
            if row.get("forecast_category") is not None:
                values["forecast_category"] = row["forecast_category"]
            stage = existing.get(row["name"])
            with _named(s_path):
                if stage is not None and not stage.active:
                    raise ValidationError({"name": [_("This stage was deactivated here; a stage is not used again.")]})
                if stage is None:
                    pipeline.refresh_from_db()
                    stage = pipeline_config.stage_create(
                        actor=self.actor, pipeline=pipeline, data={"name": row["name"], **values}
                    )
                    existing[stage.name] = stage
                elif item is not None and _changed(item, values):
                    pipeline_config.stage_update(
                        actor=self.actor,
                        stage=stage,
                        data=_changed(item, values),
                        expected_version=stage.version,
                        confirm_impact=True,
                    )
            self._gate_items(s_path, stage, row["requirements"])
        self._sequence(path, pipeline, rows)

    def _sequence(self, path: str, pipeline: Pipeline, rows: list[dict[str, Any]]) -> None:
        """The open stages in the file's order; a stage the file does not name keeps its place."""
        current = list(pipeline.stages.filter(category=StageCategory.OPEN).order_by("order", "pk"))
        named = {row["name"] for row in rows}
        wanted = iter(
            sorted(
                (s for s in current if s.name in named),
                key=lambda s: next(row["order"] for row in rows if row["name"] == s.name),
            )
        )
        sequence = [next(wanted) if s.name in named else s for s in current]
        if sequence != current:
            pipeline.refresh_from_db()
            with _named(f"{path}.stages"):
                pipeline_config.stages_reorder(
                    actor=self.actor,
                    pipeline=pipeline,
                    stage_ids=[s.pk for s in sequence],
                    expected_version=pipeline.version,
                )

    def _gate_items(self, path: str, stage: Stage, rows: list[dict[str, Any]]) -> None:
        existing: dict[str, StageRequirement] = {}
        for requirement in stage.requirements.filter(active=True).order_by("order", "pk"):
            existing.setdefault(requirement.label, requirement)
        for index, row in enumerate(rows):
            r_path = f"{path}.requirements[{index}]"
            item = self._item(Section.GATE_ITEM, r_path)
            if item is None:
                continue
            values = {k: row[k] for k in ("order", "kind", "activity_kind", "field_name", "review_type")}
            found = existing.get(row["label"])
            with _named(r_path):
                if found is None:
                    self._warn(
                        r_path, pipeline_config.gate_dry_run(stage=stage, add=[{"label": row["label"], **values}])
                    )
                    pipeline_config.requirement_add(
                        actor=self.actor, stage=stage, data={"label": row["label"], **values}, confirm_impact=True
                    )
                else:
                    changed = _changed(item, values)
                    if set(changed) - {"order"}:
                        impact = pipeline_config.gate_dry_run(
                            stage=stage, add=[{"label": row["label"], **values}], remove=[found.pk]
                        )
                        self._warn(r_path, impact)
                    pipeline_config.requirement_update(
                        actor=self.actor,
                        requirement=found,
                        data=changed,
                        expected_version=found.version,
                        confirm_impact=True,
                    )

    def _warn(self, path: str, impact: Any) -> None:
        if impact.count:
            self.plan.warnings.append(PlanWarning(path, impact.message()))

    # --- review criteria

    def _review_criteria(self, rows: list[dict[str, Any]]) -> None:
        """Creations and changes first, removals last, so a review's role is never left without
        an active criterion on the way (the service refuses that)."""
        later: list[tuple[str, ReviewCriterion, PlanItem]] = []
        for index, row in enumerate(rows):
            path = f"review_criteria[{index}]"
            item = self._item(Section.REVIEW_CRITERION, path)
            if item is None:
                continue
            criterion = ReviewCriterion.objects.filter(
                review_type=row["review_type"], role=row["role"], code=row["code"]
            ).first()
            with _named(path):
                if criterion is None:
                    criteria_services.criterion_add(actor=self.actor, data=dict(row))
                    continue
                changed = _changed(item, {k: row[k] for k in criteria_services.UPDATE_FIELDS})
                if changed.get("active") is False:
                    later.append((path, criterion, item))
                    changed.pop("active")
                if changed:
                    criteria_services.criterion_update(
                        actor=self.actor, criterion=criterion, data=changed, expected_version=criterion.version
                    )
        for path, criterion, _item in later:
            criterion.refresh_from_db()
            with _named(path):
                criteria_services.criterion_update(
                    actor=self.actor, criterion=criterion, data={"active": False}, expected_version=criterion.version
                )

    # --- rules and the authority matrix

    def _routing_rule(self, path: str, row: dict[str, Any]) -> None:
        item = self._item(Section.ROUTING_RULE, path)
        if item is None:
            return
        values = {k: v for k, v in row.items() if k not in ("assign_user", "assign_team")}
        values["assign_user"] = self.refs.users[row["assign_user"]] if row["assign_user"] else None
        values["assign_team"] = self.refs.teams[row["assign_team"]] if row["assign_team"] else None
        rule = AssignmentRule.objects.filter(name=row["name"]).order_by("order", "pk").first()
        with _named(path):
            if rule is None:
                lead_rules.assignment_rule_create(actor=self.actor, data=values)
            else:
                lead_rules.assignment_rule_update(
                    actor=self.actor, rule=rule, data=_changed(item, values), expected_version=rule.version
                )

    def _scoring_rule(self, path: str, row: dict[str, Any]) -> None:
        item = self._item(Section.SCORING_RULE, path)
        if item is None:
            return
        rule = ScoringRule.objects.filter(name=row["name"]).order_by("order", "pk").first()
        with _named(path):
            if rule is None:
                lead_rules.scoring_rule_create(actor=self.actor, data=dict(row))
            else:
                lead_rules.scoring_rule_update(
                    actor=self.actor, rule=rule, data=_changed(item, dict(row)), expected_version=rule.version
                )

    def _authority(self, path: str, row: dict[str, Any]) -> None:
        item = self._item(Section.AUTHORITY, path)
        if item is None:
            return
        role = self.refs.roles[row["role"]] if row["role"] else None
        user = self.refs.users[row["user"]] if row["user"] else None
        values = {name: _decimal(row[name]) for name in ("max_amount", "max_discount_pct", "min_margin_pct")}
        line = Authority.objects.filter(subject=row["subject"], role=role, user=user, currency=row["currency"]).first()
        with _named(path):
            if line is None:
                data = {"subject": row["subject"], "role": role, "user": user, "currency": row["currency"], **values}
                org_services.authority_create(actor=self.actor, data=data)
            else:
                org_services.authority_update(
                    actor=self.actor, line=line, data=_changed(item, values), expected_version=line.version
                )

    # --- settings

    def _term_template(self, path: str, row: dict[str, Any]) -> None:
        item = self._item(Section.PAYMENT_TERM_TEMPLATE, path)
        if item is None:
            return
        values = {
            "active": row["active"],
            "lines": [{**line, "percent": Decimal(line["percent"])} for line in row["lines"]],
        }
        template = PaymentTermTemplate.objects.filter(name=row["name"]).first()
        with _named(path):
            if template is None:
                term_services.term_template_create(actor=self.actor, data={"name": row["name"], **values})
            else:
                term_services.term_template_update(
                    actor=self.actor, template=template, data=_changed(item, values), expected_version=template.version
                )

    def _profile(self, row: dict[str, Any]) -> None:
        item = self._item(Section.COMPANY_PROFILE, "company_profile")
        if item is None:
            return
        current = company_profile.company_profile_get()
        with _named("company_profile"):
            company_profile.company_profile_update(
                actor=self.actor, data=_changed(item, row), expected_version=current.version
            )

    def _policy(self, row: dict[str, Any]) -> None:
        item = self._item(Section.QUALIFICATION_POLICY, "qualification_policy")
        if item is None:
            return
        with _named("qualification_policy"):
            lead_rules.qualification_policy_update(actor=self.actor, data={"required_items": row["required_items"]})


@contextmanager
def _named(path: str) -> Iterator[None]:
    """A service's refusal named by where the object is in the file."""
    try:
        yield
    except ValidationError as error:
        raise _at(path, error) from error


def _changed(item: PlanItem, values: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the plan found different (an update touches nothing else)."""
    if item.action == Action.CREATE:
        return values
    names = {change.field for change in item.changes}
    return {name: value for name, value in values.items() if name in names}


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _at(path: str, error: ValidationError) -> ValidationError:
    """A model's refusal named by where the object is in the file."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                f"{path}.{name}" if name != "__all__" else path: [m for e in errors for m in e.messages]
                for name, errors in error.error_dict.items()
            }
        )
    return ValidationError({path: list(error.messages)})
