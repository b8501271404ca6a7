"""What a contract version says, what a change request proposes, and the readable difference.

A version is read as a *snapshot* (plain values: header, lines by key, payment terms, delivery
plan, totals); a proposal is applied to the current version's snapshot in memory, so the change
request shows its diff before anyone decides, and the approved amendment is built from the same
result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from ltc.catalog.models import Product
from ltc.contracts.models import PRICED_FIELDS, ContractLine, ContractVersion, Milestone
from ltc.core.money import quantize
from ltc.core.templatetags.numbers import formatter
from ltc.quotes.choices import TermTrigger
from ltc.quotes.pricing import split_by_percent

HUNDRED = Decimal(100)
HEADER_FIELDS: dict[str, Any] = {
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "delivery_terms": _l("Delivery terms"),
    "penalty_clause": _l("Penalties"),
    "ip_clause": _l("Intellectual property"),
    "warranty_months": _l("Warranty (months)"),
    "other_terms": _l("Other terms"),
}
CHANGEABLE_HEADER = ("end_date", "delivery_terms", "penalty_clause", "warranty_months", "other_terms")
LINE_FIELDS: dict[str, Any] = {
    "quantity": _l("Quantity"),
    "unit_price": _l("Unit price"),
    "discount_pct": _l("Discount %"),
    "net_amount": _l("Net"),
    "total": _l("Total"),
}
PLAN_FIELDS: dict[str, Any] = {
    "name": _l("Milestone"),
    "planned_date": _l("Planned date"),
    "deliverables": _l("Deliverables"),
    "acceptance_criteria": _l("Acceptance criteria"),
}
TOTAL_FIELDS: dict[str, Any] = {"net_total": _l("Net"), "tax_total": _l("VAT"), "grand_total": _l("Total")}


@dataclass
class LineRow:
    key: int
    parent_key: int | None
    product_id: int
    code: str
    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    base_amount: Decimal
    net_amount: Decimal
    tax_rate: int
    tax_amount: Decimal
    total: Decimal
    unit_cost: Decimal
    cost_amount: Decimal
    source_id: int | None = None
    changed: bool = False


@dataclass
class TermRow:
    label: str
    percent: Decimal
    trigger: str
    days: int = 0
    due_date: date | None = None
    milestone_position: int | None = None
    amount: Decimal = Decimal(0)

    def text(self, plan: dict[int, dict[str, str]]) -> str:
        """The term as a reader says it: 验收款 60% · 验收后：终验 +30 天 = 422,174.59."""
        if self.trigger == TermTrigger.DATE and self.due_date:
            when = self.due_date.isoformat()
        else:
            when = str(TermTrigger(self.trigger).label)
            milestone = plan.get(self.milestone_position or 0)
            if milestone:
                when += f"：{milestone['name']}" if get_language() == "zh-hans" else f": {milestone['name']}"
        if self.days:
            when += " " + _("+%(n)d days") % {"n": self.days}
        return f"{self.label} {self.percent.normalize():f}% · {when} = {_show(self.amount, money=True)}"


@dataclass
class Snapshot:
    header: dict[str, Any]
    document_discount_pct: Decimal
    lines: dict[int, LineRow]
    terms: list[TermRow]
    plan: dict[int, dict[str, str]]
    totals: dict[str, Decimal] = field(default_factory=dict)
    margin_pct: Decimal | None = None


def snapshot_of(version: ContractVersion, plan: list[dict[str, str]] | None = None) -> Snapshot:
    """A version as plain values (its lines and terms read in two queries)."""
    lines = {
        line.key: LineRow(
            key=line.key,
            parent_key=line.parent_key,
            source_id=line.source_id,
            **{name: getattr(line, name) for name in PRICED_FIELDS},
        )
        for line in ContractLine.objects.filter(version=version).order_by("key")
    }
    positions = dict(Milestone.objects.filter(contract=version.contract_id).values_list("pk", "position"))
    terms = [
        TermRow(
            t.label,
            t.percent,
            t.trigger,
            t.days,
            t.due_date,
            positions.get(t.milestone_id) if t.milestone_id else None,
            t.amount,
        )
        for t in version.terms.all()
    ]
    stored = plan if plan is not None else version.milestone_plan
    snapshot = Snapshot(
        header={name: getattr(version, name) for name in HEADER_FIELDS},
        document_discount_pct=version.document_discount_pct,
        lines=lines,
        terms=terms,
        plan={int(p["position"]): p for p in stored},
    )
    retotal(snapshot)
    return snapshot


def price_row(row: LineRow, document_discount_pct: Decimal) -> None:
    """The quote's rounding (quotes.pricing): base, after the line discount, after the document
    discount, VAT — each to the cent, ROUND_HALF_UP."""
    row.base_amount = quantize(row.quantity * row.unit_price)
    after_line = quantize(row.base_amount * (HUNDRED - row.discount_pct) / HUNDRED)
    row.net_amount = quantize(after_line * (HUNDRED - document_discount_pct) / HUNDRED)
    row.tax_amount = quantize(row.net_amount * row.tax_rate / HUNDRED)
    row.total = row.net_amount + row.tax_amount
    row.cost_amount = quantize(row.quantity * row.unit_cost)


def retotal(snapshot: Snapshot) -> None:
    rows = snapshot.lines.values()
    net = sum((r.net_amount for r in rows), Decimal(0))
    tax = sum((r.tax_amount for r in rows), Decimal(0))
    cost = sum((r.cost_amount for r in rows), Decimal(0))
    snapshot.totals = {"net_total": net, "tax_total": tax, "grand_total": net + tax, "cost_total": cost}
    snapshot.margin_pct = quantize((net - cost) / net * HUNDRED) if net else None
    amounts = split_by_percent(net + tax, [t.percent for t in snapshot.terms])
    for term, amount in zip(snapshot.terms, amounts, strict=True):
        term.amount = amount


# --- proposals -------------------------------------------------------------------------------


def _decimal(raw: Any, errors: dict[str, list[str]], name: str, *, low: Decimal = Decimal(0)) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        errors[name] = [_("Enter a number.")]
        return None
    if not value.is_finite() or value < low or value >= Decimal("1e12"):
        errors[name] = [_("Enter a number from %(low)s.") % {"low": low}]
        return None
    return value


def _date(raw: Any, errors: dict[str, list[str]], name: str) -> date | None:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        errors[name] = [_("Enter a date (YYYY-MM-DD).")]
        return None


def _apply_lines(snapshot: Snapshot, items: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    next_key = max(snapshot.lines, default=0) + 1
    new_products = [item.get("product_id") for item in items if not item.get("key")]
    products = Product.objects.in_bulk([p for p in new_products if str(p).isdigit()])
    for i, item in enumerate(items):
        where = f"lines.{i}"
        key = item.get("key")
        if key:
            row = snapshot.lines.get(int(key)) if str(key).isdigit() else None
            if row is None:
                errors[f"{where}.key"] = [_("No such line on the contract.")]
                continue
            if item.get("remove"):
                for other in list(snapshot.lines.values()):
                    if other.key == row.key or other.parent_key == row.key:
                        del snapshot.lines[other.key]
                continue
        else:
            product = products.get(int(str(item["product_id"]))) if str(item.get("product_id", "")).isdigit() else None
            if product is None or product.is_bundle:
                errors[f"{where}.product_id"] = [_("Choose a product (not a bundle).")]
                continue
            row = LineRow(
                key=next_key,
                parent_key=None,
                product_id=product.pk,
                code=product.code,
                name=product.display_name,
                unit=product.unit,
                quantity=Decimal(1),
                unit_price=Decimal(0),
                discount_pct=Decimal(0),
                base_amount=Decimal(0),
                net_amount=Decimal(0),
                tax_rate=product.tax_rate,
                tax_amount=Decimal(0),
                total=Decimal(0),
                unit_cost=product.cost,
                cost_amount=Decimal(0),
            )
            if "unit_price" not in item:
                errors[f"{where}.unit_price"] = [_("Give the unit price of the new line.")]
            snapshot.lines[next_key] = row
            next_key += 1
        for name in ("quantity", "unit_price", "discount_pct"):
            if name in item and item[name] not in (None, ""):
                value = _decimal(item[name], errors, f"{where}.{name}")
                if value is not None:
                    if name == "discount_pct" and value > HUNDRED:
                        errors[f"{where}.{name}"] = [_("At most 100%.")]
                        continue
                    setattr(row, name, value)
                    row.changed = True
        if row.quantity <= 0 and not item.get("remove"):
            errors[f"{where}.quantity"] = [_("The quantity must be above zero; remove the line instead.")]
        if row.changed:
            price_row(row, snapshot.document_discount_pct)


def _apply_plan(
    snapshot: Snapshot, items: list[dict[str, Any]], milestones: dict[int, Milestone], errors: dict[str, list[str]]
) -> None:
    next_position = max([*snapshot.plan, *(m.position for m in milestones.values())], default=0) + 1
    for i, item in enumerate(items):
        where = f"milestones.{i}"
        raw_id = item.get("id")
        if raw_id:
            milestone = milestones.get(int(str(raw_id))) if str(raw_id).isdigit() else None
            if milestone is None:
                errors[f"{where}.id"] = [_("No such milestone on the contract.")]
                continue
            if milestone.status != "planned" and "planned_date" in item:
                errors[f"{where}.planned_date"] = [_("This milestone is delivered; its date is history.")]
                continue
            plan = dict(snapshot.plan.get(milestone.position) or milestone.plan())
        else:
            if not str(item.get("name", "")).strip() or not item.get("planned_date"):
                errors[where] = [_("A new milestone needs a name and a planned date.")]
                continue
            plan = {"position": str(next_position), "name": "", "planned_date": "", "deliverables": ""}
            plan["acceptance_criteria"] = ""
            next_position += 1
        if item.get("planned_date"):
            when = _date(item["planned_date"], errors, f"{where}.planned_date")
            if when is not None:
                plan["planned_date"] = when.isoformat()
        for name in ("name", "deliverables", "acceptance_criteria"):
            if name in item:
                plan[name] = str(item[name]).strip()[: 100 if name == "name" else 2000]
        snapshot.plan[int(plan["position"])] = plan


def _apply_terms(snapshot: Snapshot, items: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    terms: list[TermRow] = []
    for i, item in enumerate(items):
        where = f"terms.{i}"
        label = str(item.get("label", "")).strip()[:100]
        percent = _decimal(item.get("percent", ""), errors, f"{where}.percent")
        trigger = str(item.get("trigger", ""))
        if not label:
            errors[f"{where}.label"] = [_("Name the payment milestone.")]
        if trigger not in TermTrigger.values:
            errors[f"{where}.trigger"] = [_("Choose when it falls due.")]
        due = _date(item["due_date"], errors, f"{where}.due_date") if item.get("due_date") else None
        if trigger == TermTrigger.DATE and due is None:
            errors.setdefault(f"{where}.due_date", [_("Give the date.")])
        position = item.get("milestone")
        milestone = int(str(position)) if str(position or "").isdigit() else None
        if trigger in (TermTrigger.DELIVERY, TermTrigger.ACCEPTANCE) and milestone not in snapshot.plan:
            errors[f"{where}.milestone"] = [_("Choose the delivery milestone that triggers it.")]
        days = int(item.get("days") or 0) if str(item.get("days") or 0).isdigit() else -1
        if days < 0 or days > 3650:
            errors[f"{where}.days"] = [_("Enter whole days from 0 to 3650.")]
        if percent is not None:
            terms.append(TermRow(label, percent, trigger, max(days, 0), due, milestone))
    if terms and sum((t.percent for t in terms), Decimal(0)) != HUNDRED:
        errors["terms"] = [_("The payment terms must add up to 100%.")]
    snapshot.terms = terms


def apply_proposal(base: Snapshot, proposal: dict[str, Any], milestones: list[Milestone]) -> Snapshot:
    """The snapshot `proposal` would make of `base`; field errors (e.g. `lines.2.quantity`) if
    the proposal is not valid or changes nothing."""
    snapshot = Snapshot(
        header=dict(base.header),
        document_discount_pct=base.document_discount_pct,
        lines={k: LineRow(**vars(v)) for k, v in base.lines.items()},
        terms=[TermRow(**vars(t)) for t in base.terms],
        plan={k: dict(v) for k, v in base.plan.items()},
    )
    errors: dict[str, list[str]] = {}
    unknown = set(proposal) - {"lines", "milestones", "terms", *CHANGEABLE_HEADER}
    if unknown:
        errors["proposal"] = [_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}]
    for name in ("lines", "milestones", "terms"):
        items = proposal.get(name)
        if items is not None and not (isinstance(items, list) and all(isinstance(i, dict) for i in items)):
            errors[name] = [_("Give a list of objects.")]
    if errors:
        raise ValidationError(errors)
    for name in CHANGEABLE_HEADER:
        if name not in proposal:
            continue
        raw = proposal[name]
        if name == "end_date":
            snapshot.header[name] = _date(raw, errors, name)
        elif name == "warranty_months":
            if not str(raw).isdigit() or int(raw) > 120:
                errors[name] = [_("Enter whole months from 0 to 120.")]
            else:
                snapshot.header[name] = int(raw)
        else:
            snapshot.header[name] = str(raw).strip()[:4000]
    _apply_lines(snapshot, list(proposal.get("lines") or []), errors)
    _apply_plan(snapshot, list(proposal.get("milestones") or []), {m.pk: m for m in milestones}, errors)
    if "terms" in proposal:
        _apply_terms(snapshot, list(proposal.get("terms") or []), errors)
    if not snapshot.lines:
        errors["lines"] = [_("A contract keeps at least one line.")]
    if errors:
        raise ValidationError(errors)
    retotal(snapshot)
    if not diff(base, snapshot)["changed"]:
        raise ValidationError({"proposal": [_("The proposal changes nothing.")]})
    return snapshot


# --- the difference --------------------------------------------------------------------------


@dataclass
class LineChange:
    kind: str  # added / removed / changed
    code: str
    name: str
    changes: list[tuple[str, str, str]]


MONEY_FIELDS = {"unit_price", "net_amount", "total", "net_total", "tax_total", "grand_total"}


def _show(value: Any, *, money: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return formatter(places=2 if money else None)(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _field_changes(old: dict[str, Any], new: dict[str, Any], labels: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (str(label), _show(old.get(name), money=name in MONEY_FIELDS), _show(new.get(name), money=name in MONEY_FIELDS))
        for name, label in labels.items()
        if _show(old.get(name)) != _show(new.get(name))
    ]


def diff(old: Snapshot, new: Snapshot) -> dict[str, Any]:
    """Header, lines (added / removed / changed), payment terms and delivery plan of two snapshots."""
    lines: list[LineChange] = []
    for key in sorted(set(old.lines) | set(new.lines)):
        before, after = old.lines.get(key), new.lines.get(key)
        if before is None and after is not None:
            shown = [(str(LINE_FIELDS[n]), "", _show(getattr(after, n), money=n in MONEY_FIELDS)) for n in LINE_FIELDS]
            lines.append(LineChange("added", after.code, after.name, shown))
        elif after is None and before is not None:
            lines.append(LineChange("removed", before.code, before.name, []))
        elif before is not None and after is not None:
            changes = _field_changes(vars(before), vars(after), LINE_FIELDS)
            if changes:
                lines.append(LineChange("changed", after.code, after.name, changes))
    plan: list[LineChange] = []
    for position in sorted(set(old.plan) | set(new.plan)):
        before_plan, after_plan = old.plan.get(position), new.plan.get(position)
        if before_plan is None and after_plan is not None:
            shown = [(str(PLAN_FIELDS[n]), "", after_plan.get(n, "")) for n in PLAN_FIELDS]
            plan.append(LineChange("added", f"M{position}", after_plan["name"], shown))
        elif before_plan is not None and after_plan is not None:
            changes = _field_changes(before_plan, after_plan, PLAN_FIELDS)
            if changes:
                plan.append(LineChange("changed", f"M{position}", after_plan["name"], changes))
    old_terms, new_terms = [t.text(old.plan) for t in old.terms], [t.text(new.plan) for t in new.terms]
    header = _field_changes(old.header, new.header, HEADER_FIELDS)
    totals = _field_changes(old.totals, new.totals, TOTAL_FIELDS)
    return {
        "changed": bool(header or lines or plan or totals or old_terms != new_terms),
        "header": header,
        "lines": lines,
        "plan": plan,
        "terms": (old_terms, new_terms) if old_terms != new_terms else None,
        "totals": totals,
    }
