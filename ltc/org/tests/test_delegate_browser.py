"""Browser journey (headless Chromium): a delegate approves a discount in the manager's name
while she is away (授权委托) — the manager delegates on her profile, a rep submits a quote above
his own authority, the colleague finds the task on the home page, opens the quote (not a 404),
approves it, and the quote page and its timeline name both people, in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ltc.catalog.tests.factories import Catalog
from ltc.core.models import Activity
from ltc.core.tests.browser import sign_in
from ltc.org.models import Delegation, User
from ltc.org.tests.test_delegation import _priced
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import standard_matrix

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_delegate_approves_a_discount_in_the_managers_name(world: Any, page: Any) -> None:
    standard_matrix(world)  # the rep approves nothing, the manager up to 10%
    quote = _priced(world, Catalog(), "8")
    User.objects.filter(pk=world.teammate.pk).update(language="zh-hans")  # the colleague reads Chinese

    sign_in(page, "manager")
    page.goto(f"{page.base_url}/profile/delegations/")
    page.select_option("#id_delegate", str(world.teammate.pk))
    page.check("input[name=subjects][value=quote_discount]")
    page.fill("#id_reason", "出差")
    page.click("#delegation-form button[type=submit]")
    expect(page.locator("#delegations")).to_contain_text("running")
    delegation = Delegation.objects.get()
    assert (delegation.principal, delegation.delegate, delegation.starts_on, delegation.ends_on) == (
        world.manager,
        world.teammate,
        timezone.localdate(),
        timezone.localdate(),
    )

    sign_in(page, "owner")
    page.goto(f"{page.base_url}/quotes/{quote.pk}/")
    page.click("#submit-quote")
    expect(page.locator("#approval-steps")).to_contain_text("Manager")
    step = Quote.objects.get(pk=quote.pk).current.approvals.get()
    assert (step.approver, step.task.owner) == (world.manager, world.teammate)
    # The step is due within two days; asked today, it is among today's follow-ups.
    Activity.objects.filter(pk=step.task_id).update(due_at=timezone.now())

    sign_in(page, "teammate")
    follow_ups = page.locator("#follow-ups")
    expect(follow_ups).to_contain_text("我的跟进")
    expect(follow_ups).to_contain_text(quote.number)
    follow_ups.locator(f"a:has-text('{quote.number}')").click()
    page.wait_for_url(f"{page.base_url}/quotes/{quote.pk}/")  # the quote opens: not a 404
    expect(page.locator("#approve-quote")).to_have_text("批准")
    page.fill("textarea[name=comment]", "经理出差，代为审批")
    page.click("#approve-quote")
    expect(page.locator("#approval-1-on-behalf")).to_have_text("由 Teammate 代 Manager 审批")
    expect(page.locator(".card-title .badge").first).to_have_text("已批准")
    step.refresh_from_db()
    assert (step.status, step.decided_by, step.decided_for) == ("approved", world.teammate, world.manager)

    sign_in(page, "manager")  # back from her trip, she reads who approved in her name
    page.goto(f"{page.base_url}/quotes/{quote.pk}/")
    expect(page.locator("#approval-1-on-behalf")).to_have_text("by Teammate for Manager")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Teammate")
    expect(timeline).to_contain_text("on behalf of")
    expect(timeline).to_contain_text("Manager (")
