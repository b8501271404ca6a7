"""Nurture journeys: editing them (`journey_*`), enrolling people (from a segment in bulk, or from
events: a lead created, a response to the campaign) and the engine, `journeys_run`, that walks
the due members through their steps.

The engine is safe to restart: a member's steps run in one savepoint with their side effects
(e-mail queued, task, touch, routing) and their history rows, whose `key` (member, step, attempt)
is unique, and the member row is moved by compare-and-swap on its `runs` counter. A run killed
mid-way rolls back the member it was on; the next run finds that member where it was and the
others already moved — nothing is done twice, nothing skipped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.concurrency import StaleVersionError
from ltc.leads.choices import LeadSource, LeadStatus
from ltc.marketing.access import can_manage_marketing
from ltc.marketing.models import (
    Consent,
    ConsentChannel,
    ConsentState,
    MemberSource,
    MemberStatus,
    Touch,
    TouchKind,
)
from ltc.marketing.models.journeys import (
    RUNNING_STATES,
    BranchField,
    BranchOn,
    Journey,
    JourneyEntry,
    JourneyMember,
    JourneyMemberLog,
    JourneyStatus,
    JourneyStep,
    LogAction,
    MemberState,
    StepKind,
)
from ltc.marketing.services.consent import address_key
from ltc.marketing.services.touches import Person, TouchIn, members_advance, touches_record

log = logging.getLogger(__name__)

CHUNK = 200
MAX_STEPS = 20  # steps one member may take in one run: a branch looping back waits for the next run
LOOP_PAUSE = timedelta(days=1)  # a member stopped by the loop guard goes on no sooner than this
RETRY_AFTER = timedelta(hours=1)
DEFAULT_TASK_DAYS = 2
MAX_STEP_COUNT = 50

JOURNEY_FIELDS = (
    "name",
    "campaign",
    "entry",
    "segment",
    "entry_lead_source",
    "entry_lead_campaign",
    "entry_touch_kind",
    "exit_on_qualified",
    "exit_on_converted",
    "exit_on_disqualified",
    "exit_on_unsubscribed",
    "exit_score",
    "description",
)
STEP_FIELDS = (
    "kind",
    "template",
    "wait_hours",
    "branch_on",
    "branch_score",
    "branch_field",
    "branch_value",
    "yes_goto",
    "no_goto",
    "target_campaign",
    "task_title",
    "task_due_days",
)


def _require_manager(actor: Any) -> None:
    if not can_manage_marketing(actor):
        raise PermissionDenied(_("Only marketing and administrators change journeys."))


# --- editing ---------------------------------------------------------------------------------


def _clean_journey(data: dict[str, Any]) -> dict[str, Any]:
    """Validate the journey's own fields (already resolved records for campaign and segment)."""
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    data["name"] = name
    if not name:
        errors["name"] = [_("Give the journey a name.")]
    elif len(name) > 200:
        errors["name"] = [_("At most %(n)d characters.") % {"n": 200}]
    if data.get("campaign") is None:
        errors["campaign"] = [_("Choose a campaign.")]
    entry = data.get("entry") or JourneyEntry.SEGMENT
    data["entry"] = entry
    if entry not in JourneyEntry.values:
        errors["entry"] = [_("Choose how people enter the journey.")]
    segment = data.get("segment")
    if entry == JourneyEntry.SEGMENT:
        if segment is None:
            errors["segment"] = [_("Choose the segment whose members enter the journey.")]
        elif getattr(segment, "target", "") not in ("leads", "contacts"):
            errors["segment"] = [_("Choose a segment of leads or contacts.")]
    else:
        data["segment"] = None
    source = data.get("entry_lead_source") or ""
    data["entry_lead_source"] = source if entry == JourneyEntry.LEAD_CREATED else ""
    if entry == JourneyEntry.LEAD_CREATED and source and source not in LeadSource.values:
        errors["entry_lead_source"] = [_("Choose a lead source.")]
    code = (data.get("entry_lead_campaign") or "").strip()
    data["entry_lead_campaign"] = code if entry == JourneyEntry.LEAD_CREATED else ""
    if len(code) > 100:
        errors["entry_lead_campaign"] = [_("At most %(n)d characters.") % {"n": 100}]
    touch_kind = data.get("entry_touch_kind") or ""
    data["entry_touch_kind"] = touch_kind if entry == JourneyEntry.TOUCH else ""
    if entry == JourneyEntry.TOUCH and touch_kind not in TouchKind.values:
        errors["entry_touch_kind"] = [_("Choose the kind of response that enters the journey.")]
    score = data.get("exit_score")
    if score is not None and not 0 <= score <= 100:
        errors["exit_score"] = [_("A score is between 0 and 100.")]
    if len(data.get("description") or "") > 5000:
        errors["description"] = [_("At most %(n)d characters.") % {"n": 5000}]
    if errors:
        raise ValidationError(errors)
    return data


