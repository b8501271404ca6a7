"""/api/v1/service/...: the portal area's operations."""

from ninja import Router

router = Router(tags=["service"])
