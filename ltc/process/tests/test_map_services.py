"""Node services: who may change the map, what they may change, the timeline's field diff, and
that a refused change changes nothing; where a record stands (position_of, trail)."""

from __future__ import annotations

import sys

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.opportunities.models import Pipeline
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.org.models import Role
from ltc.process import services
from ltc.process.models import ProcessBinding, ProcessNode

pytestmark = pytest.mark.django_db


def node(code: str) -> ProcessNode:
    return ProcessNode.objects.get(code=code)


def events_of(subject: ProcessNode) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(content_type__model="processnode", object_id=subject.pk).order_by("id"))


def state(subject: ProcessNode) -> tuple:
    subject = ProcessNode.objects.get(pk=subject.pk)
    bindings = sorted(subject.bindings.values_list("kind", "key"))
    return (subject.version, subject.code, subject.name_zh, subject.owner_id, subject.active, bindings)


def add_l4(actor, parent_code: str = "MO.4", **data) -> ProcessNode:
    values = {"code": "MO.4.1", "name_zh": "投标评审", "name_en": "Bid review", "order": 1, **data}
    return services.node_create(actor=actor, parent=node(parent_code), data=values)


def test_an_admin_adds_an_l4_activity_under_a_shipped_step(world):
    child = add_l4(world.admin, services="ltc.opportunities.services.bids.bid_submit\n\n")

    assert (child.level, child.parent.code, child.shipped, child.active) == (4, "MO.4", False, True)
    assert child.services == "ltc.opportunities.services.bids.bid_submit"
    (event,) = events_of(child)
    assert (event.kind, event.actor) == ("created", world.admin)


def test_nodes_go_down_to_l6_and_no_further(world):
    l4 = add_l4(world.admin)
    l5 = services.node_create(
        actor=world.admin, parent=l4, data={"code": "MO.4.1.1", "name_zh": "任务", "name_en": "Task"}
    )
    l6 = services.node_create(
        actor=world.admin, parent=l5, data={"code": "MO.4.1.1.1", "name_zh": "步骤", "name_en": "Step"}
    )
    assert (l5.level, l6.level) == (5, 6)

    with pytest.raises(ValidationError) as refused:
        services.node_create(actor=world.admin, parent=l6, data={"code": "X", "name_zh": "过深", "name_en": "Too deep"})
    assert refused.value.message_dict == {"parent": ["L6 is the deepest level of the map."]}
    assert not ProcessNode.objects.filter(code="X").exists()


