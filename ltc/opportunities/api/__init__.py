"""/api/v1/pipelines and /api/v1/opportunities: thin over opportunities.services and .selectors.

One router (`common.router`) shared by a module per sub-resource. The modules register their routes
as they are imported, so the order below is the order of the paths in the OpenAPI document: keep it.
"""

# isort: off
from ltc.opportunities.api.common import router
from ltc.opportunities.api import pipelines, config, criteria, deals, reviews, decision_chain, forecast, bids, documents

# isort: on

__all__ = [
    "bids",
    "config",
    "criteria",
    "deals",
    "decision_chain",
    "documents",
    "forecast",
    "pipelines",
    "reviews",
    "router",
]
