"""Every write to deals: created, edited, moved through gated stages, won, lost, reopened, worked.

Gates are real: a deal leaves a stage only when the stage's checklist is complete (and enters a
stage that needs an FR only with one); otherwise the move is refused with what is missing. A
manager above the AR may pass a gate with a reason, which the timeline keeps. A later stage
moves a deal only through these services (a quote accepted, a contract signed) and through the
same gates: what a gate holds back stays where it is, on the timeline, as a task for the AR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import activities, timeline
from ltc.core.access import has_any_role
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.events import Event, emit
from ltc.core.models import Activity, NotificationKind, TimelineEvent
from ltc.core.notifications import notify
from ltc.leads.models import Lead
from ltc.leads.services import lead_convert
from ltc.opportunities.access import OPPORTUNITY_WRITE_ROLES, can_override, can_steer, can_work
from ltc.opportunities.choices import (
    PASSING_DECISIONS,
    ForecastCategory,
    LossReason,
    OpportunityStatus,
    RequirableField,
    RequirementKind,
    StageCategory,
    WinReason,
)
from ltc.opportunities.events import (
    OpportunityCreated,
    OpportunityLost,
    OpportunityReopened,
    OpportunityStageChanged,
    OpportunityWon,
)
from ltc.opportunities.models import (
    DecisionReview,
    GateOutcome,
    GateResult,
    Opportunity,
    OpportunityDocument,
    Pipeline,
    RequirementCheck,
    Stage,
    StageRequirement,
)
from ltc.opportunities.services.files import checked_name
from ltc.org.choices import RoleCode
from ltc.org.models import User

EDITABLE_FIELDS = (
    "name",
    "account",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "forecast_category",
    "campaign",
    "competitors",
    "products_of_interest",
    "description",
    "owner",
    "sr",
    "fr",
    "sponsor",
)
CREATE_FIELDS = (*EDITABLE_FIELDS, "pipeline", "stage", "contacts")
MEMBER_ROLES = {"sr": RoleCode.SR, "fr": RoleCode.FR}
REASON_MAX = 2000
HELD_TASK_DUE = timedelta(days=3)


# --- checks ----------------------------------------------------------------------------------


def require_writer(actor: User) -> None:
    if not has_any_role(actor, OPPORTUNITY_WRITE_ROLES):
        raise PermissionDenied(_("Your roles do not allow working on opportunities."))


def require_steer(actor: User, opportunity: Opportunity) -> None:
    if not can_steer(actor, opportunity):
        raise PermissionDenied(_("Only the AR, the AR's managers or an administrator may do this."))


def require_work(actor: User, opportunity: Opportunity) -> None:
    if not can_work(actor, opportunity):
        raise PermissionDenied(_("Only the deal team, their managers or an administrator may do this."))


def require_open(opportunity: Opportunity) -> None:
    if not opportunity.is_open:
        raise ValidationError({"status": [_("The deal is closed; reopen it first.")]}, code="closed")


def _unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def _check_team(actor: User, opportunity: Opportunity, changed: set[str]) -> None:
    """The AR is an active seller in the actor's reach; SR and FR hold their roles."""
    errors: dict[str, list[str]] = {}
    owner = opportunity.owner
    if "owner" in changed:
        if owner is None or not owner.is_active:
            errors["owner"] = [_("The AR must be an active user.")]
        elif owner.pk != actor.pk and not can_steer(actor, Opportunity(owner=owner)):
            errors["owner"] = [_("You may only give deals to yourself or to people in your teams.")]
    for member in ("sr", "fr", "sponsor"):
        user = getattr(opportunity, member)
        if member not in changed or user is None:
            continue
        if not user.is_active:
            errors[member] = [_("Choose an active user.")]
        elif member in MEMBER_ROLES and not user.has_role(MEMBER_ROLES[member]):
            errors[member] = [_("%(user)s does not hold the %(role)s role.") % {"user": user, "role": member.upper()}]
    if errors:
        raise ValidationError(errors)


def _validate(
    actor: User,
    opportunity: Opportunity,
    changed: set[str],
    contacts: list[Any] | None,
    extra: dict[str, list[str]],
) -> None:
    """Every problem of a deal at once (team, amount, fields, contacts), as field errors."""
    errors: dict[str, list[str]] = {name: list(messages) for name, messages in extra.items()}
    for step in ("team", "amount", "fields"):
        try:
            if step == "team":
                _check_team(actor, opportunity, changed)
            elif step == "amount":
                _clean_amount(opportunity)
            else:
                opportunity.full_clean(exclude=["contacts"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
    if contacts is not None and any(c.account_id != opportunity.account_id for c in contacts):
        errors.setdefault("contacts", []).append(_("Contacts must work for the deal's account."))
    if errors:
        raise ValidationError(errors)


def _clean_amount(opportunity: Opportunity) -> None:
    if opportunity.amount is None or opportunity.amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})


