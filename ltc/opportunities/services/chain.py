"""The customer's decision chain (管理决策链) on a deal: who decides, who evaluates, who supports
or opposes us, and the warnings a sales team should act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.customers.models import Contact
from ltc.opportunities.choices import Attitude, DecisionRole, Level
from ltc.opportunities.models import Opportunity, Stakeholder
from ltc.opportunities.services.deals import require_work
from ltc.org.models import User

STALE_AFTER = timedelta(days=30)
STAKEHOLDER_FIELDS = ("role", "attitude", "influence", "relationship", "last_contact_on", "notes")


@dataclass
class ChainWarning:
    code: str
    message: str


def chain_warnings(stakeholders: list[Stakeholder], *, today: date | None = None) -> list[ChainWarning]:
    """What is wrong with the map: no decision maker, no recent contact with one, an influential
    opponent, no coach."""
    today = today or timezone.localdate()
    warnings = []
    makers = [s for s in stakeholders if s.role == DecisionRole.DECISION_MAKER]
    if not makers:
        warnings.append(ChainWarning("no_decision_maker", _("No decision maker identified.")))
    elif all(s.last_contact_on is None or today - s.last_contact_on > STALE_AFTER for s in makers):
        warnings.append(
            ChainWarning(
                "decision_maker_stale",
                _("No contact with the decision maker in %(days)d days.") % {"days": STALE_AFTER.days},
            )
        )
    for s in stakeholders:
        if s.attitude == Attitude.OPPONENT and s.influence == Level.HIGH:
            warnings.append(
                ChainWarning(
                    "influential_opponent",
                    _("%(name)s is an opponent with high influence.") % {"name": s.contact.name},
                )
            )
    if stakeholders and not any(s.role == DecisionRole.COACH for s in stakeholders):
        warnings.append(ChainWarning("no_coach", _("No coach or champion inside the customer.")))
    return warnings


def stakeholder_set(*, actor: User, opportunity: Opportunity, contact: Contact, data: dict[str, Any]) -> Stakeholder:
    """Put a contact on the decision chain, or change how they stand; the timeline keeps each change."""
    require_work(actor, opportunity)
    unknown = sorted(set(data) - set(STAKEHOLDER_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    if contact.account_id != opportunity.account_id:
        raise ValidationError({"contact": [_("Contacts must work for the deal's account.")]})
    existing = Stakeholder.objects.filter(opportunity=opportunity, contact=contact).first()
    stakeholder = existing or Stakeholder(opportunity=opportunity, contact=contact)
    before = timeline.snapshot(stakeholder, data.keys()) if existing else {}
    for name, value in data.items():
        setattr(stakeholder, name, value)
    if stakeholder.last_contact_on and stakeholder.last_contact_on > timezone.localdate():
        raise ValidationError({"last_contact_on": [_("The last contact cannot be in the future.")]})
    stakeholder.full_clean(exclude=["opportunity", "contact"])
    with transaction.atomic():
        stakeholder.save()
        changed = [name for name in data if before.get(name) != timeline.stored_value(stakeholder, name)]
        if existing is None or changed:
            text = _("Decision chain: %(who)s — %(role)s, %(attitude)s, influence %(influence)s.") % {
                "who": contact.name,
                "role": stakeholder.get_role_display(),
                "attitude": stakeholder.get_attitude_display(),
                "influence": stakeholder.get_influence_display(),
            }
            timeline.note_add(actor=actor, subject=opportunity, text=text)
    return stakeholder


def stakeholder_remove(*, actor: User, stakeholder: Stakeholder) -> None:
    opportunity = stakeholder.opportunity
    require_work(actor, opportunity)
    with transaction.atomic():
        timeline.note_add(
            actor=actor,
            subject=opportunity,
            text=_("Decision chain: %(who)s removed.") % {"who": stakeholder.contact.name},
        )
        stakeholder.delete()
