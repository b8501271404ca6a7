"""/api/v1/search: the global search (core.search), grouped by kind and scoped to what the caller
may open — the same answer as the top bar's search."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from ltc.core import search as core_search
from ltc.org.types import AuthedRequest

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = Field(min_length=1, max_length=100, description="Words, a number, pinyin or its initials (hzxx).")
    kind: str = Field(
        default="", max_length=200, description="Only these kinds, comma-separated (accounts,contracts,invoices ...)."
    )
    limit: int = Field(default=core_search.PER_KIND, ge=1, le=20, description="At most this many hits per kind.")


class SearchHitOut(Schema):
    id: int
    title: str
    subtitle: str
    url: str = Field(description="The record's page.")


class SearchGroupOut(Schema):
    kind: str = Field(description="accounts, contacts, leads, deals, quotes, contracts, orders, invoices, payments.")
    label: str
    hits: list[SearchHitOut]


@router.get("/search", response=list[SearchGroupOut])
def search(request: AuthedRequest, params: Query[SearchParams]) -> list[core_search.Group]:
    """The records matching `q` that the caller may open, best first: an exact number, then a
    prefix (of the text, its pinyin or initials), then the closest; grouped by kind."""
    keys = [k.strip() for k in params.kind.split(",") if k.strip()]
    return core_search.search(user=request.user, q=params.q, per_kind=params.limit, keys=keys)
