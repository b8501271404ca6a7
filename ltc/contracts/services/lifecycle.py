"""The contract's life: made from an accepted quote, reviewed (合同评审, the ATC when the deal
had none), signed, accepted by delivery (合同接受和确认), completed, closed and evaluated — or
terminated. Each move is one service that checks its guards and refuses with what is missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.contracts import access
from ltc.contracts.choices import (
    CHECKLIST,
    OPEN_STATUSES,
    CheckResult,
    ContractStatus,
    MilestoneStatus,
    OrderStatus,
    ReviewDecision,
    RiskKind,
    RiskStatus,
    VersionKind,
)
from ltc.contracts.events import (
    ContractAccepted,
    ContractClosed,
    ContractCompleted,
    ContractSigned,
    ContractTerminated,
)
from ltc.contracts.files import checked_document
from ltc.contracts.models import (
    PRICED_FIELDS,
    Contract,
    ContractLine,
    ContractReview,
    ContractRisk,
    ContractTerm,
    ContractVersion,
    Handover,
    Milestone,
    Order,
    ReviewCheck,
)
from ltc.contracts.services.common import TEXT_MAX, current_of, move, require_status
from ltc.contracts.services.evaluation import evaluate
from ltc.contracts.services.execution import undelivered_lines
from ltc.core import activities, timeline
from ltc.core.concurrency import save_if_current
from ltc.core.events import emit
from ltc.core.models import NotificationKind
from ltc.core.money import money_text
from ltc.core.notifications import notify
from ltc.core.numbering import document_number
from ltc.customers.services import account_become_customer
from ltc.opportunities.access import can_steer as can_steer_deal
from ltc.opportunities.choices import PASSING_DECISIONS, Decision
from ltc.opportunities.models import Opportunity
from ltc.opportunities.services import opportunity_contract_signed, review_record_external
from ltc.org import authority
from ltc.org.delegation import record_on_behalf
from ltc.org.models import User
from ltc.quotes.choices import QuoteStatus, TermTrigger
from ltc.quotes.models import Quote

REVIEW_SUBJECT = "review_atc"
DECIDE_WITHIN = timedelta(days=3)
FOLLOW_UP_WITHIN = timedelta(days=7)
DRAFT_FIELDS = (
    "title",
    "sr",
    "fr",
    "sponsor",
    "start_date",
    "end_date",
    "delivery_terms",
    "penalty_clause",
    "ip_clause",
    "warranty_months",
    "other_terms",
)
CONTRACT_FIELDS = ("title", "sr", "fr", "sponsor")
MILESTONE_SPACING = timedelta(days=30)


@dataclass
class Loaded:
    """Parts of a contract a page has already read (the current version's lines, the
    milestones, the orders), so the checks do not read them again."""

    lines: list[ContractLine] | None = None
    milestones: list[Milestone] | None = None
    orders: list[Order] | None = None
    risks: list[ContractRisk] | None = None


# What else must be settled before a contract closes: later stages (billing) add their check
# here from their AppConfig.ready(); each returns the problems it finds, empty when none.
CLOSE_CHECKS: list[Callable[[Contract], list[str]]] = []


# --- made from the accepted quote ------------------------------------------------------------


def _copy_lines(quote_version: Any, version: ContractVersion) -> None:
    lines = list(quote_version.lines.all().order_by("position"))
    positions = {line.pk: line.position for line in lines}
    ContractLine.objects.bulk_create(
        ContractLine(
            version=version,
            key=line.position,
            parent_key=positions.get(line.parent_id) if line.parent_id else None,
            source_id=line.pk,
            **{name: getattr(line, name) for name in PRICED_FIELDS},
        )
        for line in lines
    )


def _plan_from_terms(contract: Contract, version: ContractVersion, quote_version: Any, start: date) -> None:
    """Default delivery plan: one milestone per payment term paid on delivery or acceptance
    (a month apart), each triggering its term; at least one acceptance milestone."""
    terms = list(quote_version.terms.all().order_by("position"))
    triggered = [t for t in terms if t.trigger in (TermTrigger.DELIVERY, TermTrigger.ACCEPTANCE)]
    milestones: dict[int, Milestone] = {}
    for i, term in enumerate(triggered or [None], start=1):
        milestones[term.pk if term else 0] = Milestone.objects.create(
            contract=contract,
            position=i,
            name=term.label if term else _("Final acceptance"),
            planned_date=start + MILESTONE_SPACING * i,
            deliverables=version.delivery_terms[:2000],
        )
    ContractTerm.objects.bulk_create(
        ContractTerm(
            version=version,
            position=term.position,
            label=term.label,
            percent=term.percent,
            trigger=term.trigger,
            days=term.days,
            due_date=term.due_date,
            amount=term.amount,
            milestone=milestones.get(term.pk),
        )
        for term in terms
    )


def contract_create(*, actor: User, quote: Quote) -> Contract:
    """Make the contract from the quote's accepted version: customer, deal, iron triangle, lines
    (with their bundles), amounts, payment terms and delivery terms, each traceable to the quote."""
    deal = quote.opportunity
    if not can_steer_deal(actor, deal):
        raise PermissionDenied(_("Only the deal's AR and the AR's managers make its contract."))
    quote_version = quote.current
    if quote_version is None or quote_version.status != QuoteStatus.ACCEPTED:
        raise ValidationError({"quote_id": [_("Make a contract from a quote the customer has accepted.")]})
    taken = Contract.objects.filter(quote_version=quote_version).exclude(status=ContractStatus.TERMINATED)
    if taken.exists():
        raise ValidationError({"quote_id": [_("This accepted quote already has a contract.")]})
    today = timezone.localdate()
    with transaction.atomic():
        number = document_number("contract", today.year)
        contract = Contract(
            number=number,
            opportunity=deal,
            account=quote.account,
            quote=quote,
            quote_version=quote_version,
            title=quote.title,
            currency=quote_version.currency,
            owner=deal.owner,
            sr=deal.sr,
            fr=deal.fr,
            sponsor=deal.sponsor,
            total=quote_version.grand_total,
            created_by=actor,
        )
        contract.refresh_search_text()
        contract.save()
        version = ContractVersion.objects.create(
            contract=contract,
            number=1,
            kind=VersionKind.ORIGINAL,
            start_date=today,
            end_date=today + timedelta(days=365),
            document_discount_pct=quote_version.document_discount_pct,
            delivery_terms=quote_version.delivery_terms,
            net_total=quote_version.net_total,
            tax_total=quote_version.tax_total,
            grand_total=quote_version.grand_total,
            cost_total=quote_version.cost_total,
            margin_pct=quote_version.margin_pct,
            created_by=actor,
        )
        _copy_lines(quote_version, version)
        _plan_from_terms(contract, version, quote_version, today)
        contract.current = version
        contract.save(update_fields=["current"])
        source = _("From %(quote)s version %(n)d, accepted by %(name)s.") % {
            "quote": quote.number,
            "n": quote_version.number,
            "name": quote_version.answer_name or "—",
        }
        timeline.record_created(actor=actor, subject=contract, text=source)
        timeline.note_add(actor=actor, subject=deal, text=_("Contract %(n)s made.") % {"n": number})
        timeline.note_add(actor=actor, subject=quote, text=_("Contract %(n)s made.") % {"n": number})
    return contract


# --- the draft -------------------------------------------------------------------------------


def _person(raw: Any, field: str, errors: dict[str, list[str]]) -> User | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, User):
        return raw
    user = User.objects.filter(pk=raw, is_active=True).first() if str(raw).isdigit() else None
    if user is None:
        errors[field] = [_("Choose an active user.")]
    return user


def contract_update(*, actor: User, contract: Contract, expected_version: int, data: dict[str, Any]) -> Contract:
    """Edit the draft: subject, iron triangle, dates and clauses (lines come from the quote)."""
    access.require(access.can_steer(actor, contract), _("Only the AR and the AR's managers edit the contract."))
    require_status(contract, ContractStatus.DRAFT)
    version = current_of(contract)
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, raw in data.items():
        if name in ("sr", "fr", "sponsor"):
            clean[name] = _person(raw, name, errors)
        elif name == "title":
            clean[name] = str(raw or "").strip()[:200]
            if not clean[name]:
                errors[name] = [_("Give the contract a subject.")]
        elif name in ("start_date", "end_date"):
            clean[name] = raw if isinstance(raw, date) or raw is None else None
        elif name == "warranty_months":
            value = raw if isinstance(raw, int) else int(raw) if str(raw).isdigit() else -1
            if not 0 <= value <= 120:
                errors[name] = [_("Enter whole months from 0 to 120.")]
            clean[name] = value
        else:
            clean[name] = str(raw or "").strip()
            if len(clean[name]) > TEXT_MAX * 2:
                errors[name] = [_("At most %(n)d characters.") % {"n": TEXT_MAX * 2}]
    start = clean.get("start_date", version.start_date)
    end = clean.get("end_date", version.end_date)
    if start and end and end < start:
        errors["end_date"] = [_("The end date is before the start date.")]
    if errors:
        raise ValidationError(errors)
    contract_fields = [n for n in clean if n in CONTRACT_FIELDS]
    version_fields = [n for n in clean if n not in CONTRACT_FIELDS]
    before = timeline.snapshot(contract, contract_fields)
    before_version = timeline.snapshot(version, version_fields)
    with transaction.atomic():
        for name in contract_fields:
            setattr(contract, name, clean[name])
        if "title" in clean:
            contract.refresh_search_text()
        save_if_current(
            contract,
            expected_version=expected_version,
            fields=[*(f"{n}_id" if n in ("sr", "fr", "sponsor") else n for n in contract_fields), "search_text"],
        )
        for name in version_fields:
            setattr(version, name, clean[name])
        if version_fields:
            version.save(update_fields=version_fields)
        timeline.record_changes(actor=actor, subject=contract, before=before)
        timeline.record_changes(actor=actor, subject=contract, before=before_version, source=version, via="current")
    return contract


def milestone_save(
    *, actor: User, contract: Contract, data: dict[str, Any], milestone: Milestone | None = None
) -> Milestone:
    """Add or edit a milestone of the draft's delivery plan (after signing: a change request);
    `term` names the payment term (by position) it triggers."""
    access.require(
        access.can_steer(actor, contract) or access.can_deliver(actor, contract),
        _("Only the contract's AR or FR plans its delivery."),
    )
    require_status(contract, ContractStatus.DRAFT)
    errors: dict[str, list[str]] = {}
    name = str(data.get("name", "")).strip()[:100]
    planned = data.get("planned_date")
    if not name:
        errors["name"] = [_("Name the milestone.")]
    if not isinstance(planned, date):
        errors["planned_date"] = [_("Enter a date (YYYY-MM-DD).")]
    term = None
    position = data.get("term")
    if position not in (None, ""):
        term = (
            ContractTerm.objects.filter(version=contract.current_id, position=int(str(position))).first()
            if str(position).isdigit()
            else None
        )
        if term is None:
            errors["term"] = [_("No such payment term.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if milestone is None:
            last = contract.milestones.order_by("-position").values_list("position", flat=True).first() or 0
            milestone = Milestone(contract=contract, position=last + 1)
        milestone.name = name
        milestone.planned_date = planned  # type: ignore[assignment]
        milestone.deliverables = str(data.get("deliverables", "")).strip()[:2000]
        milestone.acceptance_criteria = str(data.get("acceptance_criteria", "")).strip()[:2000]
        if milestone.pk is None:
            milestone.save()
        else:
            milestone.save(update_fields=["name", "planned_date", "deliverables", "acceptance_criteria"])
        if term is not None:
            term.milestone = milestone
            term.save(update_fields=["milestone"])
        timeline.note_add(
            actor=actor,
            subject=contract,
            text=_("Delivery plan: %(name)s on %(date)s.") % {"name": name, "date": planned},
        )
    return milestone


def milestone_remove(*, actor: User, milestone: Milestone) -> None:
    """Take a milestone out of a draft's plan (its payment terms lose their trigger)."""
    contract = milestone.contract
    access.require(access.can_steer(actor, contract) or access.can_deliver(actor, contract))
    require_status(contract, ContractStatus.DRAFT)
    with transaction.atomic():
        ContractTerm.objects.filter(milestone=milestone).update(milestone=None)
        timeline.note_add(actor=actor, subject=contract, text=_("Milestone removed: %(n)s.") % {"n": milestone.name})
        milestone.delete()


