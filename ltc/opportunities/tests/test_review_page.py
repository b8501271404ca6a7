"""The decision review page: no outcome is chosen in advance, deciding without one is a field
error that decides nothing, and the page shows the deal in brief and who is missing from the
iron triangle."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ltc.opportunities import services
from ltc.opportunities.models import DecisionReview, Opportunity
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AR = {"relationship": 4, "decision_chain": 3}


@pytest.fixture
def review(world: Any) -> DecisionReview:
    """An open ATI review of a 3M deal with an SR but no FR, assessed by its AR and SR."""
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    grant("review_ati", role="sales_manager", up_to="5000000")
    sr = UserFactory(username="sr", display_name="Sr Wang", team=world.east, roles=["sr"])
    deal = make_opportunity(
        world,
        pipeline,
        amount=Decimal("3000000.00"),
        expected_close_date=date(2026, 12, 20),
        products_of_interest="MES-SUITE，AI-QC\n数据平台",
        sr=sr,
    )
    opened = services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    services.review_assess(actor=world.owner, review=opened, role="ar", scores=AR)
    services.review_assess(
        actor=sr, review=opened, role="sr", scores={"requirements_fit": 5, "solution": 4, "competition": 3}
    )
    return opened


def test_the_decide_form_has_no_outcome_chosen(world: Any, review: DecisionReview, web_as: Any) -> None:
    html = web_as(world.manager).get(f"/opportunities/reviews/{review.pk}/").content.decode()

    form = html[html.index('id="decide-form"') :]
    form = form[: form.index("</form>")]
    radios = re.findall(r'<input[^>]*name="decision"[^>]*>', form)
    assert len(radios) == 4
    assert not any("checked" in radio for radio in radios)
    assert "<select" not in form


def test_deciding_without_an_outcome_is_a_field_error_and_decides_nothing(
    world: Any, review: DecisionReview, web_as: Any
) -> None:
    response = web_as(world.manager).post(
        f"/opportunities/reviews/{review.pk}/decide/", {"note": "看好", "conditions": ""}
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="decision-error"' in html
    assert "Choose Go, Go with conditions, No-go or Hold." in html
    assert 'value="看好"' in html  # what was typed is kept
    review.refresh_from_db()
    assert (review.status, review.decision, review.decided_by) == ("open", "", None)
    assert Opportunity.objects.get(pk=review.opportunity_id).status == "open"


def test_a_chosen_outcome_is_recorded(world: Any, review: DecisionReview, web_as: Any) -> None:
    response = web_as(world.manager).post(f"/opportunities/reviews/{review.pk}/decide/", {"decision": "hold"})

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.decision, review.decided_by) == ("decided", "hold", world.manager)


def test_deciding_above_ones_authority_is_said_on_the_page_and_decides_nothing(
    world: Any, review: DecisionReview, web_as: Any
) -> None:
    # The AR sees the review but holds no authority for ATI decisions.
    response = web_as(world.owner).post(f"/opportunities/reviews/{review.pk}/decide/", {"decision": "go"})

    assert response.status_code == 422
    html = response.content.decode()
    refusal = html[html.index('id="decide-refused"') :]
    assert "3,000,000.00 CNY is above your authority for ATI decisions" in refusal[: refusal.index("</div>")]
    assert f"{world.manager} decides." in refusal[: refusal.index("</div>")]
    review.refresh_from_db()
    assert (review.status, review.decision, review.decided_by) == ("open", "", None)


def test_go_with_conditions_without_any_keeps_the_choice_and_says_why(
    world: Any, review: DecisionReview, web_as: Any
) -> None:
    response = web_as(world.manager).post(
        f"/opportunities/reviews/{review.pk}/decide/", {"decision": "go_conditions", "conditions": " "}
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "List the conditions, one per line." in html
    assert re.search(r'value="go_conditions" id="decision-go_conditions" checked', html)
    assert DecisionReview.objects.get(pk=review.pk).status == "open"


def test_the_page_shows_the_deal_in_brief_and_the_missing_fr(world: Any, review: DecisionReview, web_as: Any) -> None:
    html = web_as(world.manager).get(f"/opportunities/reviews/{review.pk}/").content.decode()

    summary = html[html.index('id="deal-summary"') : html.index('id="triangle-missing"')]
    assert world.account.name in summary
    assert "3,000,000.00 CNY" in summary
    assert review.opportunity.stage.name in summary
    assert str(world.owner) in summary
    assert "MES-SUITE, AI-QC, 数据平台" in summary
    warning = html[html.index('id="triangle-missing"') :]
    warning = warning[: warning.index("</div>")]
    assert "no FR named on the deal" in warning
    assert "SR" not in warning  # the SR is named


def test_a_full_triangle_shows_no_warning(world: Any, review: DecisionReview, web_as: Any) -> None:
    Opportunity.objects.filter(pk=review.opportunity_id).update(fr=world.teammate)

    html = web_as(world.manager).get(f"/opportunities/reviews/{review.pk}/").content.decode()

    assert 'id="triangle-missing"' not in html
