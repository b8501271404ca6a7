from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from ltc.billing.tests.factories import settle
from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services
from ltc.contracts.choices import ContractStatus, MilestoneStatus, OrderStatus
from ltc.contracts.models import ChangeRequest, ContractLine, Milestone
from ltc.contracts.tests.factories import (
    Team,
    accepted_contract,
    approved_contract,
    completed_contract,
    contract_team,
    delivered_contract,
    fresh,
    make_contract,
    pdf,
    signed_contract,
)
from ltc.core.models import Activity, IntegrationEvent, TimelineEvent
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import DecisionReview, Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world: Any) -> Team:
    return contract_team(world)


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def test_contract_copies_the_accepted_quote(world: Any, team: Team, catalog: Catalog) -> None:
    contract = make_contract(world, team, catalog)
    quote_version = contract.quote_version
    version = contract.current
    assert contract.number.startswith("C")
    assert contract.status == ContractStatus.DRAFT
    assert (contract.owner, contract.sr, contract.fr) == (world.owner, team.sr, team.fr)
    assert version.grand_total == quote_version.grand_total == contract.total
    lines = list(version.lines.order_by("key"))
    quoted = list(quote_version.lines.order_by("position"))
    assert [(line.code, line.quantity, line.net_amount) for line in lines] == [
        (q.code, q.quantity, q.net_amount) for q in quoted
    ]
    assert all(line.source_id == q.pk for line, q in zip(lines, quoted, strict=True))
    # The bundle's components keep their bundle.
    bundle = next(line for line in lines if line.code == "MES-SUITE")
    assert {line.code for line in lines if line.parent_key == bundle.key} == {"SRV-01", "MES-LIC"}
    terms = list(version.terms.all())
    assert [t.percent for t in terms] == [Decimal(30), Decimal(60), Decimal(10)]
    assert sum(t.amount for t in terms) == version.grand_total
    # Terms paid on delivery or acceptance are triggered by a milestone of the default plan.
    for term in terms:
        assert (term.milestone_id is not None) == (term.trigger in ("delivery", "acceptance"))
    assert version.delivery_terms == "交货期 8 周"


def test_one_contract_per_accepted_quote_and_only_from_accepted(world: Any, team: Team, catalog: Catalog) -> None:
    contract = make_contract(world, team, catalog)
    with pytest.raises(ValidationError) as caught:
        services.contract_create(actor=world.owner, quote=contract.quote)
    assert "already has a contract" in caught.value.message_dict["quote_id"][0]
    with pytest.raises(PermissionDenied):
        services.contract_create(actor=world.other, quote=contract.quote)


def test_review_checklist_authority_and_freeze(world: Any, team: Team, catalog: Catalog) -> None:
    contract = make_contract(world, team, catalog)
    services.contract_submit_review(actor=world.owner, contract=contract, expected_version=contract.version)
    contract = fresh(contract)
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.current.is_frozen
    review = contract.reviews.get()
    assert review.serves_as_atc  # the deal passed no ATC
    assert review.decider == world.manager
    assert Activity.objects.filter(owner=world.manager, done_at__isnull=True).exists()
    # A frozen draft cannot be edited.
    with pytest.raises(ValidationError):
        services.contract_update(
            actor=world.owner, contract=contract, expected_version=contract.version, data={"title": "x"}
        )
    # Each area is checked by its own people.
    with pytest.raises(PermissionDenied):
        services.review_check(actor=world.owner, contract=contract, item="margin", result="ok")
    with pytest.raises(ValidationError) as caught:
        services.review_check(actor=team.legal, contract=contract, item="penalties", result="concern")
    assert "comment" in caught.value.message_dict
    services.review_check(actor=world.finance, contract=contract, item="margin", result="ok")
    # Approval needs every item; the AR has no authority.
    with pytest.raises(ValidationError) as caught:
        services.review_decide(actor=world.manager, contract=contract, decision="approve")
    assert "checks" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.review_decide(actor=world.owner, contract=contract, decision="approve")
    # Sent back: the reviewed version stays frozen, a new draft version follows.
    services.review_decide(actor=world.manager, contract=contract, decision="reject", note="罚则过重")
    contract = fresh(contract)
    assert contract.status == ContractStatus.DRAFT
    assert contract.current.number == 2
    assert not contract.current.is_frozen
    assert contract.versions.get(number=1).is_frozen
    assert contract.current.lines.count() == contract.versions.get(number=1).lines.count()