def clean_steps(steps: Sequence[dict[str, Any]]) -> list[JourneyStep]:
    """Unsaved steps at positions 1..n from their fields (records already resolved), or a
    ValidationError naming `steps.<i>.<field>`."""
    errors: dict[str, list[str]] = {}
    if len(steps) > MAX_STEP_COUNT:
        raise ValidationError({"steps": [_("At most %(n)d steps.") % {"n": MAX_STEP_COUNT}]})
    count = len(steps)
    result: list[JourneyStep] = []
    for index, raw in enumerate(steps):
        data = {name: raw.get(name) for name in STEP_FIELDS}

        def fail(field: str, message: str, index: int = index) -> None:
            errors.setdefault(f"steps.{index}.{field}", []).append(message)

        kind = str(data["kind"] or "")
        if kind not in StepKind.values:
            fail("kind", _("Choose what the step does."))
        if kind == StepKind.EMAIL and data["template"] is None:
            fail("template", _("Choose the e-mail template."))
        if kind == StepKind.WAIT and not data["wait_hours"]:
            fail("wait_hours", _("Say how many hours to wait."))
        if data["wait_hours"] is not None and not 1 <= data["wait_hours"] <= 24 * 365:
            fail("wait_hours", _("Between 1 hour and a year."))
        if kind == StepKind.BRANCH:
            on = data["branch_on"] or ""
            if on not in BranchOn.values:
                fail("branch_on", _("Choose what the branch tests."))
            if on == BranchOn.SCORE and data["branch_score"] is None:
                fail("branch_score", _("Give the score to reach."))
            if on == BranchOn.FIELD:
                if data["branch_field"] not in BranchField.values:
                    fail("branch_field", _("Choose the field to compare."))
                if not (data["branch_value"] or "").strip():
                    fail("branch_value", _("Give the value to compare with."))
            for goto in ("yes_goto", "no_goto"):
                target = data[goto]
                if target is not None and not 1 <= target <= count + 1:
                    fail(goto, _("Choose a step between 1 and %(n)d.") % {"n": count + 1})
                elif target == index + 1:
                    fail(goto, _("A branch cannot go to itself."))
        if data["branch_score"] is not None and not 0 <= data["branch_score"] <= 100:
            fail("branch_score", _("A score is between 0 and 100."))
        if kind == StepKind.ADD_TO_CAMPAIGN and data["target_campaign"] is None:
            fail("target_campaign", _("Choose the campaign."))
        title = (data["task_title"] or "").strip()
        if kind == StepKind.TASK and not title:
            fail("task_title", _("Say what the owner should do."))
        if len(title) > 200:
            fail("task_title", _("At most %(n)d characters.") % {"n": 200})
        if data["task_due_days"] is not None and not 0 <= data["task_due_days"] <= 365:
            fail("task_due_days", _("Between 0 and 365 days."))
        keep_branch = kind == StepKind.BRANCH
        result.append(
            JourneyStep(
                position=index + 1,
                kind=kind,
                template=data["template"] if kind == StepKind.EMAIL else None,
                wait_hours=data["wait_hours"] if kind == StepKind.WAIT else None,
                branch_on=(data["branch_on"] or "") if keep_branch else "",
                branch_score=data["branch_score"] if keep_branch and data["branch_on"] == BranchOn.SCORE else None,
                branch_field=(data["branch_field"] or "")
                if keep_branch and data["branch_on"] == BranchOn.FIELD
                else "",
                branch_value=(data["branch_value"] or "").strip()
                if keep_branch and data["branch_on"] == BranchOn.FIELD
                else "",
                yes_goto=data["yes_goto"] if keep_branch else None,
                no_goto=data["no_goto"] if keep_branch else None,
                target_campaign=data["target_campaign"] if kind == StepKind.ADD_TO_CAMPAIGN else None,
                task_title=title if kind == StepKind.TASK else "",
                task_due_days=data["task_due_days"] if kind == StepKind.TASK else None,
            )
        )
    if not errors:
        errors.update(_loop_errors(result))
    if errors:
        raise ValidationError(errors)
    return result