# --- the checklist ---------------------------------------------------------------------------


@dataclass
class ChecklistItem:
    requirement: StageRequirement
    done: bool

    @property
    def code(self) -> int:
        return self.requirement.pk

    @property
    def label(self) -> str:
        return self.requirement.label


def checklist(opportunity: Opportunity, stage: Stage | None = None) -> list[ChecklistItem]:
    """The items of a stage's checklist (default: the deal's stage) with whether each is done."""
    stage = stage or opportunity.stage
    return _checklists(opportunity, [stage])[stage.pk]


def _checklists(opportunity: Opportunity, stages: list[Stage]) -> dict[int, list[ChecklistItem]]:
    """The checklists of several stages; what the deal has done is read once for all of them."""
    requirements = {stage.pk: [r for r in stage.requirements.all() if r.active] for stage in stages}
    done = _done_of([opportunity], [r for items in requirements.values() for r in items])
    return {pk: [ChecklistItem(r, done(opportunity, r)) for r in items] for pk, items in requirements.items()}


def checklists_of_deals(
    opportunities: list[Opportunity], requirements: list[StageRequirement]
) -> dict[int, list[ChecklistItem]]:
    """Per deal (by id), the given checklist items with whether the deal has done each — the
    same judgement as a deal's own checklist, read in one query per kind of item for all the
    deals (the dry run of a gate change uses it; items may be unsaved)."""
    done = _done_of(opportunities, requirements)
    return {o.pk: [ChecklistItem(r, done(o, r)) for r in requirements] for o in opportunities}


def _done_of(opportunities: list[Opportunity], requirements: list[StageRequirement]) -> Any:
    """How to tell whether one of `opportunities` has done one of `requirements`: what they did
    is read once, one query per kind of item that needs one."""
    kinds = {r.kind for r in requirements}
    ids = [o.pk for o in opportunities if o.pk]
    done_kinds: dict[int, set[str]] = {}
    if RequirementKind.ACTIVITY in kinds:
        rows = Activity.objects.filter(
            content_type=ContentType.objects.get_for_model(Opportunity),
            object_id__in=ids,
            done_at__isnull=False,
        ).values_list("object_id", "kind")
        for pk, kind in rows:
            done_kinds.setdefault(pk, set()).add(kind)
    checked: set[tuple[int, int]] = set()
    if RequirementKind.CHECK in kinds and ids:
        checked = set(
            RequirementCheck.objects.filter(opportunity_id__in=ids).values_list("opportunity_id", "requirement_id")
        )
    passed: set[tuple[int, str]] = set()
    if RequirementKind.REVIEW in kinds:
        passed = set(
            DecisionReview.objects.filter(opportunity_id__in=ids, decision__in=PASSING_DECISIONS).values_list(
                "opportunity_id", "review_type"
            )
        )
    attached: set[tuple[int, int]] = set()
    if RequirementKind.DOCUMENT in kinds and ids:
        attached = set(
            OpportunityDocument.objects.filter(opportunity_id__in=ids, requirement__isnull=False).values_list(
                "opportunity_id", "requirement_id"
            )
        )
    with_contacts: set[int] | None = None
    if len(opportunities) > 1 and any(
        r.kind == RequirementKind.FIELD and r.field_name == RequirableField.CONTACTS for r in requirements
    ):
        with_contacts = set(
            Opportunity.contacts.through.objects.filter(opportunity_id__in=ids).values_list("opportunity_id", flat=True)
        )

    def done(opportunity: Opportunity, requirement: StageRequirement) -> bool:
        pk = opportunity.pk
        if requirement.kind == RequirementKind.ACTIVITY:
            return requirement.activity_kind in done_kinds.get(pk, set())
        if requirement.kind == RequirementKind.FIELD:
            if requirement.field_name == RequirableField.CONTACTS and with_contacts is not None:
                return pk in with_contacts
            return opportunity.filled(requirement.field_name)
        if requirement.kind == RequirementKind.REVIEW:
            return (pk, requirement.review_type) in passed
        if requirement.kind == RequirementKind.DOCUMENT:
            return (pk, requirement.pk) in attached
        return (pk, requirement.pk) in checked

    return done


