"""Browser journey (headless Chromium, a phone-sized window): a customer contact asks for a
sign-in link, the test reads it from the outbox, the contact opens it, opens a case of the
company and replies; the reply is a customer message by portal."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from ltc.core.models import OutgoingMail
from ltc.customers.tests.factories import ContactFactory
from ltc.service.models import Asset, CaseChannel, CaseMessage, MessageKind
from ltc.service.services.cases import case_reply
from ltc.service.tests.factories import make_case

pytestmark = [pytest.mark.browser]

SHOTS = Path(tempfile.gettempdir()) / "ltc-portal-shots"
SHOTS.mkdir(exist_ok=True)


@pytest.mark.django_db(transaction=True)
def test_a_contact_signs_in_by_link_opens_a_case_and_replies(world: Any, page: Any) -> None:
    cache.clear()
    contact = ContactFactory(
        account=world.account, name="李采购", email="buyer@jincheng.cn", email_key="buyer@jincheng.cn"
    )
    case = make_case(world.account, subject="打印机卡纸", contact=contact)
    case_reply(actor=world.service, case=case, body="内部备注不给客户看", internal=True)
    case_reply(actor=world.service, case=case, body="请先重启设备。")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{page.base_url}/service/portal/")
    page.fill("#id_email", "buyer@jincheng.cn")
    page.click("#portal-request-link")
    expect(page.locator("#portal-link-sent")).to_be_visible()
    # The outbox delivered it (the test mail backend keeps it); the case's own mails (the
    # acknowledgement, the reply) went to the contact too.
    assert OutgoingMail.objects.filter(to=["buyer@jincheng.cn"], subject__contains="sign-in link").exists()
    sent = [m for m in mail.outbox if "/service/portal/enter/" in m.body]
    assert len(sent) == 1
    assert sent[0].to == ["buyer@jincheng.cn"]
    link = re.search(r"https?://\S+/service/portal/enter/\S+/", sent[0].body)
    assert link is not None
    assert link.group(0).startswith(page.base_url)

    page.goto(link.group(0))
    page.click("#portal-enter")
    expect(page.locator("#portal-who")).to_contain_text("李采购")
    page.click(f"#portal-cases a:has-text('{case.number}')")
    expect(page.locator("#portal-messages")).to_contain_text("请先重启设备。")
    expect(page.locator("body")).not_to_contain_text("内部备注不给客户看")

    page.fill("#id_body", "重启了，还是卡纸。")
    page.click("#portal-reply")
    expect(page.locator("#portal-messages")).to_contain_text("重启了，还是卡纸。")
    message = CaseMessage.objects.filter(case=case).order_by("-id").first()
    assert message is not None
    assert (message.kind, message.channel, message.contact_id) == (MessageKind.CUSTOMER, CaseChannel.PORTAL, contact.pk)

    expect(page.locator("#portal-flash")).to_contain_text("Your message is sent.")

    # On the phone the tables read as cards: nothing scrolls sideways, every column is on screen.
    Asset.objects.create(
        account=world.account, code="PRN-1", name="激光打印机", site="上海仓库", serial_numbers="SN-0001"
    )
    for path, table, label in (
        ("cases", "#portal-cases", "Status"),
        ("assets", "#portal-assets", "Warranty ends on"),
        ("invoices", "#portal-invoices", "Status"),
    ):
        page.goto(f"{page.base_url}/service/portal/{path}/")
        page.screenshot(path=str(SHOTS / f"portal-{path}-phone.png"), full_page=True)
        wrapper = page.locator(f"{table}").locator("xpath=..")
        overflow = wrapper.evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 0, (path, overflow)
        expect(page.locator(f"{table} thead")).to_be_hidden()
        if path != "invoices":
            cell = page.locator(f"{table} td[data-label='{label}']").first
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= 390, (path, box)

    page.click("#portal-signout")
    page.goto(f"{page.base_url}/service/portal/cases/")
    expect(page.locator("#portal-request-link")).to_be_visible()
