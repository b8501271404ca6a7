"""The step log: kept by the reactions to the stages' events, bulk on bulk paths, rebuilt from the
timelines."""

from __future__ import annotations

import importlib
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.core.events import emit_many
from ltc.leads import services as lead_services
from ltc.leads.events import LeadCreated
from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_pipeline, stage
from ltc.process.models import StepVisit
from ltc.process.steps import step_sync, step_visits_rebuild
from ltc.process.tests.maps import make_map


@pytest.fixture
def pipeline(db: Any) -> Any:
    return make_pipeline()


@pytest.fixture
def nodes(pipeline: Any) -> Any:
    return make_map(pipeline)


def _log(model: Any, pk: int) -> list[tuple[str, bool]]:
    """(node code, still open) of the record's visits, in order."""
    visits = StepVisit.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=pk)
    return [
        (code, left is None) for code, left in visits.order_by("entered_at", "id").values_list("node__code", "left_at")
    ]


def test_a_lead_enters_and_leaves_the_steps_its_status_is_bound_to(world, nodes):
    lead = lead_services.lead_create(
        actor=world.owner, data={"company_name": "澄明科技有限公司", "source": "website"}, owner=world.owner
    )
    assert _log(Lead, lead.pk) == [("T.ML.NEW", True)]
    lead_services.lead_disqualify(actor=world.owner, lead=lead, reason="no_need")
    # Disqualified is bound to no step: the visit is closed, none is opened.
    assert _log(Lead, lead.pk) == [("T.ML.NEW", False)]
    visit = StepVisit.objects.get(object_id=lead.pk, content_type=ContentType.objects.get_for_model(Lead))
    assert visit.seconds == int((visit.left_at - visit.entered_at).total_seconds())


def test_a_deal_moves_through_the_steps_and_a_refused_move_changes_nothing(world, pipeline, nodes):
    deal = deal_services.opportunity_create(
        actor=world.owner, data={"name": "新项目", "account": world.account, "pipeline": pipeline}
    )
    assert _log(Opportunity, deal.pk) == [("T.MO.CONFIRM", True)]
    before = list(StepVisit.objects.values_list("id", "node_id", "entered_at", "left_at", "seconds"))
    with pytest.raises(ValidationError):
        deal_services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert list(StepVisit.objects.values_list("id", "node_id", "entered_at", "left_at", "seconds")) == before
    deal.refresh_from_db()
    requirement = stage(pipeline, "确认").requirements.get()
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=requirement, done=True)
    deal_services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert _log(Opportunity, deal.pk) == [("T.MO.CONFIRM", False), ("T.MO.SOLUTION", True)]
    deal_services.opportunity_lose(actor=world.owner, opportunity=deal, expected_version=deal.version, reason="price")
    assert _log(Opportunity, deal.pk) == [("T.MO.CONFIRM", False), ("T.MO.SOLUTION", False)]
    deal_services.opportunity_reopen(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert _log(Opportunity, deal.pk) == [("T.MO.CONFIRM", False), ("T.MO.SOLUTION", False), ("T.MO.SOLUTION", True)]


def test_a_move_within_one_step_keeps_its_visit(world, pipeline, nodes):
    deal = deal_services.opportunity_create(
        actor=world.owner,
        data={"name": "中途进入", "account": world.account, "pipeline": pipeline, "stage": stage(pipeline, "方案")},
    )
    first = StepVisit.objects.get(object_id=deal.pk)
    Opportunity.objects.filter(pk=deal.pk).update(stage=stage(pipeline, "签约"))
    deal.refresh_from_db()
    step_sync(deal)
    assert list(StepVisit.objects.filter(object_id=deal.pk).values_list("id", "left_at")) == [(first.pk, None)]


def _emit_created(leads: list[Lead]) -> int:
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        emit_many([LeadCreated(subject_id=lead.pk, source="website", campaign="", owner_id=None) for lead in leads])
    return len(queries)


def test_a_bulk_path_syncs_its_chunk_in_the_same_queries_as_one_record(world, nodes):
    one = _emit_created(LeadFactory.create_batch(1))
    many = _emit_created(LeadFactory.create_batch(60))
    assert many == one
    assert StepVisit.objects.filter(node=nodes["ML.NEW"], left_at__isnull=True).count() == 61


def test_the_rebuild_reproduces_the_live_log(world, pipeline, nodes):
    lead = lead_services.lead_create(
        actor=world.owner, data={"company_name": "澄明科技有限公司", "source": "website"}, owner=world.owner
    )
    lead_services.lead_update(
        actor=world.owner, lead=lead, data={"need_confirmed": True}, expected_version=lead.version
    )  # new → verifying: no event, caught by the rebuild from the timeline
    lead_services.lead_disqualify(actor=world.owner, lead=lead, reason="no_need")
    deal = deal_services.opportunity_create(
        actor=world.owner, data={"name": "新项目", "account": world.account, "pipeline": pipeline}
    )
    requirement = stage(pipeline, "确认").requirements.get()
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=requirement, done=True)
    deal_services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    deal_services.opportunity_lose(actor=world.owner, opportunity=deal, expected_version=deal.version, reason="price")
    deal_services.opportunity_reopen(actor=world.owner, opportunity=deal, expected_version=deal.version)
    live = _visits(lead, deal)

    assert step_visits_rebuild() == 6  # world.lead, new, has its visit too
    rebuilt = _visits(lead, deal)
    # The same visits; the live log takes the time of the reaction, the rebuild the time of the
    # timeline entry written in the same transaction (microseconds apart).
    assert [v[:3] + (v[4] is None,) for v in rebuilt] == [
        ("T.ML.NEW", "lead", lead.pk, False),
        ("T.ML.WORK", "lead", lead.pk, False),
        ("T.MO.CONFIRM", "opportunity", deal.pk, False),
        ("T.MO.SOLUTION", "opportunity", deal.pk, False),
        ("T.MO.SOLUTION", "opportunity", deal.pk, True),
    ]
    # The live log missed new → verifying (no event announces it): the lead's first visit ran on.
    assert [v[:3] + (v[4] is None,) for v in live] == [
        ("T.ML.NEW", "lead", lead.pk, False),
        *[v[:3] + (v[4] is None,) for v in rebuilt[2:]],
    ]
    for was, now in zip(live[1:], rebuilt[2:], strict=True):
        assert abs(was[3] - now[3]) < timedelta(seconds=1)
        assert (was[4] is None) == (now[4] is None)
        if was[4] is not None:
            assert abs(was[4] - now[4]) < timedelta(seconds=1)


