"""An invoice leaves 开票和回款 when it is paid in full (issue #17): the step log reads an issued
invoice with nothing open as standing at "paid" — bound to no step here, so its visit closes — and
a reversed payment brings it back; the rebuild derives the same from the payments and credit
notes; the rebuild works chunk by chunk."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ltc.billing import services as billing
from ltc.billing.choices import InvoiceStatus, LineStatus
from ltc.billing.models import BillingLine, Invoice
from ltc.billing.tests.factories import issue_drafts, pay
from ltc.catalog.tests.factories import Catalog
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.leads import services as lead_services
from ltc.opportunities import services as deal_services
from ltc.opportunities.tests.factories import make_pipeline, stage
from ltc.process import steps
from ltc.process.models import BindingKind, ProcessBinding, StepVisit
from ltc.process.selectors import binding_choices, position_of
from ltc.process.services import binding_add
from ltc.process.tests.maps import make_map, node


@pytest.fixture
def pipeline(db: Any) -> Any:
    return make_pipeline()


@pytest.fixture
def nodes(pipeline: Any) -> dict[str, Any]:
    """The test map with a step of collection: draft and issued invoices stand in MCE.BILL."""
    nodes = make_map(pipeline)
    mce = node("T.MCE", 2, 3, nodes["T"])
    nodes["MCE.BILL"] = node("T.MCE.BILL", 3, 1, mce)
    nodes["MCE.PAID"] = node("T.MCE.PAID", 3, 2, mce)
    for key in ("draft", "issued"):
        ProcessBinding.objects.create(node=nodes["MCE.BILL"], kind=BindingKind.INVOICE_STATUS, key=key)
    return nodes


def _issued(world: Any) -> Invoice:
    (invoice,) = issue_drafts(signed_contract(world, team_of(world)), world.finance)
    return Invoice.objects.get(pk=invoice.pk)


def _log(invoice: Invoice) -> list[tuple[str, str | None, bool]]:
    """(node code, node entered next, still open) of the invoice's visits, in order."""
    visits = StepVisit.objects.filter(
        content_type=ContentType.objects.get_for_model(Invoice), object_id=invoice.pk
    ).order_by("entered_at", "id")
    return [
        (code, after, left is None)
        for code, after, left in visits.values_list("node__code", "next_node__code", "left_at")
    ]


def _times(invoice: Invoice) -> list[tuple[Any, ...]]:
    visits = StepVisit.objects.filter(content_type=ContentType.objects.get_for_model(Invoice), object_id=invoice.pk)
    return list(
        visits.order_by("entered_at", "id").values_list("node__code", "entered_at", "left_at", "next_node__code")
    )


def _agree(live: list[tuple[Any, ...]], rebuilt: list[tuple[Any, ...]]) -> None:
    """The same visits: the live log takes the time of the reaction, the rebuild the time of the
    booking written in the same transaction (microseconds apart) — the draft's creation included,
    which invoice.drafted announces."""
    assert [(v[0], v[2] is None, v[3]) for v in rebuilt] == [(v[0], v[2] is None, v[3]) for v in live]
    for was, now in zip(live, rebuilt, strict=True):
        assert abs(was[1] - now[1]) < timedelta(seconds=1)
        if was[2] is not None:
            assert abs(was[2] - now[2]) < timedelta(seconds=1)


def _rebuilt_agrees(*invoices: Invoice) -> None:
    live = [_times(invoice) for invoice in invoices]
    steps.step_visits_rebuild()
    for invoice, was in zip(invoices, live, strict=True):
        _agree(was, _times(invoice))


def test_an_invoice_paid_in_full_by_one_payment_leaves_the_step(world, nodes):
    invoice = _issued(world)
    assert _log(invoice) == [("T.MCE.BILL", None, True)]  # draft and issued: one visit
    pay(invoice, world.finance)
    assert _log(invoice) == [("T.MCE.BILL", None, False)]
    live = _times(invoice)
    steps.step_visits_rebuild()
    _agree(live, _times(invoice))


