"""The demo contract: the accepted quote becomes a contract that was reviewed (finance, legal,
delivery), signed, accepted by the FR, partly delivered (first milestone accepted by the
customer) and changed once through a change request — version 2, with its diff."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ltc.contracts import services
from ltc.contracts.models import Contract
from ltc.contracts.services.common import current_of
from ltc.core.pdf import FONT_FAMILY, html_to_pdf
from ltc.opportunities.models import Opportunity
from ltc.org.models import Authority, Role, User
from ltc.quotes.documents import render_pdf
from ltc.quotes.models import Quote
from ltc.web.demo_deals import do_checklist

CHANGE_AUTHORITY = [("sales_manager", "500000"), ("executive", None)]
ACCEPTANCE_HTML = """<html><head><meta charset="utf-8"><style>
body {{ font-family: "{font}", "Noto Sans CJK SC", sans-serif; margin: 3cm; }} h1 {{ font-size: 20pt; }}
</style></head><body><h1>到货验收证书</h1><p>合同：{number}</p><p>里程碑：{milestone}</p>
<p>经现场清点，设备数量、型号与合同一致，外观完好，同意验收。</p><p>客户代表：{name}　日期：{date}</p></body></html>"""


def _acceptance_pdf(number: str, milestone: str, name: str) -> SimpleUploadedFile:
    html = ACCEPTANCE_HTML.format(
        font=FONT_FAMILY, number=number, milestone=milestone, name=name, date=timezone.localdate()
    )
    return SimpleUploadedFile("验收证书.pdf", html_to_pdf(html), content_type="application/pdf")


def seed_contracts(users: dict[str, User]) -> None:
    if Contract.objects.exists():
        return
    for role, limit in CHANGE_AUTHORITY:
        Authority.objects.get_or_create(
            subject="contract_change", role=Role.objects.get(code=role), defaults={"max_amount": limit}
        )
    quote = Quote.objects.filter(status="accepted").select_related("opportunity", "current").order_by("id").first()
    if quote is None:
        return
    ar, fr, sr = quote.opportunity.owner, users["yang"], users["chen"]
    contract = services.contract_create(actor=ar, quote=quote)
    services.contract_update(
        actor=ar,
        contract=contract,
        expected_version=contract.version,
        data={
            "sr": sr,
            "fr": fr,
            "penalty_clause": "乙方逾期交付的，每逾期一日按未交付部分金额的千分之一支付违约金，累计不超过合同总额的 5%。",
            "ip_clause": "软件著作权归乙方所有；甲方在合同范围内享有永久使用权。",
        },
    )
    contract = Contract.objects.get(pk=contract.pk)
    start = timezone.localdate()
    final = contract.milestones.get()  # the one the acceptance payment term made
    services.milestone_save(
        actor=fr,
        contract=contract,
        milestone=final,
        data={
            "name": "终验",
            "planned_date": start + timedelta(days=90),
            "deliverables": "系统稳定运行 30 天，培训完成，文档移交。",
            "acceptance_criteria": "关键指标达标，客户签署终验报告。",
        },
    )
    # The acceptance payment (到货款) falls due when the hardware is accepted.
    payment_term = final.terms.get().position
    for days, name, deliverables, term in (
        (21, "硬件到货", "边缘服务器、网关到货并完成安装。", payment_term),
        (60, "系统上线", "MES 上线，产线数据接入。", None),
    ):
        services.milestone_save(
            actor=fr,
            contract=contract,
            data={
                "name": name,
                "planned_date": start + timedelta(days=days),
                "deliverables": deliverables,
                **({"term": term} if term else {}),
            },
        )
    review = services.contract_submit_review(actor=ar, contract=contract, expected_version=contract.version)
    checkers = {"finance": users["zhou"], "legal": users["qian"], "delivery": fr}
    notes = {"penalties": "违约金上限 5%，可接受。"}
    for check in review.checks.all():
        services.review_check(
            actor=checkers[check.area],
            contract=contract,
            item=check.item,
            result="ok",
            comment=notes.get(check.item, ""),
        )
    services.review_decide(actor=review.decider, contract=contract, decision="approve", note="条款与毛利均符合要求。")
    contract = Contract.objects.get(pk=contract.pk)
    # The AR settles the negotiation's checklist, so signing (with the review as the ATC) wins the deal.
    deal = Opportunity.objects.select_related("pipeline", "stage").get(pk=contract.opportunity_id)
    if deal.is_open and deal.stage_id == deal.pipeline.quote_accepted_stage_id:
        do_checklist(deal, deal.stage, users)
    signed_copy = SimpleUploadedFile(
        f"{contract.number}-签字版.pdf", render_pdf(contract.quote_version), content_type="application/pdf"
    )
    services.contract_sign(
        actor=ar,
        contract=contract,
        expected_version=contract.version,
        signed_on=timezone.localdate(),
        customer_signatory="陈总（采购总监）",
        our_signatory=str(users["li"]),
        signed_copy=signed_copy,
    )
    contract = Contract.objects.get(pk=contract.pk)
    services.contract_accept(
        actor=fr,
        contract=contract,
        expected_version=contract.version,
        data={
            "scope_confirmed": True,
            "deliverables_confirmed": True,
            "meeting_on": timezone.localdate(),
            "ar_present": True,
            "sr_present": True,
            "minutes": "确认交付范围、到货清单和实施计划；客户机房 12 月中旬具备条件。",
            "open_questions": "客户 ERP 接口文档待提供\n产线网络改造由谁负责",
        },
    )
    contract = Contract.objects.get(pk=contract.pk)
    milestones = {m.name: m for m in contract.milestones.all()}
    hardware = [line for line in current_of(contract).lines.all() if line.code in ("SRV-EDGE", "GW-IOT")]
    order = services.order_generate(
        actor=fr,
        contract=contract,
        title="第一批：硬件到货",
        quantities={line.key: line.quantity for line in hardware},
        milestone=milestones["硬件到货"],
    )
    order_lines = {line.pk: line.quantity for line in order.lines.all()}
    services.delivery_record(
        actor=fr,
        order=order,
        kind="goods",
        delivered_on=timezone.localdate(),
        quantities=order_lines,
        note="顺丰物流单 SF1234567890，客户库管签收。",
    )
    services.order_update(actor=fr, order=order, expected_version=order.version, erp_reference="SAP-4500012345")
    first = milestones["硬件到货"]
    services.milestone_deliver(actor=fr, milestone=first, delivered_on=timezone.localdate())
    first.refresh_from_db()
    services.milestone_accept(
        actor=fr,
        milestone=first,
        accepted_on=timezone.localdate(),
        accepted_by_name="王工（设备部）",
        document=_acceptance_pdf(contract.number, first.name, "王工"),
    )
    contract = Contract.objects.get(pk=contract.pk)
    implementation = current_of(contract).lines.get(code="SVC-IMP")
    golive = milestones["系统上线"]
    proposal: dict[str, object] = {
        "lines": [{"key": implementation.key, "quantity": "50"}],
        "milestones": [{"id": golive.pk, "planned_date": (golive.planned_date + timedelta(days=14)).isoformat()}],
    }
    change = services.change_create(
        actor=ar,
        contract=contract,
        origin="customer",
        title="新增二号产线实施，上线推迟两周",
        reason="客户扩建二号产线，需要增加 10 人天实施；产线改造导致上线推迟两周。",
        proposal=proposal,
    )
    services.change_assess(
        actor=ar, change=change, role="ar", verdict="support", comment="客户已书面确认，价格按原单价。"
    )
    services.change_assess(actor=sr, change=change, role="sr", verdict="support", comment="方案不变，技术可行。")
    services.change_assess(
        actor=fr,
        change=change,
        role="fr",
        verdict="concerns",
        comment="需增派一名实施顾问两周。",
        cost_impact="9000",
        schedule_days="14",
    )
    services.change_decide(actor=change.decider, change=change, approve=True, note="同意变更。")
