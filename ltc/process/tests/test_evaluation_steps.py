"""Contract evaluations naming steps of the map: the service's refusals, the panel on the
contract's page and its form, and the step figures (count, average, drill-down)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.catalog.tests.factories import Catalog
from ltc.contracts.models import Contract, Evaluation
from ltc.contracts.services.evaluation import evaluate
from ltc.contracts.tests.factories import signed_contract, team_of
from ltc.core.models import TimelineEvent
from ltc.opportunities.tests.factories import make_pipeline
from ltc.process.evaluations import contract_evaluation, evaluation_step_rate
from ltc.process.metrics import map_figures
from ltc.process.models import EvaluationStep
from ltc.process.tests.maps import make_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def nodes(db: Any) -> Any:
    return make_map(make_pipeline("评价用"))


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return Catalog()


@pytest.fixture
def contract(world: Any, catalog: Catalog) -> Contract:
    return signed_contract(world, team_of(world), catalog)


@pytest.fixture
def evaluation(world: Any, contract: Contract) -> Evaluation:
    return evaluate(contract, satisfaction=4, lessons="提前确认机房", actor=world.owner)


def test_the_evaluator_names_a_step_with_a_score_and_the_contract_timeline_notes_it(world, nodes, evaluation):
    step = evaluation_step_rate(
        actor=world.owner, evaluation=evaluation, node=nodes["MO.SOLUTION"], score="2", remark="方案反复修改"
    )
    assert (step.score, step.remark, step.by_id) == (2, "方案反复修改", world.owner.pk)
    again = evaluation_step_rate(actor=world.admin, evaluation=evaluation, node=nodes["MO.SOLUTION"], score=3)
    assert (again.pk, again.score, again.remark, EvaluationStep.objects.count()) == (step.pk, 3, "", 1)
    notes = list(
        TimelineEvent.objects.filter(object_id=evaluation.contract_id, text__contains="T.MO.SOLUTION")
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert len(notes) == 2
    assert "2 / 5" in notes[0]
    assert "方案反复修改" in notes[0]


@pytest.mark.parametrize("score", [0, 6, "", "x", "-1", "４"])
def test_a_score_out_of_range_is_refused_and_changes_nothing(world, nodes, evaluation, score):
    with pytest.raises(ValidationError) as caught:
        evaluation_step_rate(actor=world.owner, evaluation=evaluation, node=nodes["MO.SOLUTION"], score=score)
    assert "score" in caught.value.message_dict
    assert not EvaluationStep.objects.exists()


def test_an_over_long_remark_is_refused(world, nodes, evaluation):
    with pytest.raises(ValidationError) as caught:
        evaluation_step_rate(
            actor=world.owner, evaluation=evaluation, node=nodes["MO.SOLUTION"], score=4, remark="长" * 501
        )
    assert "remark" in caught.value.message_dict
    assert not EvaluationStep.objects.exists()


def test_a_contract_not_evaluated_names_no_step(world, contract):
    with pytest.raises(ValidationError) as caught:
        contract_evaluation(contract)
    assert "evaluation" in caught.value.message_dict


@pytest.mark.parametrize("who", ["teammate", "other", "executive", "finance"])
def test_who_may_not_evaluate_the_contract_is_refused(world, nodes, evaluation, who):
    with pytest.raises(PermissionDenied):
        evaluation_step_rate(actor=getattr(world, who), evaluation=evaluation, node=nodes["MO.SOLUTION"], score=4)
    assert not EvaluationStep.objects.exists()


def test_the_panel_shows_the_form_to_the_evaluator_once_the_contract_is_evaluated(world, web_as, nodes, contract):
    page = web_as(world.owner).get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="evaluation-steps"' not in page  # not evaluated yet
    evaluation = evaluate(contract, satisfaction=4, lessons="", actor=world.owner)
    page = web_as(world.owner).get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="evaluation-step-form"' in page
    answer = web_as(world.owner).post(
        f"/process/contracts/{contract.pk}/evaluation-steps/",
        {"node": str(nodes["MO.CONFIRM"].pk), "score": "5", "remark": "需求确认扎实"},
    )
    assert answer.status_code == 302
    assert EvaluationStep.objects.get(evaluation=evaluation).score == 5
    page = web_as(world.executive).get(f"/contracts/{contract.pk}/").content.decode()
    assert "需求确认扎实" in page  # the executive reads the panel ...
    assert 'id="evaluation-step-form"' not in page  # ... and may not rate


def test_a_bad_form_is_a_message_and_changes_nothing(world, web_as, nodes, evaluation):
    client = web_as(world.owner)
    url = f"/process/contracts/{evaluation.contract_id}/evaluation-steps/"
    for data in ({"node": "abc", "score": "3"}, {"node": str(nodes["MO.CONFIRM"].pk), "score": "9"}):
        assert client.post(url, data).status_code == 302
    assert not EvaluationStep.objects.exists()
    data = {"node": str(nodes["MO.CONFIRM"].pk), "score": "3"}
    assert web_as(world.executive).post(url, data).status_code == 403
    assert web_as(world.other).post(url, data).status_code == 404
    assert not EvaluationStep.objects.exists()


def test_the_step_figures_count_and_average_the_evaluations_and_drill_down(world, web_as, nodes, catalog, evaluation):
    other_contract = signed_contract(world, team_of(world), catalog)
    other = evaluate(other_contract, satisfaction=3, lessons="", actor=world.owner)
    node = nodes["MO.SOLUTION"]
    evaluation_step_rate(actor=world.owner, evaluation=evaluation, node=node, score=2)
    evaluation_step_rate(actor=world.owner, evaluation=other, node=node, score=5)
    figures = map_figures()
    assert (figures[node.pk].evaluated.count, figures[node.pk].evaluated.average) == (2, Decimal("3.5"))
    assert figures[nodes["MO.CONFIRM"].pk].evaluated is None
    detail = web_as(world.owner).get(f"/process/nodes/{node.pk}/").content.decode()
    assert f'href="/process/nodes/{node.pk}/records/?figure=evaluated"' in detail
    url = f"/process/nodes/{node.pk}/records/?figure=evaluated"
    page = web_as(world.owner).get(url).content.decode()
    assert f'href="/contracts/{evaluation.contract_id}/"' in page
    assert f'href="/contracts/{other_contract.pk}/"' in page
    page = web_as(world.other).get(url).content.decode()  # another team's rep opens neither contract
    assert "/contracts/" not in page.split('id="figure-records"')[1]
