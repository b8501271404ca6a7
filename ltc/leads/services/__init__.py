"""Every write to leads. Split by step of the ML process; import from here."""

from ltc.leads.services.capture import lead_create, lead_note_add, lead_update
from ltc.leads.services.deletion import lead_delete
from ltc.leads.services.erasure import lead_anonymise
from ltc.leads.services.imports import (
    lead_import_preview,
    lead_import_run,
    lead_import_start,
    lead_import_template_delete,
    lead_import_undo,
    lead_import_upload,
    lead_import_values,
)
from ltc.leads.services.lifecycle import (
    lead_activity_complete,
    lead_activity_log,
    lead_assign,
    lead_convert,
    lead_disqualify,
    lead_merge,
    lead_qualify,
    lead_recycle,
    lead_timeline,
    leads_route,
    missing_for_qualification,
)
from ltc.leads.services.scoring import lead_rescore, leads_rescore
from ltc.leads.services.webforms import RateLimited, webform_create, webform_submit, webform_visit

__all__ = [
    "RateLimited",
    "lead_activity_complete",
    "lead_activity_log",
    "lead_anonymise",
    "lead_assign",
    "lead_convert",
    "lead_create",
    "lead_delete",
    "lead_disqualify",
    "lead_import_preview",
    "lead_import_run",
    "lead_import_start",
    "lead_import_template_delete",
    "lead_import_undo",
    "lead_import_upload",
    "lead_import_values",
    "lead_merge",
    "lead_note_add",
    "lead_qualify",
    "lead_recycle",
    "lead_rescore",
    "lead_timeline",
    "lead_update",
    "leads_rescore",
    "leads_route",
    "missing_for_qualification",
    "webform_create",
    "webform_submit",
    "webform_visit",
]
