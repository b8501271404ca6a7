"""Browser journeys: quick-create a lead by keyboard (c, l), and mention a colleague in a note
with the @ picker (arrows and Enter)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ltc.core.models import Notification, NotificationKind
from ltc.leads.models import Lead

pytestmark = [pytest.mark.browser]


def _sign_in(page: Any, username: str) -> str:
    base = str(page.base_url)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return base


@pytest.mark.django_db(transaction=True)
def test_quick_create_a_lead_with_c_then_l(world: Any, page: Any) -> None:
    base = _sign_in(page, "owner")

    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("c")
    page.keyboard.press("l")
    modal = page.locator("#quick-modal")
    expect(modal.locator("#id_company_name")).to_be_visible()
    expect(modal.locator("#id_company_name")).to_be_focused()
    modal.locator("#id_email").fill("not-an-address")
    modal.locator("#id_company_name").fill("键盘快建有限公司")
    modal.locator("#quick-save").click()
    expect(modal.locator("#id_email ~ .invalid-feedback")).to_be_visible()  # the field error, in the modal
    assert not Lead.objects.filter(company_name="键盘快建有限公司").exists()

    modal.locator("#id_email").fill("buyer@example.cn")
    modal.locator("#quick-save").click()

    page.wait_for_url(f"{base}/leads/*/")
    lead = Lead.objects.get(company_name="键盘快建有限公司")
    assert page.url == f"{base}{lead.get_absolute_url()}"
    assert (lead.owner_id, lead.email) == (world.owner.pk, "buyer@example.cn")


@pytest.mark.django_db(transaction=True)
def test_shortcut_help_and_go_to(world: Any, page: Any) -> None:
    base = _sign_in(page, "owner")

    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    expect(page.locator("#shortcuts-help")).to_contain_text("New Lead")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts-help")).to_be_hidden()
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url(f"{base}/inbox/")


@pytest.mark.django_db(transaction=True)
def test_mention_a_colleague_with_the_at_picker(world: Any, page: Any) -> None:
    base = _sign_in(page, "owner")
    page.goto(f"{base}{world.lead.get_absolute_url()}")
    note = page.locator("textarea[data-mentions]")

    note.click()
    page.keyboard.type("请 @ma")
    picker = page.locator("#mention-picker")
    expect(picker.locator(".dropdown-item")).to_have_text(
        ["Manager@manager", "Marketing@marketing", "Teammate@teammate"]
    )
    expect(picker.locator(".dropdown-item.active")).to_contain_text("@manager")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(picker.locator(".dropdown-item.active")).to_contain_text("@teammate")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(picker.locator(".dropdown-item.active")).to_contain_text("@manager")
    page.keyboard.press("Enter")
    expect(picker).to_have_count(0)
    page.keyboard.type("看一下预算")
    expect(note).to_have_value("请 @manager 看一下预算")
    page.get_by_role("button", name="Add note").click()

    expect(page.locator("#timeline")).to_contain_text("看一下预算")
    mention = Notification.objects.get(recipient=world.manager, kind=NotificationKind.MENTION)
    assert (mention.actor_id, mention.object_id) == (world.owner.pk, world.lead.pk)
    assert not Notification.objects.filter(recipient=world.marketing).exists()
