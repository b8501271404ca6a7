"""The routing, scoring and authority pages of the process centre, in both languages: who sees
which buttons, saving through the services, the sample-lead preview and the authority dry run."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from ltc.core.models import TimelineEvent
from ltc.core.templatetags.numbers import money
from ltc.customers.choices import CompanySize
from ltc.leads.choices import LeadSource, ScoreCriterion
from ltc.leads.models import AssignmentRule, Lead, ScoringRule
from ltc.leads.services import rules
from ltc.leads.tests.factories import LeadFactory
from ltc.opportunities import services as deal_services
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.org.choices import Industry
from ltc.org.models import Authority, Role


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _zh(web_as: Any, user: Any) -> Any:
    """A client of `user`, who reads in Chinese."""
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    return web_as(user)


def _state() -> tuple[Any, ...]:
    return (
        list(AssignmentRule.objects.order_by("pk").values_list("pk", "version", "order", "active", "last_assigned_id")),
        list(ScoringRule.objects.order_by("pk").values_list("pk", "version", "points")),
        list(Authority.objects.order_by("pk").values_list("pk", "version", "max_amount")),
        list(Lead.objects.order_by("pk").values_list("pk", "version", "owner_id", "score")),
        TimelineEvent.objects.count(),
    )


def _form(world: Any, **values: Any) -> dict[str, str]:
    data = {
        "name": "华北",
        "order": "20",
        "region": "north",
        "strategy": "user",
        "assign_user": str(world.manager.pk),
        "first_contact_hours": "24",
        "active": "on",
    }
    return {**data, **values}


def test_an_admin_sees_the_rules_in_order_with_the_form_and_the_sample_test(world, web_as):
    rules.assignment_rule_create(
        actor=world.admin, data={"name": "华东", "order": 10, "region": "east", "assign_user": world.manager}
    )
    page = web_as(world.admin).get("/process/routing/")
    text = page.content.decode()
    assert page.status_code == 200
    for words in (
        "Lead routing",
        "华东",
        "East China",
        f"To one user: {world.manager}",
        "New routing rule",
        "Test this rule on a sample lead",
        "Move up",
    ):
        assert words in text, words
    zh = _zh(web_as, world.admin).get("/process/routing/").content.decode()
    for words in (
        "线索分配",
        "新增分配规则",
        "用样例线索测试本规则",
        "保存规则",
        "华东地区" if "华东地区" in zh else "华东",
    ):
        assert words in zh, words


def test_a_rep_reads_the_rules_without_a_button_and_may_not_post(world, web_as):
    rules.assignment_rule_create(
        actor=world.admin, data={"name": "华东", "region": "east", "assign_user": world.manager}
    )
    client = web_as(world.owner)
    text = client.get("/process/routing/").content.decode()
    assert "华东" in text
    for words in ("New routing rule", "Move up", "Test on the sample", "Save rule"):
        assert words not in text, words
    before = _state()
    assert client.post("/process/routing/", _form(world)).status_code == 403
    assert _state() == before


def test_an_admin_adds_a_rule_and_a_refused_one_changes_nothing(world, web_as):
    client = web_as(world.admin)
    saved = client.post("/process/routing/", _form(world))
    assert (saved.status_code, saved["Location"]) == (302, "/process/routing/")
    rule = AssignmentRule.objects.get()
    assert (rule.name, rule.order, rule.region, rule.assign_user, rule.version) == (
        "华北",
        20,
        "north",
        world.manager,
        1,
    )
    before = _state()
    refused = client.post(
        "/process/routing/", _form(world, strategy="round_robin", assign_user="", min_score="80", max_score="20")
    )
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Choose the team whose members share the leads." in text
    assert "The maximum score is below the minimum." in text
    assert _state() == before


def test_the_sample_preview_draws_its_answer_and_changes_nothing(world, web_as):
    rules.scoring_rule_create(
        actor=world.admin, data={"name": "制造业", "criterion": "industry_is", "value": "manufacturing", "points": 30}
    )
    rules.assignment_rule_create(
        actor=world.admin, data={"name": "华东", "order": 10, "region": "east", "assign_user": world.manager}
    )
    LeadFactory(owner=None, region="north", score=10, company_name="北方一号")
    before = _state()
    answer = web_as(world.admin).post(
        "/process/routing/preview/",
        {
            **_form(world, order="5", assign_user=str(world.teammate.pk)),
            "sample_region": "north",
            "sample_industry": "manufacturing",
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert (
        '<dd class="col-7" data-testid="preview-score">30 <span class="text-secondary small">(制造业 +30)</span></dd>'
        in text
    )
    assert "This rule</dd>" in text
    assert f">{world.teammate}" in text
    assert "Open, unassigned leads this rule would catch: 1." in text
    assert "北方一号" in text
    assert _state() == before
    zh = (
        _zh(web_as, world.admin)
        .post("/process/routing/preview/", {**_form(world), "sample_region": "south", "sample_score": "10"})
        .content.decode()
    )
    assert "本规则是否匹配" in zh
    assert "未满足：" in zh
    assert "无：线索将留在线索池" in zh


def test_a_stale_edit_is_refused_with_a_message(world, web_as):
    rule = rules.assignment_rule_create(
        actor=world.admin, data={"name": "华东", "region": "east", "assign_user": world.manager}
    )
    rules.assignment_rule_update(actor=world.admin, rule=rule, data={"order": 30}, expected_version=1)
    before = _state()
    refused = web_as(world.admin).post(f"/process/routing/{rule.pk}/", {**_form(world), "version": "1"})
    assert refused.status_code == 422
    assert "This record was changed by someone else (now version 2)" in refused.content.decode()
    assert _state() == before
    page = web_as(world.admin).get(f"/process/routing/{rule.pk}/").content.decode()
    assert '<li>order: <del class="text-secondary">100</del> → 30</li>' in page


def test_moving_a_rule_up_reorders_through_the_service(world, web_as):
    first = rules.assignment_rule_create(
        actor=world.admin, data={"name": "A", "order": 10, "assign_user": world.manager}
    )
    second = rules.assignment_rule_create(
        actor=world.admin, data={"name": "B", "order": 20, "assign_user": world.manager}
    )
    web_as(world.admin).post(f"/process/routing/{second.pk}/move/", {"direction": "up"})
    assert list(AssignmentRule.objects.order_by("order").values_list("pk", "order")) == [
        (second.pk, 10),
        (first.pk, 20),
    ]


def test_marketing_manages_scoring_on_its_page(world, web_as):
    client = web_as(world.marketing)
    assert "New scoring rule" in client.get("/process/scoring/").content.decode()
    saved = client.post(
        "/process/scoring/",
        {
            "name": "制造业",
            "order": "100",
            "kind": "fit",
            "criterion": "industry_is",
            "value": "manufacturing",
            "points": "20",
            "active": "on",
        },
    )
    assert saved.status_code == 302
    rule = ScoringRule.objects.get()
    assert (rule.criterion, rule.value, rule.points, rule.active) == ("industry_is", "manufacturing", 20, True)
    page = web_as(world.owner).get("/process/scoring/").content.decode()
    assert "制造业" in page
    assert "New scoring rule" not in page
    assert "线索评分" in _zh(web_as, world.owner).get("/process/scoring/").content.decode()


@pytest.fixture
def open_review(world):
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    line = grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", role="executive")
    deal = make_opportunity(world, pipeline, amount=Decimal("3000000.00"), name="锦程三百万项目")
    deal_services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    return line


def test_the_authority_matrix_shows_a_dry_run_before_saving(world, web_as, open_review):
    client = web_as(world.admin)
    matrix = client.get("/process/authority/").content.decode()
    assert "ATI decision (立项)" in matrix
    assert "5,000,000.00 CNY" in matrix
    assert "No limit" in matrix
    form = {"subject": "review_ati", "role": str(Role.objects.get(code="sales_manager").pk), "currency": "CNY"}
    form["max_amount"] = "2000000"
    before = _state()
    checked = client.post(f"/process/authority/{open_review.pk}/", {**form, "version": "1", "action": "check"})
    text = checked.content.decode()
    assert checked.status_code == 200
    assert "Open decisions that would now go to a different decider: 1." in text
    assert "ATI · 锦程三百万项目" in text
    assert str(world.executive) in text
    assert 'name="action" value="save"' in text
    assert _state() == before
    saved = client.post(f"/process/authority/{open_review.pk}/", {**form, "version": "1", "action": "save"})
    assert saved.status_code == 302
    assert Authority.objects.get(pk=open_review.pk).max_amount == Decimal("2000000.00")


def test_an_admin_adds_and_removes_a_line_after_its_dry_run(world, web_as, open_review):
    client = web_as(world.admin)
    form = {
        "subject": "review_atb",
        "role": str(Role.objects.get(code="ar").pk),
        "currency": "CNY",
        "max_amount": "100000",
    }
    checked = client.post("/process/authority/", {**form, "action": "check"}).content.decode()
    assert "No open decision would go to a different decider (1 examined)." in checked
    assert not Authority.objects.filter(subject="review_atb").exists()
    assert client.post("/process/authority/", {**form, "action": "save"}).status_code == 302
    line = Authority.objects.get(subject="review_atb")
    assert (line.role.code, line.max_amount, line.version) == ("ar", Decimal("100000.00"), 1)
    refused = client.post("/process/authority/", {**form, "user": str(world.owner.pk), "action": "save"})
    assert refused.status_code == 422
    assert "Give either a role or a user." in refused.content.decode()
    executive_line = Authority.objects.get(role__code="executive")
    preview = client.get(f"/process/authority/{executive_line.pk}/remove/").content.decode()
    assert "No open decision would go to a different decider (1 examined)." in preview
    assert client.post(f"/process/authority/{line.pk}/remove/", {"version": "1"}).status_code == 302
    assert not Authority.objects.filter(pk=line.pk).exists()
    assert "Deleted" in client.get("/process/authority/").content.decode()


def test_the_matrix_reads_in_chinese_and_draws_no_button_for_a_manager(world, web_as, open_review):
    zh = _zh(web_as, world.admin).get("/process/authority/").content.decode()
    for words in ("授权矩阵", "金额上限", "新增授权", "预演此变更", "不限"):
        assert words in zh, words
    manager = web_as(world.manager)
    text = manager.get("/process/authority/").content.decode()
    assert "ATI decision (立项)" in text
    for words in ("New authority line", "Check the change", "/remove/", f"/process/authority/{open_review.pk}/"):
        assert words not in text, words
    assert manager.get(f"/process/authority/{open_review.pk}/remove/").status_code == 403


def test_the_lists_keep_a_query_budget_whatever_their_length(world, web_as, api_as, django_assert_max_num_queries):
    for n in range(12):
        rules.assignment_rule_create(
            actor=world.admin,
            data={"name": f"规则{n}", "order": n, "strategy": "round_robin", "assign_team": world.east},
        )
        rules.scoring_rule_create(actor=world.admin, data={"name": f"评分{n}", "criterion": "has_email", "points": n})
        grant("review_atb", user=world.manager if n % 2 else None, role=None if n % 2 else "ar", up_to=str(n * 1000))
    client = web_as(world.admin)
    for path in ("/process/routing/", "/process/scoring/", "/process/authority/"):
        with django_assert_max_num_queries(10):
            assert client.get(path).status_code == 200
    api = api_as(world.admin)
    for path in ("/assignment-rules", "/scoring-rules", "/authority"):
        with django_assert_max_num_queries(6):
            assert api.get(path).status_code == 200


def _page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_a_chinese_reader_sees_the_scoring_rules_with_labels_and_formatted_amounts(world, web_as):
    for name, criterion, value in [
        ("制造", "industry_is", "manufacturing"),
        ("大企业", "size_is", "large"),
        ("转介绍", "source_is", "referral"),
        ("预算", "budget_at_least", "1000000"),
    ]:
        rules.scoring_rule_create(
            actor=world.admin, data={"name": name, "criterion": criterion, "value": value, "points": 10}
        )
    text = _page_text(_zh(web_as, world.owner).get("/process/scoring/"))
    with translation.override("zh-hans"):
        expected = [
            f"{ScoreCriterion.INDUSTRY_IS.label} {Industry.MANUFACTURING.label}",
            f"{ScoreCriterion.SIZE_IS.label} {CompanySize('large').label}",
            f"{ScoreCriterion.SOURCE_IS.label} {LeadSource('referral').label}",
            f"{ScoreCriterion.BUDGET_AT_LEAST.label} {money(Decimal('1000000'))}",
        ]
    for shown in expected:
        assert shown in text, shown
    for code in ("manufacturing", "large", "referral", " 1000000 "):
        assert code not in text, code


def test_the_scoring_form_offers_the_criterion_values_and_refuses_a_typed_label(world, web_as):
    client = _zh(web_as, world.marketing)
    form = client.get("/process/scoring/").content.decode()
    with translation.override("zh-hans"):
        assert f'<option value="manufacturing">{Industry.MANUFACTURING.label}</option>' in form
    before = _state()
    post = {"name": "制造业", "order": "100", "kind": "fit", "criterion": "industry_is", "points": "20"}
    refused = client.post("/process/scoring/", {**post, "value": "制造业"})
    assert refused.status_code == 422
    assert "industry_is" in refused.context["form"].errors
    assert _state() == before
    saved = client.post("/process/scoring/", {**post, "industry_is": "manufacturing", "active": "on"})
    assert saved.status_code == 302
    assert ScoringRule.objects.values_list("criterion", "value").get() == ("industry_is", "manufacturing")
    budget = client.post("/process/scoring/", {**post, "criterion": "budget_at_least", "value": "abc"})
    assert budget.status_code == 422
    assert "value" in budget.context["form"].errors
