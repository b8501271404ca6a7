"""The gate figures of a step bound to pipeline stages: refusals and overrides of the moves
leaving its stages, by item and by person, each drilling down to the deals the viewer may open."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.opportunities import services
from ltc.opportunities.models import GateOutcome, Opportunity, StageRequirement
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage
from ltc.process.metrics import FR_ITEM, GateCount, map_figures
from ltc.process.models import ProcessNode
from ltc.process.tasks import process_summaries_send
from ltc.process.tests.maps import make_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(db: Any) -> Any:
    return make_pipeline()


@pytest.fixture
def nodes(pipeline: Any) -> Any:
    return make_map(pipeline)


def refuse(actor: Any, deal: Opportunity) -> None:
    with pytest.raises(ValidationError):
        services.opportunity_advance(actor=actor, opportunity=deal, expected_version=deal.version)


@pytest.fixture
def gates(world: Any, pipeline: Any, nodes: Any) -> dict[str, Opportunity]:
    """At 确认 (MO.CONFIRM): the owner's deal refused twice, then passed by the manager's override
    to 签约 (four items open: the tick, the visit, the SR, the FR); another team's deal refused
    once by its rep; an older refusal outside the window."""
    mine = make_opportunity(world, pipeline)
    theirs = make_opportunity(world, pipeline, owner=world.other, name="北方项目")
    refuse(world.owner, mine)
    refuse(world.owner, mine)
    refuse(world.other, theirs)
    old = make_opportunity(world, pipeline, name="旧项目")
    refuse(world.owner, old)
    GateOutcome.objects.filter(opportunity=old).update(at=timezone.now() - timedelta(weeks=20))
    services.opportunity_advance(
        actor=world.manager,
        opportunity=mine,
        expected_version=1,
        to_stage=stage(pipeline, "签约"),
        override_reason="急",
    )
    return {"mine": mine, "theirs": theirs, "old": old}


def item_pk(label: str) -> int:
    return StageRequirement.objects.get(label=label).pk


def test_refusals_and_overrides_are_counted_per_item_and_per_person(world, nodes, gates):
    figures = map_figures()
    confirm = figures[nodes["MO.CONFIRM"].pk].gates
    assert confirm is not None
    assert (confirm.refused, confirm.overridden) == (3, 1)
    assert set(confirm.by_person) == {
        GateCount(world.owner.pk, str(world.owner), 2, 0),
        GateCount(world.other.pk, str(world.other), 1, 0),
        GateCount(world.manager.pk, str(world.manager), 0, 1),
    }
    assert {(c.key, c.refused, c.overridden) for c in confirm.by_item} == {
        (item_pk("需求已确认"), 3, 1),
        (item_pk("现场拜访"), 0, 1),
        (item_pk("SR 已指定"), 0, 1),
        (FR_ITEM, 0, 1),
    }
    assert confirm.by_item[0].label == "需求已确认"  # the most refused and overridden first
    # Only the stages bound to a node count there: nothing left 方案 (MO.SOLUTION).
    assert figures[nodes["MO.SOLUTION"].pk].gates is None


def test_a_person_is_named_in_the_gate_table_as_everywhere_else(world, pipeline, nodes):
    """The per-person label is the name User.__str__ gives: the display name first."""
    world.owner.display_name = "王经理"
    world.owner.save(update_fields=["display_name"])
    refuse(world.owner, make_opportunity(world, pipeline))
    confirm = map_figures()[nodes["MO.CONFIRM"].pk].gates
    assert confirm is not None
    assert [(c.key, c.label) for c in confirm.by_person] == [(world.owner.pk, "王经理")]


def test_the_figures_keep_their_query_count_with_gates_and_evaluations(world, nodes, gates):
    with CaptureQueriesContext(connection) as queries:
        map_figures()
    assert len(queries) == 9


def test_the_node_page_shows_the_gate_tables_with_their_drill_downs(world, web_as, nodes, gates):
    node = nodes["MO.CONFIRM"].pk
    page = web_as(world.owner).get(f"/process/nodes/{node}/").content.decode()
    assert 'id="node-gates"' in page
    assert f'href="/process/nodes/{node}/records/?figure=refused&amp;person={world.owner.pk}"' in page
    assert f'href="/process/nodes/{node}/records/?figure=overridden&amp;item=fr"' in page
    assert f'href="/process/nodes/{node}/records/?figure=refused&amp;item={item_pk("需求已确认")}"' in page


def test_a_gate_drill_down_lists_only_the_deals_the_viewer_may_open(world, web_as, nodes, gates):
    mine, theirs, old = (gates[k] for k in ("mine", "theirs", "old"))
    url = f"/process/nodes/{nodes['MO.CONFIRM'].pk}/records/?figure=refused"

    def listed(user: Any, query: str = "") -> set[int]:
        page = web_as(user).get(url + query).content.decode()
        return {int(pk) for pk in re.findall(r'href="/opportunities/(\d+)/"', page)}

    assert listed(world.owner) == {mine.pk}  # not another team's deal, not the refusal before the window
    assert listed(world.other) == {theirs.pk}
    assert listed(world.executive) == {mine.pk, theirs.pk}
    assert listed(world.executive, f"&person={world.other.pk}") == {theirs.pk}
    assert listed(world.executive, "&item=fr") == set()  # no refusal missed the FR
    assert listed(world.executive, "&item=abc") == {mine.pk, theirs.pk}  # a bad filter is no filter
    overridden = f"/process/nodes/{nodes['MO.CONFIRM'].pk}/records/?figure=overridden&item=fr"
    assert f'href="/opportunities/{mine.pk}/"' in web_as(world.owner).get(overridden).content.decode()
    assert web_as(None).get(url).status_code == 302


def test_a_gate_drill_down_keeps_its_query_budget(world, web_as, pipeline, nodes, django_assert_max_num_queries):
    for n in range(30):
        refuse(world.owner, make_opportunity(world, pipeline, name=f"项目{n}"))
    client = web_as(world.owner)
    url = f"/process/nodes/{nodes['MO.CONFIRM'].pk}/records/?figure=refused"
    client.get(url)
    with django_assert_max_num_queries(22):
        response = client.get(url)
    assert len(re.findall(r'href="/opportunities/\d+/"', response.content.decode())) == 25


def test_no_figure_for_a_user_who_may_not_steer(world, pipeline, nodes):
    deal = make_opportunity(world, pipeline)
    with pytest.raises(PermissionDenied):
        services.opportunity_advance(actor=world.teammate, opportunity=deal, expected_version=1)
    assert map_figures()[nodes["MO.CONFIRM"].pk].gates is None


def test_the_weekly_mail_mentions_the_refusals_and_overrides(settings, world, nodes, gates):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ProcessNode.objects.filter(owner__isnull=False).update(owner=None)  # only the map under test has owners
    world.manager.language, world.manager.email = "en", "manager@example.cn"
    world.manager.save(update_fields=["language", "email"])
    ProcessNode.objects.filter(pk=nodes["MO.CONFIRM"].pk).update(owner=world.manager)
    assert process_summaries_send() == 1
    (sent,) = mail.outbox
    assert "Gate refusals: 3, overrides: 1" in sent.body


def test_the_node_page_keeps_its_query_budget_whatever_the_outcomes(
    world, web_as, pipeline, nodes, gates, django_assert_max_num_queries
):
    client = web_as(world.owner)
    url = f"/process/nodes/{nodes['MO.CONFIRM'].pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        deal = make_opportunity(world, pipeline, name=f"项目{n}")
        refuse(world.owner, deal)
        refuse(world.manager, deal)
    with django_assert_max_num_queries(len(few)):
        page = client.get(url).content.decode()
    assert 'id="node-gates"' in page
    assert len(few) <= 30  # the node, its bindings, children, timeline, and the map's nine figures
