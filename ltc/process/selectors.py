"""Every read of the process map: the tree, one node with what its bindings name, where a record
stands (`position_of`) and the way down to it from L1 (`trail`). Everyone signed in reads the map;
who may change a node is answered here too (`may_edit_node`), for the pages and the services."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ltc.billing.models import Invoice
from ltc.contracts.choices import ContractStatus
from ltc.contracts.models import Contract
from ltc.core.access import fetch_or_404
from ltc.leads.choices import LeadStatus
from ltc.leads.models import AssignmentRule, Lead
from ltc.opportunities.choices import ReviewType
from ltc.opportunities.models import Opportunity, Stage, StageRequirement
from ltc.org.choices import AuthoritySubject, RoleCode
from ltc.process.models import LEVELS, BindingKind, ProcessBinding, ProcessNode
from ltc.process.steps import InvoicePosition, position_key
from ltc.quotes.choices import QuoteStatus
from ltc.quotes.models import Quote

MAX_LEVEL = max(LEVELS)
# The ancestors of a node reached in the same query (a node is at most at L6).
ANCESTORS = "parent__parent__parent__parent__parent"

# The codes a status or subject binding may name.
CODE_CHOICES: dict[str, Any] = {
    BindingKind.LEAD_STATUS: LeadStatus,
    BindingKind.QUOTE_STATUS: QuoteStatus,
    BindingKind.CONTRACT_STATUS: ContractStatus,
    BindingKind.INVOICE_STATUS: InvoicePosition,  # the statuses and paid (issued, nothing open)
    BindingKind.REVIEW: ReviewType,
    BindingKind.AUTHORITY: AuthoritySubject,
}
# The records an id binding may name.
ID_MODELS: dict[str, type[Model]] = {
    BindingKind.STAGE: Stage,
    BindingKind.REQUIREMENT: StageRequirement,
    BindingKind.ROUTING: AssignmentRule,
}
# Where a record of each kind stands: the binding kind and the field that is its key.
POSITIONS: dict[type[Model], tuple[str, str]] = {
    Lead: (BindingKind.LEAD_STATUS, "status"),
    Opportunity: (BindingKind.STAGE, "stage_id"),
    Quote: (BindingKind.QUOTE_STATUS, "status"),
    Contract: (BindingKind.CONTRACT_STATUS, "status"),
    Invoice: (BindingKind.INVOICE_STATUS, "status"),
}


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def may_configure(user: Any) -> bool:
    """Administrators configure the whole map."""
    return _signed_in(user) and bool(user.has_role(RoleCode.ADMIN))


def may_deactivate_node(user: Any, node: ProcessNode, *, active_children: int, bindings: int) -> bool:
    """Whether the Deactivate button is drawn: for who may edit the node, while nothing hangs on
    it (the service refuses otherwise); a shipped step of the map only by an administrator."""
    if not (node.active and not active_children and not bindings and may_edit_node(user, node)):
        return False
    return not node.shipped or bool(user.has_role(RoleCode.ADMIN))


def may_edit_node(user: Any, node: ProcessNode) -> bool:
    """An administrator, or the process owner of the node or of a node above it (who may also
    add L4–L6 below it)."""
    if not _signed_in(user):
        return False
    if user.has_role(RoleCode.ADMIN):
        return True
    return any(step.owner_id == user.pk for step in trail(node))


def may_add_child(user: Any, node: ProcessNode) -> bool:
    return node.active and node.level < MAX_LEVEL and may_edit_node(user, node)


@dataclass(frozen=True)
class NodeFilters:
    level: int | None = None
    parent: int | None = None
    owner: int | None = None
    active: bool | None = None
    q: str = ""


def node_list(*, user: Any, filters: NodeFilters | None = None) -> QuerySet[ProcessNode]:
    """The nodes of the map, in map order; nothing for someone not signed in."""
    nodes = ProcessNode.objects.select_related("owner", "owner_role")
    if not _signed_in(user):
        return nodes.none()
    f = filters or NodeFilters()
    if f.level is not None:
        nodes = nodes.filter(level=f.level)
    if f.parent is not None:
        nodes = nodes.filter(parent_id=f.parent)
    if f.owner is not None:
        nodes = nodes.filter(owner_id=f.owner)
    if f.active is not None:
        nodes = nodes.filter(active=f.active)
    if f.q.strip():
        q = f.q.strip()
        nodes = nodes.filter(Q(code__icontains=q) | Q(name_zh__icontains=q) | Q(name_en__icontains=q))
    return nodes.order_by("level", "order", "code")


def node_get(*, user: Any, pk: Any) -> ProcessNode:
    """One node with its ancestors (for its trail), or 404."""
    if not _signed_in(user):
        raise Http404
    return fetch_or_404(ProcessNode.objects.select_related("owner", "owner_role", ANCESTORS), pk=pk)


def node_children(node: ProcessNode) -> list[ProcessNode]:
    return list(node.children.select_related("owner", "owner_role").order_by("order", "code"))


def binding_get(*, user: Any, node: ProcessNode, pk: Any) -> ProcessBinding:
    if not _signed_in(user):
        raise Http404
    return fetch_or_404(ProcessBinding.objects.filter(node=node), pk=pk)


@dataclass(frozen=True)
class TreeNode:
    node: ProcessNode
    children: list[TreeNode]


def map_tree(*, user: Any, include_inactive: bool = False) -> list[TreeNode]:
    """The whole map as a tree (L1 roots first), read in one query."""
    nodes = node_list(user=user, filters=None if include_inactive else NodeFilters(active=True))
    by_parent: dict[int | None, list[ProcessNode]] = defaultdict(list)
    for node in nodes.order_by("order", "code"):
        by_parent[node.parent_id].append(node)

    def build(parent_id: int | None) -> list[TreeNode]:
        return [TreeNode(node, build(node.pk)) for node in by_parent.get(parent_id, [])]

    return build(None)


def trail(node: ProcessNode) -> list[ProcessNode]:
    """The nodes from L1 down to `node` (its ancestors are read as loaded: select ANCESTORS to
    have them in the node's own query)."""
    steps = [node]
    while steps[-1].parent_id is not None and len(steps) < MAX_LEVEL:
        steps.append(steps[-1].parent)  # type: ignore[arg-type]
    return list(reversed(steps))


def position_of(record: Model) -> ProcessNode | None:
    """The active node the record stands in (by its status, a deal by its stage), with its
    ancestors, in one query; None when nothing binds where it stands."""
    where = POSITIONS.get(type(record))
    if where is None:
        return None
    kind, _attname = where
    key = position_key(record)  # an invoice by its balance too: paid
    if key in ("", "None"):
        return None
    binding = (
        ProcessBinding.objects.filter(kind=kind, key=key, node__active=True)
        .select_related(f"node__{ANCESTORS}")
        .first()
    )
    return binding.node if binding is not None else None


@dataclass(frozen=True)
class ResolvedBinding:
    """A binding with what it names, in the reader's language: "方案 (项目销售)"."""

    binding: ProcessBinding
    label: str
    missing: bool  # the stage, item or rule it names no longer exists


def _name_of(kind: str, key: str, records: dict[str, dict[str, Any]]) -> str | None:
    if kind in CODE_CHOICES:
        choices = CODE_CHOICES[kind]
        return str(choices(key).label) if key in choices.values else None
    record = records.get(kind, {}).get(key)
    if record is None:
        return None
    if kind == BindingKind.STAGE:
        return _("%(stage)s (%(pipeline)s)") % {"stage": record.name, "pipeline": record.pipeline.name}
    if kind == BindingKind.REQUIREMENT:
        return _("%(item)s (stage %(stage)s, %(pipeline)s)") % {
            "item": record.label,
            "stage": record.stage.name,
            "pipeline": record.stage.pipeline.name,
        }
    return str(record.name)


def bindings_resolved(bindings: list[ProcessBinding]) -> list[ResolvedBinding]:
    """Each binding named as what it names (one query per kind of record named)."""
    ids: dict[str, set[int]] = defaultdict(set)
    for b in bindings:
        if b.kind in ID_MODELS and b.key.isdigit():
            ids[b.kind].add(int(b.key))
    related: dict[str, tuple[str, ...]] = {
        BindingKind.STAGE: ("pipeline",),
        BindingKind.REQUIREMENT: ("stage__pipeline",),
        BindingKind.ROUTING: (),
    }
    records: dict[str, dict[str, Any]] = {}
    for kind, pks in ids.items():
        model = ID_MODELS[kind]
        rows = model._default_manager.filter(pk__in=pks).select_related(*related[kind])
        records[kind] = {str(row.pk): row for row in rows}
    shown = []
    for b in bindings:
        name = _name_of(b.kind, b.key, records)
        shown.append(ResolvedBinding(b, name if name is not None else b.key, name is None))
    return shown


def binding_choices(kind: str) -> list[tuple[str, str]]:
    """What a binding of `kind` may name, for a form's choice list: codes, or the active stages,
    gate items and routing rules."""
    if kind in CODE_CHOICES:
        return [(str(value), str(label)) for value, label in CODE_CHOICES[kind].choices]
    if kind == BindingKind.STAGE:
        stages = Stage.objects.filter(active=True).select_related("pipeline").order_by("pipeline__name", "order")
        return [(str(s.pk), f"{s.pipeline.name} · {s.name}") for s in stages]
    if kind == BindingKind.REQUIREMENT:
        items = StageRequirement.objects.filter(active=True).select_related("stage__pipeline")
        return [
            (str(r.pk), f"{r.stage.pipeline.name} · {r.stage.name} · {r.label}")
            for r in items.order_by("stage__pipeline__name", "stage__order", "order")
        ]
    rules = AssignmentRule.objects.order_by("order", "id")
    return [(str(r.pk), r.name) for r in rules]
