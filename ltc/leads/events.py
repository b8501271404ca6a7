"""The facts of managing leads (ML), for later stages and integrations (see `ltc.core.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ltc.core.events import Event


@dataclass(frozen=True)
class LeadEvent(Event):
    subject_model: ClassVar[str] = "leads.lead"


@dataclass(frozen=True)
class LeadCreated(LeadEvent):
    """A lead was captured (by a person, a web form or an import), after routing gave it an owner
    or left it in the pool. An import emits one per created lead, in one insert per chunk."""

    kind: ClassVar[str] = "lead.created"
    emitted_by: ClassVar[str] = "`leads.lead_create`, `leads.lead_import_run` (bulk)"

    source: str
    campaign: str
    owner_id: int | None
    # The person ticked the web form's marketing consent checkbox (marketing records the consent).
    consented: bool = False
    # The link's UTM parameters, and how the lead came in ("web_form", "import", "event" for a
    # marketing event's registration, "" otherwise).
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_content: str = ""
    utm_term: str = ""
    via: str = ""


@dataclass(frozen=True)
class LeadAssigned(LeadEvent):
    """A lead was handed to someone (or back to the pool, owner_id null) by a person, or routed
    by the assignment rules (`rule_id`; one insert for all the leads routed at once)."""

    kind: ClassVar[str] = "lead.assigned"
    emitted_by: ClassVar[str] = "`leads.lead_assign`, `leads.leads_route` (bulk)"

    owner_id: int | None
    rule_id: int | None = None


@dataclass(frozen=True)
class LeadQualified(LeadEvent):
    """A verified lead was qualified; `overridden` when a manager qualified it with checklist items
    missing."""

    kind: ClassVar[str] = "lead.qualified"
    emitted_by: ClassVar[str] = "`leads.lead_qualify`"

    owner_id: int | None
    overridden: bool


@dataclass(frozen=True)
class LeadDisqualified(LeadEvent):
    """An open lead was closed as disqualified, with its reason (no need, no budget, ...)."""

    kind: ClassVar[str] = "lead.disqualified"
    emitted_by: ClassVar[str] = "`leads.lead_disqualify`"

    reason: str


@dataclass(frozen=True)
class LeadConverted(LeadEvent):
    """A qualified lead was converted: linked to (or created) its account and contact. A deal
    opened from it follows as `opportunity.created` with `source_lead_id`."""

    kind: ClassVar[str] = "lead.converted"
    emitted_by: ClassVar[str] = "`leads.lead_convert` (also through `opportunities.opportunity_from_lead`)"

    account_id: int
    contact_id: int | None


@dataclass(frozen=True)
class LeadMerged(LeadEvent):
    """A duplicate lead (the subject) was merged into `into_id` and closed; its activities moved
    to the survivor."""

    kind: ClassVar[str] = "lead.merged"
    emitted_by: ClassVar[str] = "`leads.lead_merge`"

    into_id: int


@dataclass(frozen=True)
class WebFormVisited(Event):
    """A web form's page was opened by someone the link named: `visitor` is the reference the link
    carried (a marketing e-mail's token, `ltc_m`), announced once per form, visitor and day. An
    anonymous visit is not announced."""

    kind: ClassVar[str] = "webform.visited"
    subject_model: ClassVar[str] = "leads.webform"
    emitted_by: ClassVar[str] = "`leads.webform_visit`"

    visitor: str
    source: str
    campaign: str
    visited_at: datetime
