"""The shipped L1–L3 map: loaded into every installation (the test database included), in both
languages, naming services that exist, and reloaded without undoing what a company changed."""

from __future__ import annotations

import importlib
import json
from collections import Counter

import pytest

from ltc.core.models import TimelineEvent
from ltc.process import services
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode

pytestmark = pytest.mark.django_db

L3 = {
    "ML": ["收集和生成线索", "验证和分发线索", "跟踪和培育线索"],
    "MO": ["验证机会点", "管理决策链", "标前引导", "制定并提交标书", "谈判和生成合同"],
    "MCE": [
        "管理合同/PO 接收和确认",
        "管理交付",
        "管理开票和回款",
        "管理合同/PO 变更",
        "管理风险和争议",
        "关闭和评价合同",
    ],
}


def test_every_installation_has_the_map_after_migrate():
    counts = Counter(ProcessNode.objects.values_list("level", flat=True))
    assert counts == {1: 1, 2: 4, 3: 14}
    assert ProcessNode.objects.filter(shipped=True, active=True).count() == 19
    l2 = list(ProcessNode.objects.filter(level=2).order_by("order").values_list("code", "name_zh", "name_en"))
    assert l2 == [
        ("ML", "管理线索", "Manage Leads"),
        ("MO", "管理机会点", "Manage Opportunities"),
        ("MCE", "管理合同执行", "Manage Contract Execution"),
        ("MAE", "管理授权与行权", "Manage authority and its exercise"),
    ]
    for parent, names in L3.items():
        shown = list(
            ProcessNode.objects.filter(parent__code=parent).order_by("order").values_list("name_zh", flat=True)
        )
        assert shown == names, parent
    top = ProcessNode.objects.get(level=1)
    assert (top.code, top.name_zh, top.name_en, top.parent_id) == ("LTC", "线索到回款", "Lead to Cash", None)


def test_every_node_is_described_in_both_languages_with_an_owner_role():
    for node in ProcessNode.objects.select_related("owner_role"):
        texts = (node.name_zh, node.name_en, node.description_zh, node.description_en)
        texts += (node.purpose_zh, node.purpose_en, node.inputs_zh, node.inputs_en, node.outputs_zh, node.outputs_en)
        assert all(texts), node.code
        assert node.owner_role is not None, node.code


def test_every_named_service_imports():
    names = [
        line
        for services_text in ProcessNode.objects.values_list("services", flat=True)
        for line in services_text.splitlines()
    ]
    assert len(names) == 49
    for name in names:
        module, _dot, attr = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), name


def test_the_default_bindings_place_each_status():
    bound = {(b.kind, b.key): b.node.code for b in ProcessBinding.objects.select_related("node")}
    assert bound == {
        (BindingKind.LEAD_STATUS, "new"): "ML.1",
        (BindingKind.LEAD_STATUS, "verifying"): "ML.2",
        (BindingKind.LEAD_STATUS, "qualified"): "ML.3",
        (BindingKind.REVIEW, "ATI"): "MO.1",
        (BindingKind.REVIEW, "ATB"): "MO.4",
        (BindingKind.REVIEW, "ATC"): "MO.5",
        # An accepted quote has done its work (the contract carries on): it stands in no step.
        **{(BindingKind.QUOTE_STATUS, s): "MO.5" for s in ("draft", "in_approval", "approved", "rejected", "sent")},
        **{(BindingKind.CONTRACT_STATUS, s): "MO.5" for s in ("draft", "in_review", "approved")},
        (BindingKind.CONTRACT_STATUS, "signed"): "MCE.1",
        (BindingKind.CONTRACT_STATUS, "accepted"): "MCE.2",
        (BindingKind.CONTRACT_STATUS, "in_execution"): "MCE.2",
        (BindingKind.CONTRACT_STATUS, "completed"): "MCE.6",
        (BindingKind.INVOICE_STATUS, "draft"): "MCE.3",
        (BindingKind.INVOICE_STATUS, "issued"): "MCE.3",
        **{
            (BindingKind.AUTHORITY, s): "MAE"
            for s in ("review_ati", "review_atb", "review_atc", "quote_discount", "contract_change")
        },
    }


def test_reloading_creates_nothing_and_keeps_what_the_company_changed():
    node = ProcessNode.objects.get(code="MO.4")
    ProcessNode.objects.filter(pk=node.pk).update(name_zh="投标", name_en="Bid")
    ProcessBinding.objects.filter(kind=BindingKind.REVIEW, key="ATB").delete()
    events = TimelineEvent.objects.count()

    assert services.process_map_load() == []

    node.refresh_from_db()
    assert (node.name_zh, node.name_en) == ("投标", "Bid")
    assert not ProcessBinding.objects.filter(kind=BindingKind.REVIEW, key="ATB").exists()
    assert ProcessNode.objects.count() == 19
    assert TimelineEvent.objects.count() == events


def test_a_missing_node_is_recreated_with_its_bindings_and_a_timeline_entry(world):
    ProcessBinding.objects.filter(node__code="MCE.3").delete()
    ProcessNode.objects.filter(code="MCE.3").delete()

    (created,) = services.process_map_load(actor=world.admin)

    assert (created.code, created.name_zh, created.parent.code, created.shipped) == (
        "MCE.3",
        "管理开票和回款",
        "MCE",
        True,
    )
    assert sorted(created.bindings.values_list("kind", "key")) == [
        ("invoice_status", "draft"),
        ("invoice_status", "issued"),
    ]
    event = TimelineEvent.objects.filter(object_id=created.pk, content_type__model="processnode").get()
    assert (event.kind, event.actor, event.text) == ("created", world.admin, "")


def test_a_map_of_an_unknown_schema_is_refused(tmp_path):
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"schema": 2, "nodes": []}), encoding="utf-8")
    with pytest.raises(Exception, match="schema 2, expected 1"):
        services.process_map_load(path=path)
    assert ProcessNode.objects.count() == 19


def test_the_demo_company_fills_the_map():
    from ltc.opportunities.models import Opportunity
    from ltc.process.selectors import position_of, trail
    from ltc.web.demo import seed_demo

    seed_demo()

    owners = dict(ProcessNode.objects.filter(level__lte=3).values_list("code", "owner__username"))
    assert (owners["ML"], owners["MO"], owners["MCE"], owners["MCE.3"], owners["MO.4"]) == (
        "sun",
        "li",
        "yang",
        "zhou",
        "chen",
    )
    assert None not in owners.values()
    activities = list(ProcessNode.objects.filter(parent__code="MO.4").order_by("order").values_list("code", "name_zh"))
    assert activities == [
        ("MO.4.1", "组建投标团队"),
        ("MO.4.2", "投标决策（ATB）"),
        ("MO.4.3", "编制商务标与技术标"),
        ("MO.4.4", "标书质量检查与递交"),
    ]
    stages = ProcessBinding.objects.filter(kind=BindingKind.STAGE).select_related("node")
    assert sorted(b.node.code for b in stages) == [
        "MO.1",
        "MO.1",
        "MO.1",
        "MO.3",
        "MO.4",
        "MO.5",
        "MO.5",
        "MO.5",
        "MO.5",
    ]
    assert ProcessBinding.objects.filter(kind=BindingKind.REQUIREMENT, node__parent__code="MO.4").count() == 2
    in_bid = Opportunity.objects.filter(stage__name="投标 (ATB)").first()
    assert in_bid is not None
    assert [n.code for n in trail(position_of(in_bid))] == ["LTC", "MO", "MO.4"]
