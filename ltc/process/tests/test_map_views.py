"""The map pages: the whole tree in Chinese and English, printable; a node with what its bindings
name; forms drawn only for those allowed; where a deal stands, in its page header, within budget."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from ltc.core.panels import panels_of
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.org.models import User
from ltc.process import services
from ltc.process.models import ProcessNode

pytestmark = pytest.mark.django_db


def node(code: str) -> ProcessNode:
    return ProcessNode.objects.get(code=code)


def test_the_map_in_chinese(world, web_as, django_assert_max_num_queries):
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    client = web_as(world.owner)
    client.get("/process/")  # caches warmed (content types, the session)
    with django_assert_max_num_queries(15):  # the tree in one query, the figures in at most ten
        response = client.get("/process/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    for name in (
        "线索到回款",
        "管理线索",
        "收集和生成线索",
        "管理机会点",
        "制定并提交标书",
        "管理合同执行",
        "关闭和评价合同",
        "管理授权与行权",
    ):
        assert f">{name}</a>" in page, name
    assert "流程地图" in page
    assert "流程中心" in page
    assert "@media print" in page
    assert f'href="/process/nodes/{node("MO.4").pk}/">制定并提交标书</a>' in page


def test_the_map_in_english_shows_owners(world, web_as):
    services.node_update(actor=world.admin, node=node("MO"), data={"owner": world.manager}, expected_version=1)
    page = web_as(world.owner).get("/process/").content.decode()
    assert ">Prepare and submit the bid</a>" in page
    mo = page.split(f'id="node-{node("MO").pk}"', 1)[1].split("<ul>", 1)[0]
    assert f"Owner: {world.manager} · Sales manager" in mo
    assert web_as(None).get("/process/").status_code == 302


def test_a_node_page_shows_purpose_inputs_and_outputs_in_the_readers_language(world, web_as):
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    chinese = ("只把精力投入到值得跟进的真实机会点上。", "包含客户、需求和预算的机会点", "立项决策（ATI）")
    english = (
        "Spend effort only on real opportunities worth pursuing.",
        "An opportunity with its customer, need and budget",
        "The ATI decision",
    )
    url = f"/process/nodes/{node('MO.1').pk}/"

    zh_page = web_as(world.owner).get(url).content.decode()
    en_page = web_as(world.manager).get(url).content.decode()

    assert '<html lang="zh-hans">' in zh_page
    for zh, en in zip(chinese, english, strict=True):
        assert (zh in zh_page, en in zh_page) == (True, False), zh
        assert (en in en_page, zh in en_page) == (True, False), en


def test_a_node_written_in_one_language_shows_it_to_every_reader(world, web_as):
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")
    added = services.node_create(
        actor=world.admin,
        parent=node("MO.4"),
        data={"code": "MO.4.1", "name_zh": "投标评审", "name_en": "Bid review", "purpose_zh": "评审标书。"},
    )
    added = services.node_update(
        actor=world.admin, node=added, data={"outputs_en": "A reviewed bid"}, expected_version=added.version
    )

    for reader in (world.owner, world.manager):
        page = web_as(reader).get(f"/process/nodes/{added.pk}/").content.decode()
        assert "评审标书。" in page, reader
        assert "A reviewed bid" in page, reader


def test_a_node_page_names_its_bindings_and_draws_forms_only_for_those_allowed(world, web_as):
    pipeline = make_pipeline()
    target = node("MO.4")
    stage = pipeline.stages.get(name="方案")
    services.binding_add(actor=world.admin, node=target, kind="stage", key=str(stage.pk))
    item = stage.requirements.get(label="现场拜访")
    services.binding_add(actor=world.admin, node=target, kind="requirement", key=str(item.pk))

    admin_page = web_as(world.admin).get(f"/process/nodes/{target.pk}/").content.decode()
    assert "方案 (项目销售)" in admin_page
    assert "现场拜访 (stage 方案, 项目销售)" in admin_page
    assert "ATB — bid (投标)" in admin_page
    for marker in ('id="edit-node"', 'id="add-child"', 'id="add-binding"'):
        assert marker in admin_page, marker
    assert 'id="deactivate-node"' not in admin_page  # it has bindings: the service would refuse

    reader_page = web_as(world.owner).get(f"/process/nodes/{target.pk}/").content.decode()
    assert "方案 (项目销售)" in reader_page
    for marker in ('id="edit-node"', 'id="add-child"', 'id="add-binding"', 'id="deactivate-node"', "/remove/"):
        assert marker not in reader_page, marker
    assert web_as(world.owner).get(f"/process/nodes/{target.pk}/edit/").status_code == 403
    assert web_as(world.owner).get(f"/process/nodes/{target.pk}/add/").status_code == 403


def test_an_admin_adds_an_l4_and_binds_it_through_the_pages(world, web_as):
    admin = web_as(world.admin)
    parent = node("MO.4")
    refused = admin.post(
        f"/process/nodes/{parent.pk}/add/", {"code": "MO.5", "name_zh": "重", "name_en": "Dup", "order": "1"}
    )
    assert refused.status_code == 422
    assert "Another node has this code." in refused.content.decode()
    assert not ProcessNode.objects.filter(level=4).exists()

    added = admin.post(
        f"/process/nodes/{parent.pk}/add/",
        {"code": "MO.4.1", "name_zh": "投标评审", "name_en": "Bid review", "order": "1", "owner": world.manager.pk},
    )
    child = ProcessNode.objects.get(code="MO.4.1")
    assert added["Location"] == f"/process/nodes/{child.pk}/"
    assert (child.level, child.parent_id, child.owner_id) == (4, parent.pk, world.manager.pk)

    bound = admin.post(f"/process/nodes/{child.pk}/bindings/", {"target": "lead_status:converted"})
    assert bound.status_code == 302
    assert list(child.bindings.values_list("kind", "key")) == [("lead_status", "converted")]
    taken = admin.post(f"/process/nodes/{child.pk}/bindings/", {"target": "review:ATB"})
    assert taken.status_code == 422
    assert child.bindings.count() == 1

    edited = admin.post(
        f"/process/nodes/{child.pk}/edit/",
        {
            "version": "1",
            "code": "MO.4.1",
            "name_zh": "投标评审会",
            "name_en": "Bid review",
            "order": "1",
            "owner": world.manager.pk,
        },
    )
    assert edited.status_code == 302
    stale = admin.post(
        f"/process/nodes/{child.pk}/edit/",
        {"version": "1", "code": "MO.4.1", "name_zh": "旧", "name_en": "Bid review", "order": "1"},
    )
    assert stale.status_code == 422
    assert "changed by someone else" in stale.content.decode()
    assert ProcessNode.objects.get(pk=child.pk).name_zh == "投标评审会"


def test_a_deal_page_shows_where_the_deal_stands(world, web_as):
    pipeline = make_pipeline()
    deal = make_opportunity(world, pipeline)
    services.binding_add(actor=world.admin, node=node("MO.1"), kind="stage", key=str(deal.stage_id))
    User.objects.filter(pk=world.owner.pk).update(language="zh-hans")

    page = web_as(world.owner).get(f"/opportunities/{deal.pk}/").content.decode()
    trail = page.split('id="process-trail"', 1)[1].split("</nav>", 1)[0]
    assert f'href="/process/nodes/{node("LTC").pk}/">LTC</a>' in trail
    assert f'href="/process/nodes/{node("MO").pk}/">管理机会点</a>' in trail
    assert f'href="/process/nodes/{node("MO.1").pk}/" aria-current="step">验证机会点</a>' in trail

    lead_page = web_as(world.owner).get(f"/leads/{world.lead.pk}/").content.decode()
    assert 'aria-current="step">收集和生成线索</a>' in lead_page


def test_a_record_in_no_bound_step_draws_no_trail(world, web_as):
    deal = make_opportunity(world, make_pipeline())
    page = web_as(world.owner).get(f"/opportunities/{deal.pk}/").content.decode()
    assert 'id="process-trail"' not in page


def test_the_trail_costs_one_query_whatever_the_depth(world, django_assert_num_queries):
    deal = make_opportunity(world, make_pipeline())
    l4 = services.node_create(
        actor=world.admin, parent=node("MO.4"), data={"code": "A4", "name_zh": "四", "name_en": "Four"}
    )
    l5 = services.node_create(actor=world.admin, parent=l4, data={"code": "A5", "name_zh": "五", "name_en": "Five"})
    l6 = services.node_create(actor=world.admin, parent=l5, data={"code": "A6", "name_zh": "六", "name_en": "Six"})
    services.binding_add(actor=world.admin, node=l6, kind="stage", key=str(deal.stage_id))
    (panel,) = panels_of(deal, "trail")
    request = RequestFactory().get("/")
    request.user = world.owner
    from django.template.loader import render_to_string

    with django_assert_num_queries(panel.max_queries):
        answer = panel.selector(world.owner, deal)
        html = render_to_string(panel.template, {**answer, "panel": panel}, request=request)
    assert [step.code for step in answer["steps"]] == ["LTC", "MO", "MO.4", "A4", "A5", "A6"]
    assert html.count("<a ") == 6


def test_deactivate_is_drawn_only_where_it_can_be_done(world, web_as):
    """A step with nothing below or bound to it: an administrator may take it off the map; its
    process owner may take off the L4–L6 the company added, not a shipped step."""
    bid = node("MO.4")
    services.node_update(actor=world.admin, node=bid, data={"owner": world.manager}, expected_version=1)
    added = services.node_create(
        actor=world.admin, parent=bid, data={"code": "MO.4.1", "name_zh": "标书评审", "name_en": "Bid review"}
    )
    shipped = node("MO.2")
    services.node_update(actor=world.admin, node=shipped, data={"owner": world.manager}, expected_version=1)
    for user, record, drawn in (
        (world.admin, shipped, True),
        (world.manager, shipped, False),
        (world.manager, added, True),
        (world.owner, added, False),
    ):
        page = web_as(user).get(f"/process/nodes/{record.pk}/").content.decode()
        assert ('id="deactivate-node"' in page) is drawn, (user, record.code)
    shipped.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.node_deactivate(actor=world.manager, node=shipped, expected_version=shipped.version)
    assert ProcessNode.objects.get(pk=shipped.pk).active
    services.node_deactivate(actor=world.manager, node=added, expected_version=added.version)
    assert not ProcessNode.objects.get(pk=added.pk).active
