"""Decision reviews (决策评审): opened on a deal, assessed by its AR, SR and FR, decided by a user
whose authority covers the deal's amount. A review that is above its natural decider's
authority goes up the team tree (escalation); a No-go closes the deal as lost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import activities, timeline
from ltc.core.events import emit
from ltc.core.models import NotificationKind
from ltc.core.money import money_text
from ltc.core.notifications import notify
from ltc.opportunities.choices import AssessorRole, Decision, LossReason, RequirementKind, ReviewStatus
from ltc.opportunities.choices import ReviewType as Type
from ltc.opportunities.events import ReviewDecided
from ltc.opportunities.models import DecisionReview, Opportunity, ReviewAssessment, StageRequirement
from ltc.opportunities.services.criteria import active_criteria
from ltc.opportunities.services.deals import (
    REASON_MAX,
    opportunity_close,
    require_open,
    require_steer,
)
from ltc.org import authority
from ltc.org.delegation import record_on_behalf
from ltc.org.models import User

DECIDE_WITHIN = timedelta(days=3)
CONDITIONS_DUE = timedelta(days=14)
MEMBER_OF_ROLE: dict[str, str] = {AssessorRole.AR: "owner", AssessorRole.SR: "sr", AssessorRole.FR: "fr"}


def subject_of(review_type: str) -> str:
    return f"review_{review_type.lower()}"


def review_open(*, actor: User, opportunity: Opportunity, review_type: str) -> DecisionReview:
    """Open a review of a type the deal's pipeline uses. The decider is routed by the authority
    matrix; the managers passed over are named in the escalation note, and the decider gets a task."""
    require_steer(actor, opportunity)
    require_open(opportunity)
    if review_type not in Type.values:
        raise ValidationError({"review_type": [_("Choose ATI, ATB or ATC.")]})
    uses = StageRequirement.objects.filter(
        stage__pipeline=opportunity.pipeline_id, kind=RequirementKind.REVIEW, review_type=review_type, active=True
    ).exists()
    if not uses:
        raise ValidationError(
            {"review_type": [_("This pipeline does not use %(type)s reviews.") % {"type": review_type}]}
        )
    decider, passed = authority.route(
        subject=subject_of(review_type),
        amount=opportunity.amount,
        currency=opportunity.currency,
        owner=opportunity.owner,
    )
    if decider is None:
        raise ValidationError(
            {"review_type": [_("Nobody holds the authority to decide this review: set up the authority matrix.")]}
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                review = DecisionReview.objects.create(
                    opportunity=opportunity,
                    review_type=review_type,
                    amount=opportunity.amount,
                    currency=opportunity.currency,
                    opened_by=actor,
                    decider=decider,
                    passed_over=[str(u) for u in passed],
                )
        except IntegrityError as exc:
            raise ValidationError(
                {"review_type": [_("A %(type)s review is already open on this deal.") % {"type": review_type}]}
            ) from exc
        # A decider away today (授权委托): the task goes to the delegate instead.
        stand_in = authority.stand_in(decider, subject_of(review_type))
        title = _("Decide the %(type)s review of “%(deal)s”") % {"type": review_type, "deal": opportunity}
        if stand_in is not None:
            title = _("%(task)s for %(user)s") % {"task": title, "user": decider}
        review.decider_task = activities.activity_create(
            actor=actor,
            subject=opportunity,
            kind="task",
            title=title[:200],
            owner=stand_in or decider,
            due_at=timezone.now() + DECIDE_WITHIN,
        )
        review.save(update_fields=["decider_task"])
        notify(
            [stand_in or decider],
            NotificationKind.DECISION_ROUTED,
            subject=opportunity,
            actor=actor,
            params={"decision": review_type},
        )
        text = _("%(type)s review opened; decider: %(decider)s.") % {"type": review_type, "decider": decider}
        timeline.note_add(actor=actor, subject=opportunity, text=f"{text} {review.escalation_text()}".strip())
    return review


def _clean_scores(review_type: str, role: str, scores: dict[str, Any]) -> dict[str, int]:
    """A score from 1 to 5 for each criterion active now for the review type and role (an
    assessment is checked against the criteria of the moment it is submitted), nothing else."""
    wanted = [c.code for c in active_criteria(review_type, role)]
    errors = []
    clean: dict[str, int] = {}
    for code in wanted:
        value = scores.get(code)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors.append(code)
        else:
            clean[code] = value
    unknown = sorted(set(scores) - set(wanted))
    if errors or unknown:
        message = _("Score each criterion from 1 to 5: %(codes)s.") % {"codes": ", ".join(errors + unknown)}
        raise ValidationError({"scores": [message]})
    return clean


def review_assess(
    *, actor: User, review: DecisionReview, role: str, scores: dict[str, Any], comments: str = ""
) -> ReviewAssessment:
    """Record (or revise, until the decision) the assessment of one role of the iron triangle,
    given by the deal's member holding that role."""
    if role not in AssessorRole.values:
        raise ValidationError({"role": [_("Choose AR, SR or FR.")]})
    opportunity = review.opportunity
    member_id = getattr(opportunity, f"{MEMBER_OF_ROLE[role]}_id")
    if member_id != actor.pk:
        raise PermissionDenied(_("Only the deal's %(role)s assesses for that role.") % {"role": role.upper()})
    if not review.is_open:
        raise ValidationError({"review": [_("The review is decided; its assessments are final.")]})
    clean = _clean_scores(review.review_type, role, scores or {})
    comments = (comments or "").strip()
    if len(comments) > 5000:
        raise ValidationError({"comments": [_("At most %(n)d characters.") % {"n": 5000}]})
    with transaction.atomic():
        assessment, _created = ReviewAssessment.objects.update_or_create(
            review=review,
            role=role,
            defaults={"assessor": actor, "scores": clean, "comments": comments, "submitted_at": timezone.now()},
        )
        timeline.note_add(
            actor=actor,
            subject=opportunity,
            text=_("%(role)s assessed the %(type)s review: %(avg)s / 5.")
            % {"role": role.upper(), "type": review.review_type, "avg": assessment.average},
        )
    return assessment


