"""Service's records, one module per area."""

from ltc.service.models.assets import Asset, AssetStatus
from ltc.service.models.calendar import BusinessCalendar, CalendarDay, DayKind
from ltc.service.models.cases import (
    OPEN_CASE_STATUSES,
    Case,
    CaseCategory,
    CaseChannel,
    CaseMessage,
    CaseRoutingRule,
    CaseSlaEvent,
    CaseStatus,
    CaseUpsell,
    MessageKind,
    SlaEventKind,
    SlaState,
    UpsellKind,
)
from ltc.service.models.email import InboundEmail, InboundStatus
from ltc.service.models.portal import PortalLink
from ltc.service.models.renewals import Renewal, RenewalKind
from ltc.service.models.sla import Entitlement, EntitlementStatus, Priority, SlaPolicy, SlaTarget, SupportLevel

__all__ = [
    "OPEN_CASE_STATUSES",
    "Asset",
    "AssetStatus",
    "BusinessCalendar",
    "CalendarDay",
    "Case",
    "CaseCategory",
    "CaseChannel",
    "CaseMessage",
    "CaseRoutingRule",
    "CaseSlaEvent",
    "CaseStatus",
    "CaseUpsell",
    "DayKind",
    "Entitlement",
    "InboundEmail",
    "InboundStatus",
    "EntitlementStatus",
    "MessageKind",
    "PortalLink",
    "Priority",
    "Renewal",
    "RenewalKind",
    "SlaEventKind",
    "SlaPolicy",
    "SlaState",
    "SlaTarget",
    "SupportLevel",
    "UpsellKind",
]