def missing_to_move(opportunity: Opportunity, target: Stage) -> list[str]:
    """What blocks a move to `target`: the open checklist items of every stage the deal leaves
    on the way forward, and a missing FR when `target` needs one. Moving back blocks nothing."""
    return _blocking(opportunity, target).texts


@dataclass(frozen=True)
class Blocking:
    """The open items of a move: (stage left, item) pairs, and whether the target needs an FR
    the deal has not named."""

    target: Stage
    items: list[tuple[Stage, StageRequirement]]
    fr_missing: bool

    @property
    def texts(self) -> list[str]:
        texts = [f"{stage.name}: {item.label}" for stage, item in self.items]
        if self.fr_missing:
            texts.append(_("%(stage)s: an FR must be named") % {"stage": self.target.name})
        return texts


def _blocking(opportunity: Opportunity, target: Stage) -> Blocking:
    items: list[tuple[Stage, StageRequirement]] = []
    if target.order > opportunity.stage.order:
        passing = [
            s
            for s in opportunity.pipeline.stages.all()
            if opportunity.stage.order <= s.order < target.order
            and s.category == StageCategory.OPEN
            and (s.active or s.pk == opportunity.stage_id)
        ]
        lists = _checklists(opportunity, passing)
        for stage in passing:
            items += [(stage, item.requirement) for item in lists[stage.pk] if not item.done]
    return Blocking(target, items, fr_missing=target.needs_fr and opportunity.fr_id is None)


@dataclass(frozen=True)
class Override:
    """A gate passed by override: the text the move notes on the timeline, and what to record
    (once the move is saved, in its transaction) for the process figures."""

    actor: User
    opportunity: Opportunity
    from_stage: Stage
    blocking: Blocking
    reason: str

    @property
    def text(self) -> str:
        return _("Gate overridden (missing: %(items)s). Reason: %(reason)s") % {
            "items": "; ".join(self.blocking.texts),
            "reason": self.reason,
        }

    def record(self) -> None:
        _gate_outcome(self.actor, self.opportunity, self.from_stage, self.blocking, GateResult.OVERRIDDEN, self.reason)


def _gate_outcome(
    actor: User, opportunity: Opportunity, from_stage: Stage, blocking: Blocking, result: str, reason: str = ""
) -> None:
    """Record a refused or overridden gate with its open items, together or not at all."""
    with transaction.atomic():
        outcome = GateOutcome.objects.create(
            opportunity=opportunity,
            from_stage=from_stage,
            to_stage=blocking.target,
            actor=actor,
            outcome=result,
            reason=reason,
            fr_missing=blocking.fr_missing,
        )
        through = GateOutcome.missing.through
        through.objects.bulk_create(
            [through(gateoutcome_id=outcome.pk, stagerequirement_id=item.pk) for _stage, item in blocking.items]
        )


def _refuse(actor: User, opportunity: Opportunity, expected_version: int, blocking: Blocking) -> None:
    """Record a refused gate, unless the deal changed since the actor read it: a stale move is
    refused as stale and records nothing (the actor did not try to move the deal as it is now)."""
    current = Opportunity.objects.filter(pk=opportunity.pk).values_list("version", flat=True).first()
    if current != expected_version:
        raise StaleVersionError(current or 0)
    _gate_outcome(actor, opportunity, opportunity.stage, blocking, GateResult.REFUSED)


def _gate(
    actor: User, opportunity: Opportunity, expected_version: int, target: Stage, override_reason: str
) -> Override | None:
    """Refuse with the missing items, or answer the override to note and record (None: no open
    item). A refusal is recorded before the error is raised: it persists when the caller does not
    roll back (the API and the pages run no transaction around the service; a caller inside an
    outer `transaction.atomic` that rolls back on the error loses the record with the rest)."""
    blocking = _blocking(opportunity, target)
    if not blocking.items and not blocking.fr_missing:
        return None
    reason = (override_reason or "").strip()
    if not reason:
        _refuse(actor, opportunity, expected_version, blocking)
        message = _("Not ready to move: %(items)s.") % {"items": "; ".join(blocking.texts)}
        raise ValidationError({"stage": [ValidationError(message, code="gate")]})
    if not can_override(actor, opportunity):
        _refuse(actor, opportunity, expected_version, blocking)
        raise PermissionDenied(_("Only a manager above the AR or an administrator may override a gate."))
    if len(reason) > REASON_MAX:
        raise ValidationError({"override_reason": [_("At most %(n)d characters.") % {"n": REASON_MAX}]})
    return Override(actor, opportunity, opportunity.stage, blocking, reason)


