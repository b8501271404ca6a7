"""What service plugs into the earlier stages when the app is ready: record-page panels (they
register on import) and reactions to their events. Each area adds its import on its own line."""

from __future__ import annotations


def register() -> None:
    from ltc.core.access import register_visibility
    from ltc.service import (
        panels_service,  # noqa: F401 - account, deal and lead panels (G)
        reactions_assets,  # noqa: F401 - assets from accepted contract lines (B)
        reactions_mail,  # noqa: F401 - case e-mail and the CSAT survey (D)
        reactions_sla,  # noqa: F401 - entitlements from signed contracts (A)
        search,  # noqa: F401 - cases in the global search (C1)
    )
    from ltc.service.access import account_records_q
    from ltc.service.models import Asset, Case, Entitlement

    # Who may open a case, an asset or an entitlement (core.access.may_see: mentions, links).
    for model in (Case, Asset, Entitlement):
        register_visibility(model, account_records_q)
