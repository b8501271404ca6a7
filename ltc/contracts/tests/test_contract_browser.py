"""Browser journey (headless Chromium): the accepted quote becomes a contract; finance, legal and
delivery check it and the manager approves; the AR records the signature (a wrong file is
refused); the FR accepts it after the hand-over, orders and delivers everything, and records the
customer's acceptance of the first milestone; the AR raises a change that the iron triangle
assesses and the manager approves; the version diff shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ltc.contracts.models import ChangeRequest, Contract
from ltc.contracts.tests.factories import PDF, accepted_quote, contract_team
from ltc.core.tests.browser import sign_in

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_contract_from_review_to_amendment(world: Any, page: Any, tmp_path: Path) -> None:
    team = contract_team(world)
    quote = accepted_quote(world, team)
    today = timezone.localdate().isoformat()
    signed = tmp_path / "合同签字版.pdf"
    signed.write_bytes(PDF)
    fake = tmp_path / "scan.png"
    fake.write_bytes(b"this is not an image")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/quotes/{quote.pk}/")
    page.click("#make-contract")
    expect(page.locator("#contract-steps .active")).to_have_text("Draft")
    contract = Contract.objects.get()
    page.click("#submit-review")
    expect(page.locator("#contract-steps .active")).to_have_text("In review")

    for username, items in (
        ("finance", ("margin", "payment_terms")),
        ("legal", ("clauses", "penalties", "ip")),
        ("fr", ("scope", "schedule")),
    ):
        sign_in(page, username)
        page.goto(f"{page.base_url}/contracts/{contract.pk}/")
        for item in items:
            page.locator(f"#check-{item} button").click()
            expect(page.locator(f"#check-{item} .badge")).to_have_text("Acceptable")

    sign_in(page, "manager")
    page.goto(f"{page.base_url}/contracts/{contract.pk}/")
    page.fill("textarea[name=note]", "条款可接受")
    page.click("#approve-contract")
    expect(page.locator("#contract-steps .active")).to_have_text("Approved")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/contracts/{contract.pk}/")
    page.fill("#id_signed_on", today)
    page.fill("#id_customer_signatory", "王总")
    page.set_input_files("#id_signed_copy", str(fake))
    page.click("#sign-contract")
    expect(page.get_by_text("The file's content is not a PNG.")).to_be_visible()
    page.fill("#id_signed_on", today)
    page.fill("#id_customer_signatory", "王总")
    page.set_input_files("#id_signed_copy", str(signed))
    page.click("#sign-contract")
    expect(page.locator("#contract-steps .active")).to_have_text("Signed")

    sign_in(page, "fr")
    page.goto(f"{page.base_url}/contracts/{contract.pk}/")
    page.fill("#id_meeting_on", today)
    for box in ("#id_ar_present", "#id_sr_present", "#id_scope_confirmed", "#id_deliverables_confirmed"):
        page.check(box)
    page.fill("#id_open_questions", "机房位置待确认")
    page.click("#accept-contract")
    expect(page.locator("#contract-steps .active")).to_have_text("Accepted by delivery")
    page.click("#generate-order")
    expect(page.locator("#contract-steps .active")).to_have_text("In execution")
    page.locator("#orders a").first.click()
    for field in page.locator("input[name^=qty-]").all():
        line_id = field.get_attribute("name").removeprefix("qty-")
        ordered = contract.orders.get().lines.get(pk=line_id).quantity
        field.fill(f"{ordered.normalize():f}")
    page.fill("#id_delivered_on", today)
    page.click("#record-delivery")
    expect(page.locator("#order-status")).to_have_text("Fulfilled")

    page.goto(f"{page.base_url}/contracts/{contract.pk}/")
    first = page.locator("#milestone-1")
    first.locator("input[name=delivered_on]").fill(today)
    first.locator("button:has-text('Delivered')").click()
    first = page.locator("#milestone-1")
    first.locator("summary:has-text('Record acceptance')").click()
    first.locator("input[name=accepted_on]").fill(today)
    first.locator("input[name=accepted_by_name]").fill("李工")
    first.locator("input[name=acceptance_document]").set_input_files(str(signed))
    first.locator("button:has-text('Accepted by the customer')").click()
    expect(page.locator("#milestone-1 .badge").first).to_have_text("Accepted by the customer")

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/contracts/{contract.pk}/")
    page.click("#raise-change")
    service = contract.current.lines.get(code="SVC-IMP")
    page.fill("#id_title", "增加实施人天")
    page.fill("#id_reason", "客户新增产线")
    page.fill(f"input[name=line-{service.key}-quantity]", "14")
    page.click("#raise-change-submit")
    expect(page.locator("#change-status")).to_have_text("Being assessed")
    expect(page.locator("#version-diff")).to_contain_text("SVC-IMP")
    change = ChangeRequest.objects.get()
    page.click("#assess-ar")
    expect(page.locator("#assessment-ar")).to_contain_text("Supports")
    for username in ("sr", "fr"):
        sign_in(page, username)
        page.goto(f"{page.base_url}/contracts/changes/{change.pk}/")
        if username == "fr":
            page.fill("input[name=cost_impact]", "3600")
            page.fill("input[name=schedule_days]", "5")
        page.click(f"#assess-{username}")
        expect(page.locator(f"#assessment-{username}")).to_contain_text("Supports")

    sign_in(page, "manager")
    page.goto(f"{page.base_url}/contracts/changes/{change.pk}/")
    page.click("#approve-change")
    expect(page.locator("#change-status")).to_have_text("Approved")
    page.click("text=v1 → v2")
    expect(page.locator("#version-diff")).to_contain_text("SVC-IMP")
    expect(page.locator("#version-diff")).to_contain_text("14")
    contract.refresh_from_db()
    assert contract.current.number == 2
    assert contract.status == "in_execution"