def missing_to_quote(opportunity: Opportunity) -> list[str]:
    """Why a quote may not be sent to the deal's customer yet: the deal has not reached its
    pipeline's quote stage (`Pipeline.quote_from_stage`; none set: any stage may quote)."""
    first = opportunity.pipeline.quote_from_stage
    if first is None or opportunity.stage.category != StageCategory.OPEN or opportunity.stage.order >= first.order:
        return []
    return [
        _("The deal is in %(stage)s: quotes are sent from %(first)s on.")
        % {"stage": opportunity.stage.name, "first": first.name}
    ]


def _held(opportunity: Opportunity, text: str, task_title: str) -> None:
    """A later stage's move the gate holds back: the timeline says so and the AR gets a task."""
    timeline.note_add(actor=None, subject=opportunity, text=text)
    activities.activity_create(
        actor=None,
        subject=opportunity,
        kind="task",
        title=task_title[: activities.TITLE_MAX],
        owner=opportunity.owner,
        due_at=timezone.now() + HELD_TASK_DUE,
    )


def _follow_amount(opportunity: Opportunity, amount: Decimal | None, currency: str | None) -> dict[str, Any]:
    """The deal's amount (and currency) following a later stage's document, as changes to save."""
    changes: dict[str, Any] = {}
    if amount is not None and amount != opportunity.amount:
        changes["amount"] = amount
    if currency and currency != opportunity.currency:
        changes["currency"] = currency
    return changes


# --- create and edit -------------------------------------------------------------------------


def opportunity_create(*, actor: User, data: dict[str, Any], source_lead: Lead | None = None) -> Opportunity:
    """Open a deal in a pipeline, at its first stage or at any open stage (deals may enter
    anywhere). The AR defaults to the actor; probability and forecast category default to the stage's."""
    require_writer(actor)
    _unknown_fields(data, CREATE_FIELDS)
    data = {**data}
    contacts = data.pop("contacts", None) or []
    pipeline: Pipeline | None = data.get("pipeline")
    if pipeline is None or not pipeline.active:
        raise ValidationError({"pipeline": [_("Choose an active pipeline.")]})
    stage: Stage | None = data.get("stage") or next(iter(pipeline.open_stages()), None)
    if stage is None or stage.pipeline_id != pipeline.pk or stage.category != StageCategory.OPEN or not stage.active:
        raise ValidationError({"stage": [_("Choose an open stage of this pipeline.")]})
    data["stage"] = stage
    data.setdefault("owner", actor)
    data.setdefault("probability", stage.probability)
    data.setdefault("forecast_category", stage.forecast_category)
    opportunity = Opportunity(
        **data, source_lead=source_lead, stage_entered_at=timezone.now(), max_stage_order=stage.order
    )
    extra = {"fr": [_("This stage needs an FR: name one first.")]} if stage.needs_fr and not opportunity.fr_id else {}
    _validate(actor, opportunity, {"owner", "sr", "fr", "sponsor"}, contacts, extra)
    with transaction.atomic():
        opportunity.save()
        opportunity.contacts.set(contacts)
        timeline.record_created(actor=actor, subject=opportunity)
        emit(
            OpportunityCreated(
                subject_id=opportunity.pk,
                account_id=opportunity.account_id,
                pipeline_id=opportunity.pipeline_id,
                stage_id=opportunity.stage_id,
                owner_id=opportunity.owner_id,
                amount=opportunity.amount,
                currency=opportunity.currency,
                source_lead_id=opportunity.source_lead_id,
            )
        )
    return opportunity