def test_two_partial_payments_keep_it_in_the_step_until_the_second_one(world, nodes):
    invoice = _issued(world)
    pay(invoice, world.finance, Decimal("100.00"), reference="A-1")
    assert _log(invoice) == [("T.MCE.BILL", None, True)]  # partly paid: still collecting
    pay(invoice, world.finance, reference="A-2")
    assert _log(invoice) == [("T.MCE.BILL", None, False)]
    live = _times(invoice)
    steps.step_visits_rebuild()
    _agree(live, _times(invoice))


def test_a_reversed_payment_brings_the_invoice_back_and_a_company_may_bind_paid(world, nodes):
    ProcessBinding.objects.create(node=nodes["MCE.PAID"], kind=BindingKind.INVOICE_STATUS, key="paid")
    invoice = _issued(world)
    payment = pay(invoice, world.finance)
    assert _log(invoice) == [("T.MCE.BILL", "T.MCE.PAID", False), ("T.MCE.PAID", None, True)]
    invoice.refresh_from_db()
    assert position_of(invoice) == nodes["MCE.PAID"]
    billing.payment_reverse(actor=world.finance, payment=payment, reason="银行退票")
    assert _log(invoice) == [
        ("T.MCE.BILL", "T.MCE.PAID", False),
        ("T.MCE.PAID", "T.MCE.BILL", False),
        ("T.MCE.BILL", None, True),  # open again: a new visit
    ]
    invoice.refresh_from_db()
    assert position_of(invoice) == nodes["MCE.BILL"]
    live = _times(invoice)
    steps.step_visits_rebuild()
    _agree(live, _times(invoice))


def test_a_credit_note_for_the_rest_of_a_part_paid_invoice_settles_it(world, nodes):
    invoice = _issued(world)
    pay(invoice, world.finance, Decimal("100.00"))
    assert _log(invoice) == [("T.MCE.BILL", None, True)]
    invoice.refresh_from_db()
    note = billing.invoice_credit(actor=world.finance, invoice=invoice, value=invoice.open_amount, reason="折让")
    assert _log(invoice) == [("T.MCE.BILL", None, False)]
    assert _log(note) == []  # a credit note awaits no payment: it stands nowhere
    live = _times(invoice)
    steps.step_visits_rebuild()
    _agree(live, _times(invoice))
    assert _log(note) == []


def test_a_cancelled_invoice_leaves_by_cancellation_not_through_paid(world, nodes):
    ProcessBinding.objects.create(node=nodes["MCE.PAID"], kind=BindingKind.INVOICE_STATUS, key="paid")
    invoice = _issued(world)
    billing.invoice_cancel(actor=world.finance, invoice=invoice, reason="开错抬头")
    assert _log(invoice) == [("T.MCE.BILL", None, False)]
    live = _times(invoice)
    steps.step_visits_rebuild()
    _agree(live, _times(invoice))


def test_a_draft_opens_its_visit_when_made_and_a_cancelled_draft_leaves(world, nodes):
    ProcessBinding.objects.create(node=nodes["MCE.PAID"], kind=BindingKind.INVOICE_STATUS, key="cancelled")
    contract = signed_contract(world, team_of(world))
    (draft,) = Invoice.objects.filter(contract=contract, status=InvoiceStatus.DRAFT)
    assert _log(draft) == [("T.MCE.BILL", None, True)]  # open from the draft, before any issue
    billing.invoice_cancel(actor=world.finance, invoice=draft)
    assert _log(draft) == [("T.MCE.BILL", "T.MCE.PAID", False), ("T.MCE.PAID", None, True)]
    again = billing.billing_line_invoice(actor=world.finance, line=draft.billing_line)
    assert _log(again) == [("T.MCE.BILL", None, True)]  # the line invoiced anew: a new draft, a new visit
    _rebuilt_agrees(draft, again)


