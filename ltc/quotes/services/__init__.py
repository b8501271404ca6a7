"""Every write to quotes: editing (create, update, revise), approval, sending and answers."""

from ltc.quotes.services.answers import (
    quote_answer,
    quote_offer_in_bid,
    quote_record_answer,
    quote_send,
    version_by_link,
)
from ltc.quotes.services.approval import quote_approve, quote_reject, quote_submit
from ltc.quotes.services.editing import (
    default_terms,
    interest_products,
    quote_create,
    quote_revise,
    quote_version_update,
    require_write,
    version_inputs,
)

__all__ = [
    "default_terms",
    "interest_products",
    "quote_answer",
    "quote_approve",
    "quote_create",
    "quote_offer_in_bid",
    "quote_record_answer",
    "quote_reject",
    "quote_revise",
    "quote_send",
    "quote_submit",
    "quote_version_update",
    "require_write",
    "version_by_link",
    "version_inputs",
]
