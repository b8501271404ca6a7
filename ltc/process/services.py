"""Every write to the process map: loading the shipped L1–L3 map, extending it to L4–L6, editing
and deactivating nodes, binding what implements a step. Each write is access-checked (an
administrator; a node's process owner for that node and below), version-checked where it updates,
and kept on the node's timeline with a field diff."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.org.models import Role, User
from ltc.process import stewardship
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode
from ltc.process.selectors import (
    CODE_CHOICES,
    ID_MODELS,
    MAX_LEVEL,
    may_configure,
    may_edit_node,
    position_of,
    trail,
)

__all__ = [
    "binding_add",
    "binding_remove",
    "node_create",
    "node_deactivate",
    "node_update",
    "position_of",
    "process_map_load",
    "trail",
]

MAP_FILE = Path(__file__).resolve().parent / "data" / "ltc_map.json"
MAP_SCHEMA = 1
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CODE_MAX = ProcessNode._meta.get_field("code").max_length or 40
NODE_FIELDS = (
    "code",
    "order",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "purpose_zh",
    "purpose_en",
    "inputs_zh",
    "inputs_en",
    "outputs_zh",
    "outputs_en",
    "owner_role",
    "owner",
    "services",
)


# --- the shipped map -------------------------------------------------------------------------


def read_map(path: Path = MAP_FILE) -> list[dict[str, Any]]:
    """The shipped nodes, parents before children; refuses a schema this code does not know."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("schema") != MAP_SCHEMA:
        raise ImproperlyConfigured(f"{path.name}: schema {document.get('schema')!r}, expected {MAP_SCHEMA}.")
    return sorted(document["nodes"], key=lambda n: n["level"])


def process_map_load(*, actor: User | None = None, path: Path = MAP_FILE) -> list[ProcessNode]:
    """Create the shipped nodes that are missing, with their default bindings; returns those created.

    Idempotent and never overwrites what a company changed: a node whose code exists is left as it
    is (renamed, re-owned, deactivated), and a node's default bindings are added only when the node
    itself is created (a binding the company removed stays removed; a key the company bound
    elsewhere stays there). Run after every migrate (ProcessConfig), so every installation has
    the map."""
    shipped = read_map(path)
    with transaction.atomic():
        existing = dict(ProcessNode.objects.values_list("code", "pk"))
        missing = [n for n in shipped if n["code"] not in existing]
        if not missing:
            return []
        roles = {code: Role.objects.get_or_create(code=code)[0] for code in {n["owner_role"] for n in missing}}
        taken = set(ProcessBinding.objects.values_list("kind", "key"))
        created = []
        for entry in missing:
            node = ProcessNode.objects.create(
                parent_id=existing[entry["parent"]] if entry["parent"] else None,
                level=entry["level"],
                code=entry["code"],
                order=entry["order"],
                name_zh=entry["name_zh"],
                name_en=entry["name_en"],
                description_zh=entry["description_zh"],
                description_en=entry["description_en"],
                purpose_zh=entry["purpose_zh"],
                purpose_en=entry["purpose_en"],
                inputs_zh=entry["inputs_zh"],
                inputs_en=entry["inputs_en"],
                outputs_zh=entry["outputs_zh"],
                outputs_en=entry["outputs_en"],
                owner_role=roles[entry["owner_role"]],
                services="\n".join(entry["services"]),
                shipped=True,
            )
            existing[node.code] = node.pk
            fresh = [(kind, key) for kind, key in entry["bindings"] if (kind, key) not in taken]
            ProcessBinding.objects.bulk_create([ProcessBinding(node=node, kind=k, key=v) for k, v in fresh])
            taken.update(fresh)
            if actor is not None:  # an installation's own load is no one's act: the node says "shipped"
                timeline.record_created(actor=actor, subject=node)  # no text: the timeline reads in any language
            created.append(node)
        return created


# --- access and validation -------------------------------------------------------------------


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _require_edit(actor: User, node: ProcessNode) -> None:
    if not may_edit_node(actor, node):
        raise PermissionDenied(_("Only an administrator or the node's process owner may change this node."))