def test_draft_issued_paid_by_credit_allocated_later_is_one_visit_the_rebuild_agrees_with(world, nodes):
    invoice = _issued(world)
    assert _log(invoice) == [("T.MCE.BILL", None, True)]
    invoice.refresh_from_db()
    credit = billing.payment_record(  # received before anyone knew which invoice it paid
        actor=world.finance,
        data={"account_id": invoice.account_id, "amount": invoice.total, "received_on": invoice.issue_date},
    )
    assert _log(invoice) == [("T.MCE.BILL", None, True)]
    billing.payment_allocate(
        actor=world.finance, payment=credit, items=[{"invoice_id": invoice.pk, "amount": str(invoice.total)}]
    )
    assert _log(invoice) == [("T.MCE.BILL", None, False)]  # paid by the allocation: it left the step
    _rebuilt_agrees(invoice)


def test_an_issued_invoice_credited_in_full_leaves_and_the_rebuild_agrees(world, nodes):
    invoice = _issued(world)
    note = billing.invoice_credit(actor=world.finance, invoice=invoice, value=invoice.total, reason="价格调整")
    assert _log(invoice) == [("T.MCE.BILL", None, False)]
    assert _log(note) == []
    _rebuilt_agrees(invoice)


def _run_counting(contracts: list[Any]) -> tuple[list[Invoice], int]:
    """The invoice run with every planned line of `contracts` due today, how many queries it took,
    and the drafts it made for them."""
    BillingLine.objects.filter(contract__in=contracts, status=LineStatus.PLANNED).update(
        trigger="date", expected_on=timezone.localdate()
    )
    before = set(Invoice.objects.filter(contract__in=contracts).values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        billing.invoice_run(today=timezone.localdate())
    made = Invoice.objects.filter(contract__in=contracts, status=InvoiceStatus.DRAFT).exclude(pk__in=before)
    return list(made.order_by("pk")), len(queries)


def test_the_invoice_run_opens_the_visits_of_its_drafts_set_based(world, nodes):
    catalog = Catalog()
    one, few = _run_counting([signed_contract(world, team_of(world), catalog)])
    three, many = _run_counting([signed_contract(world, team_of(world), catalog) for _ in range(3)])
    assert len(three) == 3 * len(one) > 0
    for draft in one + three:
        assert _log(draft) == [("T.MCE.BILL", None, True)]
    assert many == few  # the drafts' events and their step syncs are one set per chunk, not one per draft
    _rebuilt_agrees(*one, *three)


def test_the_binding_choices_offer_paid_and_a_node_may_be_bound_to_it(world, nodes):
    assert [key for key, _label in binding_choices(BindingKind.INVOICE_STATUS)] == [
        "draft",
        "issued",
        "paid",
        "cancelled",
    ]
    binding = binding_add(actor=world.admin, node=nodes["MCE.PAID"], kind=BindingKind.INVOICE_STATUS, key="paid")
    assert (binding.kind, binding.key) == ("invoice_status", "paid")


def _whole_log() -> list[tuple[Any, ...]]:
    return list(
        StepVisit.objects.order_by("content_type_id", "object_id", "entered_at", "node_id").values_list(
            "content_type_id", "object_id", "node_id", "entered_at", "left_at", "seconds", "next_node_id"
        )
    )


def test_the_rebuild_in_chunks_of_two_writes_the_same_log(world, pipeline, nodes, monkeypatch):
    leads = [
        lead_services.lead_create(
            actor=world.owner, data={"company_name": f"澄明科技{i}有限公司", "source": "website"}, owner=world.owner
        )
        for i in range(5)
    ]
    lead_services.lead_disqualify(actor=world.owner, lead=leads[1], reason="no_need")
    for i in range(3):
        deal_services.opportunity_create(
            actor=world.owner,
            data={"name": f"项目{i}", "account": world.account, "pipeline": pipeline, "stage": stage(pipeline, "方案")},
        )
    invoice = _issued(world)
    pay(invoice, world.finance)
    whole = steps.step_visits_rebuild()
    before = _whole_log()
    monkeypatch.setattr(steps, "REBUILD_CHUNK", 2)
    StepVisit.objects.create(  # a visit of a record that is gone: the rebuild drops it
        node=nodes["ML.NEW"],
        content_type=ContentType.objects.get_for_model(leads[0]),
        object_id=10**9,
        entered_at=invoice.created_at,
    )
    assert steps.step_visits_rebuild() == whole
    assert _whole_log() == before
    assert len(before) == whole > 9