def opportunity_update(
    *, actor: User, opportunity: Opportunity, data: dict[str, Any], expected_version: int
) -> Opportunity:
    """Change fields (not the stage: see `opportunity_advance`) if the version is current."""
    require_steer(actor, opportunity)
    _unknown_fields(data, (*EDITABLE_FIELDS, "contacts"))
    data = {**data}
    contacts = data.pop("contacts", None)
    before = timeline.snapshot(opportunity, data.keys())
    for name, value in data.items():
        setattr(opportunity, name, value)
    needs_fr = "fr" in data and opportunity.fr_id is None and opportunity.stage.needs_fr and opportunity.is_open
    extra = {"fr": [_("The deal's stage needs an FR.")]} if needs_fr else {}
    _validate(actor, opportunity, set(data), contacts, extra)
    if "account" in data and before.get("account") != timeline.stored_value(opportunity, "account"):
        kept = opportunity.contacts.all() if contacts is None else contacts
        if (
            any(c.account_id != opportunity.account_id for c in kept)
            or opportunity.stakeholders.exclude(contact__account=opportunity.account).exists()
        ):
            raise ValidationError(
                {"account": [_("The deal's contacts and decision chain belong to the old account: change them first.")]}
            )
    with transaction.atomic():
        save_if_current(opportunity, expected_version=expected_version, fields=list(data))
        if contacts is not None:
            opportunity.contacts.set(contacts)
        timeline.record_changes(actor=actor, subject=opportunity, before=before)
        if "owner" in data and before["owner"] != timeline.stored_value(opportunity, "owner"):
            notify([opportunity.owner], NotificationKind.ASSIGNMENT, subject=opportunity, actor=actor)
    return opportunity


# --- moving through the pipeline -------------------------------------------------------------


def next_stage(opportunity: Opportunity) -> Stage | None:
    return next((s for s in opportunity.pipeline.open_stages() if s.order > opportunity.stage.order), None)


def _move(actor: User, opportunity: Opportunity, expected_version: int, changes: dict[str, Any], text: str) -> None:
    before = timeline.snapshot(opportunity, changes.keys())
    from_stage_id = opportunity.stage_id
    for name, value in changes.items():
        setattr(opportunity, name, value)
    with transaction.atomic():
        save_if_current(opportunity, expected_version=expected_version, fields=list(changes))
        timeline.record_changes(actor=actor, subject=opportunity, before=before)
        if text:
            timeline.note_add(actor=actor, subject=opportunity, text=text)
        event = _moved(opportunity, changes, from_stage_id)
        if event is not None:
            emit(event)


def _moved(deal: Opportunity, changes: dict[str, Any], from_stage_id: int) -> Event | None:
    """The event of a move: won, lost, reopened, or a change of open stage (None: no such move)."""
    if "status" in changes:
        if deal.status == OpportunityStatus.WON:
            closed_on = deal.expected_close_date or timezone.localdate()
            return OpportunityWon(
                subject_id=deal.pk,
                amount=deal.amount,
                currency=deal.currency,
                reason=deal.close_reason,
                closed_on=closed_on,
            )
        if deal.status == OpportunityStatus.LOST:
            return OpportunityLost(
                subject_id=deal.pk,
                amount=deal.amount,
                currency=deal.currency,
                reason=deal.close_reason,
                competitor=deal.lost_to,
            )
        return OpportunityReopened(subject_id=deal.pk, stage_id=deal.stage_id)
    if "stage" in changes and deal.stage_id != from_stage_id:
        return OpportunityStageChanged(
            subject_id=deal.pk, from_stage_id=from_stage_id, to_stage_id=deal.stage_id, probability=deal.probability
        )
    return None


def opportunity_advance(
    *,
    actor: User,
    opportunity: Opportunity,
    expected_version: int,
    to_stage: Stage | None = None,
    override_reason: str = "",
) -> Opportunity:
    """Move the deal to `to_stage` (default: the next open stage). Forward moves pass the gates
    of the stages left behind; the stage's probability and forecast category become the deal's."""
    require_steer(actor, opportunity)
    require_open(opportunity)
    target = to_stage or next_stage(opportunity)
    if target is None:
        raise ValidationError({"stage": [_("This is the last open stage: win or lose the deal.")]})
    if target.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"stage": [_("Choose a stage of the deal's pipeline.")]})
    if target.category != StageCategory.OPEN:
        raise ValidationError({"stage": [_("Use win or lose to close the deal.")]})
    if not target.active:
        raise ValidationError({"stage": [_("This stage is no longer used.")]})
    if target.pk == opportunity.stage_id:
        raise ValidationError({"stage": [_("The deal is already in this stage.")]})
    override = _gate(actor, opportunity, expected_version, target, override_reason)
    changes = {
        "stage": target,
        "probability": target.probability,
        "forecast_category": target.forecast_category,
        "stage_entered_at": timezone.now(),
        "max_stage_order": max(opportunity.max_stage_order, target.order),
    }
    with transaction.atomic():
        _move(actor, opportunity, expected_version, changes, override.text if override else "")
        if override is not None:
            override.record()
    return opportunity


