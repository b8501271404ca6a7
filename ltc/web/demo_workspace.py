"""The demo's work surface (#18), seeded through the services once the deals, contracts and
billing are there: the administrator's custom fields (customer tier on accounts; main competitor
and budget approved on deals) with values on several records, files attached to the main deal
(the requirements-survey minutes, a PDF) and to its account (an organisation chart, a PNG), the
invoice due/overdue notices of today, a junk lead deleted into the recycle bin, the AR's manager
passing a gate by override, and the East sales manager away next week with a delegation."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from ltc.billing.services.due_notices import invoice_due_notify
from ltc.contracts.models import Contract
from ltc.core import customfields
from ltc.core.attachments import attachment_add
from ltc.core.models import CustomField
from ltc.core.pdf import FONT_FAMILY, FONTS_DIR, html_to_pdf
from ltc.core.recycle import record_recycle
from ltc.customers.models import Account
from ltc.leads import services as lead_services
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import Opportunity
from ltc.org.delegation import delegation_create
from ltc.org.models import User

TIERS = [("strategic", "战略", "Strategic"), ("key", "重点", "Key"), ("standard", "普通", "Standard")]
TIER_BY_SIZE = {"enterprise": "strategic", "large": "key"}
COMPETITORS = ["用友网络", "金蝶软件", "浪潮信息", "东软集团", "神州数码"]
MINUTES_HTML = """<html><head><meta charset="utf-8"><style>
body {{ font-family: "{font}", "Noto Sans CJK SC", sans-serif; margin: 2.5cm; font-size: 11pt; }}
h1 {{ font-size: 18pt; }} td, th {{ border: 1px solid #999; padding: 4pt 8pt; }} table {{ border-collapse: collapse; }}
</style></head><body><h1>需求调研纪要</h1>
<p>项目：{deal}</p><p>客户：{account}</p><p>日期：{day}　记录人：{writer}</p>
<table><tr><th>议题</th><th>客户诉求</th><th>下一步</th></tr>
<tr><td>现状</td><td>各部门系统分散，数据靠手工汇总，月报需三天</td><td>梳理现有系统清单</td></tr>
<tr><td>目标</td><td>统一平台，管理层日报自动生成</td><td>SR 出具方案初稿</td></tr>
<tr><td>预算</td><td>已列入明年信息化预算，需总经理办公会审批</td><td>AR 跟进审批进度</td></tr>
<tr><td>时间</td><td>希望明年二季度上线</td><td>FR 评估交付周期</td></tr>
</table><p>结论：需求真实、预算可期，建议按计划推进技术交流与方案引导。</p></body></html>"""
ORG_CHART = ("总经理", ["信息中心", "采购部", "财务部"])


def seed_workspace(users: dict[str, User]) -> None:
    """Seed the work surface once (nothing when the custom fields are there already)."""
    if CustomField.objects.exists():
        return
    contract = Contract.objects.select_related("opportunity__owner", "account__owner").order_by("id").first()
    main_deal = contract.opportunity if contract is not None else None
    _custom_fields(users, main_deal)
    if main_deal is not None:
        _attachments(main_deal)
    # The overdue advance (demo_billing) reaches its AR and the finance colleague who issued it.
    invoice_due_notify(today=timezone.localdate())
    _recycled_lead(users)
    _override(users)
    _delegation(users)


def _custom_fields(users: dict[str, User], main_deal: Opportunity | None) -> None:
    admin = users["admin"]
    customfields.custom_field_create(
        actor=admin,
        data={
            "record_type": "account",
            "code": "tier",
            "field_type": "choice",
            "label_zh": "客户等级",
            "label_en": "Customer tier",
            "order": 10,
            "choices": [{"code": code, "label_zh": zh, "label_en": en} for code, zh, en in TIERS],
        },
    )
    customfields.custom_field_create(
        actor=admin,
        data={
            "record_type": "deal",
            "code": "main_competitor",
            "field_type": "text",
            "label_zh": "主要竞争对手",
            "label_en": "Main competitor",
            "order": 10,
        },
    )
    customfields.custom_field_create(
        actor=admin,
        data={
            "record_type": "deal",
            "code": "budget_approved",
            "field_type": "checkbox",
            "label_zh": "预算已批",
            "label_en": "Budget approved",
            "order": 20,
        },
    )
    for account in Account.objects.select_related("owner").filter(status="customer").order_by("id"):
        tier = TIER_BY_SIZE.get(account.size, "standard")
        customfields.custom_values_set(actor=account.owner, record=account, data={"tier": tier})
    deals = list(Opportunity.objects.select_related("owner").filter(status="open").order_by("id")[:6])
    if main_deal is not None:
        deals.insert(0, main_deal)
    for index, deal in enumerate(deals):
        data: dict[str, object] = {"main_competitor": COMPETITORS[index % len(COMPETITORS)]}
        if index % 3 != 2:
            data["budget_approved"] = index % 3 == 0
        customfields.custom_values_set(actor=deal.owner, record=deal, data=data)


def _attachments(deal: Opportunity) -> None:
    today = timezone.localdate()
    html = MINUTES_HTML.format(
        font=FONT_FAMILY, deal=deal.name, account=deal.account.name, day=today, writer=deal.owner.display_name
    )
    minutes = SimpleUploadedFile("需求调研纪要.pdf", html_to_pdf(html), content_type="application/pdf")
    attachment_add(actor=deal.owner, record=deal, upload=minutes, title="需求调研纪要")
    chart = SimpleUploadedFile("客户组织架构图.png", _org_chart_png(), content_type="image/png")
    account = deal.account
    attachment_add(actor=account.owner, record=account, upload=chart, title="客户组织架构图")


def _org_chart_png() -> bytes:
    """A small organisation chart: the general manager above three departments."""
    image = Image.new("RGB", (480, 220), "white")
    draw = ImageDraw.Draw(image)
    font_file = FONTS_DIR / "NotoSansSC-Regular.ttf"
    font = ImageFont.truetype(str(font_file), 16) if font_file.is_file() else ImageFont.load_default()
    top, departments = ORG_CHART
    boxes = [((180, 20, 300, 60), top)] + [
        ((20 + i * 160, 150, 140 + i * 160, 190), d) for i, d in enumerate(departments)
    ]
    for (left, upper, right, _lower), _label in boxes[1:]:
        draw.line(
            [(240, 60), (240, 105), ((left + right) // 2, 105), ((left + right) // 2, upper)], fill="#206bc4", width=2
        )
    for (left, upper, right, lower), label in boxes:
        draw.rectangle((left, upper, right, lower), outline="#206bc4", width=2, fill="#e8f0fb")
        draw.text(((left + right) // 2, (upper + lower) // 2), label, fill="#1d273b", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _recycled_lead(users: dict[str, User]) -> None:
    """A test submission of the website form, duplicating a real lead, deleted by marketing."""
    junk = lead_services.lead_create(
        actor=users["sun"],
        data={
            "company_name": "测试线索（重复）",
            "contact_name": "测试",
            "source": "website",
            "need": "官网表单测试提交，与“嘉兴智造装备有限公司”线索重复",
        },
        route=False,
    )
    record_recycle(actor=users["sun"], record=junk)


def _override(users: dict[str, User]) -> None:
    """The East sales manager moves a deal past its ATI gate ahead of the review meeting."""
    deal = (
        Opportunity.objects.select_related("stage", "pipeline", "owner__team")
        .filter(status="open", stage__name="立项 (ATI)", owner__username="zhang")
        .order_by("id")
        .first()
    )
    following = deal_services.next_stage(deal) if deal is not None else None
    if deal is None or following is None:
        return
    deal_services.opportunity_advance(
        actor=users["li"],
        opportunity=deal,
        expected_version=deal.version,
        to_stage=following,
        override_reason="客户高层已口头确认立项，ATI 评审排在下周例会；为赶上客户预算窗口，先行开展技术交流。",
    )


def _delegation(users: dict[str, User]) -> None:
    """李娜 is away all next week: 赵强 decides in her name meanwhile."""
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    delegation_create(
        actor=users["li"],
        principal=users["li"],
        delegate=users["zhao"],
        starts_on=monday,
        ends_on=monday + timedelta(days=4),
        reason="赴深圳参加年度渠道伙伴大会",
    )
