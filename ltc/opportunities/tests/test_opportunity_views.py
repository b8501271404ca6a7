import pytest

from ltc.leads import services as lead_services
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline, stage


@pytest.fixture
def pipeline(db):
    return make_pipeline()


def test_create_through_the_form_and_bad_input_keeps_the_form(world, web_as, pipeline):
    client = web_as(world.owner)
    form = client.get("/opportunities/new/").content.decode()
    assert "锦程智能制造有限公司" in form
    bad = client.post(
        "/opportunities/new/",
        {"name": "", "account": world.account.pk, "pipeline": pipeline.pk, "amount": "-1", "currency": "CNY"},
    )
    assert bad.status_code == 422
    assert not Opportunity.objects.exists()
    good = client.post(
        "/opportunities/new/",
        {
            "name": "锦程 MES",
            "account": world.account.pk,
            "pipeline": pipeline.pk,
            "amount": "1200000",
            "currency": "CNY",
            "forecast_category": "pipeline",
            "owner": world.owner.pk,
        },
    )
    deal = Opportunity.objects.get()
    assert good["Location"] == deal.get_absolute_url()
    detail = client.get(deal.get_absolute_url()).content.decode()
    assert 'id="iron-triangle"' in detail
    assert "需求已确认" in detail
    assert "Missing before the next stage" in detail


def test_a_stale_edit_is_refused_with_a_message(world, web_as, pipeline):
    deal = make_opportunity(world, pipeline)
    Opportunity.objects.filter(pk=deal.pk).update(version=2)
    answer = web_as(world.owner).post(
        f"/opportunities/{deal.pk}/edit/",
        {
            "version": "1",
            "name": "改名",
            "account": world.account.pk,
            "amount": "1000000.00",
            "currency": "CNY",
            "forecast_category": "commit",
            "owner": world.owner.pk,
            "probability": "10",
        },
    )
    assert answer.status_code == 409
    assert "changed by someone else" in answer.content.decode()
    assert Opportunity.objects.get(pk=deal.pk).name == "锦程智能工厂项目"


def test_board_move_answers_json_for_gates_and_stale_versions(world, web_as, pipeline):
    deal = make_opportunity(world, pipeline)
    client = web_as(world.owner)
    target = str(stage(pipeline, "方案").pk)
    gated = client.post(f"/opportunities/{deal.pk}/move/", {"stage": target, "version": "1"})
    assert gated.status_code == 422
    assert "需求已确认" in gated.json()["error"]
    back = make_opportunity(world, pipeline, stage=stage(pipeline, "方案"), name="回退")
    stale = client.post(f"/opportunities/{back.pk}/move/", {"stage": str(stage(pipeline, "确认").pk), "version": "7"})
    assert stale.status_code == 412
    moved = client.post(f"/opportunities/{back.pk}/move/", {"stage": str(stage(pipeline, "确认").pk), "version": "1"})
    assert moved.json() == {"ok": True, "version": 2, "stage": stage(pipeline, "确认").pk}


def test_convert_a_lead_from_its_page(world, web_as, pipeline):
    lead_services.lead_qualify(actor=world.manager, lead=world.lead, override_reason="推荐")
    client = web_as(world.owner)
    assert "convert-to-deal" in client.get(f"/leads/{world.lead.pk}/").content.decode()
    answer = client.post(
        f"/opportunities/from-lead/{world.lead.pk}/",
        {"pipeline": pipeline.pk, "stage": stage(pipeline, "方案").pk, "name": "锦程数据平台"},
    )
    deal = Opportunity.objects.get(source_lead=world.lead)
    assert answer["Location"] == deal.get_absolute_url()
    assert (deal.name, deal.stage.name) == ("锦程数据平台", "方案")


def test_list_and_board_pages_filter_by_role(world, web_as, pipeline):
    make_opportunity(world, pipeline, name="我的项目")
    page = web_as(world.owner).get("/opportunities/?mine=sr").content.decode()
    assert "我的项目" not in page
    page = web_as(world.owner).get("/opportunities/?mine=ar").content.decode()
    assert "我的项目" in page
    board = web_as(world.manager).get(f"/opportunities/board/?pipeline={pipeline.pk}").content.decode()
    assert "我的项目" in board
    assert web_as(world.other).get("/opportunities/board/").content.decode().count("data-deal=") == 0


def test_the_note_form_is_drawn_only_for_who_may_add_a_note(world, web_as, pipeline):
    deal = make_opportunity(world, pipeline)
    note_url = f"/opportunities/{deal.pk}/notes/"
    assert note_url in web_as(world.owner).get(f"/opportunities/{deal.pk}/").content.decode()
    page = web_as(world.executive).get(f"/opportunities/{deal.pk}/")
    assert page.status_code == 200  # the executive reads the deal
    assert note_url not in page.content.decode()  # but does not work it: no form that would answer 403
    assert web_as(world.executive).post(note_url, {"text": "x"}).status_code == 403
