"""The contract's risks and disputes register: anyone working the contract records an entry;
its owner (or the AR side) updates and closes it. An open dispute blocks the close."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.contracts import access
from ltc.contracts.choices import Level, RiskKind, RiskStatus
from ltc.contracts.models import Contract, ContractRisk
from ltc.contracts.services.common import TEXT_MAX
from ltc.core import timeline
from ltc.core.forms import is_id
from ltc.org.models import User

FIELDS = ("kind", "title", "owner", "probability", "impact", "mitigation", "status")


def _clean(data: dict[str, Any], risk: ContractRisk) -> None:
    unknown = set(data) - set(FIELDS)
    errors: dict[str, list[str]] = {name: [_("Unknown field.")] for name in sorted(unknown)}
    choices = {"kind": RiskKind, "probability": Level, "impact": Level, "status": RiskStatus}
    for name, enum in choices.items():
        if name in data:
            if data[name] not in enum.values:
                errors[name] = [_("Choose one of: %(v)s.") % {"v": ", ".join(enum.values)}]
            else:
                setattr(risk, name, data[name])
    if "title" in data:
        risk.title = str(data["title"] or "").strip()[:200]
    if not risk.title:
        errors["title"] = [_("Describe the risk or dispute.")]
    if "mitigation" in data:
        risk.mitigation = str(data["mitigation"] or "").strip()
        if len(risk.mitigation) > TEXT_MAX:
            errors["mitigation"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if "owner" in data:
        raw = data["owner"]
        owner = (
            raw
            if isinstance(raw, User)
            else User.objects.filter(pk=raw, is_active=True).first()
            if is_id(raw)
            else None
        )
        if owner is None:
            errors["owner"] = [_("Choose an active user.")]
        else:
            risk.owner = owner
    if errors:
        raise ValidationError(errors)


def risk_add(*, actor: User, contract: Contract, data: dict[str, Any]) -> ContractRisk:
    access.require(access.can_work(actor, contract), _("Only people working the contract record its risks."))
    risk = ContractRisk(contract=contract, owner=actor, created_by=actor)
    _clean({"owner": actor, **data}, risk)
    with transaction.atomic():
        risk.save()
        timeline.note_add(
            actor=actor, subject=contract, text=f"{risk.get_kind_display()}: {risk.title} ({risk.get_impact_display()})"
        )
    return risk


def risk_update(*, actor: User, risk: ContractRisk, data: dict[str, Any]) -> ContractRisk:
    contract = risk.contract
    access.require(
        actor.pk == risk.owner_id or access.can_steer(actor, contract) or access.can_deliver(actor, contract),
        _("Only the risk's owner and the contract's AR or FR side update it."),
    )
    before = timeline.snapshot(risk, [f for f in FIELDS if f != "owner"])
    was_open = risk.status == RiskStatus.OPEN
    _clean(data, risk)
    with transaction.atomic():
        if was_open and risk.status == RiskStatus.CLOSED:
            risk.closed_at = timezone.now()
        risk.save(update_fields=[*(f for f in FIELDS if f != "owner"), "owner", "closed_at"])
        changed = [name for name, old in before.items() if timeline.stored_value(risk, name) != old]
        if changed:
            timeline.note_add(
                actor=actor,
                subject=contract,
                text=_("%(kind)s updated: %(t)s (%(status)s).")
                % {"kind": risk.get_kind_display(), "t": risk.title, "status": risk.get_status_display()},
            )
    return risk
