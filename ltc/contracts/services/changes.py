"""Change control (合同变更): a change request proposes what changes and why; the SR assesses
technical feasibility, the FR schedule and cost, the AR the commercial terms; a user whose
authority covers the change in value decides (up the team tree when it is above the natural
decider — the representative office). Approved, it becomes the next contract version: orders,
milestones and payment terms follow it. Rejected, it stays with its reason."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.contracts import access
from ltc.contracts.amendments import Snapshot, apply_proposal, snapshot_of
from ltc.contracts.choices import SIGNED_OR_LATER, ChangeOrigin, ChangeRole, ChangeStatus, Verdict, VersionKind
from ltc.contracts.events import ContractAmended, ContractChangeDecided
from ltc.contracts.models import (
    ChangeAssessment,
    ChangeRequest,
    Contract,
    ContractLine,
    ContractTerm,
    ContractVersion,
    Milestone,
    OrderLine,
)
from ltc.contracts.services.common import TEXT_MAX, current_of, require_status
from ltc.contracts.services.execution import LIVE_ORDERS, ordered_by_key, shown
from ltc.contracts.services.lifecycle import copy_version
from ltc.core import activities, timeline
from ltc.core.events import emit
from ltc.core.models import NotificationKind
from ltc.core.money import money_text
from ltc.core.notifications import notify
from ltc.opportunities.models import Opportunity
from ltc.opportunities.services import opportunity_amount_follow
from ltc.org import authority
from ltc.org.delegation import record_on_behalf
from ltc.org.models import User

SUBJECT = "contract_change"
ASSESS_WITHIN = timedelta(days=3)
MEMBER_OF_ROLE: dict[str, str] = {ChangeRole.AR: "owner", ChangeRole.SR: "sr", ChangeRole.FR: "fr"}


def _proposed(contract: Contract, proposal: dict[str, Any]) -> tuple[Snapshot, Snapshot]:
    """(the current version, what the proposal makes of it), or field errors — including a
    line cut below what orders already hold."""
    base = snapshot_of(current_of(contract))
    milestones = list(Milestone.objects.filter(contract=contract, removed=False))
    proposed = apply_proposal(base, proposal, milestones)
    ordered = ordered_by_key(contract)
    below = [
        _("%(code)s: %(n)s already ordered.") % {"code": base.lines[key].code, "n": shown(qty)}
        for key, qty in ordered.items()
        if key in base.lines and (proposed.lines[key].quantity if key in proposed.lines else Decimal(0)) < qty
    ]
    if below:
        raise ValidationError({"lines": below})
    return base, proposed


def change_preview(contract: Contract, proposal: dict[str, Any]) -> tuple[Snapshot, Snapshot]:
    return _proposed(contract, proposal)


def change_create(
    *, actor: User, contract: Contract, origin: str, title: str, reason: str, proposal: dict[str, Any]
) -> ChangeRequest:
    """Raise a change request on a signed contract; the AR, SR and FR get a task to assess it."""
    access.require(
        access.may_raise_change(actor, contract),
        _("Only the contract's iron triangle and their managers raise changes."),
    )
    require_status(contract, *SIGNED_OR_LATER)
    errors: dict[str, list[str]] = {}
    if origin not in ChangeOrigin.values:
        errors["origin"] = [_("Say who asks for the change: the customer or us.")]
    title, reason = (title or "").strip()[:200], (reason or "").strip()
    if not title:
        errors["title"] = [_("Name the change.")]
    if not reason:
        errors["reason"] = [_("Say why.")]
    elif len(reason) > 4000:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": 4000}]
    if not isinstance(proposal, dict):
        errors["proposal"] = [_("Describe the proposed changes.")]
    try:
        base, proposed = _proposed(contract, proposal if isinstance(proposal, dict) else {})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    before, after = base.totals["grand_total"], proposed.totals["grand_total"]
    decider, passed = authority.route(
        subject=SUBJECT, amount=abs(after - before), currency=contract.currency, owner=contract.owner
    )
    if decider is None:
        raise ValidationError(
            {"proposal": [_("Nobody holds the authority to decide this change: set up the authority matrix.")]}
        )
    with transaction.atomic():
        number = (contract.changes.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                change = ChangeRequest.objects.create(
                    contract=contract,
                    number=number,
                    origin=origin,
                    title=title,
                    reason=reason,
                    proposal=proposal,
                    base_version=current_of(contract),
                    total_before=before,
                    total_after=after,
                    decider=decider,
                    passed_over=[str(u) for u in passed],
                    created_by=actor,
                )
        except IntegrityError as exc:
            raise ValidationError({"contract": [_("Another change request is being assessed.")]}) from exc
        for role, member in MEMBER_OF_ROLE.items():
            person = getattr(contract, member)
            if person is not None:
                activities.activity_create(
                    actor=actor,
                    subject=contract,
                    kind="task",
                    title=(
                        _("Assess change CR%(n)d of %(c)s (%(role)s)")
                        % {"n": number, "c": contract.number, "role": role.upper()}
                    )[:200],
                    owner=person,
                    due_at=timezone.now() + ASSESS_WITHIN,
                )
        timeline.note_add(
            actor=actor,
            subject=contract,
            text=_("Change CR%(n)d requested: %(t)s (%(before)s → %(after)s).")
            % {"n": number, "t": title, "before": money_text(before), "after": money_text(after)},
        )
        notify(
            [decider],
            NotificationKind.DECISION_ROUTED,
            subject=contract,
            actor=actor,
            params={"decision": f"CR{number}"},
        )
    return change


def missing_assessments(change: ChangeRequest) -> list[str]:
    contract = change.contract
    given = {a.role for a in change.assessments.all()}
    return [
        str(role.value).upper()
        for role in ChangeRole
        if getattr(contract, f"{MEMBER_OF_ROLE[role]}_id") is not None and role not in given
    ]


def change_assess(
    *,
    actor: User,
    change: ChangeRequest,
    role: str,
    verdict: str,
    comment: str = "",
    cost_impact: Any = None,
    schedule_days: Any = None,
) -> ChangeAssessment:
    """One role's assessment (revisable until the decision). The FR states the schedule (days)
    and cost impact."""
    if role not in ChangeRole.values:
        raise ValidationError({"role": [_("Choose AR, SR or FR.")]})
    contract = change.contract
    if getattr(contract, f"{MEMBER_OF_ROLE[role]}_id") != actor.pk:
        raise PermissionDenied(_("Only the contract's %(role)s assesses for that role.") % {"role": role.upper()})
    if change.status != ChangeStatus.ASSESSING:
        raise ValidationError({"change": [_("The change is decided; its assessments are final.")]})
    errors: dict[str, list[str]] = {}
    if verdict not in Verdict.values:
        errors["verdict"] = [_("Choose supports, supports with concerns or against.")]
    comment = (comment or "").strip()
    if verdict in (Verdict.CONCERNS, Verdict.AGAINST) and not comment:
        errors["comment"] = [_("Say what the concern is.")]
    if len(comment) > 4000:
        errors["comment"] = [_("At most %(n)d characters.") % {"n": 4000}]
    cost: Decimal | None = None
    days: int | None = None
    if role == ChangeRole.FR:
        try:
            cost = Decimal(str(cost_impact).strip()) if cost_impact not in (None, "") else None
        except InvalidOperation:
            cost = None
        if cost is None or not cost.is_finite() or abs(cost) >= Decimal("1e12"):
            errors["cost_impact"] = [_("Give the cost impact (0 when none; negative for savings).")]
        raw_days = str(schedule_days).strip() if schedule_days not in (None, "") else ""
        if not raw_days.lstrip("-").isdigit() or abs(int(raw_days)) > 3650:
            errors["schedule_days"] = [_("Give the schedule impact in days (0 when none).")]
        else:
            days = int(raw_days)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assessment, _created = ChangeAssessment.objects.update_or_create(
            change=change,
            role=role,
            defaults={
                "assessor": actor,
                "verdict": verdict,
                "comment": comment,
                "cost_impact": cost,
                "schedule_days": days,
                "submitted_at": timezone.now(),
            },
        )
        timeline.note_add(
            actor=actor,
            subject=contract,
            text=_("CR%(n)d assessed by the %(role)s: %(v)s.")
            % {"n": change.number, "role": role.upper(), "v": assessment.get_verdict_display()},
        )
    return assessment


def change_parties(change: ChangeRequest, contract: Contract) -> frozenset[int]:
    """Who a change is about: its requester and the contract's iron triangle (none of them
    decides it in someone else's name)."""
    return authority.triangle_ids(contract) | {change.created_by_id}


