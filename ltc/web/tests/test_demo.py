"""`make demo` seeds a company one can walk through: customers, leads, and deals at every stage."""

import re

from django.utils import translation

from ltc.billing.models import Invoice, StatementLine
from ltc.contracts.models import Contract
from ltc.core.models import Activity, TimelineEvent
from ltc.customers.models import Account
from ltc.leads.models import Lead
from ltc.opportunities.models import Bid, DecisionReview, Opportunity, Stakeholder
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
        if re.search(r"\b[A-Za-z]{4,}\b", re.sub(r"\S+@\S+", "", text))
    ]
    assert english == []
