"""`make demo` seeds a company one can walk through: customers, leads, and deals at every stage."""

import re

from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from ltc.billing.models import Invoice, StatementLine
from ltc.contracts.models import Contract
from ltc.core import customfields
from ltc.core.models import Activity, Attachment, CustomValue, Notification, RecycledRecord, TimelineEvent
from ltc.customers.models import Account
from ltc.leads.models import Lead
from ltc.opportunities.models import Bid, DecisionReview, GateOutcome, Opportunity, Stakeholder
from ltc.org.models import Delegation
from ltc.quotes.models import Quote
from ltc.web.demo import seed_demo


def test_the_demo_company_is_seeded_once_with_deals_worked_through_their_gates(db):
    assert seed_demo() is True
    assert seed_demo() is False  # idempotent
    assert Account.objects.count() >= 10
    assert Lead.objects.exists()
    stages = set(Opportunity.objects.filter(status="open").values_list("stage__name", flat=True))
    assert {"线索确认", "立项 (ATI)", "投标 (ATB)", "签约 (ATC)"} <= stages
    assert set(Opportunity.objects.values_list("status", flat=True)) == {"open", "won", "lost"}
    assert DecisionReview.objects.filter(decision="go").exists()
    escalated = DecisionReview.objects.get(status="open")
    assert escalated.passed_over
    assert escalated.decider.username == "wang"
    assert Stakeholder.objects.filter(role="decision_maker").exists()
    assert Bid.objects.filter(status="preparing", sections__kind="technical").exists()
    statuses = sorted(Quote.objects.values_list("status", flat=True))
    assert statuses == ["accepted", "draft", "in_approval", "sent"]
    waiting = Quote.objects.get(status="in_approval").current.approvals.get()
    assert waiting.approver.username == "li"
    accepted = Quote.objects.get(status="accepted")
    contract = Contract.objects.get()
    assert contract.quote == accepted
    # The accepted quote moved the deal on through its gates; signing the contract won it.
    deal = accepted.opportunity
    assert deal.max_stage_order >= deal.pipeline.quote_accepted_stage.order
    assert (deal.status, deal.amount, deal.expected_close_date) == ("won", contract.total, contract.signed_on)
    assert deal.reviews.get(review_type="ATC").decision == "go"
    assert deal.account.status == "customer"
    assert not Activity.objects.filter(object_id=deal.pk, title__startswith="To ").exists()
    assert contract.status == "in_execution"
    assert contract.current.number == 2
    assert contract.current.kind == "amendment"
    assert contract.reviews.get().decision == "approve"
    assert contract.signed_copy.name.endswith(".pdf")
    assert contract.handover.accepted_by.username == "yang"
    assert contract.milestones.get(name="硬件到货").status == "accepted"
    assert contract.milestones.get(name="硬件到货").terms.filter(trigger="acceptance").exists()
    # Billing: the advance is overdue with collection steps, the acceptance invoice paid in two
    # transfers, finance was told of each draft, a statement waits to be matched.
    advance = Invoice.objects.get(contract=contract, billing_line__trigger="signing")
    assert advance.number.startswith("INV")
    assert advance.open_amount == advance.total
    assert advance.days_overdue() == 20
    assert list(advance.collection_steps.values_list("level", flat=True)) == [1, 2]
    paid = Invoice.objects.get(contract=contract, billing_line__trigger="acceptance")
    assert paid.open_amount == 0
    assert paid.allocations.count() == 2
    assert Activity.objects.filter(owner__username="zhou", title__contains=contract.number).count() == 2
    assert StatementLine.objects.filter(status="open").count() == 2
    assert contract.orders.get().status == "fulfilled"
    assert contract.changes.get().status == "approved"


