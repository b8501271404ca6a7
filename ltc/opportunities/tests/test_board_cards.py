"""The deal board's cards: gate readiness, days in stage, next activity, close date — in bulk."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from ltc.core.activities import activity_create
from ltc.core.models import ActivityKind
from ltc.opportunities.models import RequirementCheck, StageRequirement
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def _card(page: str, deal_pk: int) -> str:
    match = re.search(
        rf'<div class="list-group-item" data-deal="{deal_pk}".*?data-move-url=.*?\n        </div>', page, re.S
    )
    assert match, f"no card for deal {deal_pk}"
    return match.group(0)


def test_a_card_shows_readiness_days_in_stage_next_activity_and_close_date(world, web_as, pipeline):
    now = timezone.now()
    solution = stage(pipeline, "方案")
    ready = make_opportunity(
        world,
        pipeline,
        name="就绪项目",
        stage=solution,
        sr=world.teammate,
        stage_entered_at=now - timedelta(days=12, hours=1),
        expected_close_date=timezone.localdate() - timedelta(days=3),
    )
    activity_create(actor=world.owner, subject=ready, kind=ActivityKind.VISIT, title="现场拜访", done=True)
    activity_create(
        actor=world.owner, subject=ready, kind=ActivityKind.CALL, title="稍后电话", due_at=now + timedelta(days=9)
    )
    activity_create(
        actor=world.owner, subject=ready, kind=ActivityKind.MEETING, title="方案评审会", due_at=now + timedelta(days=2)
    )
    half = make_opportunity(
        world,
        pipeline,
        name="半途项目",
        stage=solution,
        stage_entered_at=now - timedelta(hours=3),
        expected_close_date=timezone.localdate() + timedelta(days=30),
    )
    confirm_item = StageRequirement.objects.get(label="需求已确认")
    ticked = make_opportunity(world, pipeline, name="已勾项目")
    RequirementCheck.objects.create(
        opportunity=ticked, requirement=confirm_item, done_by=world.owner, done_at=timezone.now()
    )

    page = web_as(world.owner).get(f"/opportunities/board/?pipeline={pipeline.pk}").content.decode()

    card = _card(page, ready.pk)
    assert re.search(r"data-readiness[^>]*>.*?2/3</span>", card, re.S)  # visit done, SR named; 签约 needs an FR
    assert "Days in stage: 12" in card
    assert "方案评审会" in card  # the earliest open activity, not the later call nor the done visit
    assert "稍后电话" not in card
    assert "data-overdue" in card
    other = _card(page, half.pk)
    assert re.search(r"data-readiness[^>]*>.*?0/3</span>", other, re.S)
    assert "Days in stage: 0" in other
    assert "data-next-activity" not in other
    assert "data-close" in other
    assert "data-overdue" not in other
    assert re.search(r"data-readiness[^>]*>.*?1/1</span>", _card(page, ticked.pk), re.S)


def test_the_board_keeps_its_query_budget_for_fifty_cards(
    world, web_as, pipeline, django_assert_max_num_queries, settings
):
    settings.LANGUAGE_CODE = "en"
    now = timezone.now()
    for n, name in enumerate(["确认", "方案", "签约"]):
        for i in range(17):
            deal = make_opportunity(
                world,
                pipeline,
                name=f"{name}{i}",
                stage=stage(pipeline, name),
                stage_entered_at=now - timedelta(days=i),
                expected_close_date=timezone.localdate() + timedelta(days=i - 5),
                amount=f"{n}{i + 1}000.00",
            )
            activity_create(
                actor=world.owner,
                subject=deal,
                kind=ActivityKind.CALL,
                title=f"电话{i}",
                due_at=now + timedelta(days=1),
            )
    client = web_as(world.owner)
    client.get("/opportunities/board/")  # warm the session and the content types
    # 14 today whatever the number of cards: session and user, pipelines 4, totals 1, a query per column 3
    # (the next activity rides on it), readiness one per kind of item (ticks, activities done) ...
    with django_assert_max_num_queries(15):
        page = client.get(f"/opportunities/board/?pipeline={pipeline.pk}").content.decode()
    assert page.count("data-deal=") == 51  # 17 in each of the three open stages, under the 20 a column shows
    assert page.count("data-next-activity") == 51
    assert page.count("data-readiness") == 34  # 签约, the last open stage, has no checklist
    assert page.count("data-overdue") == 15  # closing 5 to 1 days ago, in each stage
