"""Custom fields (#18) through the pages and the API: the settings page, record forms, detail
pages, answers, list filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ltc.core import customfields
from ltc.core.models import CustomField, CustomValue
from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory
from ltc.leads.models import Lead

TIERS = [
    {"code": "gold", "label_zh": "金牌", "label_en": "Gold"},
    {"code": "silver", "label_zh": "银牌", "label_en": "Silver"},
]


def define(world: Any, record_type: str = "account") -> dict[str, CustomField]:
    def make(code: str, field_type: str, **extra: Any) -> CustomField:
        data = {"record_type": record_type, "code": code, "field_type": field_type, "label_en": code.title()}
        return customfields.custom_field_create(actor=world.admin, data={**data, **extra})

    return {
        "tier": make("tier", "choice", choices=TIERS, required=True),
        "budget": make("budget", "money"),
        "partner": make("partner", "checkbox"),
    }


@pytest.mark.django_db
def test_an_administrator_defines_a_field_on_the_settings_page(world: Any, web_as: Any) -> None:
    body = {
        "record_type": "lead",
        "code": "tier",
        "field_type": "choice",
        "label_zh": "等级",
        "label_en": "Tier",
        "choices": "gold | 金牌 | Gold\nsilver | 银牌 | Silver\n",
        "order": "1",
        "required": "on",
        "active": "on",
    }
    response = web_as(world.admin).post("/process/settings/custom-fields/", body)
    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.record_type, field.code, field.required, field.choices) == ("lead", "tier", True, TIERS)
    page = web_as(world.owner).get("/process/settings/custom-fields/")
    assert page.status_code == 200
    assert "Tier" in page.content.decode()
    assert 'id="custom-field-form"' not in page.content.decode()
    assert web_as(world.owner).post("/process/settings/custom-fields/", body).status_code == 403


@pytest.mark.django_db
def test_a_bad_definition_is_shown_on_the_form(world: Any, web_as: Any) -> None:
    body = {"record_type": "lead", "code": "Not A Code", "field_type": "choice", "label_en": "X", "order": "0"}
    response = web_as(world.admin).post("/process/settings/custom-fields/", body)
    assert response.status_code == 422
    assert not CustomField.objects.exists()


@pytest.mark.django_db
def test_an_edit_changes_the_definition_and_checks_the_version(world: Any, web_as: Any) -> None:
    tier = define(world)["tier"]
    body = {
        "label_en": "Level",
        "label_zh": "",
        "choices": "gold | 金牌 | Gold\nsilver | 银牌 | Silver",
        "order": "0",
        "active": "on",
    }
    stale = web_as(world.admin).post(f"/process/settings/custom-fields/{tier.pk}/", {**body, "version": "7"})
    assert stale.status_code == 422
    response = web_as(world.admin).post(f"/process/settings/custom-fields/{tier.pk}/", {**body, "version": "1"})
    assert response.status_code == 302
    tier.refresh_from_db()
    assert (tier.label_en, tier.required, tier.version) == ("Level", False, 2)
    history = web_as(world.owner).get(f"/process/settings/custom-fields/{tier.pk}/")
    assert history.status_code == 200
    assert "Level" in history.content.decode()


def account_form(account: Account, **extra: str) -> dict[str, str]:
    return {
        "name": account.name,
        "status": account.status,
        "owner": str(account.owner_id),
        "region": account.region,
        "industry": account.industry,
        "version": str(account.version),
        **extra,
    }


@pytest.mark.django_db
def test_the_account_form_saves_custom_values_with_the_record(world: Any, web_as: Any) -> None:
    define(world)
    client = web_as(world.owner)
    page = client.get(f"/customers/accounts/{world.account.pk}/edit/")
    assert 'name="cf_tier"' in page.content.decode()
    assert 'name="cf_budget"' in page.content.decode()
    response = client.post(
        f"/customers/accounts/{world.account.pk}/edit/",
        account_form(world.account, cf_tier="gold", cf_budget="1200.50", cf_partner="on"),
    )
    assert response.status_code == 302
    assert customfields.custom_values_of([world.account])[world.account.pk] == {
        "tier": "gold",
        "budget": Decimal("1200.50"),
        "partner": True,
    }
    detail = client.get(f"/customers/accounts/{world.account.pk}/").content.decode()
    assert 'id="custom-fields"' in detail
    assert "Gold" in detail
    assert "1,200.50" in detail


@pytest.mark.django_db
def test_a_bad_custom_value_is_shown_on_its_field_and_nothing_changes(world: Any, web_as: Any) -> None:
    define(world)
    version = world.account.version
    response = web_as(world.owner).post(
        f"/customers/accounts/{world.account.pk}/edit/",
        account_form(world.account, name="改了名字", cf_tier="platinum", cf_budget="1.005"),
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"cf_tier", "cf_budget"}
    world.account.refresh_from_db()
    assert world.account.version == version
    assert world.account.name != "改了名字"
    assert not CustomValue.objects.exists()


@pytest.mark.django_db
def test_a_new_lead_needs_its_required_custom_field(world: Any, web_as: Any) -> None:
    define(world, "lead")
    body = {"source": "employee", "company_name": "星河数据有限公司", "timeframe": "unknown", "budget_currency": "CNY"}
    client = web_as(world.owner)
    missing = client.post("/leads/new/", body)
    assert missing.status_code == 422
    assert "cf_tier" in missing.context["form"].errors
    assert not Lead.objects.filter(company_name="星河数据有限公司").exists()
    response = client.post("/leads/new/", {**body, "cf_tier": "silver"})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    lead = Lead.objects.get(company_name="星河数据有限公司")
    assert customfields.custom_values_of([lead])[lead.pk] == {"tier": "silver"}


@pytest.mark.django_db
def test_the_api_reads_and_writes_custom_fields(world: Any, api_as: Any) -> None:
    define(world)
    client = api_as(world.owner)
    created = client.post(
        "/accounts", {"name": "星河制造有限公司", "custom_fields": {"tier": "gold", "budget": "99.90"}}
    )
    assert created.status_code == 201
    assert created.json()["custom_fields"] == {"tier": "gold", "budget": "99.90"}
    account_id = created.json()["id"]
    refused = client.patch(
        f"/accounts/{account_id}", {"name": "别的名字", "custom_fields": {"budget": 12.5}}, **{"If-Match": '"1"'}
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["custom_fields.budget"]
    assert Account.objects.get(pk=account_id).name == "星河制造有限公司"
    changed = client.patch(
        f"/accounts/{account_id}", {"custom_fields": {"budget": None, "partner": True}}, **{"If-Match": '"1"'}
    )
    assert changed.status_code == 200
    assert changed.json()["custom_fields"] == {"tier": "gold", "partner": True}
    timeline = client.get(f"/accounts/{account_id}/timeline").json()
    assert timeline[0]["kind"] == "changed"
    missing = client.post("/accounts", {"name": "无等级有限公司"})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["custom_fields.tier"]
    assert not Account.objects.filter(name="无等级有限公司").exists()


@pytest.mark.django_db
def test_the_api_lists_filter_by_a_custom_value_in_few_queries(
    world: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    define(world)
    for n in range(5):
        account = AccountFactory(owner=world.owner)
        customfields.custom_values_set(actor=world.owner, record=account, data={"tier": "gold" if n else "silver"})
    client = api_as(world.owner)
    with django_assert_max_num_queries(12):
        page = client.get("/accounts?cf=tier:gold&limit=50").json()
    assert page["total"] == 4
    assert {item["custom_fields"]["tier"] for item in page["items"]} == {"gold"}


@pytest.mark.django_db
def test_the_definitions_endpoint_and_admin_crud(world: Any, api_as: Any) -> None:
    define(world)
    listed = api_as(world.owner).get("/config/custom-fields?record_type=account").json()
    assert [f["code"] for f in listed] == ["tier", "budget", "partner"]
    assert (
        api_as(world.owner)
        .post("/config/custom-fields", {"record_type": "lead", "code": "x", "field_type": "text", "label_en": "X"})
        .status_code
        == 403
    )
    admin = api_as(world.admin)
    created = admin.post(
        "/config/custom-fields", {"record_type": "lead", "code": "region_code", "field_type": "text", "label_en": "R"}
    )
    assert created.status_code == 201
    field_id = created.json()["id"]
    assert admin.patch(f"/config/custom-fields/{field_id}", {"label_en": "Region code"}).status_code == 428
    patched = admin.patch(f"/config/custom-fields/{field_id}", {"label_en": "Region code"}, **{"If-Match": '"1"'})
    assert patched.status_code == 200
    assert patched.json()["label_en"] == "Region code"
    gone = admin.request("DELETE", f"/config/custom-fields/{field_id}", **{"If-Match": '"2"'})
    assert gone.status_code == 200
    assert gone.json()["active"] is False


@pytest.mark.django_db
def test_a_list_filters_shows_and_exports_a_custom_column(
    world: Any, web_as: Any, django_assert_max_num_queries: Any
) -> None:
    define(world)
    for n in range(6):
        account = AccountFactory(owner=world.owner, name=f"客户{n}有限公司")
        customfields.custom_values_set(
            actor=world.owner, record=account, data={"tier": "gold" if n % 2 else "silver", "budget": f"{n}00.00"}
        )
    client = web_as(world.owner)
    assert client.post("/lists/accounts/columns/", {"columns": ["name", "cf_tier", "cf_budget"]}).status_code == 302
    page = client.get("/customers/accounts/?cf_tier=gold")
    html = page.content.decode()
    assert [a.name for a in page.context["page"]["items"]] == ["客户1有限公司", "客户3有限公司", "客户5有限公司"]
    assert "Gold" in html
    assert "Silver" not in html
    assert "500.00" in html
    with django_assert_max_num_queries(40):  # custom values of the page: one query, not one a row
        client.get("/customers/accounts/?limit=50")
    export = client.get("/customers/accounts/?cf_tier=silver&export=csv")
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == ["Name", "Tier", "Budget"]
    assert lines[1:] == ["客户0有限公司,Silver,0.00", "客户2有限公司,Silver,200.00", "客户4有限公司,Silver,400.00"]


@pytest.mark.django_db
def test_deals_and_contacts_carry_custom_fields_in_the_api_and_pages(world: Any, api_as: Any, web_as: Any) -> None:
    from ltc.opportunities.tests.factories import make_pipeline

    pipeline = make_pipeline()
    define(world, "deal")
    customfields.custom_field_create(
        actor=world.admin,
        data={"record_type": "contact", "code": "birthday", "field_type": "date", "label_en": "Birthday"},
    )
    api = api_as(world.owner)
    deal = api.post(
        "/opportunities",
        {
            "name": "锦程二期",
            "account_id": world.account.pk,
            "pipeline_id": pipeline.pk,
            "custom_fields": {"tier": "silver", "budget": "2500000.00"},
        },
    )
    assert deal.status_code == 201, deal.json()
    assert deal.json()["custom_fields"] == {"tier": "silver", "budget": "2500000.00"}
    listed = api.get("/opportunities?cf=tier:silver").json()
    assert [d["id"] for d in listed["items"]] == [deal.json()["id"]]
    assert api.get("/opportunities?cf=tier:gold").json()["items"] == []
    page = web_as(world.owner).get(f"/opportunities/{deal.json()['id']}/").content.decode()
    assert 'id="custom-fields"' in page
    assert "Silver" in page
    contact = api.post(
        "/contacts", {"account_id": world.account.pk, "name": "钱峰", "custom_fields": {"birthday": "1990-05-01"}}
    )
    assert contact.status_code == 201
    assert contact.json()["custom_fields"] == {"birthday": "1990-05-01"}
    edit = web_as(world.owner).get(f"/customers/contacts/{contact.json()['id']}/edit/").content.decode()
    assert 'name="cf_birthday"' in edit