def test_the_demo_timeline_is_written_in_chinese_whatever_language_is_active(db):
    """The demo's users read Chinese: service messages stored on the timeline are Chinese even
    when the seeding process runs in English (a command, a test, a missing LANGUAGE_CODE)."""
    with translation.override("en"):
        seed_demo()
    sent = Quote.objects.get(status="sent")
    note = TimelineEvent.objects.get(object_id=sent.pk, kind="note", text__contains="@")
    assert note.text.startswith("第 1 版已发送至 ")
    english = [
        text
        for text in TimelineEvent.objects.exclude(text="").values_list("text", flat=True)
        # Addresses and product codes (MES-SUITE) are data, not words.
        if re.search(r"\b[A-Za-z]{4,}\b", re.sub(r"\S+@\S+|\b[A-Z0-9]+(?:-[A-Z0-9]+)+\b", "", text))
    ]
    assert english == []


def test_the_demo_shows_the_work_surface_custom_fields_files_notices_bin_and_delegation(db, web_as):
    """Issue #18: what was built for the work surface is in the demo, seeded through its services."""
    with translation.override("en"):
        assert seed_demo() is True
    contract = Contract.objects.select_related("opportunity__owner", "account__owner").get()
    deal, account = contract.opportunity, contract.account
    # Custom fields: a tier on the customers, a competitor and the budget flag on deals.
    assert customfields.custom_values_of([account])[account.pk] == {"tier": "key"}
    assert customfields.custom_values_of([deal])[deal.pk] == {"main_competitor": "用友网络", "budget_approved": True}
    tiers = CustomValue.objects.filter(field__code="tier").values_list("text", flat=True)
    assert sorted(set(tiers)) == ["key", "standard", "strategic"]
    assert CustomValue.objects.filter(field__code="main_competitor").count() == 7
    # Files: the survey minutes on the deal, the organisation chart on its account; both valid.
    minutes = Attachment.objects.of(deal).current().get()
    assert (minutes.title, minutes.media_type, minutes.uploaded_by) == ("需求调研纪要", "application/pdf", deal.owner)
    assert minutes.file.open("rb").read(5) == b"%PDF-"
    chart = Attachment.objects.of(account).current().get()
    assert (chart.title, chart.media_type) == ("客户组织架构图", "image/png")
    with chart.file.open("rb") as handle:
        assert Image.open(handle).size == (480, 220)
    with translation.override("zh-hans"):
        deal_page = web_as(deal.owner).get(reverse("opportunities:opportunity_detail", args=[deal.pk]))
        account_page = web_as(account.owner).get(reverse("customers:account_detail", args=[account.pk]))
    assert deal_page.status_code == 200
    assert "需求调研纪要" in deal_page.text
    assert "主要竞争对手" in deal_page.text
    assert "用友网络" in deal_page.text
    assert "客户组织架构图" in account_page.text
    assert "客户等级" in account_page.text
    # The overdue advance reached its AR and the finance colleague who issued it.
    advance = Invoice.objects.get(contract=contract, billing_line__trigger="signing")
    told = Notification.objects.filter(kind="invoice_overdue", object_id=advance.pk)
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted([contract.owner.username, "zhou"])
    # The junk lead is in the bin, restorable by marketing.
    assert not Lead.objects.filter(company_name="测试线索（重复）").exists()
    binned = RecycledRecord.objects.get(kind="lead")
    assert (binned.label, binned.deleted_by.username) == ("测试线索（重复）", "sun")
    # The East manager passed an ATI gate by override; she is away next week, 赵强 decides for her.
    override = GateOutcome.objects.get()
    assert (override.outcome, override.actor.username, override.to_stage.name) == (
        "overridden",
        "li",
        "需求引导 / 标前引导",
    )
    assert override.missing.exists()
    delegation = Delegation.objects.get()
    assert (delegation.principal.username, delegation.delegate.username) == ("li", "zhao")
    assert delegation.starts_on.weekday() == 0
    assert (delegation.ends_on - delegation.starts_on).days == 4
    assert delegation.starts_on > timezone.localdate()
    assert seed_demo() is False
    assert Delegation.objects.count() == 1
