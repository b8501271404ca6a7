from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ltc.core.models import Activity, TimelineEvent
from ltc.customers.models import Account, Contact
from ltc.customers.tests.factories import VALID_CREDIT_CODE, AccountFactory
from ltc.leads import services
from ltc.leads.dedupe import lead_matches
from ltc.leads.models import AssignmentRule, Lead, QualificationPolicy, ScoringRule
from ltc.leads.tests.factories import LeadFactory
from ltc.org.tests.factories import UserFactory


def _lead(actor, **data):
    base = {"source": "website", "company_name": "嘉兴智造装备有限公司", "contact_name": "钱峰", "email": "qf@jx.cn"}
    return services.lead_create(actor=actor, data={**base, **data})


def test_capture_normalises_scores_with_an_explanation_and_records_the_timeline(world):
    ScoringRule.objects.create(name="制造业", criterion="industry_is", value="manufacturing", points=30)
    ScoringRule.objects.create(name="预算 ≥ 100 万", criterion="budget_at_least", value="1000000", points=50)
    ScoringRule.objects.create(name="社交媒体", criterion="source_is", value="social", points=-10)
    lead = _lead(world.owner, industry="manufacturing", budget_amount=Decimal("1200000"), mobile="+86 138-0013-8000")
    assert (lead.mobile, lead.company_key, lead.score) == ("13800138000", "嘉兴智造装备", 80)
    assert [d["rule"] for d in lead.score_details] == ["制造业", "预算 ≥ 100 万"]
    assert TimelineEvent.objects.filter(object_id=lead.pk, kind="created").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"company_name": "", "contact_name": ""}, "company_name"),
        ({"mobile": "12345"}, "mobile"),
        ({"email": "nope"}, "email"),
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"budget_amount": Decimal("-1")}, "budget_amount"),
        ({"source": "fax"}, "source"),
        ({"status": "qualified"}, "status"),
    ],
)
def test_bad_capture_input_is_a_field_error_and_saves_nothing(world, data, field):
    before = Lead.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        _lead(world.owner, **data)
    assert field in excinfo.value.message_dict
    assert Lead.objects.count() == before


def test_roles_without_lead_rights_cannot_capture(world):
    with pytest.raises(PermissionDenied):
        _lead(world.finance)


def test_rules_route_in_order_to_a_user(world):
    AssignmentRule.objects.create(order=1, name="north", region="north", assign_user=world.other, first_contact_hours=8)
    AssignmentRule.objects.create(order=2, name="all", assign_user=world.teammate)
    north = _lead(world.marketing, region="north")
    east = _lead(world.marketing, region="east", email="e@x.cn")
    assert north.owner == world.other
    assert north.assignment_rule.name == "north"
    assert north.first_contact_due_at == pytest.approx(north.assigned_at + timedelta(hours=8), abs=timedelta(seconds=1))
    assert east.owner == world.teammate


def test_round_robin_and_least_load_within_a_team(world):
    AssignmentRule.objects.create(order=1, name="rr", strategy="round_robin", assign_team=world.east, source="event")
    AssignmentRule.objects.create(order=2, name="load", strategy="least_load", assign_team=world.east, source="partner")
    owners = [_lead(world.marketing, source="event", email=f"{n}@rr.cn").owner for n in range(4)]
    members = sorted([world.manager, world.owner, world.teammate], key=lambda u: u.pk)
    assert owners == [*members, members[0]]
    LeadFactory.create_batch(3, owner=world.owner)
    LeadFactory.create_batch(2, owner=world.manager)
    least = _lead(world.marketing, source="partner", email="load@x.cn")
    assert least.owner == world.teammate


def test_unmatched_leads_wait_in_the_pool(world):
    lead = _lead(world.marketing)
    assert lead.owner is None


def test_checklist_moves_a_new_lead_to_verifying_and_the_gate_lists_what_is_missing(world):
    lead = world.lead
    lead = services.lead_update(actor=world.owner, lead=lead, data={"need_confirmed": True}, expected_version=1)
    assert lead.status == "verifying"
    with pytest.raises(ValidationError) as excinfo:
        services.lead_qualify(actor=world.owner, lead=lead)
    message = excinfo.value.messages[0]
    assert "Contact reached (an activity logged)" in message
    assert "Budget confirmed" in message
    assert "Need confirmed" not in message
    assert Lead.objects.get(pk=lead.pk).status == "verifying"


