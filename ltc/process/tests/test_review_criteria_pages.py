"""The process centre's review criteria page (评审要素), the node page of a review step, and the
criteria moving with a configuration file."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from django.urls import reverse
from django.utils import translation

from ltc.opportunities.models import ReviewCriterion
from ltc.opportunities.services import criteria
from ltc.process.models import ProcessBinding
from ltc.process.transfer import configuration_export, configuration_import


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _criteria() -> list[tuple[str, str, str, str, str, str, int, bool]]:
    return list(
        ReviewCriterion.objects.order_by("review_type", "role", "code").values_list(
            "review_type", "role", "code", "label_zh", "label_en", "help", "order", "active"
        )
    )


def test_an_administrator_sees_and_changes_the_criteria_on_the_page(world, web_as, django_assert_max_num_queries):
    admin = web_as(world.admin)
    admin.post(reverse("web:set_language"), {"language": "zh-hans", "next": "/"})
    with django_assert_max_num_queries(12):
        page = admin.get(reverse("process:review_criteria"))
    assert page.status_code == 200
    text = _text(page)
    assert "评审要素" in text
    assert text.count("决策链覆盖") == 3  # under ATI, ATB and ATC
    assert reverse("process:review_criterion_create") + "?review_type=ATB&amp;role=sr" in page.content.decode()

    created = admin.post(
        reverse("process:review_criterion_create"),
        {"review_type": "ATB", "role": "sr", "code": "bid_price", "label_zh": "报价竞争力", "label_en": "Price"},
    )
    assert created.status_code == 302
    added = ReviewCriterion.objects.get(review_type="ATB", role="sr", code="bid_price")
    assert (added.label_zh, added.order, added.active) == ("报价竞争力", 40, True)

    refused = admin.post(
        reverse("process:review_criterion_create"),
        {"review_type": "ATB", "role": "sr", "code": "bid_price", "label_zh": "重复", "label_en": "Twice"},
    )
    assert refused.status_code == 422
    assert ReviewCriterion.objects.filter(code="bid_price").count() == 1

    edit = reverse("process:review_criterion_edit", args=[added.pk])
    stale = admin.post(edit, {"label_zh": "价格", "label_en": "Price", "order": 40, "active": "on", "version": 9})
    assert stale.status_code == 422
    saved = admin.post(
        edit,
        {"label_zh": "报价竞争力", "label_en": "Price", "help": "与对手相比", "order": 5, "active": "on", "version": 1},
    )
    assert saved.status_code == 302
    added.refresh_from_db()
    assert (added.help, added.order, added.version) == ("与对手相比", 5, 2)

    removed = admin.post(reverse("process:review_criterion_remove", args=[added.pk]), {"version": 2})
    assert removed.status_code == 302
    assert not ReviewCriterion.objects.filter(pk=added.pk).exists()
    with django_assert_max_num_queries(12):  # the same with more criteria: no query per row
        for n in range(5):
            ReviewCriterion.objects.create(review_type="ATC", role="fr", code=f"c{n}", label_zh="甲", label_en="A")
        assert admin.get(reverse("process:review_criteria")).status_code == 200


def test_an_ar_reads_the_criteria_but_is_drawn_no_form_and_refused_every_change(world, web_as):
    before = _criteria()
    reader = web_as(world.owner)
    page = reader.get(reverse("process:review_criteria"))
    assert page.status_code == 200
    assert "Customer relationship" in _text(page)
    assert "/review-criteria/new/" not in page.content.decode()
    assert "<form" not in page.content.decode().split('id="criteria-ATI"')[1]
    relationship = ReviewCriterion.objects.get(review_type="ATI", role="ar", code="relationship")
    assert reader.get(reverse("process:review_criterion_create")).status_code == 403
    assert reader.get(reverse("process:review_criterion_edit", args=[relationship.pk])).status_code == 403
    data = {"review_type": "ATI", "role": "ar", "code": "x", "label_zh": "甲", "label_en": "A"}
    assert reader.post(reverse("process:review_criterion_create"), data).status_code == 403
    assert (
        reader.post(reverse("process:review_criterion_remove", args=[relationship.pk]), {"version": 1}).status_code
        == 403
    )
    assert _criteria() == before


def test_the_node_of_a_review_lists_the_reviews_criteria(world, web_as):
    binding = ProcessBinding.objects.select_related("node").get(kind="review", key="ATI")
    criteria.criterion_add(
        actor=world.admin,
        data={"review_type": "ATI", "role": "fr", "code": "resources", "label_zh": "资源保障", "label_en": "Resources"},
    )
    with translation.override("en"):
        page = web_as(world.owner).get(reverse("process:node_detail", args=[binding.node.pk]))
    assert page.status_code == 200
    block = _text(page).split("What implements this step")[1]
    assert "Review criteria" in block
    assert "Customer relationship · Decision chain coverage" in block
    assert "Delivery cost (5 = within plan) · Resources" in block


def test_the_criteria_move_with_the_configuration_file(world):
    exported = json.loads(json.dumps(configuration_export()))
    rows = exported["review_criteria"]
    assert len(rows) == 24
    atb_sr = [r for r in rows if r["review_type"] == "ATB" and r["role"] == "sr"]
    atb_sr[0]["label_zh"] = "需求符合度"
    next(r for r in rows if r["code"] == "competition" and r["review_type"] == "ATC")["active"] = False
    rows.append(
        {
            "review_type": "ATB",
            "role": "sr",
            "code": "bid_price",
            "label_zh": "报价竞争力",
            "label_en": "Price",
            "help": "",
            "order": 40,
            "active": True,
        }
    )
    before = _criteria()

    with translation.override("en"):
        plan = configuration_import(actor=world.admin, document=exported, dry_run=True)
    shown = {(i.key, i.action) for i in plan.items if i.section == "review_criterion" and i.action != "unchanged"}
    assert shown == {
        ("ATB · SR · requirements_fit", "update"),
        ("ATC · SR · competition", "update"),
        ("ATB · SR · bid_price", "create"),
    }
    change = next(i for i in plan.items if i.key == "ATB · SR · requirements_fit").changes
    assert [(c.field, c.old, c.new) for c in change] == [("label_zh", "需求匹配度", "需求符合度")]
    assert _criteria() == before  # a dry run writes nothing

    plan = configuration_import(actor=world.admin, document=exported, dry_run=False)
    assert plan.applied
    again = configuration_export()
    assert again["review_criteria"] == sorted(rows, key=lambda r: (r["review_type"], r["role"], r["order"], r["code"]))
    assert configuration_import(actor=world.admin, document=again, dry_run=True).has_changes is False

    # A file written before criteria were configurable leaves them as they are.
    older = {k: v for k, v in again.items() if k != "review_criteria"}
    plan = configuration_import(actor=world.admin, document=older, dry_run=False)
    assert not [i for i in plan.items if i.section == "review_criterion"]
    assert configuration_export()["review_criteria"] == again["review_criteria"]
