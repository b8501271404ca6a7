"""Moving a configuration between installations: the process map, pipelines with their stages and
gate items, the decision reviews' criteria, routing and scoring rules, the authority matrix, the qualification policy and the
company profile, as one versioned JSON document.

Records are named by natural keys (a user by username, a team by name, a role by code, a stage by
its pipeline's name and its own, a gate item by pipeline, stage and label, a rule by name), never
by database ids, so a file exported from a test system reads the same on production. An import
validates the whole file first, lists what it would create and change, and only then applies it,
in one transaction, through each stage's own services. Nothing is ever deleted: what the file does
not name is kept.
"""

from ltc.process.transfer.apply import can_transfer, configuration_import, require_transfer
from ltc.process.transfer.checks import iter_errors
from ltc.process.transfer.document import SCHEMA_PATH, SCHEMA_VERSION, ConfigDocument, configuration_json_schema
from ltc.process.transfer.export import configuration_export, configuration_json
from ltc.process.transfer.plan import Action, FieldChange, ImportPlan, PlanItem, PlanWarning, Section

__all__ = [
    "SCHEMA_PATH",
    "SCHEMA_VERSION",
    "Action",
    "ConfigDocument",
    "FieldChange",
    "ImportPlan",
    "PlanItem",
    "PlanWarning",
    "Section",
    "can_transfer",
    "configuration_export",
    "configuration_import",
    "configuration_json",
    "configuration_json_schema",
    "iter_errors",
    "require_transfer",
]
