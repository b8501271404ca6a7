"""Marketing's records, one module per area."""

from ltc.marketing.models.attribution import AttributionCredit, AttributionDay  # noqa: F401
from ltc.marketing.models.campaigns import (
    Campaign,
    CampaignCost,
    CampaignKind,
    CampaignMember,
    CampaignStatus,
    MemberSource,
    MemberStatus,
    Touch,
    TouchKind,
)
from ltc.marketing.models.consent import Consent, ConsentBasis, ConsentChannel, ConsentRecord, ConsentState
from ltc.marketing.models.email import EmailMessage, EmailTemplate, Mailing, MailingStatus, MessageStatus  # noqa: F401
from ltc.marketing.models.events import MarketingEvent, Registration, RegistrationStatus  # noqa: F401
from ltc.marketing.models.journeys import Journey, JourneyMember, JourneyMemberLog, JourneyStep  # noqa: F401
from ltc.marketing.models.privacy import DataSubjectRequest, RequestKind, RequestStatus  # noqa: F401
from ltc.marketing.models.segments import Segment, SegmentEntry, SegmentKind, SegmentTarget  # noqa: F401

__all__ = [
    "Campaign",
    "CampaignCost",
    "CampaignKind",
    "CampaignMember",
    "CampaignStatus",
    "Consent",
    "ConsentBasis",
    "ConsentChannel",
    "ConsentRecord",
    "ConsentState",
    "MemberSource",
    "MemberStatus",
    "Touch",
    "TouchKind",
]