def _visits(lead: Lead, deal: Opportunity) -> list[tuple[Any, ...]]:
    lead_type, deal_type = (ContentType.objects.get_for_model(m) for m in (Lead, Opportunity))
    return list(
        StepVisit.objects.filter(
            Q(content_type=lead_type, object_id=lead.pk) | Q(content_type=deal_type, object_id=deal.pk)
        )
        .order_by("content_type__model", "object_id", "entered_at", "id")
        .values_list("node__code", "content_type__model", "object_id", "entered_at", "left_at")
    )


def test_the_rebuild_command_says_how_many_visits_it_wrote(world, nodes):
    out = StringIO()
    call_command("process_rebuild", stdout=out)
    assert out.getvalue() == "rebuilt the step log: 1 visits\n"  # world.lead, new
    assert _log(Lead, world.lead.pk) == [("T.ML.NEW", True)]


def _next(model: Any, pk: int) -> list[tuple[str, str | None]]:
    """(node code, node code entered next) of the record's visits, in order."""
    visits = StepVisit.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=pk)
    return list(visits.order_by("entered_at", "id").values_list("node__code", "next_node__code"))


def test_a_closed_visit_names_the_step_its_record_went_to_live_and_rebuilt(world, pipeline, nodes):
    deal = deal_services.opportunity_create(
        actor=world.owner, data={"name": "新项目", "account": world.account, "pipeline": pipeline}
    )
    requirement = stage(pipeline, "确认").requirements.get()
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=requirement, done=True)
    deal_services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    deal_services.opportunity_lose(actor=world.owner, opportunity=deal, expected_version=deal.version, reason="price")
    deal_services.opportunity_reopen(actor=world.owner, opportunity=deal, expected_version=deal.version)
    expected = [
        ("T.MO.CONFIRM", "T.MO.SOLUTION"),
        ("T.MO.SOLUTION", None),  # lost: bound to no step
        ("T.MO.SOLUTION", None),  # open
    ]
    assert _next(Opportunity, deal.pk) == expected
    step_visits_rebuild()
    assert _next(Opportunity, deal.pk) == expected


def test_the_migration_names_the_next_step_of_an_existing_log(world, nodes):
    """0002 fills next_node of the visits closed before it from the visit their record opened at
    the same instant; an open visit, or one left for no step, keeps None."""
    fill = importlib.import_module("ltc.process.migrations.0002_step_visit_next_node").FILL_NEXT_NODE
    lead_type = ContentType.objects.get_for_model(Lead)
    a, b, c = LeadFactory.create_batch(3)
    start = timezone.now() - timedelta(days=3)
    for node, pk, entered, left in (
        ("ML.NEW", a.pk, start, start + timedelta(hours=1)),
        ("ML.WORK", a.pk, start + timedelta(hours=1), None),
        ("ML.NEW", b.pk, start, start + timedelta(days=1)),
        ("ML.NEW", c.pk, start, start),  # left the instant it was entered: not its own successor
        ("ML.WORK", c.pk, start, None),
    ):
        StepVisit.objects.create(
            node=nodes[node], content_type=lead_type, object_id=pk, entered_at=entered, left_at=left, seconds=0
        )
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert _next(Lead, a.pk) == [("T.ML.NEW", "T.ML.WORK"), ("T.ML.WORK", None)]
    assert _next(Lead, b.pk) == [("T.ML.NEW", None)]
    assert _next(Lead, c.pk) == [("T.ML.NEW", "T.ML.WORK"), ("T.ML.WORK", None)]
