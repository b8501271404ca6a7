"""Executing a contract (订单执行, 交付): orders generated from its lines (all at once or one
delivery batch), deliveries recorded against order lines, milestones delivered and accepted by
the customer (验收) with the acceptance document, and late milestones flagged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.contracts import access
from ltc.contracts.choices import (
    EXECUTING,
    SIGNED_OR_LATER,
    ContractStatus,
    DeliveryKind,
    LineFulfilment,
    MilestoneStatus,
    OrderStatus,
)
from ltc.contracts.events import (
    DeliveredLine,
    DeliveryRecorded,
    MilestoneAccepted,
    MilestoneDelivered,
    OrderCreated,
    OrderedLine,
    OrderUpdated,
)
from ltc.contracts.files import checked_document
from ltc.contracts.models import Contract, ContractLine, Delivery, DeliveryLine, Milestone, Order, OrderLine
from ltc.contracts.services.common import TEXT_MAX, move, require_status
from ltc.core import activities, timeline
from ltc.core.concurrency import save_if_current
from ltc.core.events import emit
from ltc.core.numbering import document_number
from ltc.org.models import User

LIVE_ORDERS = (OrderStatus.OPEN, OrderStatus.PARTLY, OrderStatus.FULFILLED)
DELAY_TASK_DUE = timedelta(days=2)


def shown(quantity: Decimal | int) -> str:
    """A quantity as people write it: 10, 2.5 (not 10.00)."""
    value = Decimal(quantity)
    return f"{value.normalize():f}" if value else "0"


def deliverable_lines(contract: Contract, lines: list[ContractLine] | None = None) -> list[ContractLine]:
    """The current version's lines that are delivered: standalone lines and bundle components
    (a bundle's own line is its commercial heading). `lines`: the current version's lines when
    the caller has them."""
    if lines is None:
        lines = list(ContractLine.objects.filter(version=contract.current_id).order_by("key"))
    parents = {line.parent_key for line in lines if line.parent_key}
    return [line for line in lines if line.key not in parents]


def ordered_by_key(contract: Contract) -> dict[int, Decimal]:
    """How much of each contract line (by key) live orders hold."""
    rows = (
        OrderLine.objects.filter(order__contract=contract, order__status__in=LIVE_ORDERS)
        .values("line_key")
        .annotate(total=Sum("quantity"))
    )
    return {row["line_key"]: row["total"] for row in rows}


def delivered_by_key(contract: Contract) -> dict[int, Decimal]:
    rows = (
        OrderLine.objects.filter(order__contract=contract).values("line_key").annotate(total=Sum("delivered_quantity"))
    )
    return {row["line_key"]: row["total"] for row in rows}


SHOWN_PROBLEMS = 5


def undelivered_lines(contract: Contract, lines: list[ContractLine] | None = None) -> list[str]:
    """The lines not delivered in full: the first few by name, then how many more."""
    delivered = delivered_by_key(contract)
    short = [line for line in deliverable_lines(contract, lines) if delivered.get(line.key, Decimal(0)) < line.quantity]
    named = short if len(short) <= SHOWN_PROBLEMS + 1 else short[:SHOWN_PROBLEMS]
    problems = [
        _("%(code)s %(name)s: %(done)s of %(all)s delivered.")
        % {"code": line.code, "name": line.name, "done": shown(delivered.get(line.key, 0)), "all": shown(line.quantity)}
        for line in named
    ]
    if len(named) < len(short):
        problems.append(_("… and %(n)d more lines not delivered in full.") % {"n": len(short) - len(named)})
    return problems


def _quantity(raw: Any, errors: dict[str, list[str]], field: str) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter a number.")]
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        errors[field] = [_("Enter a quantity of zero or more.")]
        return None
    return value


def order_generate(
    *,
    actor: User,
    contract: Contract,
    title: str = "",
    quantities: Mapping[Any, Any] | None = None,
    milestone: Milestone | None = None,
    planned_date: date | None = None,
) -> Order:
    """Generate an order from the contract: `quantities` by line key for one delivery batch, or
    everything not yet ordered when None. The first order starts the contract's execution."""
    access.require(access.can_deliver(actor, contract), _("Only the contract's FR or delivery staff order delivery."))
    require_status(contract, *EXECUTING)
    lines = {line.key: line for line in deliverable_lines(contract)}
    ordered = ordered_by_key(contract)
    remaining = {key: line.quantity - ordered.get(key, Decimal(0)) for key, line in lines.items()}
    errors: dict[str, list[str]] = {}
    wanted: dict[int, Decimal] = {}
    if quantities is None:
        wanted = {key: qty for key, qty in remaining.items() if qty > 0}
    else:
        for raw_key, raw in quantities.items():
            key = int(raw_key) if str(raw_key).isdigit() else -1
            field = f"lines.{raw_key}"
            if key not in lines:
                errors[field] = [_("No such deliverable line on the contract.")]
                continue
            qty = _quantity(raw, errors, field)
            if qty is None or qty == 0:
                continue
            if qty > remaining[key]:
                errors[field] = [
                    _("Only %(left)s of %(code)s is left to order.")
                    % {"left": shown(remaining[key]), "code": lines[key].code}
                ]
            wanted[key] = qty
    if milestone is not None and (milestone.contract_id != contract.pk or milestone.removed):
        errors["milestone"] = [_("Choose a milestone of this contract.")]
    if not wanted and not errors:
        errors["lines"] = [_("Nothing left to order.") if quantities is None else _("Order at least one line.")]
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    with transaction.atomic():
        number = document_number("order", today.year)
        order = Order.objects.create(
            number=number,
            contract=contract,
            milestone=milestone,
            title=(title or "").strip()[:200] or (milestone.name if milestone else _("Complete delivery")),
            planned_date=planned_date or (milestone.planned_date if milestone else None),
            created_by=actor,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                line_key=key,
                contract_line=lines[key],
                code=lines[key].code,
                name=lines[key].name,
                unit=lines[key].unit,
                quantity=qty,
            )
            for key, qty in sorted(wanted.items())
        )
        if contract.status == ContractStatus.ACCEPTED:
            move(
                actor, contract, contract.version, ContractStatus.IN_EXECUTION, _("First order %(n)s.") % {"n": number}
            )
        timeline.note_add(actor=actor, subject=contract, text=_("Order %(n)s generated.") % {"n": number})
        emit(
            OrderCreated(
                subject_id=order.pk,
                number=number,
                contract=contract.number,
                customer=contract.account.name,
                lines=tuple(
                    OrderedLine(line=key, code=lines[key].code, quantity=qty) for key, qty in sorted(wanted.items())
                ),
            )
        )
    return order


