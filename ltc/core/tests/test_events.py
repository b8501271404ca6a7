"""The event catalogue: every emitted kind is declared, typed and documented; reactions run in the
transaction (a failure undoes the action) or after the commit (a failure is kept and retried by
the worker, never undoing the action); the table in docs/architecture.md is the catalogue's."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ltc.billing import services as billing_services
from ltc.billing.models import BillingLine, Invoice
from ltc.billing.tests.factories import settle
from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services as contract_services
from ltc.contracts.choices import ContractStatus
from ltc.contracts.events import ContractSigned
from ltc.contracts.models import Contract
from ltc.contracts.tests.factories import (
    Team,
    approved_contract,
    completed_contract,
    contract_team,
    fresh,
    pdf,
)
from ltc.core import events
from ltc.core.events import AFTER_COMMIT, IN_TRANSACTION, Event
from ltc.core.models import IntegrationEvent, ReactionDelivery
from ltc.core.tasks import deliver_reactions, recover_jobs
from ltc.leads import services as lead_services
from ltc.leads.tests.factories import LeadFactory
from ltc.opportunities import services as deal_services
from ltc.opportunities.tests.factories import make_pipeline

DOCS = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"

# The facts DESIGN.md and the stage contract ask every stage to announce.
REQUIRED_KINDS = {
    "lead.created",
    "lead.assigned",
    "lead.qualified",
    "lead.converted",
    "lead.merged",
    "opportunity.stage_changed",
    "opportunity.won",
    "opportunity.lost",
    "opportunity.reopened",
    "review.decided",
    "quote.sent",
    "quote.accepted",
    "quote.declined",
    "contract.signed",
    "contract.accepted",
    "contract.change_decided",
    "contract.amended",
    "contract.closed",
    "contract.terminated",
    "order.created",
    "order.updated",
    "delivery.recorded",
    "milestone.delivered",
    "milestone.accepted",
    "invoice.issued",
    "invoice.credited",
    "payment.received",
    "payment.reversed",
}


@pytest.fixture
def team(world: Any) -> Team:
    return contract_team(world)


def test_the_catalogue_declares_every_fact_typed_and_documented() -> None:
    catalogue = events.catalogue()
    kinds = [event.kind for event in catalogue]
    assert set(kinds) >= REQUIRED_KINDS
    assert len(kinds) == len(set(kinds))
    for event in catalogue:
        assert dataclasses.is_dataclass(event), event
        assert issubclass(event, Event), event
        assert event.__dataclass_params__.frozen, event  # type: ignore[attr-defined]
        doc = event.__dict__.get("__doc__") or ""
        assert doc.strip(), f"{event.kind} has no docstring"
        assert isinstance(event.schema_version, int), event.kind
        assert event.schema_version >= 1, event.kind
        assert apps.get_model(event.subject_model), event.kind
        assert event.emitted_by, event.kind
        # Payload fields are typed with what JSON can carry back: ids, money, dates, short text.
        assert events.payload_fields(event), event.kind
        for name, kind in events.payload_fields(event):
            assert "Any" not in kind, (event.kind, name, kind)
            assert "dict" not in kind, (event.kind, name, kind)


def test_an_event_without_a_docstring_or_subject_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="a docstring"):

        @dataclass(frozen=True)
        class Undocumented(Event):
            kind: ClassVar[str] = "test.undocumented"
            subject_model: ClassVar[str] = "leads.lead"
            emitted_by: ClassVar[str] = "a test"

    with pytest.raises(TypeError, match="declared twice"):

        @dataclass(frozen=True)
        class Twice(Event):
            """A second class for a kind that exists."""

            kind: ClassVar[str] = "contract.signed"
            subject_model: ClassVar[str] = "contracts.contract"
            emitted_by: ClassVar[str] = "a test"

    assert events.event_class_of("test.undocumented") is None
    assert events.event_class_of("contract.signed") is ContractSigned


def _walk(world: Any, team: Team) -> None:
    """Lead to cash through the services: each stage's facts, as a user's work makes them."""
    pipeline = make_pipeline()
    lead = lead_services.lead_create(
        actor=world.marketing, data={"source": "website", "company_name": "星河机电有限公司"}
    )
    lead_services.lead_assign(actor=world.manager, lead=lead, owner=world.owner)
    duplicate = LeadFactory(owner=world.owner, company_name="星河机电")
    lead_services.lead_merge(actor=world.owner, survivor=lead, other=duplicate)
    lead.refresh_from_db()
    lead = lead_services.lead_qualify(actor=world.manager, lead=lead, override_reason="老客户推荐")
    deal = deal_services.opportunity_from_lead(actor=world.owner, lead=lead, pipeline=pipeline)
    deal_services.opportunity_lose(actor=world.owner, opportunity=deal, expected_version=deal.version, reason="price")
    deal.refresh_from_db()
    deal_services.opportunity_reopen(actor=world.owner, opportunity=deal, expected_version=deal.version)
    deal.refresh_from_db()
    deal_services.opportunity_advance(
        actor=world.manager, opportunity=deal, expected_version=deal.version, override_reason="客户已确认需求"
    )
    contract = completed_contract(world, team, Catalog())
    order = contract.orders.first()
    contract_services.order_update(actor=team.fr, order=order, expected_version=order.version, erp_reference="SAP-4711")
    settle(contract, world.finance)
    invoice = Invoice.objects.filter(contract=contract, kind="invoice").order_by("pk").first()
    contract_services.contract_close(
        actor=world.owner, contract=fresh(contract), expected_version=fresh(contract).version, satisfaction=5
    )
    payment = invoice.allocations.first().payment
    billing_services.payment_reverse(actor=world.finance, payment=payment, reason="银行退回")
    billing_services.invoice_credit(actor=world.finance, invoice=invoice, value="10.00", reason="折让")


def test_a_lead_to_cash_walk_emits_only_catalogued_events_with_their_schema(world: Any, team: Team) -> None:
    _walk(world, team)
    rows = list(IntegrationEvent.objects.order_by("pk"))
    emitted = {row.kind for row in rows}
    undeclared = emitted - {event.kind for event in events.catalogue()}
    assert not undeclared, f"emitted but not in the catalogue: {sorted(undeclared)}"
    assert {
        "lead.created",
        "lead.assigned",
        "lead.merged",
        "lead.qualified",
        "lead.converted",
        "opportunity.created",
        "opportunity.lost",
        "opportunity.reopened",
        "opportunity.stage_changed",
        "opportunity.won",
        "review.decided",
        "quote.sent",
        "quote.accepted",
        "contract.signed",
        "contract.accepted",
        "contract.completed",
        "contract.closed",
        "order.created",
        "order.updated",
        "delivery.recorded",
        "milestone.delivered",
        "milestone.accepted",
        "invoice.issued",
        "invoice.credited",
        "payment.received",
        "payment.reversed",
    } <= emitted
    for row in rows:
        event_class = events.event_class_of(row.kind)
        assert event_class is not None
        assert row.schema_version == event_class.schema_version
        assert row.subject_type == event_class.subject_model
        assert apps.get_model(row.subject_type).objects.filter(pk=row.subject_id).exists(), row
        # The outbox row reads back as the typed event, and writes the same payload again.
        event = event_class.from_outbox(row)
        assert event.payload() == row.payload, row.kind
    signed = ContractSigned.from_outbox(IntegrationEvent.objects.get(kind="contract.signed"))
    assert isinstance(signed, ContractSigned)
    assert isinstance(signed.total, Decimal)
    assert signed.signed_on == timezone.localdate()


def _sign(world: Any, contract: Contract) -> Contract:
    return contract_services.contract_sign(
        actor=world.owner,
        contract=contract,
        expected_version=contract.version,
        signed_on=timezone.localdate(),
        customer_signatory="王总",
        our_signatory="张经理",
        signed_copy=pdf(),
    )


def test_a_failing_in_transaction_reaction_undoes_the_signature(world: Any, team: Team) -> None:
    contract = fresh(approved_contract(world, team, Catalog()))

    def refuse(event: ContractSigned) -> None:
        raise RuntimeError("the schedule cannot be planned")

    events.react(ContractSigned, refuse, runs=IN_TRANSACTION)
    try:
        with pytest.raises(RuntimeError, match="cannot be planned"):
            _sign(world, contract)
    finally:
        events.unreact(ContractSigned, refuse)
    contract = fresh(contract)
    assert (contract.status, contract.signed_on) == (ContractStatus.APPROVED, None)
    assert not IntegrationEvent.objects.filter(kind="contract.signed").exists()
    assert not BillingLine.objects.filter(contract=contract).exists()
    assert contract.opportunity.status == "open"


def test_a_failing_after_commit_reaction_keeps_the_signature_and_is_retried(
    world: Any, team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    contract = fresh(approved_contract(world, team, Catalog()))
    seen: list[ContractSigned] = []

    def notify(event: ContractSigned) -> None:
        if not seen:
            seen.append(event)
            raise ConnectionError("the notification service is down")
        seen.append(event)

    events.react(ContractSigned, notify, runs=AFTER_COMMIT)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _sign(world, contract)
        contract = fresh(contract)
        assert contract.status == ContractStatus.SIGNED
        assert BillingLine.objects.filter(contract=contract).exists()  # the in-transaction reaction ran
        # Other apps react to a signature after commit too (marketing's attribution): this test
        # follows its own reaction's delivery, the one of the notify reaction registered above.
        delivery = ReactionDelivery.objects.get(reaction__endswith=".notify")
        assert delivery.event.kind == "contract.signed"
        assert (delivery.attempts, delivery.done_at) == (1, None)
        assert delivery.last_error == "ConnectionError: the notification service is down"
        assert recover_jobs.call() == ["reactions"]  # queued again by the worker; it succeeds now
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.done_at is not None
        assert deliver_reactions.call() == 0  # done once: nothing runs twice
    finally:
        events.unreact(ContractSigned, notify)
    assert len(seen) == 2
    assert seen[1] == ContractSigned(
        subject_id=contract.pk,
        number=contract.number,
        total=contract.total,
        currency=contract.currency,
        signed_on=timezone.localdate(),
        opportunity_id=contract.opportunity_id,
        account_id=contract.account_id,
    )


def test_billing_follows_the_contract_in_its_transaction() -> None:
    reactions = {(r.event.kind, r.name, r.runs) for event in events.catalogue() for r in events.reactions_to(event)}
    assert {
        ("contract.signed", "ltc.billing.services.reactions._signed", IN_TRANSACTION),
        ("contract.amended", "ltc.billing.services.reactions._amended", IN_TRANSACTION),
        ("contract.terminated", "ltc.billing.services.reactions._terminated", IN_TRANSACTION),
        ("milestone.delivered", "ltc.billing.services.reactions._milestone", IN_TRANSACTION),
        ("milestone.accepted", "ltc.billing.services.reactions._milestone", IN_TRANSACTION),
    } <= reactions


def test_a_bulk_emit_writes_a_chunk_in_one_insert(world: Any, django_assert_max_num_queries: Any) -> None:
    from ltc.leads.events import LeadCreated

    leads = [LeadFactory(owner=world.owner) for _ in range(50)]
    batch = [LeadCreated(subject_id=lead.pk, source="import", campaign="", owner_id=world.owner.pk) for lead in leads]
    # The ids, the insert; then the in-transaction reactions once for the chunk, each a fixed
    # number of queries whatever the chunk's size (checked at 50 and 200 leads):
    # - the process step log reads the leads, the bindings and the open visits and inserts the
    #   new visits (4);
    # - marketing's attribution credits (services/attribution_credits.leads_changed, per chunk of
    #   a thousand ids) in a savepoint: the day sums before, the credits' delete, their insert,
    #   the day sums after (2 + 4; + the advisory lock on PostgreSQL);
    # - marketing's journeys (reactions_journeys) read the journeys that start on a lead created (1);
    # - campaigns (services/campaigns.leads_created) and web-form consent (reactions_consent) read
    #   nothing for leads that name no campaign and gave no consent (0).
    budget = 2 + 4 + 6 + 1 + (connection.vendor == "postgresql")
    with django_assert_max_num_queries(budget):
        assert events.emit_many(batch) == 50
    assert IntegrationEvent.objects.filter(kind="lead.created", schema_version=1).count() == 50


def test_the_architecture_document_holds_the_catalogue_table() -> None:
    assert events.catalogue_table() in DOCS.read_text(encoding="utf-8"), (
        "docs/architecture.md is behind the catalogue: paste the output of `ltc events`"
    )


def test_the_events_command_prints_the_table(capsys: Any) -> None:
    call_command("events")
    assert capsys.readouterr().out == events.catalogue_table()


def test_the_events_api_answers_the_schema_version(world: Any, api_as: Any, team: Team) -> None:
    contract = fresh(approved_contract(world, team, Catalog()))
    _sign(world, contract)
    answer = api_as(world.admin).get("/events?kind=contract.signed")
    assert answer.status_code == 200
    (event,) = answer.json()
    assert (event["kind"], event["schema_version"], event["subject_type"], event["subject_id"]) == (
        "contract.signed",
        1,
        "contracts.contract",
        contract.pk,
    )
    assert event["payload"]["total"] == str(fresh(contract).total)
