"""The inbox (待办): each stage's source lists exactly what waits for the user (their own, and
their principal's while a delegation runs), and decides it through the stage's own service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services as contract_services
from ltc.contracts.models import ChangeRequest, Contract, ContractReview
from ltc.contracts.tests.factories import accepted_contract, contract_team, fresh, in_review
from ltc.core import inbox
from ltc.core.models import TimelineEvent
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import DecisionReview
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.org.models import Delegation
from ltc.quotes import services as quote_services
from ltc.quotes.models import QuoteApproval, QuoteVersion
from ltc.quotes.tests.factories import make_quote, standard_matrix

AR = {"relationship": 4, "decision_chain": 3}
HTMX = {"HTTP_HX_REQUEST": "true"}


def _kinds(user: Any) -> dict[str, list[inbox.InboxItem]]:
    return {source.key: items for source, items in inbox.waiting(user)}


@pytest.fixture
def ati(world: Any) -> DecisionReview:
    """An ATI review of an 8M deal: above the manager's and the boss's 5M, escalated to the executive."""
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", role="executive")
    deal = make_opportunity(world, pipeline, amount=Decimal("8000000.00"), name="华东智能工厂")
    return deal_services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")


def _priced_quote(world: Any, catalog: Catalog, discount: str) -> Any:
    quote = make_quote(world, catalog)
    quote_services.quote_version_update(
        actor=world.owner,
        quote=quote,
        expected_version=quote.version,
        data={"lines": [catalog.bundle_line()], "document_discount_pct": discount},
    )
    quote.refresh_from_db()
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    quote.refresh_from_db()
    return quote


def _post(client: Any, key: str, item_id: int, **data: str) -> Any:
    return client.post(f"/inbox/{key}/decide/", {"item": str(item_id), **data}, **HTMX)


# --- decision reviews and assessments ---------------------------------------------------------


def test_an_escalated_review_waits_for_the_executive_only(world: Any, ati: DecisionReview) -> None:
    [item] = _kinds(world.executive)["decision_review"]
    assert (item.item_id, item.record, item.amount, item.currency) == (ati.pk, "华东智能工厂", ati.amount, "CNY")
    assert item.escalated_past == (str(world.manager), str(world.boss))
    assert (item.requested_by, item.for_user, item.url) == (str(world.owner), "", ati.get_absolute_url())
    assert item.due is not None
    for user in (world.manager, world.boss, world.owner, world.other):
        assert _kinds(user)["decision_review"] == []
    # The owner, as the deal's AR, has an assessment to give, until given.
    assert [i.item_id for i in _kinds(world.owner)["review_assessment"]] == [ati.pk]
    assert _kinds(world.executive)["review_assessment"] == []
    deal_services.review_assess(actor=world.owner, review=ati, role="ar", scores=AR)
    assert _kinds(world.owner)["review_assessment"] == []


def test_the_executive_decides_go_with_conditions_from_the_inbox(world: Any, ati: DecisionReview, web_as: Any) -> None:
    deal_services.review_assess(actor=world.owner, review=ati, role="ar", scores=AR)
    client = web_as(world.executive)
    page = client.get("/inbox/")
    assert ati.get_absolute_url() in page.content.decode()
    assert "checked" not in page.content.decode().split('id="inbox-item-decision_review')[1].split("</form>")[0]
    # Conditions are required for "go with conditions": the form comes back, nothing changed.
    refused = _post(client, "decision_review", ati.pk, decision="go_conditions", conditions=" ")
    assert "List the conditions, one per line." in refused.content.decode()
    assert DecisionReview.objects.get(pk=ati.pk).status == "open"
    done = _post(client, "decision_review", ati.pk, decision="go_conditions", conditions="首付 30%\n高层拜访")
    assert "Go with conditions" in done.content.decode()
    ati.refresh_from_db()
    assert (ati.status, ati.decision, ati.decided_by, ati.conditions) == (
        "decided",
        "go_conditions",
        world.executive,
        "首付 30%\n高层拜访",
    )
    assert TimelineEvent.objects.filter(object_id=ati.opportunity_id, text__contains="ATI decision").exists()
    assert _kinds(world.executive)["decision_review"] == []
    # Read before the decision, posted again: already decided, by whom — not a 500.
    stale = _post(client, "decision_review", ati.pk, decision="hold")
    assert stale.status_code == 200
    assert f"Already decided by {world.executive}" in stale.content.decode()


def test_no_go_needs_a_note_and_a_user_without_authority_is_refused(
    world: Any, ati: DecisionReview, web_as: Any
) -> None:
    deal_services.review_assess(actor=world.owner, review=ati, role="ar", scores=AR)
    answer = _post(web_as(world.executive), "decision_review", ati.pk, decision="no_go")
    assert "Say why." in answer.content.decode()
    assert _post(web_as(world.manager), "decision_review", ati.pk, decision="go").status_code == 404
    assert _post(web_as(world.owner), "decision_review", ati.pk, decision="go").status_code == 404
    assert DecisionReview.objects.get(pk=ati.pk).status == "open"


def test_a_delegate_sees_and_decides_the_principals_review(world: Any, ati: DecisionReview, web_as: Any) -> None:
    deal_services.review_assess(actor=world.owner, review=ati, role="ar", scores=AR)
    today = timezone.localdate()
    delegation = Delegation.objects.create(
        principal=world.executive,
        delegate=world.boss,
        starts_on=today,
        ends_on=today + timedelta(days=3),
        subjects=["review_ati"],
        created_by=world.executive,
    )
    [item] = _kinds(world.boss)["decision_review"]
    assert (item.item_id, item.for_user) == (ati.pk, str(world.executive))
    assert f"for {world.executive}" in web_as(world.boss).get("/inbox/").content.decode()
    assert _kinds(world.manager)["decision_review"] == []  # not the delegate
    _post(web_as(world.boss), "decision_review", ati.pk, decision="go")
    ati.refresh_from_db()
    assert (ati.decision, ati.decided_by, ati.decided_for) == ("go", world.boss, world.executive)
    # Once the delegation ends, nothing of the principal's shows for the former delegate.
    delegation.ends_on = today - timedelta(days=1)
    delegation.starts_on = today - timedelta(days=2)
    delegation.save(update_fields=["starts_on", "ends_on"])
    assert _kinds(world.boss)["decision_review"] == []


# --- quote discounts -----------------------------------------------------------------------------


def test_a_discount_approval_is_decided_in_the_inbox(world: Any, web_as: Any) -> None:
    catalog = Catalog()
    standard_matrix(world)
    quote = _priced_quote(world, catalog, "15")  # above the manager's 10%: manager first, then the boss
    [item] = _kinds(world.manager)["quote_discount"]
    step = QuoteApproval.objects.get(version__quote=quote, status="pending")
    assert (item.item_id, item.currency, item.escalated_past) == (step.pk, "CNY", ())
    assert _kinds(world.boss)["quote_discount"] == []
    assert _kinds(world.owner)["quote_discount"] == []
    assert _post(web_as(world.boss), "quote_discount", step.pk, decision="approve").status_code == 404
    _post(web_as(world.manager), "quote_discount", step.pk, decision="approve", note="同意，上报")
    step.refresh_from_db()
    assert step.status == "escalated"
    [boss_item] = _kinds(world.boss)["quote_discount"]
    assert boss_item.escalated_past == (str(world.manager),)
    refused = _post(web_as(world.boss), "quote_discount", boss_item.item_id, decision="reject")
    assert "Say why." in refused.content.decode()
    _post(web_as(world.boss), "quote_discount", boss_item.item_id, decision="reject", note="折扣过高")
    quote.refresh_from_db()
    assert quote.status == "rejected"
    assert TimelineEvent.objects.filter(object_id=quote.pk, text__contains="折扣过高").exists()
    stale = _post(web_as(world.manager), "quote_discount", step.pk, decision="approve")
    assert f"Already decided by {world.manager}" in stale.content.decode()


# --- contract reviews and change requests -------------------------------------------------------


def test_a_contract_review_is_decided_in_the_inbox(world: Any, web_as: Any) -> None:
    team = contract_team(world)
    contract = in_review(world, team, Catalog(), checked=True)
    review = ContractReview.objects.get(contract=contract)
    [item] = _kinds(world.manager)["contract_review"]
    assert (item.item_id, item.url) == (review.pk, contract.get_absolute_url())
    assert _kinds(world.executive)["contract_review"] == []
    assert _post(web_as(world.owner), "contract_review", review.pk, decision="approve").status_code == 404
    _post(web_as(world.manager), "contract_review", review.pk, decision="approve")
    assert fresh(contract).status == "approved"
    assert _kinds(world.manager)["contract_review"] == []


def test_a_change_request_is_rejected_from_the_inbox(world: Any, web_as: Any) -> None:
    team = contract_team(world)
    catalog = Catalog()
    contract = accepted_contract(world, team, catalog)
    change = contract_services.change_create(
        actor=world.owner,
        contract=contract,
        origin="internal",
        title="大额扩容",
        reason="扩容",
        proposal={"lines": [{"product_id": catalog.server.pk, "quantity": "10", "unit_price": "50000"}]},
    )
    [item] = _kinds(world.executive)["change_request"]
    assert (item.item_id, item.amount, item.escalated) == (change.pk, change.delta, True)
    assert _kinds(world.manager)["change_request"] == []
    _post(web_as(world.executive), "change_request", change.pk, decision="reject", note="预算不足")
    change.refresh_from_db()
    assert (change.status, change.decision_note, change.decided_by) == ("rejected", "预算不足", world.executive)
    assert TimelineEvent.objects.filter(object_id=contract.pk, text__contains="预算不足").exists()


# --- page, API, budget, language ----------------------------------------------------------------


def _many(world: Any, n: int) -> None:
    """n items of each kind waiting for the executive, made straight in the database."""
    catalog = Catalog()
    team = contract_team(world)
    pipeline = make_pipeline("预算管道")
    for i in range(n):
        deal = make_opportunity(world, pipeline, amount=Decimal("8000000.00"), name=f"项目{i}")
        DecisionReview.objects.create(
            opportunity=deal,
            review_type="ATI",
            amount=deal.amount,
            currency="CNY",
            opened_by=world.owner,
            decider=world.executive,
            passed_over=[str(world.manager)],
        )
    quote = make_quote(world, catalog)
    first = quote.current
    for i in range(n):
        version = QuoteVersion.objects.create(
            quote=quote,
            number=10 + i,
            status="in_approval",
            price_book=first.price_book,
            valid_until=first.valid_until,
            created_by=world.owner,
        )
        QuoteApproval.objects.create(version=version, level=1, approver=world.executive)
    base = accepted_contract(world, team, catalog)
    for i in range(n):
        clone = Contract.objects.get(pk=base.pk)
        clone.pk, clone.number = None, f"HT-X-{i}"
        clone.save()
        ContractReview.objects.create(
            contract=clone, version=base.current, opened_by=world.owner, decider=world.executive
        )
        ChangeRequest.objects.create(
            contract=clone,
            number=1,
            origin="internal",
            title=f"变更{i}",
            reason="扩容",
            base_version=base.current,
            total_before=Decimal("100"),
            total_after=Decimal("200"),
            decider=world.executive,
            created_by=world.owner,
        )


def test_the_inbox_page_and_api_keep_their_query_budget(
    world: Any, web_as: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    _many(world, 20)
    client = web_as(world.executive)
    # One query per registered source (billing's invoices due included), whatever the rows.
    with django_assert_max_num_queries(15):
        page = client.get("/inbox/")
    html = page.content.decode()
    assert html.count('class="list-group-item inbox-item"') == 80
    with django_assert_max_num_queries(13):
        badge = client.get("/inbox/count/")
    assert ">80<" in badge.content.decode()
    answer = api_as(world.executive).get("/inbox")
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 80
    review = next(g for g in body["groups"] if g["kind"] == "decision_review")["items"][0]
    assert review["decide_endpoint"].startswith("/api/v1/decision-reviews/")
    assert review["escalated_past"] == [str(world.manager)]


def test_the_nav_entry_and_the_home_summary(world: Any, ati: DecisionReview, web_as: Any) -> None:
    client = web_as(world.executive)
    assert 'id="nav-inbox"' in client.get("/").content.decode()
    summary = client.get("/inbox/summary/").content.decode()
    assert "华东智能工厂" in summary
    assert "escalated" in summary
    assert "Nothing waits for your decision." in web_as(world.other).get("/inbox/summary/").content.decode()


def test_the_inbox_reads_in_chinese(world: Any, ati: DecisionReview, web_as: Any) -> None:
    client = web_as(world.executive)
    client.cookies["django_language"] = "zh-hans"
    world.executive.language = "zh-hans"
    world.executive.save(update_fields=["language"])
    html = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for text in ("待办", "决策评审", "有条件通过", "决策"):
        assert text in html, text