def test_sign_checks_the_upload(world: Any, team: Team, catalog: Catalog) -> None:
    contract = signed_contract(world, team, catalog)
    assert contract.status == ContractStatus.SIGNED
    assert contract.signed_copy.name.endswith(".pdf")
    assert IntegrationEvent.objects.filter(kind="contract.signed", subject_id=contract.pk).exists()


def test_sign_refuses_wrong_files(world: Any, team: Team, catalog: Catalog) -> None:
    contract = make_contract(world, team, catalog)
    contract.status = ContractStatus.APPROVED
    contract.save(update_fields=["status"])
    contract = fresh(contract)
    fake = SimpleUploadedFile("signed.pdf", b"MZ not a pdf", content_type="application/pdf")
    exe = SimpleUploadedFile("signed.exe", b"%PDF-1.4", content_type="application/octet-stream")
    for upload, message in ((fake, "not a PDF"), (exe, "PDF, PNG or JPEG"), (None, "Attach")):
        with pytest.raises(ValidationError) as caught:
            services.contract_sign(
                actor=world.owner,
                contract=contract,
                expected_version=contract.version,
                signed_on=timezone.localdate(),
                customer_signatory="王总",
                our_signatory="张经理",
                signed_copy=upload,
            )
        assert message in caught.value.message_dict["signed_copy"][0]
    with pytest.raises(ValidationError) as caught:
        services.contract_sign(
            actor=world.owner,
            contract=contract,
            expected_version=contract.version,
            signed_on=timezone.localdate() + timedelta(days=1),
            customer_signatory="",
            our_signatory="张经理",
            signed_copy=pdf(),
        )
    assert {"signed_on", "customer_signatory"} <= set(caught.value.message_dict)
    assert fresh(contract).status == ContractStatus.APPROVED


def test_out_of_order_transitions_are_refused(world: Any, team: Team, catalog: Catalog) -> None:
    contract = make_contract(world, team, catalog)
    with pytest.raises(ValidationError) as caught:
        services.contract_sign(
            actor=world.owner,
            contract=contract,
            expected_version=contract.version,
            signed_on=timezone.localdate(),
            customer_signatory="a",
            our_signatory="b",
            signed_copy=pdf(),
        )
    assert "Draft" in caught.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        services.order_generate(actor=team.fr, contract=contract)
    with pytest.raises(ValidationError):
        services.contract_complete(actor=team.fr, contract=contract, expected_version=contract.version)


