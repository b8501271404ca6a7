"""Marketing's reactions to the facts of earlier stages (see ltc.core.events): new leads join
their campaign and journeys and record consent; deals, wins and payments move attribution."""

from __future__ import annotations


def register() -> None:
    """Subscribe each area's reactions (MarketingConfig.ready, through wiring)."""
    from ltc.marketing import reactions_consent, reactions_journeys
    from ltc.marketing.services import attribution_credits, campaigns

    attribution_credits.register_reactions()
    campaigns.register_reactions()
    reactions_journeys.register()
    reactions_consent.register()