# --- review ----------------------------------------------------------------------------------


def missing_to_review(contract: Contract) -> list[str]:
    version = current_of(contract)
    missing = []
    if not version.start_date or not version.end_date:
        missing.append(_("Start and end dates."))
    if contract.fr_id is None:
        missing.append(_("The FR who will deliver it."))
    milestones = [m for m in contract.milestones.all() if not m.removed]
    if not milestones:
        missing.append(_("At least one delivery milestone."))
    for term in version.terms.all():
        if term.trigger in (TermTrigger.DELIVERY, TermTrigger.ACCEPTANCE) and term.milestone_id is None:
            missing.append(_("The milestone that triggers “%(term)s”.") % {"term": term.label})
    if not version.lines.exists():
        missing.append(_("Lines."))
    return missing


def _freeze(version: ContractVersion) -> None:
    plan = [m.plan() for m in Milestone.objects.filter(contract=version.contract_id, removed=False)]
    version.milestone_plan = plan
    version.frozen_at = timezone.now()
    version.save(update_fields=["milestone_plan", "frozen_at"])


def contract_submit_review(*, actor: User, contract: Contract, expected_version: int) -> ContractReview:
    """Freeze the draft and open its review: finance, legal and delivery check their items; the
    decider is routed by the ATC authority on the contract's total."""
    access.require(access.can_steer(actor, contract), _("Only the AR and the AR's managers submit the contract."))
    require_status(contract, ContractStatus.DRAFT)
    missing = missing_to_review(contract)
    if missing:
        raise ValidationError({"contract": [_("Still missing: %(items)s") % {"items": " ".join(missing)}]})
    version = current_of(contract)
    decider, passed = authority.route(
        subject=REVIEW_SUBJECT, amount=version.grand_total, currency=contract.currency, owner=contract.owner
    )
    if decider is None:
        raise ValidationError(
            {"contract": [_("Nobody holds the authority to decide this review: set up the authority matrix.")]}
        )
    had_atc = contract.opportunity.reviews.filter(review_type="ATC", decision__in=PASSING_DECISIONS).exists()
    with transaction.atomic():
        move(actor, contract, expected_version, ContractStatus.IN_REVIEW, _("Submitted for review."))
        _freeze(version)
        try:
            with transaction.atomic():
                review = ContractReview.objects.create(
                    contract=contract,
                    version=version,
                    serves_as_atc=not had_atc,
                    opened_by=actor,
                    decider=decider,
                    passed_over=[str(u) for u in passed],
                )
        except IntegrityError as exc:
            raise ValidationError({"contract": [_("A review is already open.")]}) from exc
        ReviewCheck.objects.bulk_create(
            ReviewCheck(review=review, area=area, item=item) for area, items in CHECKLIST.items() for item, _l in items
        )
        # A decider away today (授权委托): the task goes to the delegate instead.
        stand_in = authority.stand_in(decider, REVIEW_SUBJECT)
        title = _("Decide the review of contract %(n)s") % {"n": contract.number}
        if stand_in is not None:
            title = _("%(task)s for %(user)s") % {"task": title, "user": decider}
        review.decider_task = activities.activity_create(
            actor=actor,
            subject=contract,
            kind="task",
            title=title[:200],
            owner=stand_in or decider,
            due_at=timezone.now() + DECIDE_WITHIN,
        )
        review.save(update_fields=["decider_task"])
        notify(
            [stand_in or decider],
            NotificationKind.DECISION_ROUTED,
            subject=contract,
            actor=actor,
            params={"decision": "contract_review"},
        )
        if review.serves_as_atc:
            timeline.note_add(
                actor=actor,
                subject=contract.opportunity,
                text=_("Contract %(n)s review opened; it serves as the ATC.") % {"n": contract.number},
            )
    return review