def opportunity_quote_accepted(
    *,
    opportunity: Opportunity,
    text: str,
    amount: Decimal | None = None,
    currency: str | None = None,
    actor: User | None = None,
) -> bool:
    """The customer accepted a quote: the deal's amount follows the accepted total, and an open
    deal still before its pipeline's quote-accepted stage moves there — through the same gate as
    a person's move. When the gate holds, the acceptance stays recorded, the deal stays where it
    is, the timeline says what is missing and the AR gets a task. Returns whether the deal moved.
    `actor` is who recorded the answer (None: the customer through the link)."""
    with transaction.atomic():
        timeline.note_add(actor=actor, subject=opportunity, text=text)
        if not opportunity.is_open:
            return False
        changes = _follow_amount(opportunity, amount, currency)
        target = opportunity.pipeline.quote_accepted_stage
        ahead = target is not None and target.order > opportunity.stage.order
        before = {name: getattr(opportunity, name) for name in changes}
        for name, value in changes.items():  # the gate sees the accepted amount
            setattr(opportunity, name, value)
        missing = missing_to_move(opportunity, target) if ahead and target is not None else []
        for name, value in before.items():
            setattr(opportunity, name, value)
        if ahead and target is not None and not missing:
            changes.update(
                {
                    "stage": target,
                    "probability": target.probability,
                    "forecast_category": target.forecast_category,
                    "stage_entered_at": timezone.now(),
                    "max_stage_order": max(opportunity.max_stage_order, target.order),
                }
            )
        if changes:
            _move(actor, opportunity, opportunity.version, changes, "")  # type: ignore[arg-type]
        if missing and target is not None:
            items = "; ".join(missing)
            _held(
                opportunity,
                _("The deal stays in %(stage)s: moving to %(target)s still needs %(items)s.")
                % {"stage": opportunity.stage.name, "target": target.name, "items": items},
                _("To move “%(deal)s” to %(target)s: %(items)s")
                % {"deal": opportunity.name, "target": target.name, "items": items},
            )
        return "stage" in changes


def opportunity_contract_signed(
    *,
    actor: User,
    opportunity: Opportunity,
    amount: Decimal,
    currency: str,
    signed_on: date,
    text: str,
) -> bool:
    """The deal's contract was signed: the deal's amount becomes the signed value, the pipeline's
    "contract signed" checklist item (`Pipeline.contract_signed_requirement`) is confirmed, and
    an open deal is won (reason "other", closed on the signing date) — through the same gate as
    a person's win. When the gate holds, the deal stays open, the timeline says what is missing
    and the AR gets a task. A lost deal only records the signature. Returns whether it was won."""
    with transaction.atomic():
        timeline.note_add(actor=actor, subject=opportunity, text=text)
        if opportunity.status == OpportunityStatus.LOST:
            return False
        changes = _follow_amount(opportunity, amount, currency)
        if changes:
            _move(actor, opportunity, opportunity.version, changes, "")
        if not opportunity.is_open:
            return False
        requirement = opportunity.pipeline.contract_signed_requirement
        if requirement is not None and requirement.kind == RequirementKind.CHECK:
            _check, created = RequirementCheck.objects.get_or_create(
                opportunity=opportunity,
                requirement=requirement,
                defaults={"done_by": actor, "done_at": timezone.now()},
            )
            if created:
                timeline.note_add(
                    actor=actor, subject=opportunity, text=_("Confirmed: %(item)s") % {"item": requirement.label}
                )
        won = opportunity.pipeline.closing_stage(StageCategory.WON)
        missing = missing_to_move(opportunity, won) if won is not None else [_("This pipeline has no won stage.")]
        if missing or won is None:
            items = "; ".join(missing)
            _held(
                opportunity,
                _("The deal stays in %(stage)s: winning it still needs %(items)s.")
                % {"stage": opportunity.stage.name, "items": items},
                _("To win “%(deal)s”: %(items)s") % {"deal": opportunity.name, "items": items},
            )
            return False
        opportunity_close(
            actor=actor,
            opportunity=opportunity,
            expected_version=opportunity.version,
            stage=won,
            status=OpportunityStatus.WON,
            reason=WinReason.OTHER,
            note=text,
            closed_on=signed_on,
        )
        return True


def opportunity_amount_follow(
    *, actor: User, opportunity: Opportunity, amount: Decimal, currency: str, text: str
) -> bool:
    """A later stage's document changed what the deal is worth (an amended contract): an open or
    won deal takes the new amount, on its timeline with `text`. A lost deal keeps its amount.
    Returns whether the amount changed."""
    changes = _follow_amount(opportunity, amount, currency)
    if not changes or opportunity.status == OpportunityStatus.LOST:
        return False
    _move(actor, opportunity, opportunity.version, changes, text)
    return True


