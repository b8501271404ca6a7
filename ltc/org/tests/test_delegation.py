"""Delegation of authority while away (授权委托): the service's rules, decisions taken by a
delegate in each decision path (ATI review, contract review, contract change, quote discount),
the API and the page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services as contract_services
from ltc.contracts.tests.factories import Team, accepted_contract, contract_team, fresh, in_review
from ltc.core.models import Activity, TimelineEvent
from ltc.opportunities import services as deal_services
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.opportunities.tests.test_decision_reviews import AR
from ltc.org import authority
from ltc.org.delegation import delegation_cancel, delegation_create
from ltc.org.models import Delegation
from ltc.org.tests.factories import UserFactory
from ltc.quotes import services as quote_services
from ltc.quotes.choices import QuoteStatus
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import make_quote, standard_matrix

TODAY = timezone.localdate


def away(world: Any, principal: Any = None, delegate: Any = None, subjects: Any = None, days: int = 14) -> Delegation:
    """`principal` (default: the east manager) away from today for `days`, `delegate` (default:
    the teammate, who holds no authority of their own) deciding for them."""
    principal = principal or world.manager
    return delegation_create(
        actor=principal,
        principal=principal,
        delegate=delegate or world.teammate,
        starts_on=TODAY(),
        ends_on=TODAY() + timedelta(days=days),
        subjects=subjects,
        reason="出差",
    )


def decision_events(subject: Any) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(object_id=subject.pk, kind="decision").order_by("pk"))


# --- the service's rules ---------------------------------------------------------------------


def test_a_delegation_is_recorded_with_its_timeline(world: Any) -> None:
    delegation = away(world, subjects=["review_ati", "quote_discount"])
    assert (delegation.principal, delegation.delegate, delegation.subjects) == (
        world.manager,
        world.teammate,
        ["review_ati", "quote_discount"],
    )
    assert delegation.is_running()
    event = TimelineEvent.objects.get(object_id=delegation.pk, content_type__model="delegation")
    assert event.kind == "created"
    assert event.actor == world.manager
    with translation.override("en"):
        shown = {c["field"]: c["new"] for c in event.display_changes()}
    assert shown["delegate"] == str(world.teammate)
    assert shown["subjects"] == "ATI decision (立项)、Quote discount approval (报价授权)"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"actor": "teammate"}, "principal"),  # someone else's authority, not an administrator
        ({"delegate": "inactive"}, "delegate"),
        ({"delegate": "manager"}, "delegate"),  # to oneself
        ({"starts_on": 3, "ends_on": 1}, "ends_on"),
        ({"starts_on": -5, "ends_on": -1}, "ends_on"),  # already past
        ({"subjects": ["no_such_subject"]}, "subjects"),
        ({"reason": "长" * 201}, "reason"),
    ],
)
def test_each_refusal_is_a_field_error_and_changes_nothing(world: Any, change: dict[str, Any], field: str) -> None:
    inactive = UserFactory(username="gone", is_active=False)
    people = {"teammate": world.teammate, "manager": world.manager, "inactive": inactive}
    arguments: dict[str, Any] = {
        "actor": people.get(change.get("actor", ""), world.manager),
        "principal": world.manager,
        "delegate": people.get(change.get("delegate", ""), world.teammate),
        "starts_on": TODAY() + timedelta(days=change.get("starts_on", 0)),
        "ends_on": TODAY() + timedelta(days=change.get("ends_on", 7)),
        "subjects": change.get("subjects", []),
        "reason": change.get("reason", ""),
    }
    with pytest.raises(ValidationError) as refused:
        delegation_create(**arguments)
    assert list(refused.value.message_dict) == [field]
    assert not Delegation.objects.exists()


def test_an_administrator_delegates_for_anyone(world: Any) -> None:
    delegation = delegation_create(
        actor=world.admin,
        principal=world.manager,
        delegate=world.teammate,
        starts_on=TODAY(),
        ends_on=TODAY(),
        subjects=[],
    )
    assert (delegation.principal, delegation.created_by) == (world.manager, world.admin)


def test_a_second_delegation_sharing_a_day_and_a_subject_is_refused(world: Any) -> None:
    away(world, subjects=["review_ati"])
    with pytest.raises(ValidationError) as refused:
        away(world, delegate=world.owner, subjects=["review_ati", "quote_discount"])
    assert "starts_on" in refused.value.message_dict
    other_subject = away(world, delegate=world.owner, subjects=["quote_discount"])  # no shared subject: fine
    assert other_subject.pk
    assert Delegation.objects.count() == 2


def test_no_chain_a_delegate_cannot_pass_it_on_nor_be_away(world: Any) -> None:
    away(world)  # manager → teammate
    with pytest.raises(ValidationError) as passed_on:
        away(world, principal=world.teammate, delegate=world.owner)
    assert "principal" in passed_on.value.message_dict
    with pytest.raises(ValidationError) as delegate_away:
        away(world, principal=world.boss, delegate=world.manager)
    assert "delegate" in delegate_away.value.message_dict
    assert Delegation.objects.count() == 1


def test_cancelling_is_kept_and_only_for_the_people_named(world: Any) -> None:
    delegation = away(world)
    with pytest.raises(ValidationError):
        delegation_cancel(actor=world.other, delegation=delegation)
    delegation_cancel(actor=world.teammate, delegation=delegation)  # the delegate hands it back
    delegation.refresh_from_db()
    assert (delegation.cancelled_by, delegation.is_running()) == (world.teammate, False)
    with pytest.raises(ValidationError):
        delegation_cancel(actor=world.manager, delegation=delegation)
    assert Delegation.objects.filter(pk=delegation.pk).exists()


def test_acting_for_names_the_principal_only_when_own_authority_does_not_suffice(world: Any) -> None:
    grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", user=world.owner, up_to="100000")
    away(world, delegate=world.owner, subjects=["review_ati"])
    amount = Decimal("3000000")
    assert authority.acting_for(world.owner, "review_ati", amount, "CNY") == world.manager
    assert authority.acting_for(world.owner, "review_ati", Decimal("50000"), "CNY") is None  # own authority
    assert authority.acting_for(world.owner, "review_ati", Decimal("9000000"), "CNY") is None  # above the manager's
    assert authority.acting_for(world.owner, "review_atb", amount, "CNY") is None  # not delegated
    assert authority.acting_for(world.teammate, "review_ati", amount, "CNY") is None
    later = TODAY() + timedelta(days=30)
    assert authority.acting_for(world.owner, "review_ati", amount, "CNY", on=later) is None


# --- decisions by a delegate -----------------------------------------------------------------


@pytest.fixture
def ati(world: Any) -> Any:
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", role="executive")
    return make_opportunity(world, pipeline, amount=Decimal("3000000.00"))


def _open_ati(world: Any, deal: Any) -> Any:
    review = deal_services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    deal_services.review_assess(actor=world.owner, review=review, role="ar", scores=AR)
    return review


def test_a_delegate_decides_an_ati_review_for_the_away_manager(world: Any, ati: Any) -> None:
    delegation = away(world, subjects=["review_ati"])
    review = _open_ati(world, ati)
    assert review.decider == world.manager
    task = Activity.objects.get(pk=review.decider_task_id)
    assert task.owner == world.teammate
    assert str(world.manager) in task.title
    decided = deal_services.review_decide(actor=world.teammate, review=review, decision="go", note="同意立项")
    decided.refresh_from_db()
    assert (decided.decision, decided.decided_by, decided.decided_for) == ("go", world.teammate, world.manager)
    (event,) = decision_events(ati)
    assert event.actor == world.teammate
    with translation.override("en"):
        (change,) = event.display_changes()
    assert change["label"] == "on behalf of"
    assert change["new"] == f"{world.manager} ({delegation.starts_on.isoformat()} – {delegation.ends_on.isoformat()})"


def test_a_decision_in_ones_own_name_records_nobody_else(world: Any, ati: Any) -> None:
    away(world, subjects=["review_ati"])
    review = _open_ati(world, ati)
    decided = deal_services.review_decide(actor=world.boss, review=review, decision="go")
    assert (decided.decided_by, decided.decided_for) == (world.boss, None)
    assert decision_events(ati) == []


def test_after_ends_on_the_delegate_is_refused(world: Any, ati: Any) -> None:
    delegation = away(world, subjects=["review_ati"])
    review = _open_ati(world, ati)
    Delegation.objects.filter(pk=delegation.pk).update(  # time passes: it ended yesterday
        starts_on=TODAY() - timedelta(days=10), ends_on=TODAY() - timedelta(days=1)
    )
    with pytest.raises(PermissionDenied):
        deal_services.review_decide(actor=world.teammate, review=review, decision="go")
    review.refresh_from_db()
    assert (review.status, review.decided_by) == ("open", None)


def test_a_cancelled_delegation_is_refused(world: Any, ati: Any) -> None:
    delegation = away(world, subjects=["review_ati"])
    review = _open_ati(world, ati)
    delegation_cancel(actor=world.manager, delegation=delegation)
    with pytest.raises(PermissionDenied):
        deal_services.review_decide(actor=world.teammate, review=review, decision="go")
    review.refresh_from_db()
    assert review.status == "open"


def test_a_subject_outside_the_delegation_is_refused(world: Any, ati: Any) -> None:
    away(world, subjects=["quote_discount"])
    review = _open_ati(world, ati)
    assert Activity.objects.get(pk=review.decider_task_id).owner == world.manager  # not away for ATI
    with pytest.raises(PermissionDenied):
        deal_services.review_decide(actor=world.teammate, review=review, decision="go")
    review.refresh_from_db()
    assert review.status == "open"


@pytest.fixture
def team(world: Any) -> Team:
    return contract_team(world)


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def test_a_delegate_decides_a_contract_review(world: Any, team: Team, catalog: Catalog) -> None:
    away(world, subjects=["review_atc"])
    contract = in_review(world, team, catalog, checked=True)
    review = contract.reviews.get()
    assert (review.decider, review.decider_task.owner) == (world.manager, world.teammate)
    with pytest.raises(PermissionDenied):
        contract_services.review_decide(actor=world.other, contract=contract, decision="approve")
    contract_services.review_decide(actor=world.teammate, contract=contract, decision="approve")
    review.refresh_from_db()
    assert (review.decision, review.decided_by, review.decided_for) == ("approve", world.teammate, world.manager)
    assert fresh(contract).status == "approved"
    atc = contract.opportunity.reviews.get(review_type="ATC")  # the deal's ATC, recorded for the manager too
    assert (atc.decided_by, atc.decided_for) == (world.teammate, world.manager)
    assert len(decision_events(contract)) == 1


def test_a_delegate_decides_a_contract_change(world: Any, team: Team, catalog: Catalog) -> None:
    contract = accepted_contract(world, team, catalog)
    away(world, subjects=["contract_change"])
    change = contract_services.change_create(
        actor=world.owner,
        contract=contract,
        origin="internal",
        title="扩容",
        reason="客户追加",
        proposal={"lines": [{"product_id": catalog.server.pk, "quantity": "1", "unit_price": "50000"}]},
    )
    assert change.decider == world.manager
    contract_services.change_decide(actor=world.teammate, change=change, approve=False, note="预算未批")
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decided_for) == ("rejected", world.teammate, world.manager)
    (event,) = decision_events(contract)
    assert event.changes[0]["field"] == "changes.decided_for"


def _priced(world: Any, catalog: Catalog, discount: str) -> Quote:
    quote = make_quote(world, catalog)
    quote_services.quote_version_update(
        actor=world.owner,
        quote=quote,
        expected_version=quote.version,
        data={"lines": [catalog.bundle_line()], "document_discount_pct": discount},
    )
    quote.refresh_from_db()
    return quote


def test_a_delegate_approves_a_quote_discount(world: Any, catalog: Catalog) -> None:
    standard_matrix(world)  # the manager approves up to 10%
    away(world, subjects=["quote_discount"])
    quote = _priced(world, catalog, "8")
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    step = quote.current.approvals.get()
    assert (step.approver, step.task.owner) == (world.manager, world.teammate)
    with pytest.raises(PermissionDenied):
        quote_services.quote_approve(actor=world.other, quote=quote)
    quote_services.quote_approve(actor=world.teammate, quote=quote, comment="代批")
    step.refresh_from_db()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED
    assert (step.status, step.decided_by, step.decided_for) == ("approved", world.teammate, world.manager)
    (event,) = decision_events(quote)
    with translation.override("en"):
        assert event.display_changes()[0]["label"] == "on behalf of"


# --- API and page ----------------------------------------------------------------------------


def test_delegations_api(world: Any, api_as: Any) -> None:
    client = api_as(world.manager)
    start, end = TODAY(), TODAY() + timedelta(days=5)
    body = {"delegate_id": world.teammate.pk, "starts_on": str(start), "ends_on": str(end), "subjects": ["review_ati"]}
    created = client.post("/delegations", body)
    assert created.status_code == 201
    data = created.json()
    assert (data["principal"]["id"], data["delegate"]["id"], data["subjects"], data["running"]) == (
        world.manager.pk,
        world.teammate.pk,
        ["review_ati"],
        True,
    )
    clash = client.post("/delegations", {**body, "delegate_id": world.owner.pk})
    assert clash.status_code == 422
    assert {e["field"] for e in clash.json()["errors"]} >= {"starts_on"} or "starts_on" in clash.text
    mine = api_as(world.teammate).get("/delegations").json()
    assert [d["id"] for d in mine["items"]] == [data["id"]]
    assert api_as(world.other).get("/delegations").json()["items"] == []
    assert api_as(world.other).get(f"/delegations/{data['id']}").status_code == 404
    everyone = api_as(world.admin).get("/delegations?all=true").json()
    assert [d["id"] for d in everyone["items"]] == [data["id"]]
    cancelled = client.post(f"/delegations/{data['id']}/cancel")
    assert (cancelled.status_code, cancelled.json()["running"]) == (200, False)
    assert cancelled.json()["cancelled_by"]["id"] == world.manager.pk
    again = client.post(f"/delegations/{data['id']}/cancel")
    assert again.status_code == 422


def test_review_api_says_on_whose_behalf(world: Any, ati: Any, api_as: Any) -> None:
    away(world, subjects=["review_ati"])
    review = _open_ati(world, ati)
    deal_services.review_decide(actor=world.teammate, review=review, decision="go")
    data = api_as(world.manager).get(f"/decision-reviews/{review.pk}").json()
    assert (data["decided_by"]["id"], data["decided_for"]["id"]) == (world.teammate.pk, world.manager.pk)


def test_the_page_for_principal_delegate_and_someone_else(world: Any, web_as: Any) -> None:
    delegation = away(world)
    principal = web_as(world.manager).get("/profile/delegations/")
    assert principal.status_code == 200
    assert f'id="delegation-{delegation.pk}"' in principal.content.decode()
    assert f"/profile/delegations/{delegation.pk}/cancel/" in principal.content.decode()
    delegate = web_as(world.teammate).get("/profile/delegations/")
    assert f'id="delegation-{delegation.pk}"' in delegate.content.decode()
    other = web_as(world.other).get("/profile/delegations/")
    assert f'id="delegation-{delegation.pk}"' not in other.content.decode()
    assert web_as(world.other).post(f"/profile/delegations/{delegation.pk}/cancel/").status_code == 404
    assert "/profile/delegations/" in web_as(world.other).get("/").content.decode()  # in the user menu


def test_the_page_delegates_and_shows_refusals_on_the_form(world: Any, web_as: Any) -> None:
    client = web_as(world.owner)
    start = TODAY().isoformat()
    bad = client.post("/profile/delegations/", {"delegate": "99999", "starts_on": start, "ends_on": start})
    assert bad.status_code == 422
    assert not Delegation.objects.exists()
    past = (TODAY() - timedelta(days=1)).isoformat()
    refused = client.post("/profile/delegations/", {"delegate": world.teammate.pk, "starts_on": past, "ends_on": past})
    assert refused.status_code == 422
    assert not Delegation.objects.exists()
    done = client.post(
        "/profile/delegations/",
        {"delegate": world.teammate.pk, "starts_on": start, "ends_on": start, "subjects": ["review_ati"]},
    )
    assert done.status_code == 302
    assert Delegation.objects.get().subjects == ["review_ati"]


def test_the_decide_form_shows_to_the_delegate_and_not_to_others(world: Any, ati: Any, web_as: Any) -> None:
    away(world, subjects=["review_ati"])
    review = _open_ati(world, ati)
    url = review.get_absolute_url()
    marker = 'name="decision"'
    assert marker in web_as(world.teammate).get(url).content.decode()
    assert marker not in web_as(world.owner).get(url).content.decode()


def test_the_authority_page_lists_delegations_for_administrators(world: Any, web_as: Any) -> None:
    away(world)
    admin_page = web_as(world.admin).get("/process/authority/").content.decode()
    assert 'id="authority-delegations"' in admin_page
    assert str(world.teammate) in admin_page
    assert 'id="authority-delegations"' not in web_as(world.owner).get("/process/authority/").content.decode()


def test_the_page_and_the_list_keep_their_query_budgets(
    world: Any, web_as: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    for days in range(6):
        delegate = UserFactory(username=f"deputy{days}")
        Delegation.objects.create(
            principal=world.manager,
            delegate=delegate,
            starts_on=TODAY() + timedelta(days=days * 10),
            ends_on=TODAY() + timedelta(days=days * 10 + 5),
            subjects=["review_ati"],
            created_by=world.manager,
        )
    client, api = web_as(world.manager), api_as(world.manager)
    client.get("/profile/delegations/")  # warm the session and caches
    with django_assert_max_num_queries(12):
        page = client.get("/profile/delegations/")
    assert page.content.decode().count('<tr id="delegation-') == 6
    with django_assert_max_num_queries(8):
        listed = api.get("/delegations")
    assert len(listed.json()["items"]) == 6


def test_the_delegation_form_speaks_chinese(world: Any, web_as: Any) -> None:
    world.admin.language = "zh-hans"
    world.admin.save(update_fields=["language"])
    page = web_as(world.admin).get("/profile/delegations/").content.decode()
    for text in ("委托谁的权限", "起始日期", "截止日期（含当日）", "不勾选：您权限范围内的全部决策事项。"):
        assert text in page, text
    for text in ("Whose authority", "Until (inclusive)", "None ticked"):
        assert text not in page, text