def test_qualify_once_the_checklist_is_complete(world):
    QualificationPolicy.current().required_items = ["contact_reached", "need_confirmed"]
    policy = QualificationPolicy.current()
    policy.required_items = ["contact_reached", "need_confirmed"]
    policy.save()
    lead = world.lead
    services.lead_activity_log(actor=world.owner, lead=lead, kind="call", title="首次电话", done=True, outcome="有需求")
    lead.refresh_from_db()
    assert lead.first_contacted_at is not None
    lead = services.lead_update(
        actor=world.owner, lead=lead, data={"need_confirmed": True}, expected_version=lead.version
    )
    lead = services.lead_qualify(actor=world.owner, lead=lead)
    assert lead.status == "qualified"
    assert lead.qualified_at is not None


def test_only_a_manager_may_override_the_gate_and_the_reason_is_recorded(world):
    with pytest.raises(PermissionDenied):
        services.lead_qualify(actor=world.owner, lead=world.lead, override_reason="客户催得急")
    assert Lead.objects.get(pk=world.lead.pk).status == "new"
    lead = services.lead_qualify(actor=world.manager, lead=world.lead, override_reason="客户催得急")
    assert lead.status == "qualified"
    note = TimelineEvent.objects.filter(object_id=lead.pk, kind="note").latest("id")
    assert "客户催得急" in note.text
    assert "Missing" in note.text


def test_disqualify_needs_a_reason_and_recycle_returns_the_lead_to_the_pool(world):
    with pytest.raises(ValidationError):
        services.lead_disqualify(actor=world.owner, lead=world.lead, reason="bored")
    lead = services.lead_disqualify(actor=world.owner, lead=world.lead, reason="no_budget", note="明年再说")
    assert (lead.status, lead.disqualify_reason) == ("disqualified", "no_budget")
    with pytest.raises(ValidationError):
        services.lead_update(actor=world.owner, lead=lead, data={"need": "x"}, expected_version=lead.version)
    recycled = services.lead_recycle(actor=world.owner, lead=lead)
    assert (recycled.status, recycled.owner_id, recycled.disqualify_reason) == ("new", None, "")


def test_assigning_to_others_needs_a_manager(world):
    with pytest.raises(PermissionDenied):
        services.lead_assign(actor=world.owner, lead=world.lead, owner=world.teammate)
    lead = services.lead_assign(actor=world.manager, lead=world.lead, owner=world.teammate)
    assert lead.owner == world.teammate
    with pytest.raises(ValidationError):
        services.lead_assign(actor=world.manager, lead=lead, owner=world.other)


def test_merge_keeps_both_timelines_fills_gaps_and_moves_activities(world):
    other = LeadFactory(
        owner=world.owner, company_name="锦程数据科技有限公司", mobile="13900139000", mobile_key="13900139000"
    )
    services.lead_activity_log(actor=world.owner, lead=other, kind="call", title="电话", done=True)
    survivor = services.lead_merge(actor=world.owner, survivor=world.lead, other=other)
    other.refresh_from_db()
    assert (other.status, other.disqualify_reason, other.merged_into_id) == ("disqualified", "duplicate", survivor.pk)
    assert survivor.mobile == "13900139000"
    assert survivor.first_contacted_at is not None
    assert Activity.objects.filter(object_id=survivor.pk).count() == 1
    texts = [e.text for e in services.lead_timeline(survivor)]
    assert any("Merged into" in t for t in texts)
    assert any("Merged lead" in t for t in texts)


def test_a_merged_lead_is_no_longer_offered_as_a_duplicate(world):
    other = LeadFactory(
        owner=world.owner, company_name="合并测试有限公司", mobile="13900139001", mobile_key="13900139001"
    )
    probe = LeadFactory(owner=world.owner, company_name="另一家公司", mobile="13900139001", mobile_key="13900139001")
    assert other.pk in {m.pk for m in lead_matches(probe) if m.kind == "lead"}
    services.lead_merge(actor=world.owner, survivor=world.lead, other=other)
    assert other.pk not in {m.pk for m in lead_matches(probe) if m.kind == "lead"}


def test_convert_creates_account_and_contact_and_points_at_them(world):
    lead = LeadFactory(
        owner=world.owner,
        status="qualified",
        company_name="南通海工船舶有限公司",
        company_key="南通海工船舶",
        contact_name="顾强",
        mobile="13700137000",
        mobile_key="13700137000",
        credit_code=VALID_CREDIT_CODE,
    )
    lead = services.lead_convert(actor=world.owner, lead=lead)
    account = Account.objects.get(credit_code=VALID_CREDIT_CODE)
    assert (lead.status, lead.account, lead.contact.name) == ("converted", account, "顾强")
    assert account.owner == world.owner
    assert Contact.objects.get(account=account).mobile == "13700137000"


