"""The upsell page is reached from the case page (for service staff, on a case not merged), and a
double submit of the same flag makes one lead."""

from __future__ import annotations

import re
from typing import Any

from ltc.customers.tests.factories import ContactFactory
from ltc.leads.models import Lead
from ltc.service.models import CaseUpsell
from ltc.service.services.upsell import case_upsell_flag
from ltc.service.tests.test_renewals_support import case


def _upsell_href(body: str) -> str | None:
    found = re.search(r'id="case-upsell-link" href="([^"]+)"', body)
    return found.group(1) if found else None


def test_the_case_page_links_the_upsell_page_for_service_staff(world: Any, web_as: Any) -> None:
    contact = ContactFactory(account=world.account, name="李工", email="li@jincheng.cn")
    flagged = case(world.account, contact=contact)
    client = web_as(world.service)

    href = _upsell_href(client.get(flagged.get_absolute_url()).content.decode())
    assert href == f"/service/cases/{flagged.pk}/upsell/"
    assert client.get(href).status_code == 200
    posted = client.post(href, {"kind": "upsell", "note": "加购许可"})
    assert posted.status_code == 302
    assert CaseUpsell.objects.filter(case=flagged).count() == 1

    assert _upsell_href(web_as(world.manager).get(flagged.get_absolute_url()).content.decode()) is None


def test_a_merged_case_draws_no_upsell_button(world: Any, web_as: Any) -> None:
    original = case(world.account)
    duplicate = case(world.account, merged_into=original, status="closed")
    page = web_as(world.admin).get(duplicate.get_absolute_url())
    assert page.status_code == 200
    assert _upsell_href(page.content.decode()) is None


def test_a_double_submit_returns_the_first_flag(world: Any, web_as: Any) -> None:
    flagged = case(world.account)
    first = case_upsell_flag(actor=world.service, case=flagged, kind="upsell", note="加购许可")

    again = case_upsell_flag(actor=world.service, case=flagged, kind="upsell", note=" 加购许可 ")

    assert again.pk == first.pk
    assert (CaseUpsell.objects.count(), Lead.objects.filter(source="service").count()) == (1, 1)
    other = case_upsell_flag(actor=world.service, case=flagged, kind="cross_sell", note="加购许可")
    assert other.pk != first.pk
    client = web_as(world.service)
    for _ in range(2):
        assert (
            client.post(f"/service/cases/{flagged.pk}/upsell/", {"kind": "upsell", "note": "扩容"}).status_code == 302
        )
    assert (CaseUpsell.objects.count(), Lead.objects.filter(source="service").count()) == (3, 3)


def test_the_same_flag_a_minute_later_is_a_new_one(world: Any) -> None:
    flagged = case(world.account)
    first = case_upsell_flag(actor=world.service, case=flagged, kind="upsell", note="加购许可")
    CaseUpsell.objects.filter(pk=first.pk).update(flagged_at=first.flagged_at.replace(year=2020))

    later = case_upsell_flag(actor=world.service, case=flagged, kind="upsell", note="加购许可")

    assert later.pk != first.pk
