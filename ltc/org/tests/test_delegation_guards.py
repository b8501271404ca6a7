"""Nobody raises their own authority: a subject's steward sets no authority line naming them or a
role they hold, and a delegate decides nothing on a record they are part of (a quote they wrote, a
deal on whose iron triangle they stand, a contract they own, a change they asked for)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services as contract_services
from ltc.contracts.tests.factories import Team, accepted_contract, contract_team, fresh, in_review
from ltc.core import inbox
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import Opportunity
from ltc.opportunities.selectors import review_list
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.org import authority
from ltc.org import services as org_services
from ltc.org.models import Authority, Delegation, Role
from ltc.org.tests.test_delegation import _open_ati, _priced, away
from ltc.process.tests.test_stewardship import _mae
from ltc.quotes import services as quote_services
from ltc.quotes.choices import QuoteStatus
from ltc.quotes.services.approval import may_approve
from ltc.quotes.tests.factories import standard_matrix

IF = "If-Match"


def _waiting(user: Any, key: str) -> list[inbox.InboxItem]:
    return [item for source, items in inbox.waiting(user) if source.key == key for item in items]


# --- a steward and their own authority ----------------------------------------------------------


def _lines() -> list[tuple[Any, ...]]:
    return sorted(Authority.objects.values_list("pk", "subject", "role_id", "user_id", "max_amount", "version"))


def test_a_steward_creates_no_line_for_themselves_or_a_role_they_hold(world: Any, api_as: Any) -> None:
    _mae(world.executive)
    api = api_as(world.executive)
    before = _lines()
    own_user = api.post("/authority", {"subject": "review_atb", "user_id": world.executive.pk})
    own_role = api.post("/authority", {"subject": "review_atb", "role": "executive"})
    assert (own_user.status_code, own_role.status_code) == (422, 422)
    with pytest.raises(ValidationError) as refused:
        org_services.authority_create(actor=world.executive, data={"subject": "review_atb", "user": world.executive})
    assert list(refused.value.message_dict) == ["user"]
    with pytest.raises(ValidationError) as refused:
        org_services.authority_create(
            actor=world.executive, data={"subject": "review_atb", "role": Role.objects.get(code="executive")}
        )
    assert list(refused.value.message_dict) == ["role"]
    assert _lines() == before
    assert api.post("/authority", {"subject": "review_atb", "role": "ar"}).status_code == 201
    assert api_as(world.admin).post("/authority", {"subject": "review_atb", "role": "executive"}).status_code == 201


def test_a_steward_neither_raises_nor_moves_a_line_onto_themselves(world: Any, api_as: Any) -> None:
    _mae(world.executive)
    theirs = grant("review_atb", role="executive", up_to="1000")
    other = grant("review_atb", role="sales_manager", up_to="5000000")
    api = api_as(world.executive)
    before = _lines()
    assert api.patch(f"/authority/{theirs.pk}", {"max_amount": "9000000"}, **{IF: '"1"'}).status_code == 422
    assert api.patch(f"/authority/{other.pk}", {"role": "executive"}, **{IF: '"1"'}).status_code == 422
    with pytest.raises(ValidationError) as refused:
        org_services.authority_update(
            actor=world.executive, line=other, data={"role": Role.objects.get(code="executive")}, expected_version=1
        )
    assert list(refused.value.message_dict) == ["role"]
    assert _lines() == before
    # the steward still changes other roles' lines; an administrator changes any
    assert api.patch(f"/authority/{other.pk}", {"max_amount": "6000000"}, **{IF: '"1"'}).status_code == 200
    admin = api_as(world.admin)
    assert admin.patch(f"/authority/{theirs.pk}", {"max_amount": "2000"}, **{IF: '"1"'}).status_code == 200


# --- a delegate and their own records -----------------------------------------------------------


@pytest.fixture
def ati(world: Any) -> Any:
    """A 3M deal of the owner's whose pipeline needs an ATI review (the manager decides to 5M)."""
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", role="executive")
    return make_opportunity(world, pipeline, amount=Decimal("3000000.00"))


