"""What marketing plugs into the earlier stages when the app is ready: record-page panels (they
register on import), reactions to their events, and the hooks that follow every touch."""

from __future__ import annotations


def register() -> None:
    from ltc.marketing import panels_campaigns, panels_consent, reactions  # noqa: F401
    from ltc.marketing.services.attribution_credits import register_touch_hook
    from ltc.marketing.services.engagement import engagement_on_touches
    from ltc.marketing.services.touches import on_touches

    reactions.register()
    register_touch_hook()
    on_touches(engagement_on_touches)
