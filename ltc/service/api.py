"""/api/v1/service/...: each area's router, mounted under one."""

from ninja import Router

from ltc.service import api_assets, api_cases, api_email, api_portal, api_renewals, api_routing, api_sla

router = Router(tags=["service"])
for area in (api_cases, api_assets, api_sla, api_routing, api_email, api_portal, api_renewals):
    router.add_router("", area.router)
