"""Process owners configure what their step implements (ltc.core.stewardship, ltc.process.stewardship):
the registry, each area through the API and the pages, owners of a node above, inactive owners and
nodes refused, and the query budget of a page that checks many lines."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ltc.core.stewardship import (
    ConfigArea,
    may_configure,
    register_configuration_grant,
    unregister_configuration_grant,
)
from ltc.leads.models import AssignmentRule, QualificationPolicy
from ltc.leads.services import rules
from ltc.opportunities.models import Stage, StageRequirement
from ltc.opportunities.tests.factories import grant, make_pipeline, stage
from ltc.org.models import Authority, Role
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode
from ltc.process.stewardship import forget
from ltc.process.tests.maps import node

IF = "If-Match"


@pytest.fixture
def deals(db):
    """Two pipelines; 项目销售's stages bound under T.MO (owned by `manager`): 确认 and 方案 to
    T.MO.1, 签约 to T.MO.2 (owned by `teammate`), 赢单 and 输单 to T.MO.3."""
    project, product = make_pipeline(), make_pipeline("产品销售")
    top = node("T", 1, 90)
    mo = node("T.MO", 2, 1, top)
    steps = {"1": node("T.MO.1", 3, 1, mo), "2": node("T.MO.2", 3, 2, mo), "3": node("T.MO.3", 3, 3, mo)}
    for name, step in (("确认", "1"), ("方案", "1"), ("签约", "2"), ("赢单", "3"), ("输单", "3")):
        ProcessBinding.objects.create(node=steps[step], kind=BindingKind.STAGE, key=str(stage(project, name).pk))
    ProcessBinding.objects.create(node=steps["1"], kind=BindingKind.STAGE, key=str(stage(product, "确认").pk))
    return {"project": project, "product": product, "top": top, "mo": mo, **steps}


def _own(node: ProcessNode, user) -> None:
    node.owner = user
    node.save(update_fields=["owner"])


def _mae(user) -> ProcessNode:
    """管理授权与行权 (shipped, bound to every authority subject) owned by `user`; contract
    changes moved to another step."""
    mae = ProcessNode.objects.get(code="MAE")
    _own(mae, user)
    other = node("T.OTHER", 1, 91)
    ProcessBinding.objects.filter(kind=BindingKind.AUTHORITY, key="contract_change").update(node=other)
    return mae


# --- the registry ----------------------------------------------------------------------------


def test_without_a_grant_only_an_active_administrator_configures(world):
    assert may_configure(world.admin, ConfigArea.PIPELINE)
    assert may_configure(world.admin, ConfigArea.AUTHORITY, "review_atb")
    for user in (world.owner, world.manager, world.executive, world.marketing):
        assert not may_configure(user, ConfigArea.AUTHORITY, "review_atb")
        assert not may_configure(user, ConfigArea.ROUTING)
    world.admin.is_active = False
    assert not may_configure(world.admin, ConfigArea.PIPELINE)


def test_a_registered_grant_admits_whom_it_says_and_no_one_else(world):
    def grant_fn(user, area, key):
        return user.pk == world.owner.pk and area == ConfigArea.STAGE and key == "7"

    register_configuration_grant(grant_fn)
    try:
        assert may_configure(world.owner, ConfigArea.STAGE, 7)
        assert not may_configure(world.owner, ConfigArea.STAGE, 8)
        assert not may_configure(world.owner, ConfigArea.PIPELINE, 7)
        assert not may_configure(world.teammate, ConfigArea.STAGE, 7)
        world.owner.is_active = False
        assert not may_configure(world.owner, ConfigArea.STAGE, 7)
    finally:
        unregister_configuration_grant(grant_fn)
    world.owner.is_active = True
    assert not may_configure(world.owner, ConfigArea.STAGE, 7)


# --- pipelines, stages, gate items -----------------------------------------------------------


def test_the_owner_of_a_stage_changes_it_through_the_api_not_another_pipelines(world, api_as, deals):
    _own(deals["2"], world.owner)
    signing, product_confirm = stage(deals["project"], "签约"), stage(deals["product"], "确认")
    api = api_as(world.owner)
    done = api.patch(f"/stages/{signing.pk}", {"probability": 85}, **{IF: '"1"'})
    assert done.status_code == 200, done.content
    assert Stage.objects.get(pk=signing.pk).probability == 85
    refused = api.patch(f"/stages/{product_confirm.pk}", {"probability": 15}, **{IF: '"1"'})
    assert refused.status_code == 403
    assert Stage.objects.get(pk=product_confirm.pk).probability == 10
    # 确认 of the same pipeline falls to another step: refused too, and the pipeline as a whole
    confirm = stage(deals["project"], "确认")
    assert api.patch(f"/stages/{confirm.pk}", {"probability": 15}, **{IF: '"1"'}).status_code == 403
    assert api.patch(f"/pipelines/{deals['project'].pk}", {"name": "X"}, **{IF: '"1"'}).status_code == 403


def test_the_owner_of_a_node_above_configures_the_whole_pipeline_and_its_gate(world, api_as, deals):
    _own(deals["mo"], world.manager)
    project = deals["project"]
    solution = stage(project, "方案")
    api = api_as(world.manager)
    renamed = api.patch(f"/pipelines/{project.pk}", {"name": "项目销售（新）"}, **{IF: f'"{project.version}"'})
    assert renamed.status_code == 200, renamed.content
    added = api.post(f"/stages/{solution.pk}/requirements", {"label": "方案评审", "kind": "check"})
    assert added.status_code == 201, added.content
    dry = api.post(f"/stages/{solution.pk}/gate-dry-run", {"add": [{"label": "报价", "kind": "check"}]})
    assert dry.status_code == 200
    created = api.post(f"/pipelines/{project.pk}/stages", {"name": "交流", "probability": 20})
    assert created.status_code == 201, created.content
    # a stage no step names yet falls to whoever holds its pipeline
    new = created.json()["id"]
    assert api.patch(f"/stages/{new}", {"probability": 25}, **{IF: '"1"'}).status_code == 200
    assert api.post("/pipelines", {"name": "新管道"}).status_code == 403
    assert StageRequirement.objects.filter(stage=solution, label="方案评审").exists()


def test_a_gate_item_bound_to_a_step_falls_to_its_owner(world, api_as, deals):
    items = StageRequirement.objects.filter(stage__pipeline=deals["project"])
    item, other = items.get(label="需求已确认"), items.get(label="现场拜访")
    ProcessBinding.objects.create(node=deals["3"], kind=BindingKind.REQUIREMENT, key=str(item.pk))
    _own(deals["3"], world.teammate)
    api = api_as(world.teammate)
    assert api.patch(f"/requirements/{item.pk}", {"label": "需求已书面确认"}, **{IF: '"1"'}).status_code == 200
    assert api.patch(f"/requirements/{other.pk}", {"label": "拜访"}, **{IF: '"1"'}).status_code == 403
    assert StageRequirement.objects.get(pk=other.pk).label == "现场拜访"


def test_an_inactive_node_or_owner_grants_nothing(world, api_as, deals):
    _own(deals["2"], world.owner)
    signing = stage(deals["project"], "签约")
    assert may_configure(world.owner, ConfigArea.STAGE, signing.pk)
    deals["2"].active = False
    deals["2"].save(update_fields=["active"])
    forget(world.owner)
    assert not may_configure(world.owner, ConfigArea.STAGE, signing.pk)
    assert api_as(world.owner).patch(f"/stages/{signing.pk}", {"probability": 85}, **{IF: '"1"'}).status_code == 403
    # active again, the owner gone inactive
    deals["2"].active = True
    deals["2"].save(update_fields=["active"])
    forget(world.owner)
    world.owner.is_active = False
    assert not may_configure(world.owner, ConfigArea.STAGE, signing.pk)
    # the owner of a step above holds it while that step is active
    _own(deals["mo"], world.manager)
    assert may_configure(world.manager, ConfigArea.STAGE, signing.pk)
    deals["mo"].active = False
    deals["mo"].save(update_fields=["active"])
    forget(world.manager)
    assert not may_configure(world.manager, ConfigArea.STAGE, signing.pk)


def test_the_pipeline_page_draws_controls_only_for_the_owners_stages(world, web_as, deals):
    _own(deals["2"], world.owner)
    project = deals["project"]
    signing, confirm = stage(project, "签约"), stage(project, "确认")
    client = web_as(world.owner)
    page = client.get(reverse("process:pipeline_detail", args=[project.pk])).content.decode()
    assert reverse("process:pipeline_stage_edit", args=[signing.pk]) in page
    assert reverse("process:pipeline_requirement_add", args=[signing.pk]) in page
    assert reverse("process:pipeline_stage_edit", args=[confirm.pk]) not in page
    assert reverse("process:pipeline_requirement_add", args=[confirm.pk]) not in page
    assert reverse("process:pipeline_edit", args=[project.pk]) not in page
    assert 'id="stage-new"' not in page
    form = {"name": "签约", "category": "open", "probability": "80", "forecast_category": "commit", "version": "1"}
    assert client.get(reverse("process:pipeline_stage_edit", args=[signing.pk])).status_code == 200
    assert client.get(reverse("process:pipeline_stage_edit", args=[confirm.pk])).status_code == 403
    assert client.post(reverse("process:pipeline_stage_edit", args=[confirm.pk]), form).status_code == 403
    assert Stage.objects.get(pk=confirm.pk).version == 1


def test_the_owner_above_every_stage_gets_the_pipelines_controls_not_a_new_pipeline(
    world, web_as, deals, django_assert_max_num_queries
):
    _own(deals["mo"], world.manager)
    project = deals["project"]
    client = web_as(world.manager)
    with django_assert_max_num_queries(18):
        page = client.get(reverse("process:pipeline_detail", args=[project.pk])).content.decode()
    assert 'id="pipeline-edit"' in page
    assert 'id="stage-new"' in page
    for name in ("确认", "签约", "赢单"):
        assert reverse("process:pipeline_stage_edit", args=[stage(project, name).pk]) in page
    assert client.get(reverse("process:pipeline_edit", args=[project.pk])).status_code == 200
    listing = client.get(reverse("process:pipeline_list")).content.decode()
    assert reverse("process:pipeline_create") not in listing
    assert client.get(reverse("process:pipeline_create")).status_code == 403


def test_a_rep_owning_nothing_sees_no_control_and_is_refused_a_post(world, web_as, deals):
    project = deals["project"]
    signing = stage(project, "签约")
    client = web_as(world.other)
    page = client.get(reverse("process:pipeline_detail", args=[project.pk])).content.decode()
    assert "/edit/" not in page
    url = reverse("process:pipeline_stage_deactivate", args=[signing.pk])
    assert client.post(url, {"version": "1"}).status_code == 403
    assert Stage.objects.get(pk=signing.pk).active


# --- the authority matrix --------------------------------------------------------------------


def test_the_owner_of_authority_changes_the_lines_of_their_subjects_only(world, api_as):
    _mae(world.executive)
    atb = grant("review_atb", role="sales_manager", up_to="5000000")
    change = grant("contract_change", role="sales_manager", up_to="100000")
    api = api_as(world.executive)
    done = api.patch(f"/authority/{atb.pk}", {"max_amount": "6000000"}, **{IF: '"1"'})
    assert done.status_code == 200, done.content
    assert api.patch(f"/authority/{change.pk}", {"max_amount": "1"}, **{IF: '"1"'}).status_code == 403
    # nor may a line be moved to a subject that is not theirs
    assert api.patch(f"/authority/{atb.pk}", {"subject": "contract_change"}, **{IF: '"2"'}).status_code == 403
    assert api.post("/authority", {"subject": "contract_change", "role": "ar"}).status_code == 403
    assert api.post("/authority", {"subject": "review_ati", "role": "ar"}).status_code == 201
    assert Authority.objects.get(pk=change.pk).max_amount == 100000
    assert Authority.objects.get(pk=atb.pk).subject == "review_atb"
    assert api_as(world.manager).patch(f"/authority/{atb.pk}", {"max_amount": "1"}, **{IF: '"2"'}).status_code == 403


def test_the_matrix_page_lets_the_owner_edit_their_lines_and_shows_the_rest(
    world, web_as, django_assert_max_num_queries
):
    _mae(world.executive)
    atb = grant("review_atb", role="sales_manager", up_to="5000000")
    change = grant("contract_change", role="sales_manager", up_to="100000")
    for n in range(10):
        grant("quote_discount", role="ar", up_to=str(n * 1000))
        grant("contract_change", role="ar", up_to=str(n * 1000))
    client = web_as(world.executive)
    with django_assert_max_num_queries(11):
        page = client.get("/process/authority/")
    text = page.content.decode()
    assert f"/process/authority/{atb.pk}/" in text
    assert f"/process/authority/{change.pk}/" not in text
    assert 'value="contract_change"' not in text  # the new line's subjects
    assert 'value="review_atb"' in text
    role = str(Role.objects.get(code="ar").pk)
    refused = client.post(
        "/process/authority/",
        {"subject": "contract_change", "role": role, "currency": "CNY", "max_amount": "1", "action": "save"},
    )
    assert refused.status_code == 422
    assert not Authority.objects.filter(subject="contract_change", max_amount=1).exists()
    assert client.get(f"/process/authority/{atb.pk}/remove/").status_code == 200
    assert client.get(f"/process/authority/{change.pk}/remove/").status_code == 403
    assert client.post(f"/process/authority/{change.pk}/remove/", {"version": "1"}).status_code == 403
    assert Authority.objects.filter(pk=change.pk).exists()
    saved = client.post(
        f"/process/authority/{atb.pk}/",
        {"subject": "review_atb", "role": str(atb.role_id), "currency": "CNY", "max_amount": "7000000"}
        | {"version": "1", "action": "save"},
    )
    assert saved.status_code == 302
    assert Authority.objects.get(pk=atb.pk).max_amount == 7000000


# --- routing, qualification, scoring ---------------------------------------------------------


def _rule(name: str, world) -> AssignmentRule:
    return rules.assignment_rule_create(
        actor=world.admin, data={"name": name, "order": 10, "strategy": "user", "assign_user": world.manager}
    )


def test_the_owner_of_verifying_leads_manages_routing_and_the_qualification_policy(world, api_as, web_as):
    _own(ProcessNode.objects.get(code="ML.2"), world.marketing)
    east = _rule("华东", world)
    api = api_as(world.marketing)
    body = {"name": "华北", "order": 20, "region": "north", "strategy": "user", "assign_user_id": world.manager.pk}
    assert api.post("/assignment-rules", body).status_code == 201
    assert api.patch(f"/assignment-rules/{east.pk}", {"first_contact_hours": 8}, **{IF: '"1"'}).status_code == 200
    policy = rules.qualification_policy_update(actor=world.marketing, data={"required_items": []})
    assert isinstance(policy, QualificationPolicy)
    assert 'id="rule-form"' in web_as(world.marketing).get("/process/routing/").content.decode()
    assert 'id="rule-form"' not in web_as(world.manager).get("/process/routing/").content.decode()
    with pytest.raises(PermissionDenied):
        rules.qualification_policy_update(actor=world.manager, data={"required_items": []})


def test_a_rule_bound_to_a_step_falls_to_its_owner_alone(world, api_as):
    east, north = _rule("华东", world), _rule("华北", world)
    step = node("T.ROUTE", 1, 92)
    ProcessBinding.objects.create(node=step, kind=BindingKind.ROUTING, key=str(east.pk))
    _own(step, world.manager)
    api = api_as(world.manager)
    assert api.patch(f"/assignment-rules/{east.pk}", {"first_contact_hours": 8}, **{IF: '"1"'}).status_code == 200
    assert api.patch(f"/assignment-rules/{north.pk}", {"first_contact_hours": 8}, **{IF: '"1"'}).status_code == 403
    body = {"name": "华南", "order": 30, "strategy": "user", "assign_user_id": world.manager.pk}
    assert api.post("/assignment-rules", body).status_code == 403
    assert AssignmentRule.objects.get(pk=north.pk).first_contact_hours == 24


def test_the_owner_of_new_leads_manages_scoring(world, api_as):
    body = {"name": "有邮箱", "criterion": "has_email", "points": 10}
    assert api_as(world.manager).post("/scoring-rules", body).status_code == 403
    _own(ProcessNode.objects.get(code="ML.1"), world.manager)
    assert api_as(world.manager).post("/scoring-rules", body).status_code == 201
    assert api_as(world.owner).post("/scoring-rules", body).status_code == 403
