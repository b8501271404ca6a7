from __future__ import annotations

from decimal import Decimal
from typing import Any

from ltc.catalog.tests.factories import Catalog
from ltc.opportunities.models import Pipeline
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.org.models import Authority, Role
from ltc.quotes import services
from ltc.quotes.models import Quote


def quote_authority(
    role: str | None = None,
    *,
    user: Any = None,
    discount: str | None,
    amount: str | None = None,
    margin: str | None = None,
) -> Authority:
    return Authority.objects.create(
        subject="quote_discount",
        role=Role.objects.get(code=role) if role else None,
        user=user,
        max_amount=Decimal(amount) if amount is not None else None,
        max_discount_pct=Decimal(discount) if discount is not None else None,
        min_margin_pct=Decimal(margin) if margin is not None else None,
    )


def standard_matrix(world: Any) -> None:
    """AR: 5% discount; the east manager: 10%; the head-office boss: 25%; executives: any."""
    quote_authority("ar", discount="5")
    quote_authority(user=world.manager, discount="10")
    quote_authority(user=world.boss, discount="25", margin="10")
    quote_authority("executive", discount=None)


def make_quote(world: Any, catalog: Catalog | None = None, **deal: Any) -> Quote:
    catalog = catalog or Catalog()
    pipeline = (
        deal.pop("pipeline", None) or Pipeline.objects.filter(name="报价管道").first() or make_pipeline("报价管道")
    )
    opportunity = make_opportunity(world, pipeline, **deal)
    quote, _unmatched = services.quote_create(actor=world.owner, opportunity=opportunity, price_book=catalog.book)
    return quote