def missing_assessments(review: DecisionReview) -> list[str]:
    """The roles named on the deal that have not assessed yet (AR always; SR and FR once named)."""
    opportunity = review.opportunity
    given = set(review.assessments.values_list("role", flat=True))
    needed = [r for r in AssessorRole if getattr(opportunity, f"{MEMBER_OF_ROLE[r]}_id") is not None]
    return [str(r.value).upper() for r in needed if r not in given]


def review_decide(
    *, actor: User, review: DecisionReview, decision: str, note: str = "", conditions: str = ""
) -> DecisionReview:
    """Decide within one's authority: Go, Go with conditions (each line becomes a task for the
    AR), No-go (the deal closes as lost) or Hold. Above one's authority: refused, naming who decides.
    A delegate (授权委托) decides within their principal's authority: the review records both."""
    if not review.is_open:
        raise ValidationError({"review": [_("This review is already decided.")]})
    subject = subject_of(review.review_type)
    # A delegate on the deal's iron triangle decides its review only by their own authority.
    delegation = authority.delegation_used(
        actor,
        subject,
        review.amount,
        review.currency,
        prefer=review.decider_id,
        parties=authority.triangle_ids(review.opportunity),
    )
    if delegation is None and not authority.covers(actor, subject, review.amount, review.currency):
        raise PermissionDenied(
            _("%(amount)s %(currency)s is above your authority for %(type)s decisions; %(decider)s decides.")
            % {
                "amount": money_text(review.amount),
                "currency": review.currency,
                "type": review.review_type,
                "decider": review.decider,
            }
        )
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [_("Choose Go, Go with conditions, No-go or Hold.")]
    missing = missing_assessments(review)
    if missing:
        errors["assessments"] = [_("Still to assess: %(roles)s.") % {"roles": ", ".join(missing)}]
    lines = [line.strip() for line in (conditions or "").splitlines() if line.strip()]
    if decision == Decision.GO_WITH_CONDITIONS and not lines:
        errors["conditions"] = [_("List the conditions, one per line.")]
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": REASON_MAX}]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    opportunity = Opportunity.objects.select_related("pipeline", "stage").get(pk=review.opportunity_id)
    with transaction.atomic():
        updated = DecisionReview.objects.filter(pk=review.pk, status=ReviewStatus.OPEN).update(
            status=ReviewStatus.DECIDED,
            decision=decision,
            decision_note=note,
            conditions="\n".join(lines),
            decided_by=actor,
            decided_for=delegation.principal if delegation is not None else None,
            decided_at=now,
        )
        if not updated:  # decided concurrently by someone else
            raise ValidationError({"review": [_("This review is already decided.")]})
        review.refresh_from_db()
        label = Decision(decision).label
        text = _("%(type)s decision: %(decision)s (by %(user)s).") % {
            "type": review.review_type,
            "decision": label,
            "user": actor,
        }
        if delegation is not None:
            record_on_behalf(
                actor=actor, subject=opportunity, via="reviews", delegation=delegation, text=f"{text} {note}".strip()
            )
        else:
            timeline.note_add(actor=actor, subject=opportunity, text=f"{text} {note}".strip())
        emit(_decided(review))
        for line in lines:
            activities.activity_create(
                actor=actor,
                subject=opportunity,
                kind="task",
                title=(_("Condition: %(text)s") % {"text": line})[:200],
                owner=opportunity.owner,
                due_at=now + CONDITIONS_DUE,
            )
        task = review.decider_task
        if task is not None and task.done_at is None:
            task.done_at, task.outcome = now, str(label)
            task.save(update_fields=["done_at", "outcome"])
        if decision == Decision.NO_GO and opportunity.is_open:
            lost = opportunity.pipeline.closing_stage("lost")
            if lost is not None:
                opportunity_close(
                    actor=actor,
                    opportunity=opportunity,
                    expected_version=opportunity.version,
                    stage=lost,
                    status="lost",
                    reason=LossReason.NO_GO,
                    note=note,
                )
    return review


