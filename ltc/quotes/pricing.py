"""Pricing a quote version: unit prices from the catalog, then amounts rounded at defined
points with ROUND_HALF_UP — each line's base, net and VAT to the cent; totals are sums of the
rounded lines (so the document adds up); payment terms split the total with the last term
taking the remainder."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ltc.catalog.models import Product
from ltc.catalog.pricing import UnitPrice
from ltc.core.money import quantize

HUNDRED = Decimal(100)


@dataclass
class PricedLine:
    product: Product
    quantity: Decimal
    discount_pct: Decimal
    price: UnitPrice
    components: list[PricedLine] = field(default_factory=list)
    base_amount: Decimal = Decimal(0)
    net_amount: Decimal = Decimal(0)
    tax_amount: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    cost_amount: Decimal = Decimal(0)


@dataclass
class Totals:
    base_total: Decimal
    net_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    cost_total: Decimal
    discount_pct: Decimal
    margin_pct: Decimal | None


def price_line(line: PricedLine, document_discount_pct: Decimal) -> None:
    """Fill a line's amounts: base = qty × unit price; net after the line discount, then the
    document discount (each rounded); VAT on the net; cost = qty × unit cost."""
    line.base_amount = quantize(line.quantity * line.price.price)
    after_line = quantize(line.base_amount * (HUNDRED - line.discount_pct) / HUNDRED)
    line.net_amount = quantize(after_line * (HUNDRED - document_discount_pct) / HUNDRED)
    line.tax_amount = quantize(line.net_amount * line.product.tax_rate / HUNDRED)
    line.total = line.net_amount + line.tax_amount
    line.cost_amount = quantize(line.quantity * line.price.unit_cost)


def flatten(lines: list[PricedLine]) -> list[PricedLine]:
    out = []
    for line in lines:
        out.append(line)
        out.extend(line.components)
    return out


def totals_of(lines: list[PricedLine]) -> Totals:
    every = flatten(lines)
    base = sum((line.base_amount for line in every), Decimal(0))
    net = sum((line.net_amount for line in every), Decimal(0))
    tax = sum((line.tax_amount for line in every), Decimal(0))
    cost = sum((line.cost_amount for line in every), Decimal(0))
    discount = quantize((base - net) / base * HUNDRED) if base else Decimal(0)
    margin = quantize((net - cost) / net * HUNDRED) if net else None
    return Totals(base, net, tax, net + tax, cost, discount, margin)


def price(lines: list[PricedLine], document_discount_pct: Decimal) -> Totals:
    for line in flatten(lines):
        price_line(line, document_discount_pct)
    return totals_of(lines)


def split_by_percent(total: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """Each share rounded to the cent, the last one taking the remainder, so the parts add up
    to the total exactly."""
    if not percents:
        return []
    parts = [quantize(total * pct / HUNDRED) for pct in percents[:-1]]
    return [*parts, total - sum(parts, Decimal(0))]