def _next_positions(step: JourneyStep) -> list[tuple[str, int]]:
    """Where a step can lead: (the field naming the jump, or "" for the next step, position)."""
    if step.kind != StepKind.BRANCH:
        return [("", step.position + 1)]
    return [
        (goto, target if target is not None else step.position + 1)
        for goto, target in (("yes_goto", step.yes_goto), ("no_goto", step.no_goto))
    ]


def _loop_errors(steps: Sequence[JourneyStep]) -> dict[str, list[str]]:
    """`steps.<i>.<goto>` errors for each branch jumping back into a loop that has no wait step:
    such a loop would walk a member round (and e-mail them) without end. Every loop has a jump
    back, so checking whether the jump's target reaches the branch again without a wait is enough."""
    by_position = {step.position: step for step in steps}

    def reaches(start: int, goal: int) -> bool:
        seen: set[int] = set()
        todo = [start]
        while todo:
            position = todo.pop()
            step = by_position.get(position)
            if step is None or position in seen or step.kind == StepKind.WAIT:
                continue
            if position == goal:
                return True
            seen.add(position)
            todo.extend(target for _field, target in _next_positions(step))
        return False

    errors: dict[str, list[str]] = {}
    for step in steps:
        for field, target in _next_positions(step):
            if field and target <= step.position and reaches(target, step.position):
                errors.setdefault(f"steps.{step.position - 1}.{field}", []).append(
                    _("This jump back makes a loop without a wait step: add a wait step inside the loop.")
                )
    return errors


def journey_create(*, actor: Any, data: dict[str, Any], steps: Sequence[dict[str, Any]] = ()) -> Journey:
    """Create a draft journey with its steps. Marketing and administrators only."""
    _require_manager(actor)
    data = _clean_journey(dict(data))
    cleaned = clean_steps(steps)
    with transaction.atomic():
        journey = Journey.objects.create(
            **{name: data.get(name) for name in JOURNEY_FIELDS if name in data}, created_by=actor
        )
        for step in cleaned:
            step.journey = journey
        JourneyStep.objects.bulk_create(cleaned)
    return journey


def _swap(journey: Journey, expected_version: int, fields: dict[str, Any]) -> Journey:
    """Write `fields` when the journey is still at `expected_version` (412 otherwise)."""
    now = timezone.now()
    changed = Journey.objects.filter(pk=journey.pk, version=expected_version).update(
        **fields, version=expected_version + 1, updated_at=now
    )
    if not changed:
        current = Journey.objects.filter(pk=journey.pk).values_list("version", flat=True).first()
        raise StaleVersionError(current or 0)
    for name, value in fields.items():
        setattr(journey, name, value)
    journey.version = expected_version + 1
    journey.updated_at = now
    return journey


def journey_update(*, actor: Any, journey: Journey, data: dict[str, Any], expected_version: int) -> Journey:
    """Change a journey's name, entry and exit criteria (any status but archived)."""
    _require_manager(actor)
    if journey.status == JourneyStatus.ARCHIVED:
        raise ValidationError({"status": [_("An archived journey is kept as it was.")]})
    merged = {name: getattr(journey, name) for name in JOURNEY_FIELDS} | dict(data)
    merged = _clean_journey(merged)
    with transaction.atomic():
        return _swap(journey, expected_version, {name: merged[name] for name in JOURNEY_FIELDS})


