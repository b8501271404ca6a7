"""The demo catalog (an MES bundle with options and rules, tiered licences, services), price
books, the quote authority matrix (AR 5%, sales manager 15%, executive any), the company's
document settings, and quotes in every state on the demo deals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ltc.catalog.choices import ProductType, RuleKind
from ltc.catalog.models import (
    BundleComponent,
    ConfigurationRule,
    ContractPrice,
    PriceBook,
    PriceBookEntry,
    PriceTier,
    Product,
)
from ltc.opportunities.models import Opportunity, Pipeline
from ltc.org.models import Authority, CompanyProfile, Role, User
from ltc.quotes import services
from ltc.quotes.models import PaymentTermTemplate, Quote
from ltc.quotes.services import terms
from ltc.web.demo_deals import ready_for, work_through

HW, SW, SVC, SUB = ProductType.HARDWARE, ProductType.SOFTWARE, ProductType.SERVICE, ProductType.SUBSCRIPTION
# (code, 中文名, English, type, unit, family, cost, VAT, CNY list price, USD list price)
PRODUCTS = [
    ("SRV-EDGE", "边缘计算服务器", "Edge server", HW, "台", "硬件", "32000", 13, "52000", "7600"),
    ("GW-IOT", "工业物联网网关", "Industrial IoT gateway", HW, "台", "硬件", "2600", 13, "4800", "700"),
    ("MES-LIC", "MES 用户许可", "MES user licence", SW, "用户", "MES", "150", 13, "2000", "290"),
    ("MES-AI", "AI 视觉质检模块", "AI visual inspection module", SW, "套", "MES", "12000", 13, "88000", "12800"),
    ("DATA-PF", "工业数据平台", "Industrial data platform", SW, "套", "数据", "16000", 13, "68000", "9900"),
    ("DEP-ONP", "本地化部署", "On-premise deployment", SVC, "项", "服务", "14000", 6, "26000", "3800"),
    ("DEP-CLD", "云端部署（年）", "Cloud hosting (year)", SUB, "年", "服务", "6000", 6, "15000", "2200"),
    ("SVC-IMP", "实施服务", "Implementation service", SVC, "人天", "服务", "900", 6, "1800", "260"),
    ("SVC-TRN", "现场培训", "On-site training", SVC, "天", "服务", "1500", 6, "3000", "440"),
    ("MNT-3Y", "三年原厂维保", "Three-year support", SVC, "年", "服务", "4000", 6, "12000", "1750"),
]
BUNDLE = ("MES-SUITE", "智能工厂 MES 套件", "Smart-factory MES suite")
DESCRIPTIONS = {
    "SRV-EDGE": "部署在车间的边缘计算服务器，就近采集和处理设备数据。",
    "GW-IOT": "连接 PLC、传感器与数控设备的工业物联网网关，支持主流工业协议。",
    "MES-LIC": "MES 系统的命名用户许可，按用户数计价，量大有阶梯价。",
    "MES-AI": "基于机器视觉的产品外观质检模块，需配合工业数据平台使用。",
    "DATA-PF": "汇聚设备、生产与质量数据的工业数据平台，提供报表与分析。",
    "DEP-ONP": "在客户机房本地部署与调试，与云端部署二选一。",
    "DEP-CLD": "在云端托管运行，按年订阅。",
    "SVC-IMP": "需求调研、配置、数据迁移与上线支持，按人天计。",
    "SVC-TRN": "面向管理人员与一线操作人员的现场培训。",
    "MNT-3Y": "三年原厂维保：软件升级、远程支持与故障响应。",
    "MES-SUITE": "智能工厂 MES 套件：服务器与用户许可必选，网关、AI 质检、数据平台与部署方式可选。",
}
# (component, required, min, max, default)
COMPONENTS = [
    ("SRV-EDGE", True, "1", "8", "1"),
    ("MES-LIC", True, "10", "1000", "50"),
    ("GW-IOT", False, "1", "100", "4"),
    ("MES-AI", False, "1", "1", "1"),
    ("DATA-PF", False, "1", "1", "1"),
    ("DEP-ONP", False, "1", "1", "1"),
    ("DEP-CLD", False, "1", "5", "1"),
]
QUOTE_AUTHORITY = [("ar", "5", None, "20"), ("sales_manager", "15", "3000000", "15"), ("executive", None, None, None)]


def seed_catalog() -> None:
    if Product.objects.exists():
        return
    cny = PriceBook.objects.create(name="2026 标准价目表", currency="CNY", valid_from=date(2026, 1, 1))
    usd = PriceBook.objects.create(name="2026 出口价目表（美元）", currency="USD", valid_from=date(2026, 1, 1))
    factory = PriceBook.objects.create(
        name="2026 制造业行业价", currency="CNY", industry="manufacturing", valid_from=date(2026, 1, 1)
    )
    products = {}
    for code, name, name_en, kind, unit, family, cost, vat, price, price_usd in PRODUCTS:
        product = Product.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            description=DESCRIPTIONS[code],
            product_type=kind,
            unit=unit,
            family=family,
            cost=Decimal(cost),
            tax_rate=vat,
        )
        products[code] = product
        PriceBookEntry.objects.create(price_book=cny, product=product, unit_price=Decimal(price))
        PriceBookEntry.objects.create(
            price_book=usd,
            product=product,
            unit_price=Decimal(price_usd),
            unit_cost=(Decimal(cost) / 7).quantize(Decimal("0.01")),
        )
        factory_price = Decimal(price) * Decimal("0.95") if family != "服务" else Decimal(price)
        PriceBookEntry.objects.create(price_book=factory, product=product, unit_price=factory_price)
    bundle = Product.objects.create(
        code=BUNDLE[0],
        name=BUNDLE[1],
        name_en=BUNDLE[2],
        description=DESCRIPTIONS[BUNDLE[0]],
        product_type=SW,
        unit="套",
        family="MES",
        is_bundle=True,
    )
    for book in (cny, usd, factory):
        PriceBookEntry.objects.create(price_book=book, product=bundle, unit_price=Decimal(0), unit_cost=Decimal(0))
    for order, (code, required, low, high, default) in enumerate(COMPONENTS):
        BundleComponent.objects.create(
            bundle=bundle,
            component=products[code],
            required=required,
            min_quantity=Decimal(low),
            max_quantity=Decimal(high),
            default_quantity=Decimal(default),
            order=order,
        )
    ConfigurationRule.objects.create(
        bundle=bundle, product=products["MES-AI"], kind=RuleKind.REQUIRES, other=products["DATA-PF"]
    )
    ConfigurationRule.objects.create(
        bundle=bundle, product=products["DEP-ONP"], kind=RuleKind.EXCLUDES, other=products["DEP-CLD"]
    )
    for book in (cny, factory):
        entry = PriceBookEntry.objects.get(price_book=book, product=products["MES-LIC"])
        PriceTier.objects.create(entry=entry, min_quantity=Decimal(100), unit_price=entry.unit_price * Decimal("0.9"))
        PriceTier.objects.create(entry=entry, min_quantity=Decimal(300), unit_price=entry.unit_price * Decimal("0.8"))
    first = Opportunity.objects.select_related("account").order_by("id").first()
    if first is not None:
        ContractPrice.objects.create(
            account=first.account,
            product=products["SVC-IMP"],
            unit_price=Decimal("1500"),
            valid_from=date(2026, 1, 1),
            reference="框架协议 FA-2026-007",
        )


def seed_quote_settings() -> None:
    for role, discount, amount, margin in QUOTE_AUTHORITY:
        Authority.objects.get_or_create(
            subject="quote_discount",
            role=Role.objects.get(code=role),
            defaults={
                "max_discount_pct": Decimal(discount) if discount else None,
                "max_amount": Decimal(amount) if amount else None,
                "min_margin_pct": Decimal(margin) if margin else None,
            },
        )
    if not CompanyProfile.objects.exists():
        CompanyProfile.objects.create(
            name="上海数智工场科技有限公司",
            name_en="Shanghai Smart Works Technology Co., Ltd.",
            address="上海市浦东新区张江高科技园区碧波路 690 号",
            phone="021-5080 1234",
            email="sales@smartworks.example.cn",
            tax_id="91310115MA1K4ABC2X",
            bank_name="招商银行上海张江支行",
            bank_account="1219 0888 0410 666",
            quote_terms="1. 报价含增值税，按现行税率计算。\n2. 交货期：合同生效后 45 天内。\n3. 质保期：验收合格之日起 12 个月。",
        )
    for pipeline in Pipeline.objects.all():
        stage = pipeline.stages.filter(name__startswith="谈判").first()
        if stage is not None and pipeline.quote_accepted_stage_id is None:
            pipeline.quote_accepted_stage = stage
            pipeline.save(update_fields=["quote_accepted_stage"])


TERM_TEMPLATES = [
    (
        "30/60/10 签约/验收/质保",
        [
            {"label": "签约预付款", "percent": "30", "trigger": "signing", "days": 15},
            {"label": "验收款", "percent": "60", "trigger": "acceptance", "days": 30},
            {"label": "质保金", "percent": "10", "trigger": "warranty", "days": 365},
        ],
    ),
    ("货到全款", [{"label": "到货付款", "percent": "100", "trigger": "delivery", "days": 30}]),
]


def seed_term_templates() -> None:
    """Two payment-term templates, made by the demo's administrator (so they have a history)."""
    admin = User.objects.filter(roles__code="admin", is_active=True).order_by("pk").first()
    if admin is None:
        return
    for name, lines in TERM_TEMPLATES:
        if not PaymentTermTemplate.objects.filter(name=name).exists():
            terms.term_template_create(actor=admin, data={"name": name, "lines": lines})


