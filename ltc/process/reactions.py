"""The step log follows the stages' events (registered from ProcessConfig.ready).

The reactions run IN_TRANSACTION, not after the commit: the log must agree with the records it
measures — "in flight" counts the records standing in a step, a drill-down lists them — and a
visit's times are those of the move itself, not of a worker's later delivery. What a reaction
costs is a few indexed statements in the action's transaction (the record's row is already locked
by the service that moved it, so two moves of one record cannot open two visits). A bulk path
(`emit_many`: a lead import's chunk) is synced once for the whole chunk (`many`), in the same
number of statements as one record.

An invoice moves with its balance too (paid in full: ltc/process/steps.py `PAID`): a payment's
events name the payment, so the invoices it paid — or, reversed, opened again — are found through
its allocations, one query for a chunk of payments.

An invoice's visit opens with its draft (invoice.drafted: at signing, by the invoice run's
chunks, anew for a due line) as the rebuild's does, and a cancelled draft leaves (invoice.cancelled).
Moves no event announces (a lead becoming "verifying" when it is first contacted) are caught up
with the record's next event, and by `step_visits_rebuild`.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps

from ltc.billing.events import (
    InvoiceCancelled,
    InvoiceCredited,
    InvoiceDrafted,
    InvoiceIssued,
    PaymentAllocated,
    PaymentReceived,
    PaymentReversed,
)
from ltc.billing.models import Allocation, Invoice
from ltc.contracts.events import (
    ContractAccepted,
    ContractClosed,
    ContractCompleted,
    ContractSigned,
    ContractTerminated,
)
from ltc.core.events import IN_TRANSACTION, Event, react
from ltc.leads.events import LeadConverted, LeadCreated, LeadDisqualified, LeadMerged, LeadQualified
from ltc.opportunities.events import (
    OpportunityCreated,
    OpportunityLost,
    OpportunityReopened,
    OpportunityStageChanged,
    OpportunityWon,
)
from ltc.process.steps import steps_sync_ids
from ltc.quotes.events import QuoteAccepted, QuoteDeclined, QuoteSent

MOVES: tuple[type[Event], ...] = (
    LeadCreated,
    LeadQualified,
    LeadDisqualified,
    LeadConverted,
    LeadMerged,
    OpportunityCreated,
    OpportunityStageChanged,
    OpportunityWon,
    OpportunityLost,
    OpportunityReopened,
    QuoteSent,
    QuoteAccepted,
    QuoteDeclined,
    ContractSigned,
    ContractAccepted,
    ContractCompleted,
    ContractClosed,
    ContractTerminated,
    InvoiceDrafted,
    InvoiceIssued,
    InvoiceCredited,
    InvoiceCancelled,
)


def record_moved(event: Event) -> None:
    """The event's record may stand in another step now: sync its step log."""
    steps_sync_ids(apps.get_model(event.subject_model), [event.subject_id])


def records_moved(events: list[Event]) -> None:
    """`record_moved` for a bulk path's events: one sync per kind of record."""
    ids: defaultdict[str, list[int]] = defaultdict(list)
    for event in events:
        ids[event.subject_model].append(event.subject_id)
    for label, pks in ids.items():
        steps_sync_ids(apps.get_model(label), pks)


# Events about a payment: the invoices it was allocated to (when recorded or later) may have been
# paid or opened again.
PAYMENTS: tuple[type[Event], ...] = (PaymentReceived, PaymentAllocated, PaymentReversed)


def payment_booked(event: Event) -> None:
    """The invoices the event's payment paid (or, reversed, opened again) may stand elsewhere now."""
    payments_booked([event])


def payments_booked(events: list[Event]) -> None:
    """`payment_booked` for many events: one read of their allocations, one sync of the invoices."""
    invoices = Allocation.objects.filter(payment_id__in={event.subject_id for event in events})
    steps_sync_ids(Invoice, set(invoices.values_list("invoice_id", flat=True)))


def register() -> None:
    for event in MOVES:
        react(event, record_moved, runs=IN_TRANSACTION, many=records_moved)
    for event in PAYMENTS:
        react(event, payment_booked, runs=IN_TRANSACTION, many=payments_booked)
