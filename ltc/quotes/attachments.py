"""Files on quotes (ltc.core.attachments): seen by whoever sees the quote's deal, attached and
removed by those who write the deal's quotes."""

from __future__ import annotations

from typing import Any

from ltc.core.access import fetch_or_404
from ltc.core.attachments import Attachable, register
from ltc.core.models import AttachmentRecordType
from ltc.quotes.access import can_write, quote_scope
from ltc.quotes.models import Quote


def _quote(user: Any, pk: Any) -> Quote:
    return fetch_or_404(quote_scope(Quote.objects.select_related("opportunity__owner__team"), user), pk=pk)


register(
    Attachable(
        kind=AttachmentRecordType.QUOTE,
        model=Quote,
        fetch=_quote,
        may_attach=lambda user, quote: can_write(user, quote.opportunity),
    )
)