def journey_steps_set(
    *, actor: Any, journey: Journey, steps: Sequence[dict[str, Any]], expected_version: int
) -> Journey:
    """Replace the steps of a draft or paused journey. Members keep their position; a member past
    the last step finishes at the next run."""
    _require_manager(actor)
    if not journey.editable():
        raise ValidationError({"status": [_("Pause the journey before changing its steps.")]})
    cleaned = clean_steps(steps)
    with transaction.atomic():
        _swap(journey, expected_version, {})
        JourneyStep.objects.filter(journey=journey).delete()
        for step in cleaned:
            step.journey = journey
        JourneyStep.objects.bulk_create(cleaned)
    return journey


def journey_activate(*, actor: Any, journey: Journey, expected_version: int, now: datetime | None = None) -> Journey:
    """Start (or resume) a journey: it needs at least one step and a complete entry. A segment
    journey enrols the segment's members at once; the next run moves them."""
    _require_manager(actor)
    if journey.status not in (JourneyStatus.DRAFT, JourneyStatus.PAUSED):
        raise ValidationError({"status": [_("Only a draft or paused journey can be activated.")]})
    steps = list(journey.steps.order_by("position"))
    if not steps:
        raise ValidationError({"steps": [_("Add at least one step.")]})
    loops = _loop_errors(steps)
    if loops:
        raise ValidationError(loops)
    _clean_journey({name: getattr(journey, name) for name in JOURNEY_FIELDS})
    now = now or timezone.now()
    with transaction.atomic():
        _swap(journey, expected_version, {"status": JourneyStatus.ACTIVE, "activated_at": now})
        if journey.entry == JourneyEntry.SEGMENT:
            journey_enrol_segment(journey, now=now)
    return journey


def journey_pause(*, actor: Any, journey: Journey, expected_version: int) -> Journey:
    """Hold an active journey: nobody enters or moves until it is activated again."""
    _require_manager(actor)
    if journey.status != JourneyStatus.ACTIVE:
        raise ValidationError({"status": [_("Only an active journey can be paused.")]})
    with transaction.atomic():
        return _swap(journey, expected_version, {"status": JourneyStatus.PAUSED})


def journey_archive(*, actor: Any, journey: Journey, expected_version: int) -> Journey:
    """Close a journey for good; its members and their history are kept."""
    _require_manager(actor)
    if journey.status == JourneyStatus.ARCHIVED:
        raise ValidationError({"status": [_("The journey is already archived.")]})
    with transaction.atomic():
        return _swap(journey, expected_version, {"status": JourneyStatus.ARCHIVED})


# --- entry -----------------------------------------------------------------------------------