def order_update(*, actor: User, order: Order, expected_version: int, erp_reference: str) -> Order:
    """Record the order's reference in the ERP."""
    access.require(access.can_deliver(actor, order.contract), _("Only the contract's FR or delivery staff do this."))
    reference = (erp_reference or "").strip()
    if len(reference) > 60:
        raise ValidationError({"erp_reference": [_("At most %(n)d characters.") % {"n": 60}]})
    before = timeline.snapshot(order, ["erp_reference"])
    with transaction.atomic():
        order.erp_reference = reference
        save_if_current(order, expected_version=expected_version, fields=["erp_reference"])
        timeline.record_changes(actor=actor, subject=order, before=before)
        emit(OrderUpdated(subject_id=order.pk, number=order.number, erp_reference=reference))
    return order


def _fulfilment(line: OrderLine) -> str:
    if line.delivered_quantity >= line.quantity:
        return LineFulfilment.DELIVERED
    return LineFulfilment.PARTLY if line.delivered_quantity > 0 else LineFulfilment.PENDING


def delivery_record(
    *,
    actor: User,
    order: Order,
    kind: str,
    delivered_on: date | None,
    quantities: Mapping[Any, Any],
    cost: Decimal | None = None,
    note: str = "",
) -> Delivery:
    """Goods shipped or services performed: quantities by order line id, never more than is open."""
    contract = order.contract
    access.require(access.can_deliver(actor, contract), _("Only the contract's FR or delivery staff record delivery."))
    require_status(contract, ContractStatus.IN_EXECUTION)
    errors: dict[str, list[str]] = {}
    if order.status not in (OrderStatus.OPEN, OrderStatus.PARTLY):
        errors["order"] = [_("This order is %(s)s.") % {"s": order.get_status_display()}]
    if kind not in DeliveryKind.values:
        errors["kind"] = [_("Choose goods or services.")]
    if delivered_on is None:
        errors["delivered_on"] = [_("Enter the date of delivery.")]
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = [_("The date cannot be in the future.")]
    if cost is not None and cost < 0:
        errors["cost"] = [_("The cost cannot be negative.")]
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    with transaction.atomic():
        lines = {line.pk: line for line in OrderLine.objects.select_for_update().filter(order=order)}
        wanted: dict[int, Decimal] = {}
        for raw_id, raw in quantities.items():
            pk = int(raw_id) if str(raw_id).isdigit() else -1
            field = f"lines.{raw_id}"
            if pk not in lines:
                errors[field] = [_("No such line on the order.")]
                continue
            qty = _quantity(raw, errors, field)
            if qty is None or qty == 0:
                continue
            if qty > lines[pk].open_quantity:
                errors[field] = [
                    _("Only %(left)s of %(code)s is still to deliver.")
                    % {"left": shown(lines[pk].open_quantity), "code": lines[pk].code}
                ]
            wanted[pk] = qty
        if not wanted and not errors:
            errors["lines"] = [_("Deliver at least one line.")]
        if errors:
            raise ValidationError(errors)
        today = timezone.localdate()
        delivery = Delivery.objects.create(
            number=document_number("delivery", today.year),
            order=order,
            kind=kind,
            delivered_on=cast(date, delivered_on),
            cost=cost,
            note=note,
            recorded_by=actor,
        )
        DeliveryLine.objects.bulk_create(
            DeliveryLine(delivery=delivery, order_line_id=pk, quantity=qty) for pk, qty in wanted.items()
        )
        for pk, qty in wanted.items():
            line = lines[pk]
            line.delivered_quantity += qty
            line.status = _fulfilment(line)
            line.save(update_fields=["delivered_quantity", "status"])
        statuses = {line.status for line in lines.values()}
        order.status = OrderStatus.FULFILLED if statuses == {LineFulfilment.DELIVERED} else OrderStatus.PARTLY
        save_if_current(order, expected_version=order.version, fields=["status"])
        timeline.note_add(
            actor=actor,
            subject=contract,
            text=_("Delivery %(d)s on order %(o)s (%(k)s).")
            % {"d": delivery.number, "o": order.number, "k": delivery.get_kind_display()},
        )
        emit(
            DeliveryRecorded(
                subject_id=delivery.pk,
                number=delivery.number,
                order=order.number,
                erp_reference=order.erp_reference,
                delivered_on=cast(date, delivered_on),
                lines=tuple(DeliveredLine(code=lines[pk].code, quantity=qty) for pk, qty in wanted.items()),
            )
        )
    return delivery


