"""A process owner binds only what they already configure: a gate item, stage, routing rule or
authority subject nobody's step names yet — or another owner's — is neither offered on the node
page nor accepted by a direct POST (page or API), and nothing changes; an administrator may."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ltc.core.stewardship import ConfigArea, may_configure
from ltc.leads.models import AssignmentRule
from ltc.opportunities.models import StageRequirement
from ltc.opportunities.tests.factories import make_pipeline, stage
from ltc.process.models import BindingKind, ProcessBinding
from ltc.process.tests.maps import node


@pytest.fixture
def steps(db, world):
    """项目销售's open stages bound to T.MO.1 (owned by `manager`); T.MO.2 owned by `teammate`
    with nothing bound; 签约's gate items, the routing rule and review_atb bound nowhere."""
    project = make_pipeline()
    top = node("T", 1, 90)
    mine = node("T.MO.1", 2, 1, top, owner=world.manager)
    other = node("T.MO.2", 2, 2, top, owner=world.teammate)
    for name in ("确认", "方案"):
        ProcessBinding.objects.create(node=mine, kind=BindingKind.STAGE, key=str(stage(project, name).pk))
    ProcessBinding.objects.filter(kind=BindingKind.AUTHORITY, key="review_atb").delete()
    rule = AssignmentRule.objects.create(name="华东", order=1)
    item = StageRequirement.objects.filter(stage=stage(project, "确认")).first()
    return {"project": project, "mine": mine, "other": other, "rule": rule, "item": item}


def _targets(steps) -> list[tuple[str, str]]:
    return [
        (BindingKind.REQUIREMENT, str(steps["item"].pk)),  # a gate item of the manager's stage
        (BindingKind.STAGE, str(stage(steps["project"], "签约").pk)),  # the manager's pipeline, unbound
        (BindingKind.ROUTING, str(steps["rule"].pk)),
        (BindingKind.AUTHORITY, "review_atb"),
    ]


def _state(steps, user):
    bindings = sorted(ProcessBinding.objects.values_list("node_id", "kind", "key"))
    return bindings, may_configure(user, ConfigArea.STAGE, stage(steps["project"], "确认").pk)


def test_an_owner_cannot_bind_what_another_configures_or_nobody_bound_through_the_page(steps, world, web_as):
    client = web_as(world.teammate)
    url = reverse("process:binding_add", args=[steps["other"].pk])
    page = client.get(reverse("process:node_detail", args=[steps["other"].pk])).content.decode()
    before = _state(steps, world.manager)
    for kind, key in _targets(steps):
        assert f'value="{kind}:{key}"' not in page
        assert client.post(url, {"target": f"{kind}:{key}"}).status_code == 403
    assert _state(steps, world.manager) == before
    assert before[1] is True  # the pipeline stays its owner's


def test_an_owner_cannot_bind_or_unbind_what_another_configures_through_the_api(steps, world, api_as):
    api = api_as(world.teammate)
    before = _state(steps, world.manager)
    for kind, key in _targets(steps):
        response = api.post(f"/process/nodes/{steps['other'].pk}/bindings", {"kind": kind, "key": key})
        assert response.status_code == 403
    held = ProcessBinding.objects.filter(node=steps["mine"]).first()
    assert api.request("DELETE", f"/process/nodes/{steps['mine'].pk}/bindings/{held.pk}").status_code == 403
    assert _state(steps, world.manager) == before


def test_the_owner_of_what_a_binding_names_may_bind_it_and_is_offered_it(steps, world, web_as):
    client = web_as(world.manager)
    item, signing = steps["item"], stage(steps["project"], "签约")
    page = client.get(reverse("process:node_detail", args=[steps["mine"].pk])).content.decode()
    assert f'value="requirement:{item.pk}"' in page
    assert f'value="stage:{signing.pk}"' in page
    assert 'value="authority:review_atb"' not in page
    url = reverse("process:binding_add", args=[steps["mine"].pk])
    assert client.post(url, {"target": f"requirement:{item.pk}"}).status_code == 302
    assert ProcessBinding.objects.filter(node=steps["mine"], kind="requirement", key=str(item.pk)).exists()


def test_an_administrator_binds_anything_unbound(steps, world, api_as):
    api = api_as(world.admin)
    for kind, key in _targets(steps):
        response = api.post(f"/process/nodes/{steps['other'].pk}/bindings", {"kind": kind, "key": key})
        assert response.status_code == 201
    assert ProcessBinding.objects.filter(node=steps["other"]).count() == 4


def test_the_bind_choices_cost_no_query_per_choice(steps, world, web_as, django_assert_num_queries):
    client = web_as(world.manager)
    url = reverse("process:node_detail", args=[steps["mine"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more = make_pipeline("产品销售")
    for order in range(10):
        AssignmentRule.objects.create(name=f"规则{order}", order=order + 2)
        StageRequirement.objects.create(stage=stage(more, "确认"), label=f"条目{order}", kind="check")
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert f'value="stage:{stage(more, "确认").pk}"' not in page  # another pipeline's: not the manager's


@pytest.mark.parametrize("key", ["²", "١٢", "99999999999999999999", "-1", ""])
@pytest.mark.parametrize("kind", ["stage", "requirement"])
def test_a_key_naming_no_record_is_refused_not_a_server_error(steps, world, web_as, api_as, kind, key):
    """A posted key that is no id ("²" passes str.isdigit() but not int(); 20 digits overflow
    the column) is refused like any key the owner may not bind, and nothing changes."""
    before = _state(steps, world.manager)
    url = reverse("process:binding_add", args=[steps["mine"].pk])
    assert web_as(world.manager).post(url, {"target": f"{kind}:{key}"}).status_code in (403, 422)
    answer = api_as(world.manager).post(f"/process/nodes/{steps['mine'].pk}/bindings", {"kind": kind, "key": key})
    assert answer.status_code in (403, 422)
    assert _state(steps, world.manager) == before