@pytest.fixture
def team(world: Any) -> Team:
    return contract_team(world)


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def test_a_quotes_author_does_not_approve_it_as_the_approvers_delegate(
    world: Any, catalog: Catalog, web_as: Any
) -> None:
    standard_matrix(world)  # the manager approves up to 10%
    away(world, delegate=world.owner, subjects=["quote_discount"])
    quote = _priced(world, catalog, "8")
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    step = quote.current.approvals.get()
    assert not may_approve(world.owner, step)
    assert _waiting(world.owner, "quote_discount") == []
    with pytest.raises(PermissionDenied):
        quote_services.quote_approve(actor=world.owner, quote=quote, comment="自批")
    step.refresh_from_db()
    quote.refresh_from_db()
    assert (quote.status, step.status, step.decided_by) == (QuoteStatus.IN_APPROVAL, "pending", None)
    page = web_as(world.owner).get(reverse("quotes:quote_detail", args=[quote.pk])).content.decode()
    assert 'id="approve-quote"' not in page


def test_a_deals_sr_does_not_approve_its_quote_as_a_delegate(world: Any, catalog: Catalog) -> None:
    standard_matrix(world)
    away(world, subjects=["quote_discount"])  # to the teammate
    quote = _priced(world, catalog, "8")
    Opportunity.objects.filter(pk=quote.opportunity_id).update(sr=world.teammate)
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    with pytest.raises(PermissionDenied):
        quote_services.quote_approve(actor=world.teammate, quote=quote)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.IN_APPROVAL


def test_a_deals_ar_does_not_decide_its_review_as_a_delegate(world: Any, ati: Any, web_as: Any) -> None:
    away(world, delegate=world.owner, subjects=["review_ati"])
    review = _open_ati(world, ati)
    assert not authority.may_decide(
        world.owner, "review_ati", review.amount, review.currency, parties=authority.triangle_ids(ati)
    )
    assert _waiting(world.owner, "decision_review") == []
    assert 'name="decision"' not in web_as(world.owner).get(review.get_absolute_url()).content.decode()
    with pytest.raises(PermissionDenied):
        deal_services.review_decide(actor=world.owner, review=review, decision="go")
    review.refresh_from_db()
    assert (review.status, review.decided_by, review.decided_for) == ("open", None, None)


def test_a_deals_ar_decides_by_their_own_authority_as_before(world: Any, ati: Any) -> None:
    grant("review_ati", user=world.owner, up_to="5000000")
    away(world, delegate=world.owner, subjects=["review_ati"])
    review = _open_ati(world, ati)
    decided = deal_services.review_decide(actor=world.owner, review=review, decision="go")
    assert (decided.decision, decided.decided_by, decided.decided_for) == ("go", world.owner, None)


def test_the_contracts_owner_does_not_decide_its_review_as_a_delegate(world: Any, team: Team, catalog: Catalog) -> None:
    away(world, delegate=world.owner, subjects=["review_atc"])
    contract = in_review(world, team, catalog, checked=True)
    assert _waiting(world.owner, "contract_review") == []
    with pytest.raises(PermissionDenied):
        contract_services.review_decide(actor=world.owner, contract=contract, decision="approve")
    review = contract.reviews.get()
    assert (review.decision, review.decided_by) == ("", None)
    assert fresh(contract).status == contract.status


def test_a_changes_requester_does_not_decide_it_as_a_delegate(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    away(world, delegate=world.owner, subjects=["contract_change"])
    change = contract_services.change_create(
        actor=world.owner,
        contract=contract,
        origin="internal",
        title="扩容",
        reason="客户追加",
        proposal={"lines": [{"product_id": catalog.server.pk, "quantity": "1", "unit_price": "50000"}]},
    )
    assert _waiting(world.owner, "change_request") == []
    with pytest.raises(PermissionDenied):
        contract_services.change_decide(actor=world.owner, change=change, approve=True)
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("assessing", None)


def test_the_review_list_shows_a_delegate_only_the_subjects_delegated(world: Any, ati: Any) -> None:
    away(world, subjects=["quote_discount"])  # the teammate stands in for quotes only
    review = _open_ati(world, ati)
    assert review.pk not in set(review_list(user=world.other).values_list("pk", flat=True))
    Delegation.objects.all().delete()
    away(world, delegate=world.other, subjects=["quote_discount"])
    assert review.pk not in set(review_list(user=world.other).values_list("pk", flat=True))
    Delegation.objects.all().delete()
    away(world, delegate=world.other, subjects=["review_ati"])
    assert review.pk in set(review_list(user=world.other).values_list("pk", flat=True))
