"""The demo's segments (细分人群): a dynamic segment of the decision makers at eastern
manufacturers, and a static follow-up list of the trade show's eastern leads."""

from __future__ import annotations

from ltc.leads.models import Lead
from ltc.marketing.services import segments
from ltc.org.models import User


def seed_segments(users: dict[str, User]) -> None:
    marketing = users["sun"]
    dynamic = segments.segment_create(
        actor=marketing,
        data={
            "name": "华东制造业决策人",
            "description": "华东地区制造业客户的联系人，账户下有进行中的商机；用于工博会后的邮件培育。",
            "target": "contacts",
            "rules": {
                "match": "all",
                "conditions": [
                    {"field": "industry", "op": "in", "value": ["manufacturing"]},
                    {"field": "region", "op": "in", "value": ["east"]},
                ],
            },
        },
    )
    segments.segment_count_refresh(dynamic)
    static = segments.segment_create(
        actor=marketing,
        data={
            "name": "工博会重点跟进名单",
            "description": "展会现场登记、需尽快回访的华东线索（静态名单，可按 ID 或 CSV 追加）。",
            "target": "leads",
            "kind": "static",
        },
    )
    ids = list(
        Lead.objects.filter(merged_into__isnull=True, region="east")
        .order_by("-score", "pk")
        .values_list("pk", flat=True)[:8]
    )
    if ids:
        segments.segment_entries_add(actor=marketing, segment=static, ids=ids)
    segments.segment_count_refresh(static)
