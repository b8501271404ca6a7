"""A small catalog: an MES bundle (server required, licences 10–500, optional AI module that
requires the data platform, and an on-premise option that excludes the cloud option), tiered
licence prices, and a CNY book."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ltc.catalog.choices import ProductType, RuleKind
from ltc.catalog.models import BundleComponent, ConfigurationRule, PriceBook, PriceBookEntry, PriceTier, Product


def product(code: str, name: str, *, price: str | None = None, book: PriceBook | None = None, **fields: Any) -> Product:
    values = {"product_type": ProductType.HARDWARE, "cost": Decimal("0"), **fields}
    item = Product.objects.create(code=code, name=name, **values)
    if price is not None and book is not None:
        PriceBookEntry.objects.create(price_book=book, product=item, unit_price=Decimal(price))
    return item


class Catalog:
    def __init__(self) -> None:
        self.book = PriceBook.objects.create(name="标准价目表 2026", currency="CNY", valid_from=date(2026, 1, 1))
        book = self.book
        self.server = product("SRV-01", "边缘服务器", price="50000", book=book, cost=Decimal("30000"), unit="台")
        self.licence = product(
            "MES-LIC",
            "MES 用户许可",
            price="2000",
            book=book,
            product_type=ProductType.SOFTWARE,
            cost=Decimal("200"),
            unit="用户",
        )
        entry = PriceBookEntry.objects.get(price_book=book, product=self.licence)
        PriceTier.objects.create(entry=entry, min_quantity=Decimal(50), unit_price=Decimal("1800"))
        PriceTier.objects.create(entry=entry, min_quantity=Decimal(200), unit_price=Decimal("1500"))
        self.ai = product(
            "AI-QC", "AI 质检模块", price="80000", book=book, product_type=ProductType.SOFTWARE, cost=Decimal("10000")
        )
        self.data = product(
            "DATA-PF", "数据平台", price="60000", book=book, product_type=ProductType.SOFTWARE, cost=Decimal("15000")
        )
        self.onprem = product(
            "DEP-ONP",
            "本地部署",
            price="20000",
            book=book,
            product_type=ProductType.SERVICE,
            tax_rate=6,
            cost=Decimal("12000"),
        )
        self.cloud = product(
            "DEP-CLD",
            "云部署",
            price="10000",
            book=book,
            product_type=ProductType.SUBSCRIPTION,
            tax_rate=6,
            cost=Decimal("4000"),
        )
        self.service = product(
            "SVC-IMP",
            "实施服务",
            price="1500",
            book=book,
            product_type=ProductType.SERVICE,
            tax_rate=6,
            cost=Decimal("900"),
            unit="人天",
        )
        self.bundle = product(
            "MES-SUITE", "智能工厂 MES 套件", price="0", book=book, product_type=ProductType.SOFTWARE, is_bundle=True
        )
        parts = [
            (self.server, True, "1", "4", "1"),
            (self.licence, True, "10", "500", "20"),
            (self.ai, False, "1", "1", "1"),
            (self.data, False, "1", "1", "1"),
            (self.onprem, False, "1", "1", "1"),
            (self.cloud, False, "1", "1", "1"),
        ]
        for order, (component, required, low, high, default) in enumerate(parts):
            BundleComponent.objects.create(
                bundle=self.bundle,
                component=component,
                required=required,
                min_quantity=Decimal(low),
                max_quantity=Decimal(high),
                default_quantity=Decimal(default),
                order=order,
            )
        ConfigurationRule.objects.create(bundle=self.bundle, product=self.ai, kind=RuleKind.REQUIRES, other=self.data)
        ConfigurationRule.objects.create(
            bundle=self.bundle, product=self.onprem, kind=RuleKind.EXCLUDES, other=self.cloud
        )

    def bundle_line(
        self, *, licences: str = "20", extra: list[dict[str, Any]] | None = None, quantity: str = "1"
    ) -> dict[str, Any]:
        components = [
            {"product_id": self.server.pk, "quantity": "1"},
            {"product_id": self.licence.pk, "quantity": licences},
            *(extra or []),
        ]
        return {"product_id": self.bundle.pk, "quantity": quantity, "components": components}