def test_convert_links_the_existing_account_and_contact(world):
    contact = Contact.objects.create(account=world.account, name="王芳", email="wf@jc.cn", email_key="wf@jc.cn")
    lead = LeadFactory(
        owner=world.owner,
        status="qualified",
        company_name="锦程智能制造股份有限公司",
        company_key="锦程智能制造",
        contact_name="王芳",
        email="wf@jc.cn",
        email_key="wf@jc.cn",
    )
    lead = services.lead_convert(actor=world.owner, lead=lead)
    assert (lead.account, lead.contact) == (world.account, contact)
    assert Account.objects.count() == 1


def test_convert_refuses_to_duplicate_an_account_hidden_from_the_actor(world):
    AccountFactory(owner=world.other, name="北方能源有限公司", name_key="北方能源")
    lead = LeadFactory(owner=world.owner, status="qualified", company_name="北方能源有限公司", company_key="北方能源")
    with pytest.raises(ValidationError) as excinfo:
        services.lead_convert(actor=world.owner, lead=lead)
    assert "account" in excinfo.value.message_dict
    assert "北方能源" not in str(excinfo.value)  # an account out of sight is not named
    assert Lead.objects.get(pk=lead.pk).status == "qualified"


def test_convert_links_the_account_a_merge_kept_not_the_merged_one(world):
    from ltc.customers.services import account_merge

    merged = AccountFactory(owner=world.owner, name="锦程物流有限公司", name_key="锦程物流")
    kept = AccountFactory(owner=world.owner, name="锦程物流集团有限公司", name_key="锦程物流集团")
    account_merge(actor=world.admin, target=kept, source=merged)
    lead = LeadFactory(owner=world.owner, status="qualified", company_name="锦程物流有限公司", company_key="锦程物流")
    lead = services.lead_convert(actor=world.owner, lead=lead)
    assert lead.account_id != merged.pk


def test_unqualified_leads_cannot_be_converted(world):
    with pytest.raises(ValidationError):
        services.lead_convert(actor=world.owner, lead=world.lead)


def test_dedupe_finds_other_leads_accounts_and_contacts(world):
    Contact.objects.create(account=world.account, name="钱峰", email="qf@jx.cn", email_key="qf@jx.cn")
    first = _lead(world.owner)
    second = _lead(world.owner, company_name="锦程智能制造（有限公司）", contact_name="x", email="QF@jx.cn")
    found = {(m.kind, m.pk, m.reason) for m in lead_matches(second)}
    assert ("lead", first.pk, "email") in found
    assert ("contact", Contact.objects.get().pk, "email") in found
    assert ("account", world.account.pk, "company") in found


def test_rescore_in_bulk_uses_done_activities(world):
    ScoringRule.objects.create(name="engaged", kind="engagement", criterion="activities_at_least", value="1", points=40)
    services.lead_activity_log(actor=world.owner, lead=world.lead, kind="email", title="资料", done=True)
    Lead.objects.filter(pk=world.lead.pk).update(score=0)
    assert services.leads_rescore(lead_ids=[world.lead.pk]) == 1
    assert Lead.objects.get(pk=world.lead.pk).score == 40


def test_a_planned_activity_needs_a_due_date(world):
    with pytest.raises(ValidationError) as excinfo:
        services.lead_activity_log(actor=world.owner, lead=world.lead, kind="visit", title="拜访", done=False)
    assert "due_at" in excinfo.value.message_dict
    services.lead_activity_log(
        actor=world.owner,
        lead=world.lead,
        kind="visit",
        title="拜访",
        done=False,
        due_at=timezone.now() + timedelta(days=1),
    )
    assert Lead.objects.get(pk=world.lead.pk).first_contacted_at is None


def test_manager_sees_the_pool_and_a_rep_does_not(world):
    from ltc.leads import selectors

    pool = LeadFactory(owner=None)
    assert pool in selectors.lead_list(user=world.manager)
    assert pool in selectors.lead_list(user=world.marketing)
    assert pool not in selectors.lead_list(user=world.owner)
    assert world.lead not in selectors.lead_list(user=UserFactory(roles=["ar"]))


def test_every_bad_field_is_reported_at_once(world):
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(
            actor=world.owner,
            data={
                "source": "website",
                "company_name": "",
                "contact_name": "",
                "mobile": "123",
                "budget_amount": Decimal("-5"),
            },
        )
    assert set(excinfo.value.message_dict) == {"company_name", "mobile", "budget_amount"}
