"""Upsell and cross-sell flagged on a case: a routed lead from customer service, linked both ways,
on the case's timeline, announced; the lead page says where it came from."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.catalog.tests.factories import product
from ltc.core.models import IntegrationEvent, TimelineEvent
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.leads.models import AssignmentRule, Lead
from ltc.service.models import CaseUpsell
from ltc.service.panels_service import lead_from_case
from ltc.service.services.upsell import case_upsell_flag
from ltc.service.tests.test_renewals_support import case


@pytest.fixture
def flagged_case(world: Any) -> Any:
    contact = ContactFactory(account=world.account, name="李工", mobile="13800138000", email="li@jincheng.cn")
    return case(world.account, contact=contact)


def test_a_flag_makes_a_routed_service_lead_linked_both_ways(world: Any, flagged_case: Any) -> None:
    AssignmentRule.objects.create(name="服务线索", source="service", assign_user=world.teammate)
    server = product("SRV-02", "边缘服务器二代")

    upsell = case_upsell_flag(
        actor=world.service, case=flagged_case, kind="cross_sell", note="需要扩容两台服务器", product=server
    )

    lead = Lead.objects.get(source="service")
    assert upsell.lead == lead
    assert (lead.source, lead.company_name, lead.contact_name, lead.mobile, lead.email) == (
        "service",
        "锦程智能制造有限公司",
        "李工",
        "13800138000",
        "li@jincheng.cn",
    )
    assert lead.need == "需要扩容两台服务器"
    assert flagged_case.number in lead.notes
    assert "边缘服务器二代" in lead.notes
    assert lead.owner == world.teammate  # routed by the rules, like a web lead
    assert lead.created_by == world.service
    assert lead.service_upsell.case == flagged_case
    assert list(flagged_case.upsells.all()) == [upsell]
    assert TimelineEvent.objects.filter(object_id=flagged_case.pk, text__contains=str(lead)).exists()
    event = IntegrationEvent.objects.get(kind="service.case_upsell_flagged")
    assert event.payload["lead_id"] == lead.pk
    assert event.payload["case_id"] == flagged_case.pk


def test_without_a_matching_rule_the_lead_joins_the_pool(world: Any, flagged_case: Any) -> None:
    upsell = case_upsell_flag(actor=world.admin, case=flagged_case, kind="upsell", note="加购许可")
    assert upsell.lead.owner is None
    assert upsell.lead.source == "service"


def test_refusals_change_nothing(world: Any, flagged_case: Any) -> None:
    with pytest.raises(PermissionDenied):
        case_upsell_flag(actor=world.owner, case=flagged_case, kind="upsell", note="加购")
    with pytest.raises(ValidationError) as refused:
        case_upsell_flag(actor=world.service, case=flagged_case, kind="resell", note="  ")
    assert set(refused.value.message_dict) == {"kind", "note"}
    retired = product("OLD-1", "停产型号", active=False)
    with pytest.raises(ValidationError) as refused:
        case_upsell_flag(actor=world.service, case=flagged_case, kind="upsell", note="加购", product=retired)
    assert set(refused.value.message_dict) == {"product"}
    assert not Lead.objects.filter(source="service").exists()
    assert not CaseUpsell.objects.exists()


def test_the_lead_panel_links_the_case_only_for_who_may_open_it(world: Any, flagged_case: Any) -> None:
    upsell = case_upsell_flag(actor=world.service, case=flagged_case, kind="upsell", note="加购许可")

    for_service = lead_from_case(world.service, upsell.lead)
    assert for_service is not None
    assert for_service["upsell"].case == flagged_case
    assert for_service["case_url"] == f"/service/cases/{flagged_case.pk}/"
    # marketing reads the lead but not the case of a prospect it does not own: no link
    for_marketing = lead_from_case(world.marketing, upsell.lead)
    assert for_marketing is not None
    assert for_marketing["case_url"] == ""
    assert lead_from_case(world.service, world.lead) is None


def test_the_lead_page_says_from_which_case(world: Any, flagged_case: Any, web_as: Any) -> None:
    upsell = case_upsell_flag(actor=world.service, case=flagged_case, kind="upsell", note="加购许可")
    page = web_as(world.admin).get(f"/leads/{upsell.lead.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="lead-service-case"' in body
    assert flagged_case.number in body


def test_the_page_and_the_api(world: Any, flagged_case: Any, web_as: Any, api_as: Any) -> None:
    client = web_as(world.service)
    assert client.get(f"/service/cases/{flagged_case.pk}/upsell/").status_code == 200
    refused = client.post(
        f"/service/cases/{flagged_case.pk}/upsell/", {"kind": "upsell", "note": "", "product": "9" * 30}
    )
    assert refused.status_code == 422
    done = client.post(f"/service/cases/{flagged_case.pk}/upsell/", {"kind": "upsell", "note": "加购 50 个许可"})
    assert done.status_code == 302
    assert CaseUpsell.objects.get().note == "加购 50 个许可"
    assert web_as(world.owner).get(f"/service/cases/{flagged_case.pk}/upsell/").status_code == 403
    assert web_as(world.other).get(f"/service/cases/{flagged_case.pk}/upsell/").status_code == 404

    answer = api_as(world.service).post(
        f"/service/cases/{flagged_case.pk}/upsell", {"kind": "cross_sell", "note": "想要 AI 质检模块"}
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["case_id"] == flagged_case.pk
    assert body["kind"] == "cross_sell"
    assert Lead.objects.get(pk=body["lead_id"]).source == "service"
    bad = api_as(world.service).post(
        f"/service/cases/{flagged_case.pk}/upsell", {"kind": "upsell", "note": "x", "product_id": 999999}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["product_id"]
    assert CaseUpsell.objects.count() == 2


def test_a_case_of_another_account_is_not_found_for_a_sales_reader(world: Any, api_as: Any) -> None:
    elsewhere = case(AccountFactory(owner=world.other))
    answer = api_as(world.owner).post(f"/service/cases/{elsewhere.pk}/upsell", {"kind": "upsell", "note": "x"})
    assert answer.status_code == 404