def test_handover_turns_open_questions_into_tasks(world: Any, team: Team, catalog: Catalog) -> None:
    contract = signed_contract(world, team, catalog)
    with pytest.raises(ValidationError) as caught:
        services.contract_accept(
            actor=team.fr,
            contract=contract,
            expected_version=contract.version,
            data={"meeting_on": timezone.localdate()},
        )
    assert {"scope_confirmed", "deliverables_confirmed", "ar_present", "sr_present"} <= set(caught.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.contract_accept(actor=world.owner, contract=contract, expected_version=contract.version, data={})
    services.contract_accept(
        actor=team.fr,
        contract=contract,
        expected_version=contract.version,
        data={
            "scope_confirmed": True,
            "deliverables_confirmed": True,
            "meeting_on": timezone.localdate(),
            "ar_present": True,
            "sr_present": True,
            "open_questions": "机房位置待确认\n\n接口清单待客户提供",
        },
    )
    assert fresh(contract).status == ContractStatus.ACCEPTED
    titles = set(Activity.objects.filter(owner=team.fr).values_list("title", flat=True))
    assert {"Open question: 机房位置待确认", "Open question: 接口清单待客户提供"} <= titles


def _deliver_everything(world: Any, team: Team, contract: Any) -> None:
    milestones = list(contract.milestones.order_by("position"))
    order = services.order_generate(actor=team.fr, contract=contract, milestone=milestones[0])
    lines = {line.pk: line.quantity for line in order.lines.all()}
    services.delivery_record(
        actor=team.fr,
        order=order,
        kind="goods",
        delivered_on=timezone.localdate(),
        quantities=lines,
        cost=Decimal("50000"),
    )
    for milestone in milestones:
        milestone.refresh_from_db()
        services.milestone_deliver(actor=team.fr, milestone=milestone, delivered_on=timezone.localdate())
        services.milestone_accept(
            actor=team.fr,
            milestone=milestone,
            accepted_on=timezone.localdate(),
            accepted_by_name="李工",
            document=pdf("验收单.pdf"),
        )


def test_orders_deliveries_and_milestones(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    first = contract.milestones.order_by("position").first()
    # One batch: 5 of the 10 service days.
    service_key = contract.current.lines.get(code="SVC-IMP").key
    order = services.order_generate(
        actor=team.fr, contract=contract, quantities={service_key: "5"}, milestone=first, title="第一批"
    )
    assert fresh(contract).status == ContractStatus.IN_EXECUTION
    assert order.number.startswith("SO")
    assert order.lines.get().contract_line.code == "SVC-IMP"
    with pytest.raises(ValidationError) as caught:
        services.order_generate(actor=team.fr, contract=fresh(contract), quantities={service_key: "6"})
    assert "Only 5" in caught.value.message_dict[f"lines.{service_key}"][0]
    line = order.lines.get()
    with pytest.raises(ValidationError) as caught:
        services.delivery_record(
            actor=team.fr, order=order, kind="service", delivered_on=timezone.localdate(), quantities={line.pk: "6"}
        )
    assert "Only 5" in caught.value.message_dict[f"lines.{line.pk}"][0]
    services.delivery_record(
        actor=team.fr, order=order, kind="service", delivered_on=timezone.localdate(), quantities={line.pk: "2"}
    )
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.status, line.status, line.delivered_quantity) == (OrderStatus.PARTLY, "partly", Decimal(2))
    # The milestone waits for its order, and acceptance waits for delivery.
    with pytest.raises(ValidationError) as caught:
        services.milestone_accept(
            actor=team.fr, milestone=first, accepted_on=timezone.localdate(), accepted_by_name="李工", document=pdf()
        )
    assert "delivered milestone" in caught.value.message_dict["milestone"][0]
    with pytest.raises(ValidationError) as caught:
        services.milestone_deliver(actor=team.fr, milestone=first, delivered_on=timezone.localdate())
    assert order.number in caught.value.message_dict["orders"][0]
    services.delivery_record(
        actor=team.fr, order=order, kind="service", delivered_on=timezone.localdate(), quantities={line.pk: "3"}
    )
    services.milestone_deliver(actor=team.fr, milestone=first, delivered_on=timezone.localdate())
    first.refresh_from_db()
    services.milestone_refuse(actor=team.fr, milestone=first, note="文档不全")
    first.refresh_from_db()
    assert (first.status, first.refusals) == (MilestoneStatus.PLANNED, 1)
    services.milestone_deliver(actor=team.fr, milestone=first, delivered_on=timezone.localdate())
    first.refresh_from_db()
    services.milestone_accept(
        actor=team.fr,
        milestone=first,
        accepted_on=timezone.localdate(),
        accepted_by_name="李工",
        document=pdf("验收单.pdf"),
    )
    first.refresh_from_db()
    assert first.status == MilestoneStatus.ACCEPTED
    assert first.acceptance_document.name
    kinds = list(IntegrationEvent.objects.values_list("kind", flat=True))
    assert {"order.created", "delivery.recorded", "milestone.accepted"} <= set(kinds)


def test_delays_are_flagged_once_to_fr_and_ar(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    late = contract.milestones.order_by("position").first()
    today = late.planned_date + timedelta(days=1)
    assert services.flag_delays(today=today) == 1
    assert services.flag_delays(today=today) == 0
    owners = set(Activity.objects.filter(title__startswith="Milestone late").values_list("owner", flat=True))
    assert owners == {team.fr.pk, world.owner.pk}


def test_change_request_makes_an_amendment(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    service = contract.current.lines.get(code="SVC-IMP")
    order = services.order_generate(actor=team.fr, contract=contract, quantities={service.key: "4"})
    milestone = contract.milestones.order_by("position").first()
    new_date = milestone.planned_date + timedelta(days=14)
    # Cutting below what is ordered is refused at once.
    with pytest.raises(ValidationError) as caught:
        services.change_create(
            actor=world.owner,
            contract=fresh(contract),
            origin="customer",
            title="减少实施",
            reason="客户自行实施",
            proposal={"lines": [{"key": service.key, "quantity": "3"}]},
        )
    assert "already ordered" in caught.value.message_dict["lines"][0]
    change = services.change_create(
        actor=world.owner,
        contract=fresh(contract),
        origin="customer",
        title="增加实施人天并推迟首个里程碑",
        reason="客户新增两条产线",
        proposal={
            "lines": [
                {"key": service.key, "quantity": "20"},
                {"product_id": catalog.ai.pk, "quantity": "1", "unit_price": "70000"},
            ],
            "milestones": [{"id": milestone.pk, "planned_date": new_date.isoformat()}],
        },
    )
    assert change.total_after - change.total_before == Decimal("95000.00")  # 10 × 1,500 × 1.06 + 70,000 × 1.13
    assert change.decider == world.manager
    with pytest.raises(ValidationError) as caught:
        services.change_decide(actor=world.manager, change=change, approve=True)
    assert "AR, SR, FR" in caught.value.message_dict["assessments"][0]
    with pytest.raises(PermissionDenied):
        services.change_assess(actor=world.owner, change=change, role="fr", verdict="support")
    services.change_assess(actor=world.owner, change=change, role="ar", verdict="support")
    services.change_assess(actor=team.sr, change=change, role="sr", verdict="support")
    with pytest.raises(ValidationError) as caught:
        services.change_assess(actor=team.fr, change=change, role="fr", verdict="concerns")
    assert {"comment", "cost_impact", "schedule_days"} <= set(caught.value.message_dict)
    services.change_assess(
        actor=team.fr,
        change=change,
        role="fr",
        verdict="concerns",
        comment="需加派一人",
        cost_impact="9000",
        schedule_days="14",
    )
    with pytest.raises(PermissionDenied):
        services.change_decide(actor=world.owner, change=change, approve=True)
    services.change_decide(actor=world.manager, change=change, approve=True, note="同意")
    contract = fresh(contract)
    change.refresh_from_db()
    assert change.status == "approved"
    assert change.result_version == contract.current
    assert contract.current.number == 2
    assert contract.current.kind == "amendment"
    assert contract.current.is_frozen
    assert contract.total == change.total_after == contract.current.grand_total
    assert contract.current.lines.get(key=service.key).quantity == Decimal(20)
    assert contract.versions.get(number=1).lines.get(key=service.key).quantity == Decimal(10)
    # Orders follow the new version; the milestone takes the new date; terms add up to the new total.
    assert order.lines.get().contract_line.version == contract.current
    milestone.refresh_from_db()
    assert milestone.planned_date == new_date
    assert sum(t.amount for t in contract.current.terms.all()) == contract.current.grand_total
    assert IntegrationEvent.objects.filter(kind="contract.amended").exists()


def test_change_above_authority_goes_up_and_rejection_is_kept(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    change = services.change_create(
        actor=world.owner,
        contract=contract,
        origin="internal",
        title="大额扩容",
        reason="扩容",
        proposal={"lines": [{"product_id": catalog.server.pk, "quantity": "10", "unit_price": "50000"}]},
    )
    assert change.decider == world.executive  # 565,000 is above the manager's 200,000
    with pytest.raises(ValidationError) as caught:
        services.change_decide(actor=world.executive, change=change, approve=False)
    assert "note" in caught.value.message_dict
    services.change_decide(actor=world.executive, change=change, approve=False, note="预算不足")
    change.refresh_from_db()
    assert change.status == "rejected"
    assert change.decision_note == "预算不足"
    assert fresh(contract).current.number == 1
    assert ChangeRequest.objects.filter(contract=contract).count() == 1


def test_bad_proposals_change_nothing(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    bad = [
        ({}, "proposal"),
        ({"lines": [{"key": 999, "quantity": "1"}]}, "lines.0.key"),
        ({"lines": [{"product_id": catalog.ai.pk, "quantity": "-1", "unit_price": "1"}]}, "lines.0.quantity"),
        ({"terms": [{"label": "全款", "percent": "90", "trigger": "signing"}]}, "terms"),
        ({"milestones": [{"name": "新", "planned_date": "明天"}]}, "milestones.0.planned_date"),
        ({"price": "1"}, "proposal"),
        ({"lines": ["SVC-IMP"]}, "lines"),
        ({"terms": {"label": "全款"}}, "terms"),
    ]
    for proposal, field in bad:
        with pytest.raises(ValidationError) as caught:
            services.change_create(
                actor=world.owner, contract=contract, origin="customer", title="x", reason="y", proposal=proposal
            )
        assert field in caught.value.message_dict, (proposal, caught.value.message_dict)
    assert not ChangeRequest.objects.exists()
    assert ContractLine.objects.filter(version__contract=contract).values("version").distinct().count() == 1


def test_complete_close_and_evaluate(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    services.risk_add(
        actor=world.owner, contract=contract, data={"kind": "dispute", "title": "验收标准争议", "impact": "high"}
    )
    _deliver_everything(world, team, contract)
    contract = fresh(contract)
    services.contract_complete(actor=team.fr, contract=contract, expected_version=contract.version)
    contract = fresh(contract)
    with pytest.raises(ValidationError) as caught:
        services.contract_close(
            actor=world.owner, contract=contract, expected_version=contract.version, satisfaction="4"
        )
    assert "Dispute open: 验收标准争议." in caught.value.message_dict["contract"]
    assert any(p.startswith("Draft invoice not issued") for p in caught.value.message_dict["contract"])
    dispute = contract.risks.get()
    services.risk_update(actor=world.owner, risk=dispute, data={"status": "closed"})
    settle(contract, world.finance)
    services.contract_close(
        actor=world.owner,
        contract=contract,
        expected_version=contract.version,
        satisfaction="4",
        lessons="提前确认机房",
    )
    contract = fresh(contract)
    evaluation = contract.evaluation
    assert contract.status == ContractStatus.CLOSED
    assert evaluation.on_time_pct == Decimal(100)
    assert evaluation.acceptance_refusals == 0
    assert evaluation.actual_margin_pct is not None
    assert evaluation.satisfaction == 4
    assert Decimal(1) <= evaluation.signing_score <= Decimal(5)
    assert Decimal(1) <= evaluation.fulfilment_score <= Decimal(5)


def test_complete_lists_what_is_open(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    services.order_generate(actor=team.fr, contract=contract)
    contract = fresh(contract)
    with pytest.raises(ValidationError) as caught:
        services.contract_complete(actor=team.fr, contract=contract, expected_version=contract.version)
    problems = caught.value.message_dict["contract"]
    assert any("is not accepted" in p for p in problems)
    assert any("is not fulfilled" in p for p in problems)
    assert any("0 of 10 delivered" in p for p in problems)


def test_terminate_needs_a_manager_once_signed(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    order = services.order_generate(actor=team.fr, contract=contract)
    contract = fresh(contract)
    with pytest.raises(PermissionDenied):
        services.contract_terminate(actor=world.owner, contract=contract, expected_version=contract.version, reason="x")
    with pytest.raises(ValidationError):
        services.contract_terminate(
            actor=world.manager, contract=contract, expected_version=contract.version, reason=""
        )
    services.contract_terminate(
        actor=world.manager, contract=contract, expected_version=contract.version, reason="客户破产"
    )
    order.refresh_from_db()
    assert fresh(contract).status == ContractStatus.TERMINATED
    assert order.status == OrderStatus.CANCELLED


def test_the_daily_command_flags_late_milestones(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    late = contract.milestones.order_by("position").first()
    Milestone.objects.filter(pk=late.pk).update(planned_date=timezone.localdate() - timedelta(days=3))
    out = StringIO()
    call_command("flag_delays", stdout=out)
    late.refresh_from_db()
    assert "queued delay check" in out.getvalue()
    assert late.delay_flagged_on == timezone.localdate()
    assert late.is_late()
    assert Activity.objects.filter(owner=team.fr, title__startswith="Milestone late").count() == 1


# --- the deal and the account learn what the contract did -----------------------------------


def _deal_tasks(deal: Any) -> list[str]:
    return list(
        Activity.objects.filter(object_id=deal.pk, content_type__model="opportunity", kind="task").values_list(
            "title", flat=True
        )
    )


def test_the_review_serving_as_atc_is_the_deals_atc(world: Any, team: Team, catalog: Catalog) -> None:
    contract = approved_contract(world, team, catalog)
    atc = DecisionReview.objects.get(opportunity=contract.opportunity_id)
    assert (atc.review_type, atc.status, atc.decision, atc.decided_by, atc.amount) == (
        "ATC",
        "decided",
        "go",
        world.manager,
        contract.total,
    )
    assert atc.decision_note == f"ATC passed through the review of contract {contract.number}."


def test_signing_wins_the_deal_and_makes_the_account_a_customer(world: Any, team: Team, catalog: Catalog) -> None:
    assert world.account.status == "prospect"
    contract = signed_contract(world, team, catalog)
    deal = Opportunity.objects.get(pk=contract.opportunity_id)
    assert (deal.status, deal.stage.name, deal.close_reason, deal.amount, deal.expected_close_date) == (
        "won",
        "赢单",
        "other",
        contract.total,
        contract.signed_on,
    )
    assert _deal_tasks(deal) == []
    world.account.refresh_from_db()
    assert world.account.status == "customer"
    changed = TimelineEvent.objects.filter(object_id=world.account.pk, content_type__model="account", kind="changed")
    assert [e.changes for e in changed] == [[{"field": "status", "old": "prospect", "new": "customer"}]]


def test_signing_a_deal_whose_gates_hold_leaves_it_open_for_the_ar(world: Any, team: Team, catalog: Catalog) -> None:
    contract = approved_contract(world, team, catalog)
    deal = Opportunity.objects.get(pk=contract.opportunity_id)
    requirement = deal.pipeline.stages.get(name="确认").requirements.get()
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=requirement, done=False)
    services.contract_sign(
        actor=world.owner,
        contract=contract,
        expected_version=contract.version,
        signed_on=timezone.localdate(),
        customer_signatory="王总",
        our_signatory="张经理",
        signed_copy=pdf(),
    )
    assert fresh(contract).status == ContractStatus.SIGNED  # the signature stands
    deal = Opportunity.objects.get(pk=contract.opportunity_id)
    assert (deal.status, deal.stage.name) == ("open", "确认")
    assert _deal_tasks(deal) == [f"To win “{deal.name}”: 确认: 需求已确认"]


def test_a_contract_does_not_close_while_its_deal_is_open(world: Any, team: Team, catalog: Catalog) -> None:
    contract = completed_contract(world, team, catalog)
    settle(contract, world.finance)
    deal = Opportunity.objects.get(pk=contract.opportunity_id)
    deal_services.opportunity_reopen(actor=world.owner, opportunity=deal, expected_version=deal.version)
    contract = fresh(contract)
    message = f"Its deal “{deal.name}” is still open: win or lose it first."
    assert services.close_problems(contract) == [message]
    with pytest.raises(ValidationError) as caught:
        services.contract_close(actor=world.owner, contract=contract, expected_version=contract.version, satisfaction=4)
    assert caught.value.message_dict == {"opportunity": [message]}
    assert fresh(contract).status == ContractStatus.COMPLETED


def test_close_check_and_close_agree_on_a_paid_contract_in_execution(world: Any, team: Team, catalog: Catalog) -> None:
    contract = delivered_contract(world, team, catalog)
    settle(contract, world.finance)
    contract = fresh(contract)
    assert contract.status == ContractStatus.IN_EXECUTION
    assert services.close_problems(contract) == ["Not possible while the contract is In execution."]
    with pytest.raises(ValidationError) as caught:
        services.contract_close(actor=world.owner, contract=contract, expected_version=contract.version, satisfaction=4)
    assert caught.value.message_dict == {"status": ["Not possible while the contract is In execution."]}
    assert fresh(contract).status == ContractStatus.IN_EXECUTION
