"""/api/v1 contracts, change requests, orders, deliveries, milestones and evaluations: thin over
contracts.services and .selectors.

One router (`common.router`) shared by a module per sub-resource. The modules register their routes
as they are imported, so the order below is the order of the paths in the OpenAPI document: keep it.
"""

# isort: off
from ltc.contracts.api.common import router
from ltc.contracts.api import contracts, reviews, lifecycle, plan, evaluations, changes, orders, milestones

# isort: on

__all__ = ["changes", "contracts", "evaluations", "lifecycle", "milestones", "orders", "plan", "reviews", "router"]
