"""Every write to deals and their decision reviews (see deals.py and reviews.py)."""

from ltc.opportunities.services.chain import chain_warnings, stakeholder_remove, stakeholder_set
from ltc.opportunities.services.deals import (
    EDITABLE_FIELDS,
    ChecklistItem,
    checklist,
    missing_to_move,
    next_stage,
    opportunity_activity_complete,
    opportunity_activity_log,
    opportunity_advance,
    opportunity_check,
    opportunity_create,
    opportunity_from_lead,
    opportunity_lose,
    opportunity_note_add,
    opportunity_reopen,
    opportunity_update,
    opportunity_win,
    require_writer,
)
from ltc.opportunities.services.reviews import review_assess, review_decide, review_open

__all__ = [
    "EDITABLE_FIELDS",
    "ChecklistItem",
    "chain_warnings",
    "checklist",
    "missing_to_move",
    "next_stage",
    "opportunity_activity_complete",
    "opportunity_activity_log",
    "opportunity_advance",
    "opportunity_check",
    "opportunity_create",
    "opportunity_from_lead",
    "opportunity_lose",
    "opportunity_note_add",
    "opportunity_reopen",
    "opportunity_update",
    "opportunity_win",
    "require_writer",
    "review_assess",
    "review_decide",
    "review_open",
    "stakeholder_remove",
    "stakeholder_set",
]
