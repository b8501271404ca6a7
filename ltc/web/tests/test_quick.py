"""Quick create from the top bar's "+" menu, the shortcuts help, and the @ picker's people endpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ltc.core import customfields
from ltc.core.models import Activity, CustomValue, TimelineEvent
from ltc.core.search import pinyin_of
from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory
from ltc.leads import services as lead_services
from ltc.leads.models import Lead
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.org.tests.factories import UserFactory
from ltc.web import mentions

HTMX = {"HTTP_HX_REQUEST": "true"}


def _due() -> str:
    return (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


def _custom_field(world: Any, record_type: str, code: str, *, required: bool) -> None:
    customfields.custom_field_create(
        actor=world.admin,
        data={
            "record_type": record_type,
            "code": code,
            "field_type": "text",
            "label_zh": f"{code}字段",
            "label_en": code,
            "required": required,
        },
    )


def _custom_text(record: Any) -> dict[str, str]:
    rows = CustomValue.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("field")
    return {row.field.code: row.text for row in rows}


# --- the menu ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_menu_draws_only_what_the_user_may_create(world: Any, web_as: Any) -> None:
    owner_page = web_as(world.owner).get("/").content.decode()
    finance_page = web_as(world.finance).get("/").content.decode()

    for kind in ("lead", "account", "activity", "deal"):
        assert f'data-quick-kind="{kind}"' in owner_page
    assert 'data-quick-kind="activity"' in finance_page
    for kind in ("lead", "account", "deal"):
        assert f'data-quick-kind="{kind}"' not in finance_page
    assert 'id="shortcuts-help-link"' in finance_page


@pytest.mark.django_db
def test_the_shortcuts_help_lists_every_shortcut_in_chinese(world: Any, web_as: Any) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])

    page = web_as(world.owner).get("/shortcuts/").content.decode()

    assert "键盘快捷键" in page
    for keys in ("<kbd>c</kbd> <kbd>l</kbd>", "<kbd>c</kbd> <kbd>d</kbd>", "<kbd>g</kbd> <kbd>i</kbd>", "<kbd>?</kbd>"):
        assert keys in page


@pytest.mark.django_db
def test_an_unknown_kind_is_a_404(world: Any, web_as: Any) -> None:
    assert web_as(world.owner).get("/quick/invoice/").status_code == 404


# --- lead -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quick_lead_is_created_through_the_service_and_opens_it(world: Any, web_as: Any) -> None:
    response = web_as(world.owner).post(
        "/quick/lead/", {"company_name": "快建科技有限公司", "contact_name": "王工", "source": "employee"}, **HTMX
    )

    lead = Lead.objects.get(company_name="快建科技有限公司")
    assert response.status_code == 204
    assert response["HX-Redirect"] == lead.get_absolute_url()
    assert (lead.owner, lead.contact_name, lead.created_by) == (world.owner, "王工", world.owner)


@pytest.mark.django_db
def test_quick_lead_field_errors_come_back_in_the_modal(world: Any, web_as: Any) -> None:
    before = Lead.objects.count()

    response = web_as(world.owner).post("/quick/lead/", {"company_name": "错误邮箱公司", "email": "not-mail"}, **HTMX)

    assert response.status_code == 422
    assert 'id="quick-form"' in response.content.decode()
    assert "is-invalid" in response.content.decode()
    assert Lead.objects.count() == before


@pytest.mark.django_db
def test_finance_may_not_quick_create_a_lead(world: Any, web_as: Any) -> None:
    before = Lead.objects.count()
    client = web_as(world.finance)

    assert client.get("/quick/lead/").status_code == 403
    assert client.post("/quick/lead/", {"company_name": "财务线索", "source": "employee"}).status_code == 403
    assert Lead.objects.count() == before


# --- account ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quick_account_is_created_and_a_name_twin_asks_for_confirmation(world: Any, web_as: Any) -> None:
    client = web_as(world.owner)

    created = client.post("/quick/account/", {"name": "青山精密机械有限公司"}, **HTMX)
    account = Account.objects.get(name="青山精密机械有限公司")
    twin = client.post("/quick/account/", {"name": "青山精密机械有限公司"}, **HTMX)
    confirmed = client.post("/quick/account/", {"name": "青山精密机械有限公司", "confirm_duplicate": "on"}, **HTMX)

    assert created.status_code == 204
    assert created["HX-Redirect"] == account.get_absolute_url()
    assert account.owner == world.owner
    assert twin.status_code == 422
    assert 'name="confirm_duplicate"' in twin.content.decode()
    assert confirmed.status_code == 204
    assert Account.objects.filter(name="青山精密机械有限公司").count() == 2


@pytest.mark.django_db
def test_quick_account_without_a_name_is_a_field_error(world: Any, web_as: Any) -> None:
    before = Account.objects.count()

    response = web_as(world.owner).post("/quick/account/", {"name": ""}, **HTMX)

    assert response.status_code == 422
    assert 'id="id_name"' in response.content.decode()
    assert "invalid-feedback" in response.content.decode()
    assert Account.objects.count() == before


@pytest.mark.django_db
def test_finance_may_not_quick_create_an_account(world: Any, web_as: Any) -> None:
    before = Account.objects.count()

    response = web_as(world.finance).post("/quick/account/", {"name": "财务客户有限公司"})

    assert response.status_code == 403
    assert Account.objects.count() == before


# --- activity ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quick_activity_on_a_lead_goes_through_the_lead_service(world: Any, web_as: Any) -> None:
    client = web_as(world.owner)
    form = client.get(f"/quick/activity/?on=lead:{world.lead.pk}").content.decode()

    response = client.post(
        "/quick/activity/", {"on": f"lead:{world.lead.pk}", "kind": "call", "title": "确认预算", "done": "on"}, **HTMX
    )

    activity = Activity.objects.get(title="确认预算")
    world.lead.refresh_from_db()
    assert "锦程数据科技有限公司" in form
    assert response.status_code == 204
    assert response["HX-Redirect"] == world.lead.get_absolute_url()
    assert (activity.subject, activity.kind, activity.done_at is not None) == (world.lead, "call", True)
    assert world.lead.first_contacted_at is not None  # the lead service's rule, not only a row


@pytest.mark.django_db
def test_quick_personal_activity_lands_in_the_calendar(world: Any, web_as: Any) -> None:
    response = web_as(world.finance).post("/quick/activity/", {"kind": "task", "title": "月结对账", "due_at": _due()})

    activity = Activity.objects.get(title="月结对账")
    assert response.status_code == 302
    assert response["Location"] == "/calendar/"
    assert (activity.owner, activity.subject, activity.done_at) == (world.finance, world.finance, None)


@pytest.mark.django_db
def test_quick_activity_errors_and_refusals_create_nothing(world: Any, web_as: Any) -> None:
    hidden_lead = f"lead:{world.lead.pk}"

    planned_without_due = web_as(world.owner).post("/quick/activity/", {"kind": "call", "title": "回访"}, **HTMX)
    on_a_lead_not_seen = web_as(world.other).post(
        "/quick/activity/", {"on": hidden_lead, "kind": "call", "title": "偷看", "done": "on"}
    )
    not_a_record = web_as(world.owner).post("/quick/activity/", {"on": "invoice:1", "kind": "call", "title": "x"})

    assert planned_without_due.status_code == 422
    assert "A planned activity needs a due date." in planned_without_due.content.decode()
    assert on_a_lead_not_seen.status_code == 404
    assert not_a_record.status_code == 404
    assert Activity.objects.count() == 0


@pytest.mark.django_db
def test_quick_activity_on_a_lead_the_user_only_sees_is_their_own(world: Any, web_as: Any) -> None:
    user = world.executive  # sees every lead, changes none
    client = web_as(user)

    form = client.get(f"/quick/activity/?on=lead:{world.lead.pk}").content.decode()
    response = client.post(
        "/quick/activity/", {"on": f"lead:{world.lead.pk}", "kind": "task", "title": "旁观", "due_at": _due()}, **HTMX
    )

    activity = Activity.objects.get(title="旁观")
    assert "A personal activity, on no record" in form
    assert 'name="on"' not in form
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/calendar/"
    assert (activity.owner, activity.subject) == (user, user)
    assert not Activity.objects.filter(object_id=world.lead.pk, content_type__model="lead").exists()


@pytest.mark.django_db
def test_quick_activity_on_a_deal_the_user_may_not_work_is_their_own(world: Any, web_as: Any) -> None:
    deal = make_opportunity(world)
    user = world.executive  # sees every deal, works on none
    client = web_as(user)

    form = client.get(f"/quick/activity/?on=opportunity:{deal.pk}").content.decode()
    response = client.post(
        "/quick/activity/", {"on": f"opportunity:{deal.pk}", "kind": "task", "title": "旁观", "due_at": _due()}, **HTMX
    )

    assert "A personal activity, on no record" in form
    assert response.status_code == 204
    assert Activity.objects.get(title="旁观").subject == user


@pytest.mark.django_db
def test_quick_activity_refused_by_the_service_is_a_form_error(world: Any, web_as: Any, monkeypatch: Any) -> None:
    def refuse(**_kwargs: Any) -> None:
        raise PermissionDenied  # the owner lost the lead between drawing the form and saving it

    monkeypatch.setattr(lead_services, "lead_activity_log", refuse)

    response = web_as(world.owner).post(
        "/quick/activity/", {"on": f"lead:{world.lead.pk}", "kind": "call", "title": "迟了", "done": "on"}, **HTMX
    )

    assert response.status_code == 422
    assert "You may not log an activity on this record." in response.content.decode()
    assert Activity.objects.count() == 0


# --- deal -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quick_deal_for_an_account_the_owner_may_change(world: Any, web_as: Any) -> None:
    pipeline = make_pipeline()
    client = web_as(world.owner)
    form = client.get(f"/quick/deal/?account={world.account.pk}").content.decode()

    response = client.post(
        "/quick/deal/",
        {
            "name": "锦程二期",
            "account": world.account.pk,
            "pipeline": pipeline.pk,
            "amount": "120000.50",
            "currency": "CNY",
        },
        **HTMX,
    )

    deal = Opportunity.objects.get(name="锦程二期")
    assert f'<option value="{world.account.pk}" selected>' in form
    assert response.status_code == 204
    assert response["HX-Redirect"] == deal.get_absolute_url()
    assert (deal.account, deal.owner, str(deal.amount), deal.stage.name) == (
        world.account,
        world.owner,
        "120000.50",
        "确认",
    )
    assert TimelineEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Opportunity), object_id=deal.pk, kind="created"
    ).exists()


@pytest.mark.django_db
def test_quick_deal_refuses_an_account_the_user_may_not_change(world: Any, web_as: Any) -> None:
    pipeline = make_pipeline()
    northern = AccountFactory(owner=world.other, name="北方能源有限公司")

    foreign = web_as(world.owner).post(
        "/quick/deal/", {"name": "越界", "account": northern.pk, "pipeline": pipeline.pk, "currency": "CNY"}, **HTMX
    )
    seen_only = web_as(world.teammate).post(
        "/quick/deal/", {"name": "旁人", "account": world.account.pk, "pipeline": pipeline.pk, "currency": "CNY"}
    )
    finance = web_as(world.finance).post(
        "/quick/deal/", {"name": "财务", "account": world.account.pk, "pipeline": pipeline.pk, "currency": "CNY"}
    )

    assert foreign.status_code == 422
    assert 'id="id_account"' in foreign.content.decode()
    assert seen_only.status_code == 422
    assert finance.status_code == 403
    assert Opportunity.objects.count() == 0


# --- required custom fields -----------------------------------------------------------------------


@pytest.mark.django_db
def test_quick_lead_asks_for_the_required_custom_fields_only(world: Any, web_as: Any) -> None:
    _custom_field(world, "lead", "region_code", required=True)
    _custom_field(world, "lead", "hobby", required=False)
    client = web_as(world.owner)

    form = client.get("/quick/lead/").content.decode()
    missing = client.post("/quick/lead/", {"company_name": "缺字段公司", "source": "employee"}, **HTMX)
    filled = client.post(
        "/quick/lead/", {"company_name": "全字段公司", "source": "employee", "cf_region_code": "华东"}, **HTMX
    )

    assert 'name="cf_region_code"' in form
    assert 'name="cf_hobby"' not in form
    assert missing.status_code == 422
    assert 'name="cf_region_code"' in missing.content.decode()
    assert not Lead.objects.filter(company_name="缺字段公司").exists()
    assert filled.status_code == 204
    assert _custom_text(Lead.objects.get(company_name="全字段公司")) == {"region_code": "华东"}


@pytest.mark.django_db
def test_quick_account_asks_for_the_required_custom_fields(world: Any, web_as: Any) -> None:
    _custom_field(world, "account", "region_code", required=True)
    client = web_as(world.owner)

    missing = client.post("/quick/account/", {"name": "缺字段有限公司"}, **HTMX)
    filled = client.post("/quick/account/", {"name": "全字段有限公司", "cf_region_code": "华南"}, **HTMX)

    assert missing.status_code == 422
    assert 'name="cf_region_code"' in missing.content.decode()
    assert not Account.objects.filter(name="缺字段有限公司").exists()
    assert filled.status_code == 204
    assert _custom_text(Account.objects.get(name="全字段有限公司")) == {"region_code": "华南"}


@pytest.mark.django_db
def test_quick_deal_asks_for_the_required_custom_fields(world: Any, web_as: Any) -> None:
    _custom_field(world, "deal", "region_code", required=True)
    pipeline = make_pipeline()
    client = web_as(world.owner)
    posted = {"account": world.account.pk, "pipeline": pipeline.pk, "amount": "5000", "currency": "CNY"}

    missing = client.post("/quick/deal/", {**posted, "name": "缺字段项目"}, **HTMX)
    filled = client.post("/quick/deal/", {**posted, "name": "全字段项目", "cf_region_code": "华北"}, **HTMX)

    assert missing.status_code == 422
    assert 'name="cf_region_code"' in missing.content.decode()
    assert not Opportunity.objects.filter(name="缺字段项目").exists()
    assert filled.status_code == 204
    assert _custom_text(Opportunity.objects.get(name="全字段项目")) == {"region_code": "华北"}


# --- the @ picker's people --------------------------------------------------------------------


@pytest.mark.django_db
def test_mention_people_answer_an_allow_list_of_active_users(world: Any, web_as: Any) -> None:
    UserFactory(username="owner_retired", display_name="退休员工", is_active=False, email="r@example.cn")
    zhang = UserFactory(username="zw", display_name="张伟", email="zw@example.cn")

    answer = web_as(world.other).get("/mentions/users/?q=own").json()
    by_pinyin = web_as(world.other).get("/mentions/users/?q=zhangw").json()
    by_initials = web_as(world.other).get("/mentions/users/?q=zw").json()

    assert answer == {"items": [{"id": world.owner.pk, "username": "owner", "name": str(world.owner)}]}
    assert by_pinyin == {"items": [{"id": zhang.pk, "username": "zw", "name": "张伟"}]}
    assert [item["username"] for item in by_initials["items"]] == ["zw"]


@pytest.mark.django_db
def test_mention_people_are_at_most_ten_and_need_sign_in(
    world: Any, web_as: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(12):
        UserFactory(username=f"rep{n:02d}")

    client = web_as(world.owner)

    with django_assert_max_num_queries(4):
        answer = client.get("/mentions/users/?q=rep")
    anonymous = web_as(None).get("/mentions/users/?q=rep")

    assert len(answer.json()["items"]) == 10
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")


@pytest.mark.django_db
def test_mention_pinyin_is_computed_once_per_name(world: Any, web_as: Any, monkeypatch: Any) -> None:
    zhang = UserFactory(username="u_zw", display_name="张伟", email="zw@example.cn")
    computed: list[str] = []

    def counting(text: str) -> tuple[str, str]:
        computed.append(text)
        return pinyin_of(text)

    monkeypatch.setattr(mentions, "pinyin_of", counting)
    mentions.name_pinyin.cache_clear()
    client = web_as(world.owner)

    first = client.get("/mentions/users/?q=zhang").json()
    after_first = computed.count("张伟")
    second = client.get("/mentions/users/?q=zhangw").json()

    assert first == second == {"items": [{"id": zhang.pk, "username": "u_zw", "name": "张伟"}]}
    assert after_first == 1
    assert computed.count("张伟") == 1
