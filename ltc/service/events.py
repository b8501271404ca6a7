"""The facts of service, for later stages and integrations (see `ltc.core.events`): each area
defines its events in its own section below."""

from __future__ import annotations

from dataclasses import dataclass  # noqa: F401
from datetime import date, datetime  # noqa: F401
from typing import ClassVar  # noqa: F401

from ltc.core.events import Event  # noqa: F401

# [cases events]


@dataclass(frozen=True)
class CaseEvent(Event):
    subject_model: ClassVar[str] = "service.case"


@dataclass(frozen=True)
class CaseCreated(CaseEvent):
    """A service case was opened (by an agent, the API, the customer portal or an e-mail), routed
    and timed against its SLA."""

    kind: ClassVar[str] = "case.created"
    emitted_by: ClassVar[str] = "`service.case_create`"

    number: str
    account_id: int
    channel: str
    priority: str
    owner_id: int | None = None
    contact_id: int | None = None


@dataclass(frozen=True)
class CaseMessageAdded(CaseEvent):
    """A message was added to a case: `kind` customer (from the customer), reply (to the
    customer) or note (internal, never sent)."""

    kind: ClassVar[str] = "case.message_added"
    emitted_by: ClassVar[str] = "`service.case_reply`, `service.case_customer_message`"

    message_id: int
    message_kind: str
    channel: str


@dataclass(frozen=True)
class CaseStatusChanged(CaseEvent):
    """A case moved from one status to another (new, in progress, waiting on the customer,
    resolved, closed; a reopen goes back to in progress)."""

    kind: ClassVar[str] = "case.status_changed"
    emitted_by: ClassVar[str] = "`service.case_set_status`, `service.case_reopen`, `service.case_merge`"

    number: str
    old: str
    new: str


@dataclass(frozen=True)
class CaseMerged(CaseEvent):
    """A duplicate case was merged into another of the same account: its messages moved there and
    it was closed (the subject is the duplicate)."""

    kind: ClassVar[str] = "case.merged"
    emitted_by: ClassVar[str] = "`service.case_merge`"

    number: str
    into_id: int
    into_number: str


# [assets events]

# [sweep events]


@dataclass(frozen=True)
class CaseSlaWarned(CaseEvent):
    """The SLA sweep found a running clock of a case past its warning time: the first response
    (`sla_kind` response_warning) or the resolution (resolution_warning) falls due at `due_at`."""

    kind: ClassVar[str] = "case.sla_warned"
    emitted_by: ClassVar[str] = "`service.sla_sweep`"

    number: str
    sla_kind: str
    due_at: datetime


@dataclass(frozen=True)
class CaseSlaBreached(CaseEvent):
    """The SLA sweep found a case past its first response (response_breach) or resolution
    (resolution_breach) due time: the SLA was breached, and the case escalated to the manager of
    its team (`escalated_to_id`; None when no manager could be found), recorded on the case."""

    kind: ClassVar[str] = "case.sla_breached"
    emitted_by: ClassVar[str] = "`service.sla_sweep`"

    number: str
    sla_kind: str
    due_at: datetime
    escalated_to_id: int | None = None


# [renewals events]


@dataclass(frozen=True)
class RenewalDealCreated(Event):
    """A warranty or a service contract ending within the renewal window got its renewal deal,
    opened for the account's AR (once per asset or entitlement and end date)."""

    kind: ClassVar[str] = "service.renewal_deal_created"
    subject_model: ClassVar[str] = "service.renewal"
    emitted_by: ClassVar[str] = "`service.renewals_run`"

    renewal_kind: str
    account_id: int
    asset_id: int | None
    entitlement_id: int | None
    ends_on: date
    opportunity_id: int


@dataclass(frozen=True)
class CaseUpsellFlagged(Event):
    """A service agent flagged an upsell or cross-sell on a case; it became a lead from customer
    service, routed to sales."""

    kind: ClassVar[str] = "service.case_upsell_flagged"
    subject_model: ClassVar[str] = "service.caseupsell"
    emitted_by: ClassVar[str] = "`service.case_upsell_flag`"

    case_id: int
    lead_id: int
    upsell_kind: str
    flagged_by_id: int
