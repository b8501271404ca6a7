"""Marketing's reactions to the facts of earlier stages (see ltc.core.events): new leads join
their campaign and journeys and record consent; deals, wins and payments move attribution."""

from __future__ import annotations

from ltc.core.events import AFTER_COMMIT, react
from ltc.leads.events import WebFormVisited


def register() -> None:
    """Subscribe each area's reactions (MarketingConfig.ready, through wiring)."""
    from ltc.marketing import reactions_consent, reactions_journeys
    from ltc.marketing.services import attribution_credits, campaigns

    attribution_credits.register_reactions()
    campaigns.register_reactions()
    reactions_journeys.register()
    reactions_consent.register()
    react(WebFormVisited, _web_form_visited, runs=AFTER_COMMIT)


def _web_form_visited(event: WebFormVisited) -> None:
    """Someone a marketing e-mail reached opened a web form through its link: a visit touch."""
    from ltc.marketing.services.mailing import visit_record

    visit_record(visitor=event.visitor, at=event.visited_at)
