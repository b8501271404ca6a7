"""Where a record stands in the process map, drawn in the header of its page (slot "trail"):
"LTC › 管理机会点 › 制定并提交标书", each step linking to its node on the map. Everyone signed in
reads the map, so whoever sees the record sees its trail."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from ltc.billing.models import Invoice
from ltc.contracts.models import Contract
from ltc.core.panels import Panel, register
from ltc.leads.models import Lead
from ltc.opportunities.models import Opportunity
from ltc.process.evaluations import evaluation_steps_panel
from ltc.process.selectors import position_of, trail
from ltc.quotes.models import Quote


def record_trail(user: Any, record: Model) -> dict[str, Any] | None:
    """The steps from L1 to the node the record stands in (one query); None when it stands in none."""
    node = position_of(record)
    if node is None:
        return None
    return {"steps": trail(node)}


# Registered when the app is ready (ProcessConfig.ready imports this module).
for model in (Lead, Opportunity, Quote, Contract, Invoice):
    register(
        Panel(
            record=model,
            key="process-trail",
            title=_("Where it stands in the process"),
            template="process/panels/trail.html",
            selector=record_trail,
            max_queries=1,
            slot="trail",
        )
    )
register(
    Panel(
        record=Contract,
        key="evaluation-steps",
        title=_("Steps named in the evaluation"),
        template="process/panels/evaluation_steps.html",
        selector=evaluation_steps_panel,
        max_queries=3,
    )
)
