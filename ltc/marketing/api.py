"""/api/v1/marketing/...: each area's router, mounted under one."""

from ninja import Router

from ltc.marketing import (
    api_attribution,
    api_campaigns,
    api_consent,
    api_email,
    api_events,
    api_journeys,
    api_segments,
)

router = Router(tags=["marketing"])
for area in (api_consent, api_email, api_events, api_segments, api_campaigns, api_attribution, api_journeys):
    router.add_router("", area.router)