@pytest.mark.parametrize("who", ["owner", "manager", "executive", "finance", "marketing"])
def test_only_admins_and_process_owners_change_the_map(world, who):
    before = state(node("MO.4"))
    with pytest.raises(PermissionDenied):
        add_l4(world.actor(who))
    with pytest.raises(PermissionDenied):
        services.node_update(actor=world.actor(who), node=node("MO.4"), data={"name_zh": "改"}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.binding_add(actor=world.actor(who), node=node("MO.4"), kind="lead_status", key="converted")
    assert state(node("MO.4")) == before
    assert not ProcessNode.objects.filter(level=4).exists()


def test_a_process_owner_edits_their_node_and_extends_below_it(world):
    mo = node("MO")
    services.node_update(actor=world.admin, node=mo, data={"owner": world.manager}, expected_version=mo.version)

    child = add_l4(world.manager)  # MO.4 is below MO, which the manager owns
    services.node_update(actor=world.manager, node=child, data={"name_en": "Bid check"}, expected_version=child.version)
    assert ProcessNode.objects.get(pk=child.pk).name_en == "Bid check"
    with pytest.raises(PermissionDenied):
        services.node_update(actor=world.manager, node=node("ML.1"), data={"name_en": "x"}, expected_version=1)


def test_an_update_is_version_checked_and_on_the_timeline_with_a_field_diff(world):
    target = node("MO.4")
    services.node_update(
        actor=world.admin,
        node=target,
        data={"name_zh": "制定和提交标书", "owner": world.manager, "owner_role": Role.objects.get(code="ar")},
        expected_version=1,
    )

    assert state(target)[:4] == (2, "MO.4", "制定和提交标书", world.manager.pk)
    changed = events_of(target)[-1]
    assert (changed.kind, changed.actor) == ("changed", world.admin)
    assert sorted((c["field"], c["old"], c["new"]) for c in changed.changes) == [
        ("name_zh", "制定并提交标书", "制定和提交标书"),
        ("owner", "", str(world.manager)),
        ("owner_role", "Solution responsible (SR)", "Account responsible (AR)"),
    ]
    before = state(target)
    with pytest.raises(StaleVersionError):
        services.node_update(actor=world.admin, node=node("MO.4"), data={"name_zh": "旧"}, expected_version=1)
    assert state(target) == before


def test_a_shipped_node_keeps_its_code_and_bad_values_change_nothing(world):
    target = node("MO.4")
    before, events = state(target), len(events_of(target))
    refusals = [
        ({"code": "BID"}, {"code": ["A shipped node keeps its code."]}),
        ({"name_zh": ""}, {"name_zh": ["This field cannot be blank."]}),
        ({"services": "ltc.nowhere.nothing"}, {"services": ["No such service: ltc.nowhere.nothing."]}),
        ({"level": 4}, {"level": ["This field cannot be changed here."]}),
        ({"parent": node("ML")}, {"parent": ["This field cannot be changed here."]}),
    ]
    for data, message in refusals:
        with pytest.raises(ValidationError) as refused:
            services.node_update(actor=world.admin, node=node("MO.4"), data=data, expected_version=1)
        assert refused.value.message_dict == message, data
    assert state(target) == before
    assert len(events_of(target)) == events


@pytest.mark.parametrize(
    "name",
    [
        "os.system",
        "subprocess.call",
        "builtins.eval",
        "ltc.process.services._clean",  # not public
        "ltc.process.services.save_if_current",  # imported there, not a service of LTC
        "ltc.process.models.ProcessNode",  # not a service module
        "ltc.opportunities.services.config.Removal",  # not a function
    ],
)
def test_only_public_functions_of_ltcs_service_modules_are_named_services(world, name):
    target = node("MO.4")
    before = state(target)
    with pytest.raises(ValidationError) as refused:
        services.node_update(
            actor=world.admin,
            node=node("MO.4"),
            data={"services": f"ltc.opportunities.services.bids.bid_submit\n{name}"},
            expected_version=1,
        )
    assert refused.value.message_dict == {"services": [f"No such service: {name}."]}
    assert state(target) == before
    assert ProcessNode.objects.get(code="MO.4").services == node("MO.4").services


def test_validating_services_imports_nothing(world, monkeypatch):
    monkeypatch.delitem(sys.modules, "this", raising=False)  # a module that runs code on import
    with pytest.raises(ValidationError) as refused:
        services.node_update(actor=world.admin, node=node("MO.4"), data={"services": "this.s"}, expected_version=1)
    assert refused.value.message_dict == {"services": ["No such service: this.s."]}
    assert "this" not in sys.modules


def test_the_shipped_maps_services_and_re_exported_services_stay_valid(world):
    shipped = [name for entry in services.read_map() for name in entry["services"]]
    target = node("MO.4")
    named = [*shipped, "ltc.opportunities.services.opportunity_advance", "ltc.org.services.token_revoke"]
    services.node_update(actor=world.admin, node=target, data={"services": "\n".join(named)}, expected_version=1)
    assert ProcessNode.objects.get(pk=target.pk).services.splitlines() == named


def test_a_code_longer_than_the_column_is_a_field_error(world):
    count = ProcessNode.objects.count()
    with pytest.raises(ValidationError) as refused:
        add_l4(world.admin, code="MO.4." + "1" * 36)
    assert refused.value.message_dict == {"code": ["At most 40 characters."]}
    assert ProcessNode.objects.count() == count
    child = add_l4(world.admin, code="MO.4." + "1" * 35)
    with pytest.raises(ValidationError) as refused:
        services.node_update(actor=world.admin, node=child, data={"code": "X" * 41}, expected_version=1)
    assert refused.value.message_dict == {"code": ["At most 40 characters."]}
    assert ProcessNode.objects.get(pk=child.pk).code == "MO.4." + "1" * 35


def test_a_company_node_may_be_recoded_but_not_to_a_taken_code(world):
    child = add_l4(world.admin)
    services.node_update(actor=world.admin, node=child, data={"code": "MO.4.A"}, expected_version=1)
    with pytest.raises(ValidationError) as refused:
        services.node_update(actor=world.admin, node=node("MO.4.A"), data={"code": "MO.5"}, expected_version=2)
    assert refused.value.message_dict == {"code": ["Another node has this code."]}
    with pytest.raises(ValidationError) as refused:
        add_l4(world.admin, code="MO 4/1")
    assert list(refused.value.message_dict) == ["code"]
    assert node("MO.4.A").version == 2


def test_deactivation_is_refused_while_children_or_bindings_are_active(world):
    target = node("MO.4")
    child = add_l4(world.admin)
    before = state(target)
    with pytest.raises(ValidationError) as refused:
        services.node_deactivate(actor=world.admin, node=target, expected_version=target.version)
    assert refused.value.messages == [
        "This node still has 1 active child nodes and 1 bindings; deactivate the children and remove the bindings first."
    ]
    assert state(target) == before

    services.node_deactivate(actor=world.admin, node=child, expected_version=child.version)
    child.refresh_from_db()
    assert (child.active, child.version) == (False, 2)
    assert [(c["field"], c["old"], c["new"]) for c in events_of(child)[-1].changes] == [("active", "True", "False")]
    assert ProcessNode.objects.filter(pk=child.pk).exists()  # nothing is deleted


def test_a_binding_names_what_exists_and_is_kept_on_the_timeline(world):
    pipeline = make_pipeline()
    target = add_l4(world.admin)
    solution = pipeline.stages.get(name="方案")

    binding = services.binding_add(actor=world.admin, node=target, kind="stage", key=f" {solution.pk} ")
    assert (binding.kind, binding.key) == ("stage", str(solution.pk))
    assert [(c["field"], c["old"], c["new"]) for c in events_of(target)[-1].changes] == [
        ("bindings.kind", "", "stage"),
        ("bindings.key", "", str(solution.pk)),
    ]
    services.binding_remove(actor=world.admin, binding=binding)
    assert [(c["field"], c["old"], c["new"]) for c in events_of(target)[-1].changes] == [
        ("bindings.kind", "stage", ""),
        ("bindings.key", str(solution.pk), ""),
    ]
    assert not target.bindings.exists()


@pytest.mark.parametrize(
    ("kind", "key", "errors"),
    [
        ("lead_status", "won", {"key": ["“won” is not one of the codes of this kind."]}),
        ("review", "ATX", {"key": ["“ATX” is not one of the codes of this kind."]}),
        ("authority", "everything", {"key": ["“everything” is not one of the codes of this kind."]}),
        ("stage", "999999", {"key": ["No stage has the id “999999”."]}),
        ("requirement", "abc", {"key": ["No stage requirement has the id “abc”."]}),
        ("routing", "1", {"key": ["No assignment rule has the id “1”."]}),
        ("colour", "red", {"kind": ["Choose what to bind."]}),
        ("stage", "", {"key": ["Choose what the binding names."]}),
        ("review", "ATB", {"key": ["This is already bound to MO.4 Prepare and submit the bid."]}),
    ],
)
def test_a_binding_to_nothing_or_to_what_is_bound_elsewhere_is_refused(world, kind, key, errors):
    target = node("MO.1")
    before, count = state(target), ProcessBinding.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.binding_add(actor=world.admin, node=target, kind=kind, key=key)
    assert refused.value.message_dict == errors
    assert state(target) == before
    assert ProcessBinding.objects.count() == count


def test_where_a_record_stands(world):
    from ltc.process.selectors import position_of, trail

    assert [n.code for n in trail(position_of(world.lead))] == ["LTC", "ML", "ML.1"]
    pipeline = Pipeline.objects.filter(name="项目销售").first() or make_pipeline()
    deal = make_opportunity(world, pipeline)
    assert position_of(deal) is None  # no stage is bound yet
    child = add_l4(world.admin)
    services.binding_add(actor=world.admin, node=child, kind="stage", key=str(deal.stage_id))
    assert [n.name_zh for n in trail(position_of(deal))] == ["线索到回款", "管理机会点", "制定并提交标书", "投标评审"]
    services.node_update(actor=world.admin, node=node("ML.1"), data={}, expected_version=1)
    ProcessNode.objects.filter(code="ML.1").update(active=False)
    assert position_of(world.lead) is None  # an inactive node places nothing