def opportunity_win(
    *,
    actor: User,
    opportunity: Opportunity,
    expected_version: int,
    reason: str,
    note: str = "",
    override_reason: str = "",
) -> Opportunity:
    """Close the deal as won: the current stage's checklist must be complete (or overridden)."""
    require_steer(actor, opportunity)
    require_open(opportunity)
    if reason not in WinReason.values:
        raise ValidationError({"reason": [_("Choose why the deal was won.")]})
    won = opportunity.pipeline.closing_stage(StageCategory.WON)
    if won is None:
        raise ValidationError({"stage": [_("This pipeline has no won stage.")]})
    override = _gate(actor, opportunity, expected_version, won, override_reason)
    with transaction.atomic():
        opportunity_close(
            actor=actor,
            opportunity=opportunity,
            expected_version=expected_version,
            stage=won,
            status=OpportunityStatus.WON,
            reason=reason,
            note=note,
            text=override.text if override else "",
        )
        if override is not None:
            override.record()
    return opportunity


def opportunity_lose(
    *, actor: User, opportunity: Opportunity, expected_version: int, reason: str, competitor: str = "", note: str = ""
) -> Opportunity:
    """Close the deal as lost with the reason and, when one won, the competitor. No gate: a deal
    can be lost at any stage."""
    require_steer(actor, opportunity)
    require_open(opportunity)
    errors: dict[str, list[str]] = {}
    if reason not in LossReason.values:
        errors["reason"] = [_("Choose why the deal was lost.")]
    competitor = (competitor or "").strip()
    if reason == LossReason.COMPETITOR and not competitor:
        errors["competitor"] = [_("Name the competitor who won.")]
    if len(competitor) > 200:
        errors["competitor"] = [_("At most %(n)d characters.") % {"n": 200}]
    lost = opportunity.pipeline.closing_stage(StageCategory.LOST)
    if lost is None:
        errors["stage"] = [_("This pipeline has no lost stage.")]
    if errors or lost is None:
        raise ValidationError(errors)
    opportunity_close(
        actor=actor,
        opportunity=opportunity,
        expected_version=expected_version,
        stage=lost,
        status=OpportunityStatus.LOST,
        reason=reason,
        note=note,
        competitor=competitor,
    )
    return opportunity


def opportunity_close(
    *,
    actor: User,
    opportunity: Opportunity,
    expected_version: int,
    stage: Stage,
    status: str,
    reason: str,
    note: str = "",
    competitor: str = "",
    text: str = "",
    closed_on: date | None = None,
) -> None:
    """Win or lose the deal (the callers check the gates and reasons): close it in `stage` with
    `status`, keep the stage it was in for a reopening, emit the fact."""
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise ValidationError({"note": [_("At most %(n)d characters.") % {"n": REASON_MAX}]})
    changes = {
        "stage_before_close": opportunity.stage,
        "stage": stage,
        "status": status,
        "probability": 100 if status == OpportunityStatus.WON else 0,
        "forecast_category": ForecastCategory.CLOSED if status == OpportunityStatus.WON else ForecastCategory.OMITTED,
        "close_reason": reason,
        "close_note": note,
        "lost_to": competitor,
        "closed_at": timezone.now(),
        "stage_entered_at": timezone.now(),
    }
    if status == OpportunityStatus.WON:
        changes["max_stage_order"] = max(opportunity.max_stage_order, stage.order)
        # The forecast counts a won deal when it closed (a signed contract: its signing date).
        changes["expected_close_date"] = closed_on or timezone.localdate()
    _move(actor, opportunity, expected_version, changes, text)


def opportunity_reopen(*, actor: User, opportunity: Opportunity, expected_version: int) -> Opportunity:
    """Reopen a closed deal at the stage it was closed from."""
    require_steer(actor, opportunity)
    if opportunity.is_open:
        raise ValidationError({"status": [_("The deal is already open.")]})
    stage = opportunity.stage_before_close
    if stage is None or not stage.active:
        stage = next(iter(opportunity.pipeline.open_stages()), None)
    if stage is None:
        raise ValidationError({"stage": [_("This pipeline has no open stage.")]})
    changes = {
        "stage": stage,
        "status": OpportunityStatus.OPEN,
        "probability": stage.probability,
        "forecast_category": stage.forecast_category,
        "close_reason": "",
        "close_note": "",
        "lost_to": "",
        "closed_at": None,
        "stage_before_close": None,
        "stage_entered_at": timezone.now(),
    }
    _move(actor, opportunity, expected_version, changes, _("Deal reopened."))
    return opportunity


