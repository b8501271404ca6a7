"""Who may see a quote, for notifications and mentions (registered from QuotesConfig.ready)."""

from __future__ import annotations

from ltc.core.access import register_visibility
from ltc.quotes.access import quote_visible_q
from ltc.quotes.models import Quote

register_visibility(Quote, quote_visible_q)