def seed_quotes(users: dict[str, User]) -> None:
    """Quotes on the first open deals of the east team: a draft, one waiting for the manager,
    one sent and one accepted."""
    if Quote.objects.exists():
        return
    seed_catalog()
    seed_quote_settings()
    seed_term_templates()
    bundle = Product.objects.get(code=BUNDLE[0])
    parts = {p.code: p for p in Product.objects.all()}
    deals = list(
        Opportunity.objects.filter(status="open", owner__username__in=["zhang", "liu"], currency="CNY")
        .select_related("account", "owner", "pipeline__quote_from_stage", "pipeline__quote_accepted_stage", "stage")
        .order_by("id")[:4]
    )
    for index, deal in enumerate(deals):
        author = deal.owner
        quote, _unmatched = services.quote_create(actor=author, opportunity=deal)
        lines = [
            {
                "product_id": bundle.pk,
                "quantity": "1",
                "components": [
                    {"product_id": parts["SRV-EDGE"].pk, "quantity": "2"},
                    {"product_id": parts["MES-LIC"].pk, "quantity": str(80 + 40 * index)},
                    {"product_id": parts["GW-IOT"].pk, "quantity": "6"},
                    {"product_id": parts["DEP-ONP"].pk, "quantity": "1"},
                ],
            },
            {"product_id": parts["SVC-IMP"].pk, "quantity": "40"},
            {"product_id": parts["MNT-3Y"].pk, "quantity": "3"},
        ]
        discount = ["3", "12", "4", "2"][index]
        services.quote_version_update(
            actor=author,
            quote=quote,
            expected_version=quote.version,
            data={
                "lines": lines,
                "document_discount_pct": discount,
                "delivery_terms": "合同生效后 45 天内到货并完成安装调试。",
            },
        )
        if index == 0:
            continue
        quote.refresh_from_db()
        services.quote_submit(actor=author, quote=quote, expected_version=quote.version)
        if index == 1:
            continue
        quote.refresh_from_db()
        # Quotes go out once the deal reached its pipeline's quote stage (after the ATI); the
        # deal whose quote is accepted has done its checklists, so acceptance moves it on.
        quote_stage = deal.pipeline.quote_from_stage
        if quote_stage is not None and deal.stage.order < quote_stage.order:
            work_through(deal, quote_stage.order, users)
        if index == 3 and deal.pipeline.quote_accepted_stage is not None:
            ready_for(deal, deal.pipeline.quote_accepted_stage, users)
        quote = Quote.objects.get(pk=quote.pk)
        contact = next((c.email for c in deal.contacts.all() if c.email), "buyer@example.cn")
        link = services.quote_send(actor=author, quote=quote, to=contact)
        if index == 3:
            version = services.version_by_link(link.rstrip("/").rsplit("/", 1)[1])
            if version is not None:
                services.quote_answer(
                    version=version, accept=True, name="陈总（采购总监）", title="采购总监", address="127.0.0.1"
                )