# --- working the deal ------------------------------------------------------------------------


def opportunity_check(
    *, actor: User, opportunity: Opportunity, requirement: StageRequirement, done: bool
) -> Opportunity:
    """Confirm (or withdraw) a "check" item of the deal's checklist."""
    require_work(actor, opportunity)
    require_open(opportunity)
    if requirement.stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"requirement": [_("This item belongs to another pipeline.")]})
    if requirement.kind != RequirementKind.CHECK:
        raise ValidationError({"requirement": [_("This item is done by its activity or field, not by a tick.")]})
    with transaction.atomic():
        if done:
            _check, created = RequirementCheck.objects.get_or_create(
                opportunity=opportunity,
                requirement=requirement,
                defaults={"done_by": actor, "done_at": timezone.now()},
            )
            text = _("Confirmed: %(item)s") % {"item": requirement.label}
        else:
            created = bool(
                RequirementCheck.objects.filter(opportunity=opportunity, requirement=requirement).delete()[0]
            )
            text = _("Withdrawn: %(item)s") % {"item": requirement.label}
        if created:
            timeline.note_add(actor=actor, subject=opportunity, text=text)
    return opportunity


def opportunity_activity_log(*, actor: User, opportunity: Opportunity, **fields: Any) -> Activity:
    require_work(actor, opportunity)
    return activities.activity_create(actor=actor, subject=opportunity, **fields)


def opportunity_activity_complete(
    *, actor: User, opportunity: Opportunity, activity: Activity, outcome: str = ""
) -> Activity:
    require_work(actor, opportunity)
    return activities.activity_complete(actor=actor, activity=activity, outcome=outcome)


def opportunity_note_add(*, actor: User, opportunity: Opportunity, text: str) -> TimelineEvent:
    require_work(actor, opportunity)
    return timeline.note_add(actor=actor, subject=opportunity, text=text)


def opportunity_from_lead(
    *,
    actor: User,
    lead: Lead,
    pipeline: Pipeline,
    stage: Stage | None = None,
    name: str = "",
    amount: Decimal | None = None,
    expected_close_date: datetime | None = None,
) -> Opportunity:
    """Convert a qualified lead (account and contact, as lead conversion does) and open a deal
    for it in a pipeline, at a chosen stage; the lead's budget, campaign and need carry over."""
    with transaction.atomic():
        lead = lead_convert(actor=actor, lead=lead)
        if lead.account is None:  # conversion always links an account; guard the type
            raise ValidationError({"lead": [_("The lead has no account after conversion.")]})
        data: dict[str, Any] = {
            "name": (name or "").strip() or f"{lead.account.name} — {lead.need[:60] or _('new deal')}",
            "account": lead.account,
            "pipeline": pipeline,
            "stage": stage,
            "owner": lead.owner or actor,
            "amount": amount if amount is not None else (lead.budget_amount or Decimal("0.00")),
            "currency": lead.budget_currency,
            "expected_close_date": expected_close_date,
            "campaign": lead.campaign,
            "description": lead.need,
            "contacts": [lead.contact] if lead.contact else [],
        }
        return opportunity_create(actor=actor, data=data, source_lead=lead)


def opportunity_document_add(
    *,
    actor: User,
    opportunity: Opportunity,
    upload: UploadedFile,
    title: str = "",
    requirement: StageRequirement | None = None,
) -> OpportunityDocument:
    """Attach a file to the deal, for a checklist item that asks for a document or on its own."""
    require_work(actor, opportunity)
    if requirement is not None and (
        requirement.kind != RequirementKind.DOCUMENT or requirement.stage.pipeline_id != opportunity.pipeline_id
    ):
        raise ValidationError({"requirement": [_("This checklist item does not ask for a document.")]})
    name = checked_name(upload)
    title = (title or "").strip() or (requirement.label if requirement else name)
    document = OpportunityDocument(
        opportunity=opportunity,
        requirement=requirement,
        title=title[:200],
        original_name=name,
        size=upload.size or 0,
        uploaded_by=actor,
    )
    with transaction.atomic():
        document.file.save(name, upload, save=False)
        document.save()
        timeline.note_add(
            actor=actor, subject=opportunity, text=_("Document attached: %(title)s") % {"title": document.title}
        )
    return document
