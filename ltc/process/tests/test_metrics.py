"""The figures of each step, on a small hand-made step log, and the records behind them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage
from ltc.process.metrics import duration_text, map_figures
from ltc.process.models import StepVisit
from ltc.process.tests.maps import make_map

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=SHANGHAI)  # a Wednesday; the window of 2 weeks starts Mon 16th


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def pipeline(db: Any) -> Any:
    return make_pipeline()


@pytest.fixture
def nodes(pipeline: Any) -> Any:
    return make_map(pipeline)


def visit(
    node: Any, model: Any, pk: int, entered: datetime, left: datetime | None = None, then: Any = None
) -> StepVisit:
    """A visit as step_sync writes it: a closed visit names the step its record went to (`then`)."""
    return StepVisit.objects.create(
        node=node,
        content_type=ContentType.objects.get_for_model(model),
        object_id=pk,
        entered_at=entered,
        left_at=left,
        seconds=None if left is None else int((left - entered).total_seconds()),
        next_node=then,
    )


@pytest.fixture
def log(world: Any, nodes: Any) -> dict[str, Any]:
    """Five leads through 新 (ML.NEW) and 跟进 (ML.WORK), one deal in 确认 (MO.CONFIRM)."""
    leads = LeadFactory.create_batch(5)
    a, b, c, d, e = (lead.pk for lead in leads)
    new, work = nodes["ML.NEW"], nodes["ML.WORK"]
    visit(new, Lead, a, at(17), at(17, 11), then=work)  # 1 h, then on to ML.WORK
    visit(work, Lead, a, at(17, 11))
    visit(new, Lead, b, at(18), at(19))  # 1 day, then nowhere (disqualified)
    visit(new, Lead, c, at(24, 9))  # in flight
    visit(new, Lead, d, at(10), at(24), then=work)  # 14 days, entered before the window
    visit(work, Lead, d, at(24))
    visit(new, Lead, e, at(1), at(2))  # before the window: counts nowhere
    # c is past its first-contact time without a contact: an SLA breach at ML.NEW.
    Lead.objects.filter(pk=c).update(first_contact_due_at=at(24, 11), first_contacted_at=None)
    deal = make_opportunity(world)
    visit(nodes["MO.CONFIRM"], Opportunity, deal.pk, at(25, 8))
    return {"leads": leads, "deal": deal}


def test_the_figures_of_each_step_are_exact(nodes, log):
    figures = map_figures(weeks=2, now=NOW)
    new = figures[nodes["ML.NEW"].pk]
    assert (new.in_flight, new.entered, new.left) == (1, (2, 1), (2, 1))
    assert new.weeks == (at(16, 0), at(23, 0))
    # Time in step of the three exits in the window: 1 h, 1 day, 14 days.
    assert (new.median_seconds, new.p90_seconds) == (86400, 86400 + (1209600 - 86400) * 8 // 10)
    assert (new.exits, new.to_next, new.conversion, new.next_node_id) == (3, 2, Decimal("66.7"), nodes["ML.WORK"].pk)
    assert new.sla_breaches == 1
    work = figures[nodes["ML.WORK"].pk]
    assert (work.in_flight, work.entered, work.left, work.median_seconds, work.conversion) == (
        2,
        (1, 1),
        (0, 0),
        None,
        None,
    )
    ml = figures[nodes["ML"].pk]  # rolled up from its children
    assert (ml.in_flight, ml.entered, ml.left, ml.sla_breaches) == (3, (3, 2), (2, 1), 1)
    assert (ml.median_seconds, ml.exits, ml.conversion) == (None, 0, None)
    assert figures[nodes["MO"].pk].in_flight == 1
    assert figures[nodes["T"].pk].in_flight == 4
    assert (new.median_text, new.p90_text) in (("1 d 0 h", "11 d 9 h"), ("1天0小时", "11天9小时"))


def test_the_figures_take_the_same_queries_whatever_the_data(nodes, log):
    with CaptureQueriesContext(connection) as filled:
        map_figures(weeks=2, now=NOW)
    StepVisit.objects.all().delete()
    with CaptureQueriesContext(connection) as empty:
        map_figures(weeks=2, now=NOW)
    assert len(filled) == len(empty) == 9


def test_durations_read_in_days_hours_minutes():
    assert [duration_text(s) for s in (None, 59, 60 * 75, 86400 * 3 + 3600 * 4)] in (
        ["—", "0 min", "1 h 15 min", "3 d 4 h"],
        ["—", "0分钟", "1小时15分钟", "3天4小时"],
    )


def test_the_map_page_draws_the_figures_with_their_drill_downs(world, web_as, nodes, log):
    response = web_as(world.owner).get("/process/")
    assert response.status_code == 200
    html = response.content.decode()
    node = nodes["ML.NEW"].pk
    assert f'href="/process/nodes/{node}/records/?figure=in_flight"' in html


def test_a_drill_down_lists_only_the_records_the_viewer_may_open(world, web_as, pipeline, nodes, log):
    mine = log["deal"]  # owner's deal
    theirs = make_opportunity(world, owner=world.other, name="北方项目")
    visit(nodes["MO.SOLUTION"], Opportunity, theirs.pk, timezone.now() - timedelta(days=1))
    Opportunity.objects.filter(pk=theirs.pk).update(stage=stage(pipeline, "方案"))
    url = f"/process/nodes/{nodes['MO'].pk}/records/?figure=in_flight"
    page = web_as(world.owner).get(url).content.decode()
    assert f'href="/opportunities/{mine.pk}/"' in page
    assert "北方项目" not in page
    page = web_as(world.other).get(url).content.decode()
    assert f'href="/opportunities/{theirs.pk}/"' in page
    assert f'href="/opportunities/{mine.pk}/"' not in page
    page = web_as(world.executive).get(url).content.decode()
    assert f'href="/opportunities/{mine.pk}/"' in page
    assert f'href="/opportunities/{theirs.pk}/"' in page
    assert web_as(None).get(url).status_code == 302


def test_a_drill_down_page_keeps_its_query_budget(world, web_as, nodes, django_assert_max_num_queries):
    for lead in LeadFactory.create_batch(30, owner=world.owner):
        visit(nodes["ML.NEW"], Lead, lead.pk, timezone.now() - timedelta(hours=2))
    client = web_as(world.owner)
    url = f"/process/nodes/{nodes['ML'].pk}/records/?figure=in_flight"
    with django_assert_max_num_queries(22):
        response = client.get(url)
    page = response.content.decode()
    assert len(re.findall(r'href="/leads/\d+/"', page)) == 25
    assert "?figure=in_flight&amp;offset=25" in page


def test_conversion_counts_the_exits_into_the_next_step_or_below_it(world, nodes):
    """Where an exit went is the step its visit names (`next_node`, written when it closed)."""
    one, two, three, four = (lead.pk for lead in LeadFactory.create_batch(4))
    new, work = nodes["ML.NEW"], nodes["ML.WORK"]
    visit(new, Lead, one, at(17), at(18), then=work)
    visit(new, Lead, two, at(17), at(18), then=new)  # back into the same step: not on to the next
    visit(new, Lead, three, at(24), at(24, 11))  # left for no step
    visit(nodes["ML"], Lead, four, at(17), at(18), then=nodes["MO.CONFIRM"])  # below the next step (MO)
    figures = map_figures(weeks=2, now=NOW)
    new_figures, ml = figures[new.pk], figures[nodes["ML"].pk]
    assert (new_figures.exits, new_figures.to_next, new_figures.conversion) == (3, 1, Decimal("33.3"))
    assert new_figures.left == (2, 1)
    assert (ml.exits, ml.to_next, ml.conversion, ml.left) == (1, 1, Decimal("100.0"), (3, 1))
    assert (figures[work.pk].exits, figures[work.pk].conversion) == (0, None)
