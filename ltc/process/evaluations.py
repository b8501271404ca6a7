"""Contract evaluations naming steps of the map (关闭和评价合同 → which steps went well or badly).

Once a contract is evaluated, whoever may evaluate it (its AR, the AR's managers, an
administrator: the check of `contracts.services.lifecycle.contract_close`) names steps of the
map with a score from 1 to 5 and a remark. The step figures read them as "evaluated" (count,
average); the contract's timeline notes each rating. The contracts app knows nothing of this:
the ratings are shown on the contract's page through a panel (ltc/process/panels.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.contracts.access import can_steer
from ltc.contracts.models import Contract, Evaluation
from ltc.contracts.selectors import contract_get
from ltc.core import timeline
from ltc.core.access import has_any_role
from ltc.core.actions import run_action
from ltc.core.forms import posted_number
from ltc.org.choices import RoleCode
from ltc.org.models import User
from ltc.org.types import AuthedRequest
from ltc.process.models import EvaluationStep, ProcessNode

SCORES = range(1, 6)
REMARK_MAX = 500


def can_rate_steps(user: Any, contract: Contract) -> bool:
    """Whoever may close and evaluate the contract, and administrators."""
    return can_steer(user, contract) or has_any_role(user, (RoleCode.ADMIN,))


def contract_evaluation(contract: Contract) -> Evaluation:
    """The contract's evaluation; refused while the contract is not evaluated (one query)."""
    evaluation = Evaluation.objects.filter(contract=contract).first()
    if evaluation is None:
        raise ValidationError({"evaluation": [_("The contract is not evaluated yet: close and evaluate it first.")]})
    return evaluation


def evaluation_step_rate(
    *, actor: User, evaluation: Evaluation, node: ProcessNode, score: Any, remark: str = ""
) -> EvaluationStep:
    """Name a step of the map in the contract's evaluation with a score from 1 to 5 and a remark
    (at most 500 characters); a step named again gets the new score and remark. Refuses a user
    who may not evaluate the contract, an inactive step, a score out of range, an over-long
    remark — and then changes nothing. Notes the rating on the contract's timeline."""
    contract = evaluation.contract
    if not can_rate_steps(actor, contract):
        raise PermissionDenied(_("Only the AR, the AR's managers or an administrator may evaluate this contract."))
    errors: dict[str, list[str]] = {}
    if not node.active:
        errors["node"] = [_("Choose a step of the process map.")]
    value = (
        int(score) if isinstance(score, int) or (isinstance(score, str) and score.isascii() and score.isdigit()) else 0
    )
    if value not in SCORES:
        errors["score"] = [_("Give a score from 1 to 5.")]
    remark = (remark or "").strip()
    if len(remark) > REMARK_MAX:
        errors["remark"] = [_("At most %(n)d characters.") % {"n": REMARK_MAX}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        step = EvaluationStep.objects.select_for_update().filter(evaluation=evaluation, node=node).first()
        before = f"{step.score}/5" if step else ""
        if step is None:
            step = EvaluationStep.objects.create(
                evaluation=evaluation, node=node, score=value, remark=remark, by=actor, at=timezone.now()
            )
        else:
            step.score, step.remark, step.by, step.at = value, remark, actor, timezone.now()
            step.save(update_fields=["score", "remark", "by", "at"])
        text = _("Evaluated step %(code)s %(name)s: %(score)d / 5") % {
            "code": node.code,
            "name": node.name,
            "score": value,
        }
        if before:
            text += " " + _("(was %(before)s)") % {"before": before}
        if remark:
            text += f" — {remark}"
        timeline.note_add(actor=actor, subject=contract, text=text)
    return step


def evaluation_steps_panel(user: Any, contract: Contract) -> dict[str, Any] | None:
    """The steps the contract's evaluation names, and the form to name one for who may (three
    queries at most); no panel before the contract is evaluated."""
    evaluation = Evaluation.objects.filter(contract=contract).first()
    if evaluation is None:
        return None
    steps = list(EvaluationStep.objects.filter(evaluation=evaluation).select_related("node", "by"))
    may_rate = can_rate_steps(user, contract)
    nodes = list(ProcessNode.objects.filter(active=True).order_by("level", "order", "code")) if may_rate else []
    return {"steps": steps, "may_rate": may_rate, "nodes": nodes, "scores": SCORES, "remark_max": REMARK_MAX}


@login_required
@require_POST
def evaluation_step_rate_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """The panel's form: name a step of the contract's evaluation (a refusal is a message on the
    contract's page and changes nothing)."""
    contract = contract_get(user=request.user, pk=pk)

    if not can_rate_steps(request.user, contract):
        raise PermissionDenied(_("Only the AR, the AR's managers or an administrator may evaluate this contract."))

    def rate() -> str:
        node = ProcessNode.objects.filter(pk=posted_number(request.POST, "node"), active=True).first()
        if node is None:
            raise ValidationError({"node": [_("Choose a step of the process map.")]})
        evaluation_step_rate(
            actor=request.user,
            evaluation=contract_evaluation(contract),
            node=node,
            score=request.POST.get("score", ""),
            remark=request.POST.get("remark", ""),
        )
        return _("Step evaluated.")

    return run_action(request, rate, then=contract)


urlpatterns = [
    path("contracts/<int:pk>/evaluation-steps/", evaluation_step_rate_view, name="evaluation_step_rate"),
]
