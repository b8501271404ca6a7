from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.core.models import Activity
from ltc.opportunities import services
from ltc.opportunities.models import DecisionReview, Opportunity
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review, stage
from ltc.org.tests.factories import UserFactory

AR = {"relationship": 4, "decision_chain": 3}
SR = {"requirements_fit": 5, "solution": 4, "competition": 3}
FR = {"deliverability": 4, "delivery_risk": 4, "cost": 3}


@pytest.fixture
def setup(world):
    pipeline = make_pipeline()
    require_review(pipeline, "确认", "ATI")
    grant("review_ati", role="sales_manager", up_to="5000000")
    grant("review_ati", role="executive")
    sr = UserFactory(username="sr", team=world.east, roles=["sr"])
    return pipeline, sr


def test_a_review_within_the_managers_authority_goes_to_the_manager(world, setup):
    pipeline, _sr = setup
    deal = make_opportunity(world, pipeline, amount=Decimal("3000000.00"))
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    assert (review.decider, review.passed_over, review.escalation_text()) == (world.manager, [], "")
    task = Activity.objects.get(pk=review.decider_task_id)
    assert (task.owner, task.kind, task.done_at) == (world.manager, "task", None)


def test_a_deal_above_the_managers_authority_is_escalated(world, setup):
    pipeline, _sr = setup
    deal = make_opportunity(world, pipeline, amount=Decimal("8000000.00"))
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    # manager (east) and boss (head office) hold 5M; the executive decides.
    assert review.decider == world.executive
    assert review.passed_over == [str(world.manager), str(world.boss)]
    assert "escalated to" in review.escalation_text()
    services.review_assess(actor=world.owner, review=review, role="ar", scores=AR)
    with pytest.raises(PermissionDenied) as refused:
        services.review_decide(actor=world.manager, review=review, decision="go")
    assert str(world.executive) in str(refused.value)
    decided = services.review_decide(actor=world.executive, review=review, decision="go", note="战略客户")
    assert (decided.status, decided.decision, decided.decided_by) == ("decided", "go", world.executive)
    assert Activity.objects.get(pk=review.decider_task_id).done_at is not None


def test_each_role_assesses_its_own_criteria_and_the_decision_needs_them_all(world, setup):
    pipeline, sr = setup
    deal = make_opportunity(world, pipeline, sr=sr)
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    with pytest.raises(PermissionDenied):
        services.review_assess(actor=world.owner, review=review, role="sr", scores=SR)
    with pytest.raises(ValidationError) as bad:
        services.review_assess(actor=sr, review=review, role="sr", scores={**SR, "solution": 9})
    assert "solution" in str(bad.value)
    with pytest.raises(ValidationError):
        services.review_assess(actor=sr, review=review, role="sr", scores={"requirements_fit": 5})
    services.review_assess(actor=world.owner, review=review, role="ar", scores=AR, comments="关系良好")
    with pytest.raises(ValidationError) as waiting:
        services.review_decide(actor=world.manager, review=review, decision="go")
    assert "SR" in str(waiting.value)
    assessment = services.review_assess(actor=sr, review=review, role="sr", scores=SR)
    assert assessment.average == Decimal("4.0")
    services.review_decide(actor=world.manager, review=review, decision="go")
    with pytest.raises(ValidationError):  # final after the decision
        services.review_assess(actor=sr, review=review, role="sr", scores=SR)
    with pytest.raises(ValidationError):
        services.review_decide(actor=world.manager, review=review, decision="no_go")