def journey_enrol(journey: Journey, people: Iterable[Person], *, now: datetime | None = None) -> int:
    """Put people on the journey at step 1, due now (someone already on it, or who was, is left
    as is) and make them members of its campaign. Set-based; returns how many entered."""
    now = now or timezone.now()
    wanted = {(p.lead_id, p.contact_id) for p in people if (p.lead_id is None) != (p.contact_id is None)}
    if not wanted:
        return 0
    known: set[tuple[int | None, int | None]] = set()
    members = JourneyMember.objects.filter(journey=journey)
    for field, ids in (
        ("lead_id", [lead for lead, _c in wanted if lead is not None]),
        ("contact_id", [contact for _l, contact in wanted if contact is not None]),
    ):
        for start in range(0, len(ids), 5000):
            known.update(
                members.filter(**{f"{field}__in": ids[start : start + 5000]}).values_list("lead_id", "contact_id")
            )
    new = [pair for pair in wanted if pair not in known]
    if not new:
        return 0
    with transaction.atomic():
        JourneyMember.objects.bulk_create(
            [
                JourneyMember(
                    journey=journey,
                    lead_id=lead,
                    contact_id=contact,
                    position=1,
                    status=MemberState.ACTIVE,
                    next_run_at=now,
                    entered_at=now,
                )
                for lead, contact in new
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        members_advance(
            journey.campaign_id,
            [Person(lead_id=lead, contact_id=contact) for lead, contact in new],
            MemberStatus.TARGETED,
            source=MemberSource.JOURNEY,
            at=now,
        )
    return len(new)


def journey_enrol_segment(journey: Journey, *, now: datetime | None = None) -> int:
    """Enrol the current members of the journey's segment (leads or contacts)."""
    from ltc.marketing.services.segments import segment_recipients

    if journey.segment is None:
        return 0
    people = [
        Person(lead_id=lead_id, contact_id=contact_id)
        for lead_id, contact_id in _recipient_pairs(segment_recipients(journey.segment))
    ]
    return journey_enrol(journey, people, now=now)


def _recipient_pairs(recipients: Any) -> Iterable[tuple[int | None, int | None]]:
    """(lead_id, contact_id) of what `segment_recipients` gives: records or rows naming a lead or
    a contact."""
    for item in recipients:
        if isinstance(item, dict):
            lead_id, contact_id = item.get("lead_id"), item.get("contact_id")
        else:
            lead_id, contact_id = getattr(item, "lead_id", None), getattr(item, "contact_id", None)
            label = getattr(getattr(item, "_meta", None), "label_lower", "")
            if label == "leads.lead":
                lead_id, contact_id = item.pk, None
            elif label == "customers.contact":
                lead_id, contact_id = None, item.pk
        if (lead_id is None) != (contact_id is None):
            yield lead_id, contact_id


def leads_created_enrol(events: Sequence[Any]) -> int:
    """Enrol new leads in the active journeys that start when a lead with their source and
    campaign code is created (in the creating transaction; one query when no journey waits)."""
    journeys = list(Journey.objects.filter(status=JourneyStatus.ACTIVE, entry=JourneyEntry.LEAD_CREATED))
    entered = 0
    for journey in journeys:
        ids = [
            event.subject_id
            for event in events
            if (not journey.entry_lead_source or event.source == journey.entry_lead_source)
            and (not journey.entry_lead_campaign or event.campaign == journey.entry_lead_campaign)
        ]
        entered += journey_enrol(journey, [Person(lead_id=pk) for pk in ids])
    return entered


def touches_enrol(touches: list[Touch]) -> None:
    """Touch hook: enrol who responded to a campaign in its active response-entry journeys."""
    campaigns = {t.campaign_id for t in touches}
    if not campaigns:
        return
    journeys = list(
        Journey.objects.filter(status=JourneyStatus.ACTIVE, entry=JourneyEntry.TOUCH, campaign_id__in=campaigns)
    )
    for journey in journeys:
        people = [
            Person(lead_id=t.lead_id) if t.lead_id is not None else Person(contact_id=t.contact_id)
            for t in touches
            if t.campaign_id == journey.campaign_id
            and t.kind == journey.entry_touch_kind
            and (t.lead_id is not None or t.contact_id is not None)
        ]
        journey_enrol(journey, people)


# --- the engine ------------------------------------------------------------------------------


@dataclass
class RunResult:
    enrolled: int = 0
    advanced: int = 0
    steps: int = 0
    failed: int = 0


class _Conflict(Exception):
    """The member was moved by someone else meanwhile: leave it."""


def journeys_run(now: datetime | None = None, *, progress: Callable[[], Any] | None = None) -> RunResult:
    """Enrol the segments of active journeys, then advance every due member of an active journey
    as far as it goes now (a wait, the end, an exit). Chunks of CHUNK members, each member in
    its own savepoint; `progress` is called after each chunk (the job lease's heartbeat)."""
    now = now or timezone.now()
    result = RunResult()
    for journey in Journey.objects.filter(status=JourneyStatus.ACTIVE, entry=JourneyEntry.SEGMENT).select_related(
        "segment", "campaign"
    ):
        result.enrolled += journey_enrol_segment(journey, now=now)
    due = JourneyMember.objects.filter(
        status__in=RUNNING_STATES, next_run_at__lte=now, journey__status=JourneyStatus.ACTIVE
    )
    last = 0
    while True:
        ids = list(due.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        last = ids[-1]
        _run_chunk(ids, now, result)
        if progress is not None:
            progress()
    return result


def _run_chunk(ids: list[int], now: datetime, result: RunResult) -> None:
    members = list(
        JourneyMember.objects.filter(pk__in=ids, status__in=RUNNING_STATES, next_run_at__lte=now)
        .select_related("journey__campaign", "journey__created_by", "lead__owner", "contact__account__owner")
        .order_by("pk")
    )
    journey_ids = {m.journey_id for m in members}
    steps: dict[int, dict[int, JourneyStep]] = {}
    for step in JourneyStep.objects.filter(journey_id__in=journey_ids).select_related("template", "target_campaign"):
        steps.setdefault(step.journey_id, {})[step.position] = step
    addresses = {address_key(_email_of(m)) for m in members if _email_of(m)}
    withdrawn = set(
        Consent.objects.filter(
            channel=ConsentChannel.EMAIL, state=ConsentState.WITHDRAWN, address__in=addresses
        ).values_list("address", flat=True)
    )
    for member in members:
        runs, position = member.runs, member.position
        try:
            with transaction.atomic():
                done = _advance(member, steps.get(member.journey_id, {}), now, withdrawn)
                changed = JourneyMember.objects.filter(pk=member.pk, runs=runs).update(
                    position=member.position,
                    status=member.status,
                    next_run_at=member.next_run_at,
                    left_at=member.left_at,
                    exit_reason=member.exit_reason,
                    runs=member.runs,
                )
                if not changed:
                    raise _Conflict
            result.advanced += 1
            result.steps += done
        except (_Conflict, IntegrityError):
            continue
        except Exception:
            # A step that cannot be done (a template gone, a service refusing) is tried again later;
            # the others go on. Recorded on the member's history, logged for the operator.
            log.exception("journey member %s: step %s failed", member.pk, position)
            result.failed += 1
            JourneyMember.objects.filter(pk=member.pk, runs=runs).update(next_run_at=now + RETRY_AFTER)
            JourneyMemberLog.objects.create(
                member_id=member.pk,
                position=position,
                action=LogAction.FAILED,
                result=_("The step failed; it is tried again later."),
                at=now,
                key=f"j{member.pk}-s{position}-a{runs}-f{int(now.timestamp())}",
            )


def _email_of(member: JourneyMember) -> str:
    person = member.lead if member.lead_id else member.contact
    return getattr(person, "email", "") or ""


def _exit_reason(member: JourneyMember, journey: Journey, withdrawn: set[str]) -> str:
    lead = member.lead
    if lead is not None:
        if journey.exit_on_qualified and lead.status == LeadStatus.QUALIFIED:
            return "qualified"
        if journey.exit_on_converted and lead.status == LeadStatus.CONVERTED:
            return "converted"
        if journey.exit_on_disqualified and lead.status == LeadStatus.DISQUALIFIED:
            return "disqualified"
        if journey.exit_score is not None and lead.score >= journey.exit_score:
            return "score"
    email = _email_of(member)
    if journey.exit_on_unsubscribed and email and address_key(email) in withdrawn:
        return "unsubscribed"
    return ""


EXIT_REASONS = {
    "qualified": gettext_lazy("qualified"),
    "converted": gettext_lazy("converted"),
    "disqualified": gettext_lazy("disqualified"),
    "score": gettext_lazy("score reached"),
    "unsubscribed": gettext_lazy("unsubscribed"),
}


def exit_reason_label(code: str) -> str:
    return str(EXIT_REASONS.get(code, code))


def _advance(member: JourneyMember, steps: dict[int, JourneyStep], now: datetime, withdrawn: set[str]) -> int:
    """Walk one member through its steps until it waits, ends or exits; returns the steps done.
    Writes the history rows (unique keys) and the side effects; the caller saves the member."""
    journey = member.journey

    def record(action: str, result: str = "") -> None:
        JourneyMemberLog.objects.create(
            member_id=member.pk,
            position=member.position,
            action=action,
            result=result[:300],
            at=now,
            key=f"j{member.pk}-s{member.position}-a{member.runs}",
        )
        member.runs += 1

    done = 0
    emailed = False
    while done < MAX_STEPS:
        reason = _exit_reason(member, journey, withdrawn)
        if reason:
            record(LogAction.EXITED, exit_reason_label(reason))
            member.status, member.exit_reason, member.left_at, member.next_run_at = (
                MemberState.EXITED,
                reason,
                now,
                None,
            )
            break
        step = steps.get(member.position)
        if step is None:
            record(LogAction.FINISHED)
            member.status, member.left_at, member.next_run_at = MemberState.FINISHED, now, None
            break
        if step.kind == StepKind.WAIT:
            if member.status == MemberState.WAITING:
                member.status = MemberState.ACTIVE
                member.position += 1
                continue
            until = now + timedelta(hours=step.wait_hours or 1)
            record(LogAction.WAITING, _("until %(at)s") % {"at": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")})
            member.status, member.next_run_at = MemberState.WAITING, until
            done += 1
            break
        if step.kind == StepKind.EMAIL and emailed:
            # A loop without a wait (one saved before loops were refused): one e-mail per run,
            # and the member goes on no sooner than a day later.
            log.warning("journey member %s: loop without a wait at step %s", member.pk, member.position)
            member.next_run_at = now + LOOP_PAUSE
            break
        member.status = MemberState.ACTIVE
        key = f"j{member.pk}-s{member.position}-a{member.runs}"
        action, text, goto = _execute(step, member, key, now)
        record(action, text)
        done += 1
        emailed = emailed or step.kind == StepKind.EMAIL
        member.position = goto if goto is not None else member.position + 1
    else:
        member.next_run_at = now + LOOP_PAUSE  # a loop of branches: go on no sooner than a day later
    return done


def _actor(journey: Journey) -> Any:
    return journey.created_by or journey.campaign.owner


def _execute(step: JourneyStep, member: JourneyMember, key: str, now: datetime) -> tuple[str, str, int | None]:
    """Do one step; returns the history action, its result and the position to go to (None: next)."""
    journey = member.journey
    if step.kind == StepKind.EMAIL:
        from ltc.marketing.services.mailing import email_queue

        if step.template is None:
            return LogAction.EMAIL_SKIPPED, _("The step has no template."), None
        message = email_queue(
            template=step.template,
            campaign=journey.campaign,
            lead=member.lead,
            contact=member.contact,
            key=f"journey:{key}",
        )
        if message is None:
            return LogAction.EMAIL_SKIPPED, _("No e-mail address."), None
        if message.status == "suppressed":
            return LogAction.EMAIL_SKIPPED, _("No consent to marketing e-mail."), None
        return LogAction.EMAIL_QUEUED, str(step.template), None
    if step.kind == StepKind.BRANCH:
        yes = _branch_holds(step, member)
        if yes:
            return LogAction.BRANCH_YES, step.get_branch_on_display(), step.yes_goto
        return LogAction.BRANCH_NO, step.get_branch_on_display(), step.no_goto
    if step.kind == StepKind.ADD_TO_CAMPAIGN and step.target_campaign is not None:
        members_advance(
            step.target_campaign.pk,
            [Person(lead_id=member.lead_id, contact_id=member.contact_id)],
            MemberStatus.TARGETED,
            source=MemberSource.JOURNEY,
            at=now,
        )
        return LogAction.ADDED_TO_CAMPAIGN, step.target_campaign.name, None
    if step.kind == StepKind.TASK:
        owner = _owner_of(member) or _actor(journey)
        _task(member, title=step.task_title, owner=owner, days=step.task_due_days, now=now)
        return LogAction.TASK_CREATED, f"{step.task_title} → {owner}", None
    if step.kind == StepKind.SCORE:
        touches_record(
            [
                TouchIn(
                    campaign_id=journey.campaign_id,
                    kind=TouchKind.MANUAL,
                    key=f"journey:{key}",
                    lead_id=member.lead_id,
                    contact_id=member.contact_id,
                    account_id=member.contact.account_id if member.contact is not None else None,
                    at=now,
                )
            ]
        )
        return LogAction.ENGAGEMENT, "", None
    if step.kind == StepKind.HAND_TO_SALES:
        return _hand_to_sales(member, now)
    return LogAction.FAILED, _("Unknown step."), None


def _owner_of(member: JourneyMember) -> Any:
    if member.lead is not None:
        return member.lead.owner
    if member.contact is not None:
        return member.contact.account.owner
    return None


def _task(member: JourneyMember, *, title: str, owner: Any, days: int | None, now: datetime) -> None:
    from ltc.core.activities import activity_create
    from ltc.core.models import ActivityKind

    subject = member.lead if member.lead is not None else member.contact
    assert subject is not None  # noqa: S101 - a member names a lead or a contact (check constraint)
    activity_create(
        actor=_actor(member.journey),
        subject=subject,
        kind=ActivityKind.TASK,
        title=title[:200],
        owner=owner,
        due_at=now + timedelta(days=DEFAULT_TASK_DAYS if days is None else days),
    )


def _branch_holds(step: JourneyStep, member: JourneyMember) -> bool:
    if step.branch_on in (BranchOn.OPENED, BranchOn.CLICKED):
        sent = (
            JourneyMemberLog.objects.filter(member_id=member.pk, action=LogAction.EMAIL_QUEUED)
            .order_by("-at", "-pk")
            .values_list("at", flat=True)
            .first()
        )
        if sent is None:
            return False
        kinds = [TouchKind.CLICK] if step.branch_on == BranchOn.CLICKED else [TouchKind.OPEN, TouchKind.CLICK]
        who = Q(lead_id=member.lead_id) if member.lead_id else Q(contact_id=member.contact_id)
        return Touch.objects.filter(
            who, campaign_id=member.journey.campaign_id, kind__in=kinds, occurred_at__gte=sent
        ).exists()
    lead = member.lead
    if lead is None:
        return False
    if step.branch_on == BranchOn.SCORE:
        return step.branch_score is not None and lead.score >= step.branch_score
    if step.branch_on == BranchOn.FIELD and step.branch_field in BranchField.values:
        return str(getattr(lead, step.branch_field, "") or "") == step.branch_value
    return False


def _hand_to_sales(member: JourneyMember, now: datetime) -> tuple[str, str, int | None]:
    """Route an open, unassigned lead through the assignment rules (as an MQL) and give its owner
    a follow-up task. A contact's account owner gets the task."""
    from ltc.leads.choices import OPEN_STATUSES
    from ltc.leads.services.lifecycle import leads_route

    journey = member.journey
    title = _("Follow up the marketing-qualified lead from journey “%(name)s”") % {"name": journey.name}
    lead = member.lead
    if lead is None:
        owner = _owner_of(member)
        _task(member, title=title, owner=owner, days=1, now=now)
        return LogAction.HANDED_TO_SALES, str(owner), None
    if lead.status not in OPEN_STATUSES:
        return LogAction.HANDED_TO_SALES, _("The lead is closed."), None
    if lead.owner_id is None:
        try:
            leads_route(actor=_actor(journey), leads=[lead])
        except PermissionDenied as exc:
            return LogAction.FAILED, str(exc), None
        lead.refresh_from_db(fields=["owner", "score", "version"])
    if lead.owner_id is None:
        return LogAction.HANDED_TO_SALES, _("No routing rule matched: the lead waits in the pool."), None
    _task(member, title=title, owner=lead.owner, days=1, now=now)
    return LogAction.HANDED_TO_SALES, _("Handed to %(owner)s") % {"owner": lead.owner}, None


# --- reads -----------------------------------------------------------------------------------


def step_counts(journey: Journey) -> dict[int, dict[str, int]]:
    """Members per step position and state (one grouped query)."""
    counts: dict[int, dict[str, int]] = {}
    for row in (
        JourneyMember.objects.filter(journey=journey)
        .values("position", "status")
        .annotate(n=Count("pk"))
        .order_by("position", "status")
    ):
        counts.setdefault(row["position"], {})[row["status"]] = row["n"]
    return counts