def _service_modules() -> list[Any]:
    """LTC's own service modules: each installed ltc app's `services` module, or its `services`
    package and the modules in it (the code the web process runs anyway)."""
    modules = []
    for app in apps.get_app_configs():
        if not app.name.startswith("ltc.") or importlib.util.find_spec(f"{app.name}.services") is None:
            continue
        package = importlib.import_module(f"{app.name}.services")
        modules.append(package)
        for found in pkgutil.iter_modules(getattr(package, "__path__", [])):
            modules.append(importlib.import_module(f"{package.__name__}.{found.name}"))
    return modules


@functools.cache
def service_names() -> frozenset[str]:
    """The dotted names a node may give as its services: the public functions of LTC's service
    modules (also where a services package re-exports one of its own), and the names the
    shipped map gives. Built once; validating a name never imports anything."""
    modules = _service_modules()
    own = {module.__name__ for module in modules}
    names = {
        f"{module.__name__}.{name}"
        for module in modules
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and function.__module__ in own
    }
    names.update(name for entry in read_map() for name in entry["services"])
    return frozenset(names)


def _check_services(text: str) -> str:
    """One dotted name per line, each naming a service of LTC (see `service_names`)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    known = service_names()
    unknown = [name for name in lines if name not in known]
    if unknown:
        raise _field_error(
            "services", _("No such service: %(names)s.") % {"names": ", ".join(unknown)}, "unknown_service"
        )
    return "\n".join(lines)


def _check_code(node: ProcessNode) -> None:
    if len(node.code or "") > CODE_MAX:
        raise _field_error("code", _("At most %(n)d characters.") % {"n": CODE_MAX}, "max_length")
    if not CODE_PATTERN.match(node.code or ""):
        raise _field_error(
            "code", _("Use letters, digits, dots, dashes or underscores, starting with a letter or digit.")
        )
    if ProcessNode.objects.filter(code=node.code).exclude(pk=node.pk).exists():
        raise _field_error("code", _("Another node has this code."), "code_taken")


def _check_owner(node: ProcessNode) -> None:
    if node.owner is not None and not node.owner.is_active:
        raise _field_error("owner", _("The owner must be an active user."), "inactive")


def _unknown_fields(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(NODE_FIELDS))
    if unknown:
        raise ValidationError(
            {name: [ValidationError(_("This field cannot be changed here."), code="read_only")] for name in unknown}
        )


def _clean(node: ProcessNode) -> None:
    node.services = _check_services(node.services)
    _check_code(node)
    _check_owner(node)
    node.full_clean(exclude=["parent", "owner", "owner_role", "code"], validate_unique=False)


# --- nodes -----------------------------------------------------------------------------------


def node_create(*, actor: User, parent: ProcessNode, data: dict[str, Any]) -> ProcessNode:
    """Add an L4–L6 node under `parent` (level = parent's + 1, at most L6).

    Refuses actors who may not edit the parent (403), an inactive parent or one at L6, a taken or
    malformed code, unknown services (422)."""
    _require_edit(actor, parent)
    _unknown_fields(data)
    if not parent.active:
        raise _field_error("parent", _("The parent node is inactive."), "inactive")
    if parent.level >= MAX_LEVEL:
        raise _field_error("parent", _("L6 is the deepest level of the map."), "too_deep")
    node = ProcessNode(parent=parent, level=parent.level + 1, shipped=False, **data)
    _clean(node)
    with transaction.atomic():
        node.save()
        timeline.record_created(actor=actor, subject=node)
    return node


def node_update(*, actor: User, node: ProcessNode, data: dict[str, Any], expected_version: int) -> ProcessNode:
    """Change the given fields if `expected_version` is still current (else StaleVersionError);
    the timeline keeps old → new. A shipped node keeps its code (and every node its level and
    parent)."""
    _require_edit(actor, node)
    _unknown_fields(data)
    if node.shipped:
        fixed = "code" in data and data["code"] != node.code  # exports and bindings name it
        if fixed:
            raise _field_error("code", _("A shipped node keeps its code."), "shipped_fixed")
    before = timeline.snapshot(node, data.keys())
    for name, value in data.items():
        setattr(node, name, value)
    _clean(node)
    with transaction.atomic():
        save_if_current(node, expected_version=expected_version, fields=list(data.keys()))
        timeline.record_changes(actor=actor, subject=node, before=before)
    return node


def node_deactivate(*, actor: User, node: ProcessNode, expected_version: int) -> ProcessNode:
    """Take a node out of the map; nothing is deleted (its history and step log keep naming it).

    Refused while it has active children or bindings: move or deactivate those first. A shipped
    step of the map is taken off only by an administrator; its owner may take off what was added."""
    _require_edit(actor, node)
    if node.shipped and not may_configure(actor):
        raise PermissionDenied(_("Only an administrator may take a step of the shipped map off it."))
    with transaction.atomic():
        locked = ProcessNode.objects.select_for_update().get(pk=node.pk)
        if locked.version != expected_version:
            raise StaleVersionError(locked.version)
        if not locked.active:
            raise ValidationError(_("This node is already inactive."), code="inactive")
        children = locked.children.filter(active=True).count()
        bindings = locked.bindings.count()
        if children or bindings:
            raise ValidationError(
                _(
                    "This node still has %(children)d active child nodes and %(bindings)d bindings; "
                    "deactivate the children and remove the bindings first."
                )
                % {"children": children, "bindings": bindings},
                code="in_use",
            )
        before = timeline.snapshot(locked, ["active"])
        locked.active = False
        save_if_current(locked, expected_version=expected_version, fields=["active"])
        timeline.record_changes(actor=actor, subject=locked, before=before)
    node.active, node.version, node.updated_at = False, locked.version, locked.updated_at
    return node


# --- bindings --------------------------------------------------------------------------------


def _check_key(kind: str, key: str) -> str:
    key = (key or "").strip()
    if kind not in BindingKind.values:
        raise _field_error("kind", _("Choose what to bind."), "invalid_choice")
    if not key:
        raise _field_error("key", _("Choose what the binding names."), "required")
    if kind in CODE_CHOICES:
        if key not in CODE_CHOICES[kind].values:
            raise _field_error("key", _("“%(key)s” is not one of the codes of this kind.") % {"key": key})
        return key
    model = ID_MODELS[kind]
    if not (key.isascii() and key.isdigit() and len(key) < 19) or not model._default_manager.filter(pk=key).exists():
        raise _field_error(
            "key", _("No %(what)s has the id “%(key)s”.") % {"what": model._meta.verbose_name, "key": key}
        )
    return str(int(key))


def _require_bind(actor: User, kind: str, key: str) -> None:
    """A binding that grants configuration moves it to the node's owners: only who already
    configures what it names (or an administrator) may add or remove it."""
    if not stewardship.may_bind(actor, kind, key):
        raise PermissionDenied(_("Only an administrator, or whoever already configures this, may bind or unbind it."))


def binding_add(*, actor: User, node: ProcessNode, kind: str, key: str) -> ProcessBinding:
    """Bind a status, stage, gate item, review type, authority subject or routing rule to the node.

    The key must name what exists; one thing is bound to one node only (a position binding says
    where a record stands, so two nodes cannot both claim it). A binding that grants configuration
    is refused (PermissionDenied) unless the actor already configures what it names. Kept on the
    node's timeline."""
    _require_edit(actor, node)
    if not node.active:
        raise ValidationError(_("This node is inactive."), code="inactive")
    key = _check_key(kind, key)
    _require_bind(actor, kind, key)
    held = ProcessBinding.objects.filter(kind=kind, key=key).select_related("node").first()
    if held is not None:
        raise _field_error(
            "key", _("This is already bound to %(node)s.") % {"node": f"{held.node.code} {held.node.name}"}, "bound"
        )
    with transaction.atomic():
        binding = ProcessBinding.objects.create(node=node, kind=kind, key=key)
        timeline.record_changes(
            actor=actor, subject=node, before={"kind": "", "key": ""}, source=binding, via="bindings"
        )
    return binding


def binding_remove(*, actor: User, binding: ProcessBinding) -> None:
    """Remove a binding; the node's timeline keeps what it named. Refused like `binding_add` for
    a binding that grants configuration the actor does not hold."""
    node = binding.node
    _require_edit(actor, node)
    _require_bind(actor, binding.kind, binding.key)
    with transaction.atomic():
        before = timeline.snapshot(binding, ["kind", "key"])
        binding.delete()
        timeline.record_changes(
            actor=actor, subject=node, before=before, source=ProcessBinding(kind="", key=""), via="bindings"
        )