def test_a_passed_review_opens_the_gate(world, setup):
    pipeline, _sr = setup
    deal = make_opportunity(world, pipeline)
    requirement = stage(pipeline, "确认").requirements.get(kind="check")
    services.opportunity_check(actor=world.owner, opportunity=deal, requirement=requirement, done=True)
    with pytest.raises(ValidationError) as refused:
        services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert "ATI 通过" in str(refused.value)
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    with pytest.raises(ValidationError):  # one open review of a type at a time
        services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    services.review_assess(actor=world.owner, review=review, role="ar", scores=AR)
    services.review_decide(
        actor=world.manager, review=review, decision="go_conditions", conditions="首付 30%\n\n高层拜访"
    )
    tasks = Activity.objects.filter(object_id=deal.pk, kind="task", owner=world.owner).values_list("title", flat=True)
    assert sorted(tasks) == ["Condition: 首付 30%", "Condition: 高层拜访"]
    services.opportunity_advance(actor=world.owner, opportunity=deal, expected_version=deal.version)
    assert deal.stage.name == "方案"


def test_no_go_closes_the_deal_as_lost_and_hold_keeps_it(world, setup):
    pipeline, _sr = setup
    deal = make_opportunity(world, pipeline)
    review = services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    services.review_assess(actor=world.owner, review=review, role="ar", scores=AR)
    with pytest.raises(ValidationError):
        services.review_decide(actor=world.manager, review=review, decision="go_conditions", conditions="  ")
    services.review_decide(actor=world.manager, review=review, decision="hold")
    assert Opportunity.objects.get(pk=deal.pk).status == "open"
    second = services.review_open(actor=world.owner, opportunity=deal, review_type="ATI")
    services.review_assess(actor=world.owner, review=second, role="ar", scores=AR)
    services.review_decide(actor=world.manager, review=second, decision="no_go", note="交付风险过高")
    closed = Opportunity.objects.get(pk=deal.pk)
    assert (closed.status, closed.close_reason, closed.stage.name) == ("lost", "no_go", "输单")
    assert DecisionReview.objects.filter(opportunity=deal).count() == 2


def test_reviews_only_for_types_the_pipeline_uses_and_someone_must_hold_authority(world, setup):
    pipeline, _sr = setup
    deal = make_opportunity(world, pipeline)
    with pytest.raises(ValidationError):
        services.review_open(actor=world.owner, opportunity=deal, review_type="ATB")
    require_review(pipeline, "方案", "ATB")
    with pytest.raises(ValidationError) as nobody:
        services.review_open(actor=world.owner, opportunity=deal, review_type="ATB")
    assert "authority matrix" in str(nobody.value)
    with pytest.raises(PermissionDenied):
        services.review_open(actor=world.teammate, opportunity=deal, review_type="ATI")


def test_review_api_assess_and_decide(world, api_as, setup):
    pipeline, sr = setup
    deal = make_opportunity(world, pipeline, sr=sr)
    opened = api_as(world.owner).post("/decision-reviews", {"opportunity_id": deal.pk, "review_type": "ATI"})
    assert opened.status_code == 201, opened.json()
    review_id = opened.json()["id"]
    url = f"/decision-reviews/{review_id}"
    assert api_as(world.owner).post(f"{url}/assess", {"role": "sr", "scores": SR}).status_code == 403
    assert api_as(sr).post(f"{url}/assess", {"role": "sr", "scores": {"solution": 0}}).status_code == 422
    assert api_as(sr).post(f"{url}/assess", {"role": "sr", "scores": SR}).status_code == 200
    assert api_as(world.owner).post(f"{url}/assess", {"role": "ar", "scores": AR}).status_code == 200
    assert api_as(world.other).get(url).status_code == 404
    assert api_as(world.teammate).post(f"{url}/decide", {"decision": "go"}).status_code == 404
    to_decide = api_as(world.manager).get("/decision-reviews?to_decide=true").json()["items"]
    assert [r["id"] for r in to_decide] == [review_id]
    decided = api_as(world.manager).post(f"{url}/decide", {"decision": "go", "note": "同意"})
    assert decided.status_code == 200
    body = decided.json()
    assert (body["decision"], body["decided_by"]["id"]) == ("go", world.manager.pk)
    assert {a["role"] for a in body["assessments"]} == {"ar", "sr"}
    assert body["assessments"][1]["criteria"][0] == {
        "code": "requirements_fit",
        "label": "Requirements fit",
        "score": 5,
    }
