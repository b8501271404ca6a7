"""The dry run of an authority change: the open deal reviews and quote approvals that would go to a
different decider are listed with today's and the new decider, and nothing is written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ltc.catalog.tests.factories import Catalog
from ltc.core.models import TimelineEvent
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import DecisionReview
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.org import authority, services
from ltc.org.models import Authority
from ltc.process.authority_impact import _Matrix, authority_change_impact
from ltc.quotes import services as quote_services
from ltc.quotes.models import QuoteApproval
from ltc.quotes.tests.factories import make_quote, standard_matrix


def _state() -> tuple[Any, ...]:
    return (
        list(Authority.objects.order_by("pk").values_list("pk", "version", "max_amount", "max_discount_pct")),
        list(DecisionReview.objects.order_by("pk").values_list("pk", "decider_id", "status")),
        list(QuoteApproval.objects.order_by("pk").values_list("pk", "approver_id", "status")),
        TimelineEvent.objects.count(),
    )


@pytest.fixture
def open_review(world):
    """A 3M ATI review decided by the east manager (sales managers: up to 5M; executives: any)."""
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    line = grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", role="executive")
    deal = make_opportunity(world, pipeline, amount=Decimal("3000000.00"), name="锦程三百万项目")
    review = deal_services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    assert review.decider == world.manager
    return line, review


def test_lowering_a_limit_lists_the_review_that_would_escalate_and_writes_nothing(world, open_review):
    line, review = open_review
    before = _state()
    impact = authority_change_impact(
        lambda: services.authority_update(
            actor=world.admin, line=line, data={"max_amount": Decimal("2000000.00")}, expected_version=1
        )
    )
    assert [(a.kind, a.label, a.url, a.current, a.new) for a in impact.affected] == [
        (
            "Deal review",
            "ATI · 锦程三百万项目",
            f"/opportunities/{review.opportunity_id}/",
            world.manager,
            world.executive,
        )
    ]
    assert (impact.examined, impact.truncated) == (1, False)
    assert _state() == before
    assert Authority.objects.get(pk=line.pk).max_amount == Decimal("5000000.00")


def test_a_change_that_routes_the_same_lists_nothing(world, open_review):
    line, _review = open_review
    impact = authority_change_impact(
        lambda: services.authority_update(
            actor=world.admin, line=line, data={"max_amount": Decimal("4000000.00")}, expected_version=1
        )
    )
    assert (impact.affected, impact.examined) == ([], 1)


def test_removing_the_executives_line_leaves_a_big_review_without_a_decider(world, open_review):
    _line, review = open_review
    DecisionReview.objects.filter(pk=review.pk).update(decider=world.executive, amount=Decimal("9000000.00"))
    executive_line = Authority.objects.get(role__code="executive")
    before = _state()
    impact = authority_change_impact(
        lambda: services.authority_remove(actor=world.admin, line=executive_line, expected_version=1)
    )
    assert [(a.current, a.new) for a in impact.affected] == [(world.executive, None)]
    assert _state() == before


def test_a_refused_change_raises_before_anything_is_compared(world, open_review):
    line, _review = open_review
    before = _state()
    with pytest.raises(Exception, match="Give either a role or a user"):
        authority_change_impact(
            lambda: services.authority_update(actor=world.admin, line=line, data={"role": None}, expected_version=1)
        )
    assert _state() == before


def test_a_pending_quote_approval_the_asked_manager_would_now_end_itself(world):
    catalog = Catalog()
    standard_matrix(world)
    quote = make_quote(world, catalog)
    quote_services.quote_version_update(
        actor=world.owner,
        quote=quote,
        expected_version=quote.version,
        data={"lines": [catalog.bundle_line()], "document_discount_pct": "15"},
    )
    quote.refresh_from_db()
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    step = QuoteApproval.objects.get(status="pending")
    assert step.approver == world.manager
    manager_line = Authority.objects.get(user=world.manager)
    before = _state()
    impact = authority_change_impact(
        lambda: services.authority_update(
            actor=world.admin, line=manager_line, data={"max_discount_pct": Decimal("20")}, expected_version=1
        )
    )
    # Today the 15% discount goes on past the manager (10%) to the boss (25%); with 20% the
    # manager's approval would end it.
    assert [(a.kind, a.label, a.url, a.current, a.new) for a in impact.affected] == [
        ("Quote approval", quote.number, f"/quotes/{quote.pk}/", world.boss, world.manager)
    ]
    assert _state() == before


def _open_more_reviews(world, pipeline, count: int) -> None:
    for n in range(count):
        deal = make_opportunity(world, pipeline, amount=Decimal("3000000.00"), name=f"锦程 {n}")
        deal_services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")


def test_the_dry_run_costs_the_same_queries_for_3_or_30_open_reviews(world, open_review):
    line, review = open_review
    pipeline = review.opportunity.pipeline

    def measured() -> tuple[int, Any]:
        # The service sets the new version on the instance it is given, even in a rolled-back run.
        unchanged = Authority.objects.get(pk=line.pk)
        with CaptureQueriesContext(connection) as queries:
            impact = authority_change_impact(
                lambda: services.authority_update(
                    actor=world.admin, line=unchanged, data={"max_amount": Decimal("2000000.00")}, expected_version=1
                )
            )
        return len(queries.captured_queries), impact

    measured()  # warms the caches (the admin's roles, content types) both runs would share
    _open_more_reviews(world, pipeline, 2)
    few, impact = measured()
    assert (impact.examined, len(impact.affected)) == (3, 3)
    _open_more_reviews(world, pipeline, 27)
    many, impact = measured()

    assert (impact.examined, len(impact.affected)) == (30, 30)
    assert {(a.current, a.new) for a in impact.affected} == {(world.manager, world.executive)}
    assert many == few
    assert many <= 25


def test_the_in_memory_matrix_routes_as_the_authority_module_does(world, open_review):
    grant("review_ati", user=world.boss, up_to="8000000")
    standard_matrix(world)
    matrix = _Matrix.load(extra_user_ids=set())
    people = (world.owner, world.manager, world.boss, world.executive)
    for owner in people:
        for amount in ("1000000", "3000000", "6000000", "9000000"):
            figures = {"subject": "review_ati", "amount": Decimal(amount), "currency": "CNY", "owner": owner}
            assert matrix.route(**figures) == authority.route(**figures)[0], (owner, amount)
    for amount, discount, margin in (("10000", "5", "30"), ("10000", "15", "30"), ("900000", "40", None)):
        figures = (Decimal(amount), Decimal(discount), None if margin is None else Decimal(margin))
        for author in people:
            expected = authority.quote_final_approver(
                amount=figures[0], discount_pct=figures[1], margin_pct=figures[2], currency="CNY", exclude=author
            )
            assert matrix.quote_final_approver(*figures, currency="CNY", exclude=author) == expected, (figures, author)