def open_review(contract: Contract) -> ContractReview:
    review = contract.reviews.filter(decision="").first()
    if review is None:
        raise ValidationError({"review": [_("The contract has no open review.")]})
    return review


def review_check(*, actor: User, contract: Contract, item: str, result: str, comment: str = "") -> ReviewCheck:
    """Record one checklist item: acceptable, or a concern (with what it is)."""
    review = open_review(contract)
    check = review.checks.filter(item=item).first()
    if check is None:
        raise ValidationError({"item": [_("No such item on the checklist.")]})
    if not access.can_check(actor, contract, check.area):
        raise PermissionDenied(
            _("The %(area)s items are checked by %(area)s.") % {"area": check.get_area_display().lower()}
        )
    comment = (comment or "").strip()
    errors: dict[str, list[str]] = {}
    if result not in (CheckResult.OK, CheckResult.CONCERN):
        errors["result"] = [_('Choose "ok" (acceptable) or "concern".')]
    if result == CheckResult.CONCERN and not comment:
        errors["comment"] = [_("Say what the concern is.")]
    if len(comment) > TEXT_MAX:
        errors["comment"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        check.result, check.comment, check.checked_by, check.checked_at = result, comment, actor, timezone.now()
        check.save(update_fields=["result", "comment", "checked_by", "checked_at"])
        timeline.note_add(
            actor=actor,
            subject=contract,
            text=f"{check.get_area_display()} · {item_label(check.item)}: {check.get_result_display()}. {comment}".strip(),
        )
    return check


def item_label(item: str) -> str:
    return next((str(label) for items in CHECKLIST.values() for code, label in items if code == item), item)


def review_decide(*, actor: User, contract: Contract, decision: str, note: str = "") -> ContractReview:
    """Approve (all items checked) or send back (with the reason: a new draft version follows,
    the reviewed one stays as it was), within the actor's ATC authority — or, for a delegate
    (授权委托), their principal's: the review then records both."""
    review = open_review(contract)
    amount = review.version.grand_total
    # A delegate on the contract's iron triangle decides its review only by their own authority.
    delegation = authority.delegation_used(
        actor,
        REVIEW_SUBJECT,
        amount,
        contract.currency,
        prefer=review.decider_id,
        parties=authority.triangle_ids(contract),
    )
    if delegation is None and not authority.covers(actor, REVIEW_SUBJECT, amount, contract.currency):
        raise PermissionDenied(
            _("%(amount)s %(currency)s is above your authority; %(decider)s decides.")
            % {"amount": money_text(amount), "currency": contract.currency, "decider": review.decider}
        )
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if decision not in ReviewDecision.values:
        errors["decision"] = [_("Choose approve or send back.")]
    unchecked = [item_label(c.item) for c in review.checks.all() if not c.result]
    if decision == ReviewDecision.APPROVE and unchecked:
        errors["checks"] = [_("Still to check: %(items)s.") % {"items": "、".join(unchecked)}]
    if decision == ReviewDecision.REJECT and not note:
        errors["note"] = [_("Say why the contract goes back.")]
    if len(note) > TEXT_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        done = ContractReview.objects.filter(pk=review.pk, decision="").update(
            decision=decision,
            decision_note=note,
            decided_by=actor,
            decided_for=delegation.principal if delegation is not None else None,
            decided_at=now,
        )
        if not done:
            raise ValidationError({"review": [_("This review is already decided.")]})
        review.refresh_from_db()
        label = ReviewDecision(decision).label
        if delegation is not None:
            record_on_behalf(
                actor=actor,
                subject=contract,
                via="reviews",
                delegation=delegation,
                text=_("Contract review: %(decision)s.") % {"decision": label},
            )
        if decision == ReviewDecision.APPROVE:
            move(
                actor,
                contract,
                contract.version,
                ContractStatus.APPROVED,
                _("Review approved by %(u)s.") % {"u": actor},
            )
            if review.serves_as_atc:  # the deal's ATC, recorded by the deal's own service
                review_record_external(
                    actor=actor,
                    opportunity=Opportunity.objects.get(pk=contract.opportunity_id),
                    review_type="ATC",
                    decision=Decision.GO,
                    note=_("ATC passed through the review of contract %(n)s.") % {"n": contract.number},
                    amount=amount,
                    currency=contract.currency,
                )
        else:
            move(actor, contract, contract.version, ContractStatus.DRAFT, f"{label}: {note}")
            _redraft(actor, contract)
        task = review.decider_task
        if task is not None and task.done_at is None:
            task.done_at, task.outcome = now, str(label)
            task.save(update_fields=["done_at", "outcome"])
    return review


def copy_version(actor: User, contract: Contract, kind: str, summary: str, *, rows: bool = True) -> ContractVersion:
    """The next version as a draft copy of the current one — with its lines and terms unless
    `rows` is False (an amendment writes its own)."""
    current = current_of(contract)
    version = ContractVersion.objects.get(pk=current.pk)
    old_pk = version.pk
    version.pk = None
    version.number = current.number + 1
    version.kind, version.summary, version.change_request = kind, summary[:500], None
    version.created_by, version.created_at, version.frozen_at = actor, timezone.now(), None
    version.save()
    if rows:
        lines = list(ContractLine.objects.filter(version=old_pk))
        for line in lines:
            line.pk, line.version = None, version
        ContractLine.objects.bulk_create(lines)
        terms = list(ContractTerm.objects.filter(version=old_pk))
        for term in terms:
            term.pk, term.version = None, version
        ContractTerm.objects.bulk_create(terms)
    contract.current = version
    Contract.objects.filter(pk=contract.pk).update(current=version)
    return version


def _redraft(actor: User, contract: Contract) -> None:
    copy_version(actor, contract, VersionKind.ORIGINAL, _("Draft after the review sent it back."))


# --- signature and hand-over -----------------------------------------------------------------


def contract_sign(
    *,
    actor: User,
    contract: Contract,
    expected_version: int,
    signed_on: date | None,
    customer_signatory: str,
    our_signatory: str,
    signed_copy: UploadedFile | None,
) -> Contract:
    """Record the signature: date, both signatories and the signed copy (PDF or image)."""
    access.require(access.can_steer(actor, contract), _("Only the AR and the AR's managers record the signature."))
    require_status(contract, ContractStatus.APPROVED)
    errors: dict[str, list[str]] = {}
    if signed_on is None:
        errors["signed_on"] = [_("Enter the date of signature.")]
    elif signed_on > timezone.localdate():
        errors["signed_on"] = [_("The date of signature cannot be in the future.")]
    customer_signatory, our_signatory = (customer_signatory or "").strip(), (our_signatory or "").strip()
    if not customer_signatory:
        errors["customer_signatory"] = [_("Who signed for the customer?")]
    if not our_signatory:
        errors["our_signatory"] = [_("Who signed for us?")]
    try:
        checked_document(signed_copy, "signed_copy")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contract.signed_copy.save(signed_copy.name or "signed.pdf", signed_copy, save=False)  # type: ignore[union-attr]
        move(
            actor,
            contract,
            expected_version,
            ContractStatus.SIGNED,
            _("Signed on %(d)s by %(c)s and %(o)s.") % {"d": signed_on, "c": customer_signatory, "o": our_signatory},
            signed_on=signed_on,
            customer_signatory=customer_signatory[:100],
            our_signatory=our_signatory[:100],
            signed_copy=contract.signed_copy.name,
            signed_recorded_by=actor,
        )
        if contract.fr_id:
            activities.activity_create(
                actor=actor,
                subject=contract,
                kind="task",
                title=_("Accept contract %(n)s for delivery (hand-over meeting)") % {"n": contract.number},
                owner=contract.fr,
                due_at=timezone.now() + FOLLOW_UP_WITHIN,
            )
        # The deal learns its outcome and the account becomes a customer, through their services.
        opportunity_contract_signed(
            actor=actor,
            opportunity=Opportunity.objects.select_related("pipeline", "stage").get(pk=contract.opportunity_id),
            amount=contract.total,
            currency=contract.currency,
            signed_on=cast(date, signed_on),
            text=_("Contract %(n)s signed.") % {"n": contract.number},
        )
        account_become_customer(actor=actor, account=contract.account)
        emit(
            ContractSigned(
                subject_id=contract.pk,
                number=contract.number,
                total=contract.total,
                currency=contract.currency,
                signed_on=cast(date, signed_on),
                opportunity_id=contract.opportunity_id,
                account_id=contract.account_id,
            )
        )
    return contract


def contract_accept(*, actor: User, contract: Contract, expected_version: int, data: dict[str, Any]) -> Handover:
    """The FR accepts the signed contract for delivery after the hand-over meeting with the AR
    (and the SR when there is one), confirming scope and deliverables; each open question
    becomes a task for the FR."""
    access.require(access.can_deliver(actor, contract), _("Only the contract's FR or delivery staff accept it."))
    require_status(contract, ContractStatus.SIGNED)
    errors: dict[str, list[str]] = {}
    if not data.get("scope_confirmed"):
        errors["scope_confirmed"] = [_("Confirm the scope.")]
    if not data.get("deliverables_confirmed"):
        errors["deliverables_confirmed"] = [_("Confirm the deliverables.")]
    meeting = data.get("meeting_on")
    if not isinstance(meeting, date):
        errors["meeting_on"] = [_("Enter the date of the hand-over meeting.")]
    elif meeting > timezone.localdate():
        errors["meeting_on"] = [_("The meeting cannot be in the future.")]
    if not data.get("ar_present"):
        errors["ar_present"] = [_("The hand-over needs the AR.")]
    if contract.sr_id and not data.get("sr_present"):
        errors["sr_present"] = [_("The hand-over needs the SR.")]
    minutes = str(data.get("minutes") or "").strip()
    questions = [q.strip() for q in str(data.get("open_questions") or "").splitlines() if q.strip()]
    if len(minutes) > 5000:
        errors["minutes"] = [_("At most %(n)d characters.") % {"n": 5000}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                handover = Handover.objects.create(
                    contract=contract,
                    scope_confirmed=True,
                    deliverables_confirmed=True,
                    meeting_on=cast(date, meeting),
                    ar_present=True,
                    sr_present=bool(data.get("sr_present")),
                    minutes=minutes,
                    open_questions="\n".join(questions),
                    accepted_by=actor,
                )
        except IntegrityError as exc:
            raise ValidationError({"contract": [_("The contract is already accepted.")]}) from exc
        move(
            actor,
            contract,
            expected_version,
            ContractStatus.ACCEPTED,
            _("Accepted for delivery by %(u)s.") % {"u": actor},
        )
        for question in questions:
            activities.activity_create(
                actor=actor,
                subject=contract,
                kind="task",
                title=(_("Open question: %(q)s") % {"q": question})[:200],
                owner=actor,
                due_at=timezone.now() + FOLLOW_UP_WITHIN,
            )
        emit(
            ContractAccepted(
                subject_id=contract.pk,
                number=contract.number,
                meeting_on=cast(date, meeting),
                open_questions=len(questions),
            )
        )
    return handover


# --- completion, close, termination ----------------------------------------------------------


def execution_problems(contract: Contract, loaded: Loaded | None = None) -> list[str]:
    """What stands between the contract and completion: milestones not accepted, orders not
    fulfilled, lines not delivered in full. `loaded`: what the caller already read."""
    loaded = loaded or Loaded()
    milestones = loaded.milestones if loaded.milestones is not None else contract.milestones.filter(removed=False)
    orders = loaded.orders if loaded.orders is not None else contract.orders.all()
    problems = [
        _("Milestone “%(name)s” is not accepted.") % {"name": m.name}
        for m in milestones
        if m.status != MilestoneStatus.ACCEPTED and not m.removed
    ]
    problems += [
        _("Order %(n)s is not fulfilled.") % {"n": o.number}
        for o in orders
        if o.status not in (OrderStatus.FULFILLED, OrderStatus.CANCELLED)
    ]
    problems += undelivered_lines(contract, loaded.lines)
    return problems


def close_errors(contract: Contract, loaded: Loaded | None = None) -> dict[str, list[str]]:
    """Everything that stops the contract from closing, by field: its status (only a completed
    contract closes), its deal (still open: win or lose it first), and what is still open on
    the contract and in later stages (`CLOSE_CHECKS`). Empty when it may close; the close check
    shows exactly this and `contract_close` refuses with it."""
    errors: dict[str, list[str]] = {}
    if contract.status != ContractStatus.COMPLETED:
        errors["status"] = [
            _("Not possible while the contract is %(status)s.") % {"status": contract.get_status_display()}
        ]
    deal = contract.opportunity
    if deal.is_open:
        errors["opportunity"] = [_("Its deal “%(deal)s” is still open: win or lose it first.") % {"deal": deal}]
    problems = execution_problems(contract, loaded)
    risks = loaded.risks if loaded is not None and loaded.risks is not None else contract.risks.all()
    problems += [
        _("Dispute open: %(t)s.") % {"t": r.title}
        for r in risks
        if r.kind == RiskKind.DISPUTE and r.status == RiskStatus.OPEN
    ]
    for check in CLOSE_CHECKS:
        problems += check(contract)
    if problems:
        errors["contract"] = problems
    return errors


def close_problems(contract: Contract, loaded: Loaded | None = None) -> list[str]:
    """`close_errors` as one list (status first)."""
    return [message for messages in close_errors(contract, loaded).values() for message in messages]


def contract_complete(*, actor: User, contract: Contract, expected_version: int) -> Contract:
    """Delivery is done: every milestone accepted, every order fulfilled, every line delivered."""
    access.require(access.can_deliver(actor, contract), _("Only the contract's FR or delivery staff complete it."))
    require_status(contract, ContractStatus.IN_EXECUTION)
    problems = execution_problems(contract)
    if problems:
        raise ValidationError({"contract": problems})
    with transaction.atomic():
        move(actor, contract, expected_version, ContractStatus.COMPLETED, "", completed_at=timezone.now())
        emit(ContractCompleted(subject_id=contract.pk, number=contract.number))
    return contract


def contract_close(
    *, actor: User, contract: Contract, expected_version: int, satisfaction: Any, lessons: str = ""
) -> Contract:
    """Close and evaluate (关闭和评价合同): refused with `close_errors` (what the close check
    shows: status, deal, anything open) and any bad input; the evaluation is computed from the
    contract's data plus the customer's satisfaction (1–5)."""
    access.require(access.can_steer(actor, contract), _("Only the AR and the AR's managers close the contract."))
    errors = close_errors(contract)
    score = int(satisfaction) if str(satisfaction or "").isdigit() else 0
    if not 1 <= score <= 5:
        errors["satisfaction"] = [_("Give the customer's satisfaction from 1 to 5.")]
    lessons = (lessons or "").strip()
    if len(lessons) > 5000:
        errors["lessons"] = [_("At most %(n)d characters.") % {"n": 5000}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        evaluation = evaluate(contract, satisfaction=score, lessons=lessons, actor=actor)
        move(
            actor,
            contract,
            expected_version,
            ContractStatus.CLOSED,
            _("Evaluated: signing %(s)s / 5, fulfilment %(f)s / 5.")
            % {"s": evaluation.signing_score, "f": evaluation.fulfilment_score},
            closed_at=timezone.now(),
        )
        emit(
            ContractClosed(
                subject_id=contract.pk,
                number=contract.number,
                satisfaction=score,
                signing_score=evaluation.signing_score,
                fulfilment_score=evaluation.fulfilment_score,
            )
        )
    return contract


def contract_terminate(*, actor: User, contract: Contract, expected_version: int, reason: str) -> Contract:
    """End the contract early with the reason. Once signed only a manager above the AR (or an
    admin) terminates; open orders are cancelled, deliveries and acceptances stay."""
    signed = contract.status not in (ContractStatus.DRAFT, ContractStatus.IN_REVIEW, ContractStatus.APPROVED)
    allowed = access.can_steer(actor, contract) and (not signed or actor.pk != contract.owner_id)
    access.require(allowed, _("A signed contract is terminated by a manager above the AR."))
    require_status(contract, *OPEN_STATUSES)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the contract ends.")]})
    if len(reason) > TEXT_MAX:
        raise ValidationError({"reason": [_("At most %(n)d characters.") % {"n": TEXT_MAX}]})
    with transaction.atomic():
        contract.orders.exclude(status__in=("fulfilled", "cancelled")).update(status="cancelled")
        contract.reviews.filter(decision="").update(
            decision=ReviewDecision.REJECT, decision_note=reason, decided_by=actor, decided_at=timezone.now()
        )
        contract.changes.filter(status="assessing").update(
            status="rejected", decision_note=reason, decided_by=actor, decided_at=timezone.now()
        )
        move(
            actor,
            contract,
            expected_version,
            ContractStatus.TERMINATED,
            reason,
            terminated_at=timezone.now(),
            termination_reason=reason,
        )
        emit(ContractTerminated(subject_id=contract.pk, number=contract.number, reason=reason))
    return contract
