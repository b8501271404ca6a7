"""A configuration file checked whole before anything is written: its shape (the schema) and every
reference it makes, each problem a field error named by its path in the file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from ltc.core.api import pydantic_message
from ltc.leads.models import AssignmentRule
from ltc.opportunities.models import Stage, StageRequirement
from ltc.org.models import Role, Team, User
from ltc.process.models import BindingKind, ProcessNode
from ltc.process.transfer.document import SCHEMA_VERSION, ConfigDocument
from ltc.process.transfer.export import authority_identity, binding_label, criterion_identity

# --- validation ------------------------------------------------------------------------------


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "__all__"


class _Errors:
    """Field errors gathered over the whole file, each under its path in the file."""

    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.by_path.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_path:
            raise ValidationError({path: messages for path, messages in self.by_path.items()})


def parse_document(document: Any) -> dict[str, Any]:
    """The document checked against the schema and normalised (defaults filled in, amounts to
    cents, enums as their codes); refuses with one field error per problem, named by its path."""
    if not isinstance(document, dict):
        raise ValidationError({"__all__": [_("A configuration file is one JSON object.")]})
    found = document.get("schema")
    if found != SCHEMA_VERSION:
        raise ValidationError(
            {
                "schema": [
                    _("This file has configuration schema %(found)s; this installation reads schema %(wanted)s.")
                    % {"found": json.dumps(found, ensure_ascii=False), "wanted": SCHEMA_VERSION}
                ]
            }
        )
    try:
        parsed = ConfigDocument.model_validate(document)
    except PydanticValidationError as error:
        errors = _Errors()
        for problem in error.errors():
            errors.add(_path(problem["loc"]), pydantic_message(dict(problem)))
        errors.raise_if_any()
        raise  # pragma: no cover - pydantic reported no error
    return parsed.model_dump(mode="json", by_alias=True)


@dataclass
class References:
    """The users, teams and roles the file names, found in this installation."""

    users: dict[str, User]
    teams: dict[str, Team]
    roles: dict[str, Role]


def _duplicates(
    errors: _Errors, rows: list[dict[str, Any]], path: str, identity: Callable[[dict[str, Any]], Any], name: str
) -> None:
    seen: set[Any] = set()
    for index, row in enumerate(rows):
        key = identity(row)
        if key in seen:
            errors.add(f"{path}[{index}].{name}", _("This appears twice in the file."))
        seen.add(key)


def check_references(doc: dict[str, Any]) -> References:
    """Every reference in the file resolves: users, teams and roles in this installation; nodes,
    stages, gate items and rules in the file or in this installation."""
    errors = _Errors()
    usernames = {n["owner"] for n in doc["process_nodes"] if n["owner"]}
    usernames |= {r["assign_user"] for r in doc["routing_rules"] if r["assign_user"]}
    usernames |= {a["user"] for a in doc["authority"] if a["user"]}
    users = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    team_names = {r["assign_team"] for r in doc["routing_rules"] if r["assign_team"]}
    teams: dict[str, Team] = {}
    ambiguous: set[str] = set()
    for team in Team.objects.filter(name__in=team_names).order_by("pk"):
        if team.name in teams:
            ambiguous.add(team.name)
        teams.setdefault(team.name, team)
    roles = {r.code: r for r in Role.objects.all()}

    def user(path: str, username: str | None) -> None:
        if username and username not in users:
            errors.add(path, _("No active user is named “%(name)s” in this installation.") % {"name": username})

    def role(path: str, code: str | None) -> None:
        if code and code not in roles:
            errors.add(path, _("The role “%(code)s” does not exist in this installation.") % {"code": code})

    # The process map.
    nodes = doc["process_nodes"]
    _duplicates(errors, nodes, "process_nodes", lambda r: r["code"], "code")
    levels = dict(ProcessNode.objects.values_list("code", "level"))
    levels.update({n["code"]: n["level"] for n in nodes})
    for index, node in enumerate(nodes):
        path = f"process_nodes[{index}]"
        parent = node["parent"]
        if parent is not None and parent not in levels:
            errors.add(f"{path}.parent", _("No process node has the code “%(code)s”.") % {"code": parent})
        elif parent is not None and levels[parent] != node["level"] - 1:
            errors.add(f"{path}.level", _("A node is one level below its parent."))
        elif parent is None and node["level"] != 1:
            errors.add(f"{path}.parent", _("Only a level 1 node has no parent."))
        role(f"{path}.owner_role", node["owner_role"])
        user(f"{path}.owner", node["owner"])

    # Pipelines, stages, gate items.
    pipelines = doc["pipelines"]
    _duplicates(errors, pipelines, "pipelines", lambda r: r["name"], "name")
    stored: dict[str, dict[str, set[str]]] = {}
    for p_name, s_name, label in StageRequirement.objects.filter(active=True, stage__active=True).values_list(
        "stage__pipeline__name", "stage__name", "label"
    ):
        stored.setdefault(p_name, {}).setdefault(s_name, set()).add(label)
    for p_name, s_name in Stage.objects.filter(active=True).values_list("pipeline__name", "name"):
        stored.setdefault(p_name, {}).setdefault(s_name, set())
    known = {p: {s: set(labels) for s, labels in stages.items()} for p, stages in stored.items()}
    for p_index, pipeline in enumerate(pipelines):
        path = f"pipelines[{p_index}]"
        _duplicates(errors, pipeline["stages"], f"{path}.stages", lambda r: r["name"], "name")
        _duplicates(errors, pipeline["stages"], f"{path}.stages", lambda r: r["order"], "order")
        stages = known.setdefault(pipeline["name"], {})
        for s_index, stage in enumerate(pipeline["stages"]):
            s_path = f"{path}.stages[{s_index}].requirements"
            _duplicates(errors, stage["requirements"], s_path, lambda r: r["label"], "label")
            stages.setdefault(stage["name"], set()).update(r["label"] for r in stage["requirements"])
        for name in ("quote_accepted_stage", "quote_from_stage"):
            if pipeline[name] and pipeline[name] not in stages:
                errors.add(
                    f"{path}.{name}", _("This pipeline has no stage named “%(name)s”.") % {"name": pipeline[name]}
                )
        signed = pipeline["contract_signed_requirement"]
        if signed and signed["label"] not in stages.get(signed["stage"], set()):
            errors.add(
                f"{path}.contract_signed_requirement",
                _("This pipeline has no gate item “%(label)s” in a stage “%(stage)s”.") % signed,
            )

    # Review criteria: one per review type, role and code.
    if doc.get("review_criteria") is not None:
        _duplicates(errors, doc["review_criteria"], "review_criteria", criterion_identity, "code")

    # Rules and the authority matrix.
    _duplicates(errors, doc["routing_rules"], "routing_rules", lambda r: r["name"], "name")
    _duplicates(errors, doc["scoring_rules"], "scoring_rules", lambda r: r["name"], "name")
    for index, rule in enumerate(doc["routing_rules"]):
        path = f"routing_rules[{index}]"
        user(f"{path}.assign_user", rule["assign_user"])
        team = rule["assign_team"]
        if team and team not in teams:
            errors.add(f"{path}.assign_team", _("No team is named “%(name)s” in this installation.") % {"name": team})
        elif team in ambiguous:
            errors.add(
                f"{path}.assign_team", _("Several teams are named “%(name)s”; rename one first.") % {"name": team}
            )
    _duplicates(errors, doc["authority"], "authority", authority_identity, "subject")
    _duplicates(errors, doc["payment_term_templates"], "payment_term_templates", lambda r: r["name"], "name")
    for index, line in enumerate(doc["authority"]):
        path = f"authority[{index}]"
        if bool(line["role"]) == bool(line["user"]):
            errors.add(f"{path}.role", _("Name either a role or a user."))
        role(f"{path}.role", line["role"])
        user(f"{path}.user", line["user"])

    # What the map's bindings name.
    rules = set(AssignmentRule.objects.values_list("name", flat=True)) | {r["name"] for r in doc["routing_rules"]}
    _duplicates(errors, doc["process_bindings"], "process_bindings", lambda r: (r["kind"], binding_label(r)), "kind")
    for index, binding in enumerate(doc["process_bindings"]):
        path = f"process_bindings[{index}]"
        if binding["node"] not in levels:
            errors.add(f"{path}.node", _("No process node has the code “%(code)s”.") % {"code": binding["node"]})
        kind = binding["kind"]
        if kind in (BindingKind.STAGE, BindingKind.REQUIREMENT):
            in_pipeline = known.get(binding["pipeline"] or "")
            if in_pipeline is None:
                errors.add(f"{path}.pipeline", _("No pipeline is named “%(name)s”.") % {"name": binding["pipeline"]})
            elif binding["stage"] not in in_pipeline:
                errors.add(
                    f"{path}.stage", _("This pipeline has no stage named “%(name)s”.") % {"name": binding["stage"]}
                )
            elif kind == BindingKind.REQUIREMENT and binding["label"] not in in_pipeline[binding["stage"]]:
                errors.add(f"{path}.label", _("This stage has no gate item “%(label)s”.") % {"label": binding["label"]})
        elif kind == BindingKind.ROUTING:
            if binding["rule"] not in rules:
                errors.add(f"{path}.rule", _("No routing rule is named “%(name)s”.") % {"name": binding["rule"]})
        elif not binding["key"]:
            errors.add(f"{path}.key", _("This field is required."))
    errors.raise_if_any()
    return References(users=users, teams=teams, roles=roles)


def iter_errors(error: ValidationError) -> Iterator[tuple[str, str]]:
    """(path, message) of each problem of a refused import, for the command and the page."""
    if hasattr(error, "error_dict"):
        for path, errors in error.error_dict.items():
            for e in errors:
                for message in e.messages:
                    yield path, message
    else:
        for message in error.messages:
            yield "__all__", message