# --- milestones ------------------------------------------------------------------------------


def milestone_deliver(*, actor: User, milestone: Milestone, delivered_on: date | None) -> Milestone:
    """The FR reports a milestone delivered (its orders must be fulfilled); the customer can
    then accept it."""
    contract = milestone.contract
    access.require(access.can_deliver(actor, contract), _("Only the contract's FR or delivery staff do this."))
    require_status(contract, ContractStatus.IN_EXECUTION)
    errors: dict[str, list[str]] = {}
    if milestone.status != MilestoneStatus.PLANNED or milestone.removed:
        errors["milestone"] = [_("This milestone is already %(s)s.") % {"s": milestone.get_status_display()}]
    if delivered_on is None:
        errors["delivered_on"] = [_("Enter the date of delivery.")]
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = [_("The date cannot be in the future.")]
    open_orders = [o.number for o in milestone.orders.filter(status__in=(OrderStatus.OPEN, OrderStatus.PARTLY))]
    if open_orders:
        errors["orders"] = [_("Orders not yet fulfilled: %(n)s.") % {"n": ", ".join(open_orders)}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        milestone.status, milestone.delivered_on = MilestoneStatus.DELIVERED, delivered_on
        milestone.save(update_fields=["status", "delivered_on"])
        timeline.note_add(actor=actor, subject=contract, text=_("Milestone delivered: %(n)s.") % {"n": milestone.name})
        emit(
            MilestoneDelivered(
                subject_id=milestone.pk,
                contract_id=contract.pk,
                contract=contract.number,
                milestone=milestone.name,
                delivered_on=cast(date, delivered_on),
            )
        )
    return milestone


def milestone_accept(
    *,
    actor: User,
    milestone: Milestone,
    accepted_on: date | None,
    accepted_by_name: str,
    document: UploadedFile | None,
    note: str = "",
) -> Milestone:
    """Record the customer's acceptance (验收) of a delivered milestone, with the signed
    acceptance document; the payment terms it triggers fall due (billing reads this)."""
    contract = milestone.contract
    access.require(access.can_deliver(actor, contract), _("Only the contract's FR or delivery staff do this."))
    require_status(contract, ContractStatus.IN_EXECUTION)
    errors: dict[str, list[str]] = {}
    if milestone.status != MilestoneStatus.DELIVERED:
        errors["milestone"] = [_("Only a delivered milestone can be accepted.")]
    if accepted_on is None:
        errors["accepted_on"] = [_("Enter the date of acceptance.")]
    elif accepted_on > timezone.localdate():
        errors["accepted_on"] = [_("The date cannot be in the future.")]
    elif milestone.delivered_on and accepted_on < milestone.delivered_on:
        errors["accepted_on"] = [_("The acceptance cannot be before the delivery.")]
    name = (accepted_by_name or "").strip()[:100]
    if not name:
        errors["accepted_by_name"] = [_("Who accepted for the customer?")]
    try:
        checked_document(document, "acceptance_document")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        milestone.acceptance_document.save(document.name or "acceptance.pdf", document, save=False)  # type: ignore[union-attr]
        milestone.status = MilestoneStatus.ACCEPTED
        milestone.accepted_on, milestone.accepted_by_name = accepted_on, name
        milestone.acceptance_note, milestone.acceptance_recorded_by = (note or "").strip()[:TEXT_MAX], actor
        milestone.save(
            update_fields=[
                "status",
                "accepted_on",
                "accepted_by_name",
                "acceptance_note",
                "acceptance_recorded_by",
                "acceptance_document",
            ]
        )
        timeline.note_add(
            actor=actor,
            subject=contract,
            text=_("Milestone accepted by the customer: %(n)s (%(who)s, %(d)s).")
            % {"n": milestone.name, "who": name, "d": accepted_on},
        )
        emit(
            MilestoneAccepted(
                subject_id=milestone.pk,
                contract_id=contract.pk,
                contract=contract.number,
                milestone=milestone.name,
                accepted_on=cast(date, accepted_on),
            )
        )
    return milestone


def milestone_refuse(*, actor: User, milestone: Milestone, note: str) -> Milestone:
    """The customer refused acceptance: the milestone goes back to planned and the refusal counts
    against the fulfilment's acceptance smoothness."""
    contract = milestone.contract
    access.require(access.can_deliver(actor, contract), _("Only the contract's FR or delivery staff do this."))
    require_status(contract, ContractStatus.IN_EXECUTION)
    note = (note or "").strip()
    if milestone.status != MilestoneStatus.DELIVERED:
        raise ValidationError({"milestone": [_("Only a delivered milestone can be refused.")]})
    if not note:
        raise ValidationError({"note": [_("Say what the customer refused.")]})
    with transaction.atomic():
        milestone.status, milestone.delivered_on = MilestoneStatus.PLANNED, None
        milestone.refusals += 1
        milestone.acceptance_note = note[:TEXT_MAX]
        milestone.save(update_fields=["status", "delivered_on", "refusals", "acceptance_note"])
        timeline.note_add(
            actor=actor,
            subject=contract,
            text=_("Acceptance refused: %(n)s. %(note)s") % {"n": milestone.name, "note": note},
        )
    return milestone


def flag_delays(*, today: date | None = None) -> int:
    """Flag each milestone past its planned date and not delivered (once): a task for the FR and
    one for the AR, and a note on the contract. Returns how many were flagged."""
    today = today or timezone.localdate()
    late = (
        Milestone.objects.filter(
            status=MilestoneStatus.PLANNED,
            removed=False,
            planned_date__lt=today,
            delay_flagged_on__isnull=True,
            contract__status__in=SIGNED_OR_LATER,
        )
        .select_related("contract__owner", "contract__fr")
        .order_by("planned_date", "pk")
    )
    count = 0
    by_contract: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in late:
        by_contract[milestone.contract_id].append(milestone)
    for items in by_contract.values():
        contract = items[0].contract
        with transaction.atomic():
            for milestone in items:
                title = (
                    _("Milestone late: %(n)s of %(c)s (planned %(d)s)")
                    % {"n": milestone.name, "c": contract.number, "d": milestone.planned_date}
                )[:200]
                for person in {contract.fr, contract.owner} - {None}:
                    activities.activity_create(
                        actor=None,
                        subject=contract,
                        kind="task",
                        title=title,
                        owner=person,
                        due_at=timezone.now() + DELAY_TASK_DUE,
                    )
                timeline.note_add(actor=None, subject=contract, text=title)
                milestone.delay_flagged_on = today
                milestone.save(update_fields=["delay_flagged_on"])
                count += 1
    return count