def review_record_external(
    *,
    actor: User,
    opportunity: Opportunity,
    review_type: str,
    decision: str,
    note: str,
    amount: Decimal | None = None,
    currency: str = "",
) -> DecisionReview:
    """Record a decision another stage's review took for the deal, e.g. the contract review
    (合同评审) that serves as the ATC: a decided review of `review_type` whose decider is `actor`,
    counted by the deal's review requirements like any other. `amount`/`currency`: what was
    reviewed (default: the deal's amount). Refused unless `actor`'s authority for that review
    type covers the amount; `note` says where the decision was taken. No-go does not close the
    deal here: the other stage's own rules say what its refusal means."""
    if review_type not in Type.values:
        raise ValidationError({"review_type": [_("Choose ATI, ATB or ATC.")]})
    if decision not in Decision.values:
        raise ValidationError({"decision": [_("Choose Go, Go with conditions, No-go or Hold.")]})
    amount = opportunity.amount if amount is None else amount
    currency = currency or opportunity.currency
    decided_for = authority.acting_for(
        actor, subject_of(review_type), amount, currency, parties=authority.triangle_ids(opportunity)
    )
    if decided_for is None and not authority.covers(actor, subject_of(review_type), amount, currency):
        raise PermissionDenied(
            _("%(amount)s %(currency)s is above your authority for %(type)s decisions.")
            % {"amount": money_text(amount), "currency": currency, "type": review_type}
        )
    note = (note or "").strip()[:REASON_MAX]
    now = timezone.now()
    with transaction.atomic():
        review = DecisionReview.objects.create(
            opportunity=opportunity,
            review_type=review_type,
            status=ReviewStatus.DECIDED,
            amount=amount,
            currency=currency,
            opened_by=actor,
            opened_at=now,
            decider=actor,
            decision=decision,
            decision_note=note,
            decided_by=actor,
            decided_for=decided_for,
            decided_at=now,
        )
        text = _("%(type)s decision: %(decision)s (by %(user)s).") % {
            "type": review_type,
            "decision": Decision(decision).label,
            "user": actor,
        }
        timeline.note_add(actor=actor, subject=opportunity, text=f"{text} {note}".strip())
        emit(_decided(review))
    return review


def _decided(review: DecisionReview) -> ReviewDecided:
    return ReviewDecided(
        subject_id=review.pk,
        opportunity_id=review.opportunity_id,
        review_type=review.review_type,
        decision=review.decision,
        amount=review.amount,
        currency=review.currency,
    )
