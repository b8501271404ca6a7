"""/api/v1/process/nodes: the process map, thin over process.services and .selectors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import OneOf, TimelineEventOut, UserRef
from ltc.core.timeline import timeline_for
from ltc.org.choices import RoleCode
from ltc.org.models import Role, User
from ltc.org.types import AuthedRequest
from ltc.process import selectors, services
from ltc.process.models import BindingKind, ProcessNode
from ltc.process.services import CODE_MAX

router = Router(tags=["process"])


class ProcessNodeIn(Schema):
    """A new L4–L6 node under `parent_id`. An unknown field is refused, not dropped: a client still
    sending the former single-language `purpose`, `inputs` or `outputs` learns so."""

    model_config = ConfigDict(extra="forbid")

    parent_id: int
    code: Annotated[str, Field(max_length=CODE_MAX)]
    name_zh: str
    name_en: str
    order: int = 0
    description_zh: str = ""
    description_en: str = ""
    purpose_zh: str = ""
    purpose_en: str = ""
    inputs_zh: str = ""
    inputs_en: str = ""
    outputs_zh: str = ""
    outputs_en: str = ""
    owner_role: Annotated[str, OneOf(RoleCode)] | None = None
    owner_id: int | None = None
    services: str = ""


class ProcessNodePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(max_length=CODE_MAX)] | None = None
    name_zh: str | None = None
    name_en: str | None = None
    order: int | None = None
    description_zh: str | None = None
    description_en: str | None = None
    purpose_zh: str | None = None
    purpose_en: str | None = None
    inputs_zh: str | None = None
    inputs_en: str | None = None
    outputs_zh: str | None = None
    outputs_en: str | None = None
    owner_role: Annotated[str, OneOf(RoleCode)] | None = None
    owner_id: int | None = None
    services: str | None = None


class ProcessNodeOut(Schema):
    id: int
    version: int
    parent_id: int | None
    level: Annotated[int, Field(ge=1, le=6)]
    code: str
    order: int
    name_zh: str
    name_en: str
    name: str
    description_zh: str
    description_en: str
    purpose_zh: str
    purpose_en: str
    inputs_zh: str
    inputs_en: str
    outputs_zh: str
    outputs_en: str
    owner_role: Annotated[str, OneOf(RoleCode)] | None
    owner: UserRef | None
    services: list[str]
    shipped: bool
    active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner_role(obj: ProcessNode) -> str | None:
        return obj.owner_role.code if obj.owner_role is not None else None

    @staticmethod
    def resolve_services(obj: ProcessNode) -> list[str]:
        return [line for line in obj.services.splitlines() if line.strip()]


class ProcessBindingIn(Schema):
    kind: Annotated[str, OneOf(BindingKind)]
    key: str


class ProcessBindingOut(Schema):
    """A binding and what it names, in the reader's language; `missing` when the stage, gate item
    or rule it names no longer exists."""

    id: int
    kind: Annotated[str, OneOf(BindingKind)]
    key: str
    label: str
    missing: bool


class ProcessTrailStepOut(Schema):
    id: int
    code: str
    name: str


class ProcessNodeDetailOut(ProcessNodeOut):
    """The node with the way down to it from L1, its children and its bindings."""

    trail: list[ProcessTrailStepOut]
    children: list[ProcessNodeOut]
    bindings: list[ProcessBindingOut]

    @staticmethod
    def resolve_children(obj: ProcessNode) -> list[ProcessNode]:
        return obj.children_shown  # type: ignore[attr-defined, no-any-return]

    @staticmethod
    def resolve_bindings(obj: ProcessNode) -> list[dict[str, Any]]:
        return obj.bindings_shown  # type: ignore[attr-defined, no-any-return]


class ProcessNodeQuery(Schema):
    level: Annotated[int, Field(ge=1, le=6)] | None = None
    parent: int | None = None
    owner: int | None = None
    active: bool | None = None
    q: str = ""
    limit: int = 200
    offset: int = 0


def _refs(data: dict[str, Any]) -> dict[str, Any]:
    """owner_id and owner_role codes as the records they name; unknown ones are field errors."""
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        owner = User.objects.filter(pk=owner_id).first() if owner_id is not None else None
        if owner_id is not None and owner is None:
            raise ValidationError({"owner_id": [_("No such user.")]})
        data["owner"] = owner
    if "owner_role" in data:
        code = data["owner_role"]
        data["owner_role"] = Role.objects.get_or_create(code=code)[0] if code else None
    return data


def _detail(node: ProcessNode) -> ProcessNode:
    """The node with its trail, children and resolved bindings, for ProcessNodeDetailOut."""
    node.trail = selectors.trail(node)  # type: ignore[attr-defined]
    node.children_shown = selectors.node_children(node)  # type: ignore[attr-defined]
    node.bindings_shown = [  # type: ignore[attr-defined]
        _binding_out(b) for b in selectors.bindings_resolved(list(node.bindings.all()))
    ]
    return node


def _binding_out(shown: selectors.ResolvedBinding) -> dict[str, Any]:
    b = shown.binding
    return {"id": b.pk, "kind": b.kind, "key": b.key, "label": shown.label, "missing": shown.missing}


@router.get("/process/nodes", response=Page[ProcessNodeOut])
def process_node_list(request: AuthedRequest, query: Query[ProcessNodeQuery]) -> dict[str, Any]:
    """The nodes of the process map in map order (level, order, code); everyone signed in reads it."""
    filters = selectors.NodeFilters(
        level=query.level, parent=query.parent, owner=query.owner, active=query.active, q=query.q
    )
    return paginate(selectors.node_list(user=request.user, filters=filters), limit=query.limit, offset=query.offset)


@router.post("/process/nodes", response={201: ProcessNodeDetailOut})
def process_node_create(request: AuthedRequest, payload: ProcessNodeIn, response: HttpResponse) -> Status[Any]:
    """Add an L4–L6 node under `parent_id` (administrators, and the parent's process owner)."""
    data = payload.dict()
    parent_id = data.pop("parent_id")
    try:
        parent = selectors.node_get(user=request.user, pk=parent_id)
    except Http404 as exc:  # a parent that does not exist is a field error
        raise ValidationError({"parent_id": [_("No such node.")]}) from exc
    node = services.node_create(actor=request.user, parent=parent, data=_refs(data))
    response["ETag"] = etag(node.version)
    response["Location"] = f"/api/v1/process/nodes/{node.pk}"
    return Status(201, _detail(selectors.node_get(user=request.user, pk=node.pk)))


@router.get("/process/nodes/{node_id}", response=ProcessNodeDetailOut)
def process_node_get(request: AuthedRequest, node_id: int, response: HttpResponse) -> ProcessNode:
    node = selectors.node_get(user=request.user, pk=node_id)
    response["ETag"] = etag(node.version)
    return _detail(node)


@router.patch("/process/nodes/{node_id}", response=ProcessNodeDetailOut)
def process_node_update(
    request: AuthedRequest, node_id: int, payload: ProcessNodePatch, response: HttpResponse
) -> ProcessNode:
    """Change a node (If-Match). A shipped node keeps its code; level and parent never change."""
    node = selectors.node_get(user=request.user, pk=node_id)
    expected = if_match_version(request, node)
    data = _refs(payload.dict(exclude_unset=True))
    node = services.node_update(actor=request.user, node=node, data=data, expected_version=expected)
    response["ETag"] = etag(node.version)
    return _detail(selectors.node_get(user=request.user, pk=node.pk))


@router.post("/process/nodes/{node_id}/deactivate", response=ProcessNodeDetailOut)
def process_node_deactivate(request: AuthedRequest, node_id: int, response: HttpResponse) -> ProcessNode:
    """Take the node out of the map (If-Match); refused while it has active children or bindings."""
    node = selectors.node_get(user=request.user, pk=node_id)
    expected = if_match_version(request, node)
    node = services.node_deactivate(actor=request.user, node=node, expected_version=expected)
    response["ETag"] = etag(node.version)
    return _detail(selectors.node_get(user=request.user, pk=node.pk))


@router.post("/process/nodes/{node_id}/bindings", response={201: ProcessBindingOut})
def process_binding_add(request: AuthedRequest, node_id: int, payload: ProcessBindingIn) -> Status[Any]:
    """Bind what implements the step (a status, stage, gate item, review, authority subject,
    routing rule) to the node; the key must name what exists and be bound nowhere else."""
    node = selectors.node_get(user=request.user, pk=node_id)
    binding = services.binding_add(actor=request.user, node=node, kind=payload.kind, key=payload.key)
    (shown,) = selectors.bindings_resolved([binding])
    return Status(201, _binding_out(shown))


@router.delete("/process/nodes/{node_id}/bindings/{binding_id}", response={204: None})
def process_binding_remove(request: AuthedRequest, node_id: int, binding_id: int) -> Status[None]:
    node = selectors.node_get(user=request.user, pk=node_id)
    binding = selectors.binding_get(user=request.user, node=node, pk=binding_id)
    services.binding_remove(actor=request.user, binding=binding)
    return Status(204, None)


@router.get("/process/nodes/{node_id}/timeline", response=list[TimelineEventOut])
def process_node_timeline(request: AuthedRequest, node_id: int) -> Any:
    return timeline_for(selectors.node_get(user=request.user, pk=node_id))
