"""The process owners' share of configuration (plugged into ltc.core.stewardship when the app
starts): the owner of a step of the map — or of a step above it, as for editing the map itself
(`selectors.may_edit_node`) — configures what that step's bindings name.

- (authority, subject): the authority lines of that subject.
- (stage, id): that stage, its gate items and templates; a pipeline whose bound stages all fall
  to the user, with the stages nobody's step names (a stage just added, say).
- (requirement, id): that gate item.
- (routing, id): that routing rule.
- (lead_status, verifying) — 验证和分发线索: every routing rule (new ones, their order) and the
  qualification policy.
- (lead_status, new) — 收集和生成线索: the scoring rules.

Only active steps count, and only an active, signed-in owner (ltc.core.stewardship checks the
user). What a user stewards is read in one query and kept on the user object for the request;
pipelines add one query for the stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from ltc.core.forms import posted_number
from ltc.core.stewardship import ConfigArea, may_configure
from ltc.leads.choices import LeadStatus
from ltc.opportunities.models import Stage, StageRequirement
from ltc.process.models import LEVELS, BindingKind, ProcessBinding

CACHE = "_ltc_stewardship"
# Which lead status's step holds a whole area.
AREA_STEPS = {
    ConfigArea.ROUTING: (BindingKind.LEAD_STATUS, LeadStatus.VERIFYING),
    ConfigArea.QUALIFICATION: (BindingKind.LEAD_STATUS, LeadStatus.VERIFYING),
    ConfigArea.SCORING: (BindingKind.LEAD_STATUS, LeadStatus.NEW),
}
KEYED = {
    ConfigArea.AUTHORITY: BindingKind.AUTHORITY,
    ConfigArea.REQUIREMENT: BindingKind.REQUIREMENT,
    ConfigArea.ROUTING: BindingKind.ROUTING,
}


@dataclass
class Stewardship:
    """What one user stewards: the (kind, key) of every binding of an active step they own (or
    own a step above); once a pipeline is asked about, the stages and which of them a step names."""

    bindings: frozenset[tuple[str, str]]
    stages: dict[int, int] | None = None  # active stage id -> its pipeline id
    bound_stages: frozenset[int] = frozenset()  # active stages some active step names
    pipelines: dict[int, bool] = field(default_factory=dict)

    def holds(self, kind: str, key: str) -> bool:
        return (str(kind), key) in self.bindings

    def held_stages(self) -> set[int]:
        return {int(key) for kind, key in self.bindings if kind == BindingKind.STAGE and key.isdigit()}


def owned_q(user: Any) -> Q:
    """Bindings of an active node the user owns, or of one below an active node the user owns."""
    path, q = "node", Q()
    for _level in LEVELS:
        q |= Q(**{f"{path}__owner_id": user.pk, f"{path}__active": True})
        path += "__parent"
    return q & Q(node__active=True)


def stewardship_of(user: Any) -> Stewardship:
    cached = getattr(user, CACHE, None)
    if cached is None:
        rows = ProcessBinding.objects.filter(owned_q(user)).values_list("kind", "key")
        cached = Stewardship(bindings=frozenset((str(kind), str(key)) for kind, key in rows))
        setattr(user, CACHE, cached)
    return cached


def forget(user: Any) -> None:
    """Drop what was read for `user` (after the map changed within the same request)."""
    if hasattr(user, CACHE):
        delattr(user, CACHE)


def _load_stages(held: Stewardship) -> dict[int, int]:
    if held.stages is None:
        held.stages = dict(Stage.objects.filter(active=True).values_list("pk", "pipeline_id"))
        keys = ProcessBinding.objects.filter(kind=BindingKind.STAGE, node__active=True).values_list("key", flat=True)
        held.bound_stages = frozenset(int(key) for key in keys if key.isdigit())
    return held.stages


def _pipeline(held: Stewardship, pipeline_id: int) -> bool:
    """At least one active stage of the pipeline falls to the user, and every other one that a
    step names does too (stages no step names do not count against)."""
    if pipeline_id not in held.pipelines:
        mine = held.held_stages()
        stages = _load_stages(held) if mine else {}
        named = {pk for pk, pipeline in stages.items() if pipeline == pipeline_id and pk in held.bound_stages}
        held.pipelines[pipeline_id] = bool(named & mine) and named <= mine
    return held.pipelines[pipeline_id]


def _stage(held: Stewardship, stage_id: int) -> bool:
    if held.holds(BindingKind.STAGE, str(stage_id)):
        return True
    if not held.held_stages():
        return False
    pipeline_id = _load_stages(held).get(stage_id)
    return pipeline_id is not None and stage_id not in held.bound_stages and _pipeline(held, pipeline_id)


def process_owner_grant(user: Any, area: ConfigArea, key: str | None) -> bool:
    """The configuration grant of ltc.core.stewardship for process owners (see the module)."""
    held = stewardship_of(user)
    if not held.bindings:
        return False
    whole = AREA_STEPS.get(area)
    if whole is not None and held.holds(*whole):
        return True
    if key is None:
        return False
    if area in KEYED:
        return held.holds(KEYED[area], key)
    record_id = _id(key)
    if not record_id:
        return False
    if area == ConfigArea.PIPELINE:
        return _pipeline(held, record_id)
    if area == ConfigArea.STAGE:
        return _stage(held, record_id)
    return False


def _id(key: str) -> int:
    """A key that names a record by id, or 0 (a key may come from a form: "²" or 20 digits name
    nothing — core.forms.posted_number's rule)."""
    return posted_number({"key": key}, "key")


def may_bind(user: Any, kind: str, key: str, *, stage_of: dict[str, int] | None = None) -> bool:
    """Whether `user` may bind (or unbind) `kind`/`key` on a step they edit. A binding that grants
    configuration (see the module) is only for who may already configure what it names — an
    administrator, or its steward: binding it would otherwise take it from its owner. A gate item
    also falls to whoever configures its stage (`stage_of` maps gate item ids to their stage ids,
    read here when not given). Other kinds grant nothing and are not checked here."""
    kind, key = str(kind), str(key)
    if kind == BindingKind.LEAD_STATUS:
        areas = {str(status): area for area, (_kind, status) in AREA_STEPS.items()}
        return key not in areas or may_configure(user, areas[key])
    if kind == BindingKind.STAGE:
        return may_configure(user, ConfigArea.STAGE, key)
    if kind == BindingKind.REQUIREMENT:
        if may_configure(user, ConfigArea.REQUIREMENT, key):
            return True
        if stage_of is None:
            stage_of = (
                {
                    str(pk): stage
                    for pk, stage in StageRequirement.objects.filter(pk=_id(key)).values_list("pk", "stage_id")
                }
                if _id(key)
                else {}
            )
        return key in stage_of and may_configure(user, ConfigArea.STAGE, stage_of[key])
    if kind in (BindingKind.AUTHORITY, BindingKind.ROUTING):
        return may_configure(user, ConfigArea(kind), key)
    return True