def change_decide(*, actor: User, change: ChangeRequest, approve: bool, note: str = "") -> ChangeRequest:
    """Approve (every named role assessed; a new contract version is made) or reject (with the
    reason), within the actor's authority for the change in value — or, for a delegate
    (授权委托), their principal's: the change then records both."""
    contract = Contract.objects.select_related("owner", "current").get(pk=change.contract_id)
    if change.status != ChangeStatus.ASSESSING:
        raise ValidationError({"change": [_("This change is already decided.")]})
    amount = abs(change.delta)
    # Nor does its requester or a member of the contract's iron triangle decide it as a delegate.
    delegation = authority.delegation_used(
        actor, SUBJECT, amount, contract.currency, prefer=change.decider_id, parties=change_parties(change, contract)
    )
    if delegation is None and not authority.covers(actor, SUBJECT, amount, contract.currency):
        raise PermissionDenied(
            _("A change of %(amount)s %(currency)s is above your authority; %(decider)s decides.")
            % {"amount": money_text(amount), "currency": contract.currency, "decider": change.decider}
        )
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    missing = missing_assessments(change)
    if approve and missing:
        errors["assessments"] = [_("Still to assess: %(roles)s.") % {"roles": ", ".join(missing)}]
    if not approve and not note:
        errors["note"] = [_("Say why the change is rejected.")]
    if len(note) > TEXT_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if approve and contract.current_id != change.base_version_id:
        errors["change"] = [_("The contract changed since this request was made; raise it again.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        updated = ChangeRequest.objects.filter(pk=change.pk, status=ChangeStatus.ASSESSING).update(
            status=ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED,
            decision_note=note,
            decided_by=actor,
            decided_for=delegation.principal if delegation is not None else None,
            decided_at=now,
        )
        if not updated:
            raise ValidationError({"change": [_("This change is already decided.")]})
        change.refresh_from_db()
        if approve:
            version = _amend(actor, contract, change)
            change.result_version = version
            change.save(update_fields=["result_version"])
            text = _("CR%(n)d approved by %(u)s: version %(v)d.") % {
                "n": change.number,
                "u": actor,
                "v": version.number,
            }
        else:
            text = _("CR%(n)d rejected by %(u)s: %(note)s") % {"n": change.number, "u": actor, "note": note}
        if delegation is not None:
            record_on_behalf(actor=actor, subject=contract, via="changes", delegation=delegation, text=text)
        else:
            timeline.note_add(actor=actor, subject=contract, text=text)
        emit(
            ContractChangeDecided(
                subject_id=contract.pk,
                number=contract.number,
                change=change.number,
                approved=approve,
                delta=change.delta,
            )
        )
        notify(
            [change.created_by],
            NotificationKind.DECISION_MADE,
            subject=contract,
            actor=actor,
            params={"decision": f"CR{change.number}", "outcome": "approved" if approve else "rejected"},
        )
        activities.activities_for(contract).filter(
            done_at__isnull=True, title__startswith=_("Assess change CR%(n)d of") % {"n": change.number}
        ).update(done_at=now, outcome=str(ChangeStatus(change.status).label))
    return change


def _amend(actor: User, contract: Contract, change: ChangeRequest) -> ContractVersion:
    """Make the amendment: the next version from the proposal (frozen at once); open order
    lines follow their contract lines by key; the delivery plan takes the new dates."""
    _base, proposed = _proposed(contract, change.proposal)
    version = copy_version(actor, contract, VersionKind.AMENDMENT, change.title, rows=False)
    for name, value in proposed.header.items():
        setattr(version, name, value)
    for name, value in proposed.totals.items():
        setattr(version, name, value)
    version.margin_pct = proposed.margin_pct
    version.change_request = change
    ContractLine.objects.bulk_create(
        ContractLine(version=version, **{k: v for k, v in vars(row).items() if k != "changed"})
        for row in proposed.lines.values()
    )
    milestones = {m.position: m for m in Milestone.objects.filter(contract=contract)}
    for position, plan in sorted(proposed.plan.items()):
        milestone = milestones.get(position) or Milestone(contract=contract, position=position)
        planned = date.fromisoformat(plan["planned_date"])
        if milestone.pk and milestone.planned_date != planned:
            milestone.delay_flagged_on = None
        milestone.name, milestone.planned_date = plan["name"], planned
        milestone.deliverables, milestone.acceptance_criteria = plan["deliverables"], plan["acceptance_criteria"]
        if milestone.pk is None:
            milestone.save()
        else:  # only the plan: a delivery or acceptance recorded meanwhile stays as it is
            milestone.save(
                update_fields=["name", "planned_date", "deliverables", "acceptance_criteria", "delay_flagged_on"]
            )
        milestones[position] = milestone
    ContractTerm.objects.bulk_create(
        ContractTerm(
            version=version,
            position=i,
            label=term.label,
            percent=term.percent,
            trigger=term.trigger,
            days=term.days,
            due_date=term.due_date,
            milestone=milestones.get(term.milestone_position) if term.milestone_position else None,
            amount=term.amount,
        )
        for i, term in enumerate(proposed.terms, start=1)
    )
    version.milestone_plan = [milestones[p].plan() for p in sorted(proposed.plan)]
    version.frozen_at = timezone.now()
    version.save()
    by_key = {line.key: line.pk for line in ContractLine.objects.filter(version=version)}
    following = list(OrderLine.objects.filter(order__contract=contract, order__status__in=LIVE_ORDERS))
    for line in following:
        line.contract_line_id = by_key.get(line.line_key, line.contract_line_id)
    OrderLine.objects.bulk_update(following, ["contract_line"])
    contract.total = version.grand_total
    Contract.objects.filter(pk=contract.pk).update(total=version.grand_total)
    opportunity_amount_follow(  # the deal is worth what the contract now says
        actor=actor,
        opportunity=Opportunity.objects.get(pk=contract.opportunity_id),
        amount=version.grand_total,
        currency=contract.currency,
        text=_("Contract %(n)s amended (version %(v)d).") % {"n": contract.number, "v": version.number},
    )
    emit(
        ContractAmended(
            subject_id=contract.pk,
            number=contract.number,
            version=version.number,
            change=change.number,
            total=version.grand_total,
        )
    )
    return version
