"""UTM capture on leads (web form page, public JSON form, lead API, imports) and marketing's
reaction: the lead created with a campaign's code becomes its response (one touch, a member)."""

from __future__ import annotations

import pytest

from ltc.leads import services as lead_services
from ltc.leads.models import Lead
from ltc.marketing.models import CampaignMember, MemberStatus, Touch
from ltc.marketing.services import campaigns as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def show(world):
    return services.campaign_create(
        actor=world.marketing, data={"name": "2026 上海工业博览会", "code": "expo-2026", "kind": "trade_show"}
    )


@pytest.fixture
def webform(world):
    return lead_services.webform_create(actor=world.marketing, name="官网咨询", source="website")


def test_the_form_page_carries_the_utm_parameters_through_the_post(client, show, webform):
    url = f"/leads/forms/{webform.key}/"
    page = client.get(f"{url}?utm_source=wechat&utm_medium=social&utm_campaign=expo-2026&utm_term=mes").content.decode()
    assert 'type="hidden" name="utm_campaign" value="expo-2026"' in page
    assert 'type="hidden" name="utm_source" value="wechat"' in page
    answer = client.post(
        url,
        {
            "contact_name": "王工",
            "email": "wang@example.cn",
            "utm_source": "wechat",
            "utm_medium": "social",
            "utm_campaign": "expo-2026",
            "utm_term": "mes",
            "utm_content": "",
        },
    )
    assert answer.status_code == 302
    lead = Lead.objects.get(email="wang@example.cn")
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign, lead.utm_term) == (
        "wechat",
        "social",
        "expo-2026",
        "mes",
    )
    touch = Touch.objects.get(key=f"lead:{lead.pk}:created")
    assert (touch.campaign_id, touch.kind, touch.lead_id) == (show.pk, "form", lead.pk)
    assert CampaignMember.objects.get(campaign=show, lead=lead).status == MemberStatus.RESPONDED


def test_the_public_json_form_takes_utm_and_an_unknown_code_records_nothing(api_as, show, webform):
    anonymous = api_as(None)
    answer = anonymous.post(
        f"/public/web-forms/{webform.key}",
        {"contact_name": "李工", "email": "li@example.cn", "utm_campaign": "nope"},
    )
    assert answer.status_code == 201, answer.content
    assert Lead.objects.get(email="li@example.cn").utm_campaign == "nope"
    assert not Touch.objects.exists()
    anonymous.post(
        f"/public/web-forms/{webform.key}",
        {"contact_name": "赵工", "email": "zhao@example.cn", "utm_campaign": "expo-2026"},
    )
    assert Touch.objects.get().kind == "form"


def test_the_lead_api_takes_utm_and_falls_back_on_the_campaign_text(world, api_as, show):
    api = api_as(world.marketing)
    created = api.post("/leads", {"company_name": "嘉兴智造", "utm_campaign": "expo-2026", "utm_source": "expo"})
    assert created.status_code == 201, created.content
    assert created.json()["utm_campaign"] == "expo-2026"
    assert Touch.objects.get(lead_id=created.json()["id"]).kind == "manual"
    by_name = api.post("/leads", {"company_name": "湖州精工", "campaign": "2026 上海工业博览会"}).json()
    assert Touch.objects.get(lead_id=by_name["id"]).campaign_id == show.pk
    neither = api.post("/leads", {"company_name": "苏州", "campaign": "别的活动"}).json()
    assert not Touch.objects.filter(lead_id=neither["id"]).exists()


def test_an_import_maps_utm_columns_and_records_import_touches_in_bulk(world, show, django_capture_on_commit_callbacks):
    data = "公司名称,utm_campaign,utm_source\n嘉兴智造装备有限公司,expo-2026,expo\n湖州精工有限公司,expo-2026,expo\n宁波机械,,\n".encode()
    batch = lead_services.lead_import_upload(
        actor=world.marketing, name="leads.csv", data=data, source="import", campaign=""
    )
    assert batch.mapping == {"公司名称": "company_name", "utm_campaign": "utm_campaign", "utm_source": "utm_source"}
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_import_start(
            actor=world.marketing, batch=batch, mapping=batch.mapping, duplicate_policy="skip"
        )
    batch.refresh_from_db()
    assert (batch.status, batch.error) == ("done", "")
    leads = Lead.objects.filter(import_batch=batch)
    assert leads.count() == 3
    touched = set(Touch.objects.values_list("lead_id", "kind", "campaign_id"))
    assert touched == {(lead.pk, "import", show.pk) for lead in leads if lead.utm_campaign == "expo-2026"}
    assert len(touched) == 2
    assert set(CampaignMember.objects.values_list("status", flat=True)) == {MemberStatus.TARGETED}
