"""The billing schedule: planned from the contract's payment terms, fired by their triggers,
re-planned by amendments, and billed by draft invoices (one contract at a time on an event, in
bulk by the daily invoice run)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.billing.choices import RETENTION_PAYMENT_DAYS, InvoiceKind, InvoiceStatus, LineStatus
from ltc.billing.events import InvoiceDrafted
from ltc.billing.models import BillingLine, Invoice, InvoiceLine
from ltc.billing.services import notices
from ltc.contracts.choices import ContractStatus, MilestoneStatus
from ltc.contracts.models import Contract, ContractLine, ContractTerm, ContractVersion, Milestone
from ltc.contracts.services.common import current_of
from ltc.core import timeline
from ltc.core.bulk import bulk_insert, next_ids
from ltc.core.events import emit_many
from ltc.core.money import money_text, quantize
from ltc.quotes.choices import TermTrigger

ZERO = Decimal(0)
BILLABLE = (ContractStatus.SIGNED, ContractStatus.ACCEPTED, ContractStatus.IN_EXECUTION, ContractStatus.COMPLETED)
LIVE = (LineStatus.PLANNED, LineStatus.DUE, LineStatus.INVOICED)
RUN_CHUNK = 2000


def _expected(
    term: ContractTerm, contract: Contract, version: ContractVersion, last_planned: date | None
) -> date | None:
    """When the term's trigger is expected to fire (the forecast adds the payment days)."""
    if term.trigger == TermTrigger.SIGNING:
        return contract.signed_on
    if term.trigger == TermTrigger.DATE:
        return term.due_date
    if term.trigger in (TermTrigger.DELIVERY, TermTrigger.ACCEPTANCE):
        return term.milestone.planned_date if term.milestone else version.end_date
    # The retention (质保金) falls due `days` after the last milestone's acceptance.
    end = last_planned or version.end_date
    return end + timedelta(days=term.days) if end else None


def _fired_on(line: Any, signed_on: date | None, milestone: Any, today: date) -> date | None:
    """The day the line's trigger fired, or None while it waits (warranty: see _warranty_fired).
    `milestone` is anything with status, delivered_on and accepted_on (or None)."""
    if line.trigger == TermTrigger.SIGNING:
        return signed_on or today
    if line.trigger == TermTrigger.DATE:
        return line.expected_on if line.expected_on and line.expected_on <= today else None
    if line.trigger == TermTrigger.DELIVERY and milestone is not None:
        return milestone.delivered_on or milestone.accepted_on  # type: ignore[no-any-return]
    if line.trigger == TermTrigger.ACCEPTANCE and milestone is not None:
        return milestone.accepted_on if milestone.status == MilestoneStatus.ACCEPTED else None
    return None


@dataclass(frozen=True)
class Due:
    """What the invoice run reads of a schedule line (plain values: no model instances)."""

    pk: int
    contract_id: int
    trigger: str
    days: int
    amount: Decimal
    currency: str
    label: str
    expected_on: date | None
    signed_on: date | None
    status: str | None  # the milestone's
    delivered_on: date | None
    accepted_on: date | None

    FIELDS = (
        "pk", "contract_id", "trigger", "days", "amount", "currency", "label", "expected_on", "contract__signed_on",
        "milestone__status", "milestone__delivered_on", "milestone__accepted_on",
    )  # fmt: skip


def _accepted_all(contract_ids: Iterable[int]) -> dict[int, date]:
    """Per contract whose milestones are all accepted: the day the last one was."""
    ids = list(contract_ids)
    waiting = set(
        Milestone.objects.filter(contract_id__in=ids, removed=False)
        .exclude(status=MilestoneStatus.ACCEPTED)
        .values_list("contract_id", flat=True)
    )
    rows = (
        Milestone.objects.filter(contract_id__in=ids, removed=False)
        .values("contract_id")
        .annotate(last=Max("accepted_on"))
    )
    return {r["contract_id"]: r["last"] for r in rows if r["contract_id"] not in waiting and r["last"]}


def _warranty_fired(lines: Sequence[Any], today: date) -> dict[int, date]:
    """Retention lines whose period after the last acceptance is over."""
    retention = [line for line in lines if line.trigger == TermTrigger.WARRANTY]
    if not retention:
        return {}
    last = _accepted_all({line.contract_id for line in retention})
    fired = {}
    for line in retention:
        if line.contract_id in last:
            end = last[line.contract_id] + timedelta(days=line.days)
            if end <= today:
                fired[line.pk] = end
    return fired


def _last_planned(contract: Contract) -> date | None:
    return max((m.planned_date for m in contract.milestones.filter(removed=False)), default=None)


def _from_term(
    contract: Contract, version: ContractVersion, term: ContractTerm, amount: Decimal, last: date | None
) -> BillingLine:
    return BillingLine(
        contract=contract,
        contract_version=version.number,
        term=term,
        position=term.position,
        label=term.label,
        trigger=term.trigger,
        milestone=term.milestone,
        days=term.days,
        percent=term.percent,
        amount=amount,
        currency=contract.currency,
        expected_on=_expected(term, contract, version, last),
    )


def schedule_plan(contract: Contract) -> list[BillingLine]:
    """Plan the schedule from the current version's payment terms (once, on signing)."""
    if BillingLine.objects.filter(contract=contract).exists():
        return []
    version = current_of(contract)
    last = _last_planned(contract)
    terms = version.terms.select_related("milestone")
    return BillingLine.objects.bulk_create(_from_term(contract, version, t, t.amount, last) for t in terms)


def schedule_replan(contract: Contract, actor: Any = None) -> list[BillingLine]:
    """An amendment re-plans what is not yet invoiced: the lines still planned or due are
    superseded; the new version's terms whose position is not yet invoiced share the new total
    less what is invoiced, by their shares. Invoiced lines stay as they are."""
    version = current_of(contract)
    live = list(BillingLine.objects.filter(contract=contract, status__in=LIVE))
    if not live:
        return schedule_plan(contract)
    invoiced = [line for line in live if line.status == LineStatus.INVOICED]
    billed = sum((line.amount for line in invoiced), ZERO)
    BillingLine.objects.filter(pk__in=[line.pk for line in live if line.status != LineStatus.INVOICED]).update(
        status=LineStatus.SUPERSEDED
    )
    done_positions = {line.position for line in invoiced}
    terms = [t for t in version.terms.select_related("milestone") if t.position not in done_positions]
    rest = quantize(Decimal(version.grand_total) - billed)
    new: list[BillingLine] = []
    if rest > 0:
        shares = sum((t.percent for t in terms), ZERO)
        if not terms or shares <= 0:
            position = max((line.position for line in live), default=0) + 1
            label = _("Amendment v%(n)s") % {"n": version.number}
            new.append(
                BillingLine(
                    contract=contract,
                    contract_version=version.number,
                    position=position,
                    label=label,
                    trigger=TermTrigger.SIGNING,
                    percent=ZERO,
                    amount=rest,
                    currency=contract.currency,
                    expected_on=timezone.localdate(),
                )
            )
        else:
            amounts = [quantize(rest * t.percent / shares) for t in terms]
            amounts[-1] += rest - sum(amounts, ZERO)
            last = _last_planned(contract)
            new += [_from_term(contract, version, t, a, last) for t, a in zip(terms, amounts, strict=True)]
    elif rest < 0 and actor is not None:
        timeline.note_add(
            actor=actor,
            subject=contract,
            text=_("The amended total is %(a)s below what is invoiced: a credit note is needed.")
            % {"a": money_text(-rest)},
        )
    return BillingLine.objects.bulk_create(new)


def supersede_open(contract: Contract) -> int:
    """A terminated contract bills nothing more that was not yet invoiced."""
    return BillingLine.objects.filter(contract=contract, status__in=(LineStatus.PLANNED, LineStatus.DUE)).update(
        status=LineStatus.SUPERSEDED
    )


# --- drafts ----------------------------------------------------------------------------------


# An invoice line as the split makes it: (position, contract line id, line key, code, name, net,
# VAT rate, VAT, total).
Row = tuple[int, int | None, int | None, str, str, Decimal, int, Decimal, Decimal]


def invoice_lines(amount: Decimal, contract_lines: list[Any], total: Decimal) -> list[Row]:
    """The invoice's lines for `amount` of a contract worth `total`: each priced contract line's
    share, rounded per line, the rounding rest on the largest line; VAT split as on the line."""
    priced = [line for line in contract_lines if line.total]
    if not priced or not total:
        return []
    ratio = amount / total
    gross = [quantize(Decimal(line.total) * ratio) for line in priced]
    largest = max(range(len(priced)), key=lambda i: abs(priced[i].total))
    gross[largest] += amount - sum(gross, ZERO)
    rows: list[Row] = []
    for position, (line, line_gross) in enumerate(zip(priced, gross, strict=True), start=1):
        net = quantize(line_gross * Decimal(line.net_amount) / Decimal(line.total))
        rows.append(
            (position, line.pk, line.key, line.code, line.name, net, line.tax_rate, line_gross - net, line_gross)
        )
    return rows


INVOICE_COLUMNS = (
    "id", "kind", "number", "status", "account_id", "contract_id", "billing_line_id", "credited_invoice_id",
    "currency", "issue_date", "payment_days", "due_date", "tax_invoice_number", "tax_invoice_date", "net_total",
    "tax_total", "total", "credited", "allocated", "open_amount", "note", "reason", "collection_level",
    "created_by_id", "issued_by_id", "issued_at", "cancelled_at", "version", "created_at", "updated_at",
)  # fmt: skip
LINE_COLUMNS = (
    "id", "invoice_id", "position", "contract_line_id", "line_key", "code", "name", "net_amount", "tax_rate",
    "tax_amount", "total",
)  # fmt: skip


def create_drafts(lines: Sequence[Any], fired: dict[int, date], actor_id: int | None = None) -> list[int]:
    """Draft invoices for `lines` (schedule lines or `Due` rows, of any contracts), written
    set-based (COPY on PostgreSQL); the lines become invoiced. Returns the drafts' ids in order."""
    if not lines:
        return []
    contracts = dict(
        Contract.objects.filter(pk__in={line.contract_id for line in lines}).values_list("pk", "current_id")
    )
    heads = {
        pk: (account, number)
        for pk, account, number in Contract.objects.filter(pk__in=contracts).values_list("pk", "account_id", "number")
    }
    accounts = {pk: account for pk, (account, _number) in heads.items()}
    by_version: dict[int, list[ContractLine]] = defaultdict(list)
    for contract_line in ContractLine.objects.filter(version_id__in=set(contracts.values())).order_by(
        "version_id", "key"
    ):
        by_version[contract_line.version_id].append(contract_line)
    totals = dict(ContractVersion.objects.filter(pk__in=set(contracts.values())).values_list("pk", "grand_total"))
    now = timezone.now()
    invoice_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    ids = next_ids(Invoice, len(lines))
    for line, pk in zip(lines, ids, strict=True):
        version_id = contracts[line.contract_id] or 0
        rows = invoice_lines(Decimal(line.amount), by_version[version_id], totals.get(version_id, ZERO))
        net, tax = sum((r[5] for r in rows), ZERO), sum((r[7] for r in rows), ZERO)
        days = RETENTION_PAYMENT_DAYS if line.trigger == TermTrigger.WARRANTY else line.days
        invoice_rows.append(
            (pk, InvoiceKind.INVOICE, "", InvoiceStatus.DRAFT, accounts[line.contract_id], line.contract_id, line.pk,
             None, line.currency, None, days, None, "", None, net, tax, line.amount, ZERO, ZERO, ZERO, line.label, "",
             0, actor_id, None, None, None, 1, now, now)
        )  # fmt: skip
        line_rows += [(pk, *row) for row in rows]
    line_ids = next_ids(InvoiceLine, len(line_rows))
    bulk_insert(Invoice, INVOICE_COLUMNS, invoice_rows)
    bulk_insert(InvoiceLine, LINE_COLUMNS, [(pk, *row) for pk, row in zip(line_ids, line_rows, strict=True)])
    # One UPDATE per day the triggers fired (few), each line pointing at its own draft.
    draft_of = Subquery(
        Invoice.objects.filter(billing_line=OuterRef("pk"), status=InvoiceStatus.DRAFT).order_by("-pk").values("pk")[:1]
    )
    by_day: dict[date | None, list[int]] = defaultdict(list)
    for line in lines:
        by_day[fired.get(line.pk)].append(line.pk)
    for day, pks in by_day.items():
        extra = {"due_on": day} if day is not None else {}
        BillingLine.objects.filter(pk__in=pks).update(status=LineStatus.INVOICED, invoice=draft_of, **extra)
    emit_many(
        [
            InvoiceDrafted(
                subject_id=pk,
                contract=heads[line.contract_id][1],
                contract_id=line.contract_id,
                account_id=heads[line.contract_id][0],
                billing_line_id=line.pk,
                total=Decimal(line.amount),
                currency=line.currency,
            )
            for line, pk in zip(lines, ids, strict=True)
        ]
    )
    return ids


def schedule_bill_fired(contract: Contract, *, today: date | None = None) -> list[Invoice]:
    """Make a draft invoice for each planned line of the contract whose trigger has fired, and
    tell finance (task and e-mail, with the links they need)."""
    today = today or timezone.localdate()
    if contract.status not in BILLABLE:
        return []
    pending = list(
        BillingLine.objects.select_for_update(of=("self",))
        .filter(contract=contract, status=LineStatus.PLANNED)
        .select_related("milestone")
    )
    fired = _warranty_fired(pending, today)
    for line in pending:
        when = _fired_on(line, contract.signed_on, line.milestone, today)
        if when is not None:
            fired[line.pk] = when
    ready = [line for line in pending if line.pk in fired]
    ids = create_drafts(ready, fired)
    invoices = Invoice.objects.select_related("contract__account", "contract__quote_version").in_bulk(ids)
    for line, pk in zip(ready, ids, strict=True):
        notices.draft_ready(invoices[pk], line)
    return [invoices[pk] for pk in ids]


def invoice_run(
    *, today: date | None = None, chunk: int = RUN_CHUNK, progress: Callable[[], bool] | None = None
) -> int:
    """The daily invoice run: every planned line whose trigger has fired (a date reached, a
    warranty over, or an event missed) gets its draft invoice, in chunks of `chunk` lines each
    in its own transaction. Lines already invoiced are never billed again, so a run stopped
    anywhere is finished by the next. `progress` is called after each chunk (the worker's lease);
    when it answers False the run stops. Returns the count."""
    today = today or timezone.localdate()
    made = 0
    last_id = 0
    base = BillingLine.objects.filter(status=LineStatus.PLANNED, contract__status__in=BILLABLE)
    candidates = base.filter(
        Q(trigger=TermTrigger.DATE, expected_on__lte=today)
        | Q(trigger=TermTrigger.SIGNING)
        | Q(trigger=TermTrigger.ACCEPTANCE, milestone__status=MilestoneStatus.ACCEPTED)
        | Q(trigger=TermTrigger.DELIVERY, milestone__status__in=(MilestoneStatus.DELIVERED, MilestoneStatus.ACCEPTED))
        | Q(trigger=TermTrigger.WARRANTY)
    )
    while True:
        with transaction.atomic():
            rows = (
                candidates.filter(pk__gt=last_id)
                .order_by("pk")
                .select_for_update(of=("self",), skip_locked=True)
                .values_list(*Due.FIELDS)[:chunk]
            )
            lines = [Due(*row) for row in rows]
            if not lines:
                break
            last_id = lines[-1].pk
            fired = _warranty_fired(lines, today)
            for line in lines:
                when = _fired_on(line, line.signed_on, line if line.status else None, today)
                if when is not None:
                    fired[line.pk] = when
            made += len(create_drafts([line for line in lines if line.pk in fired], fired))
        if progress is not None and not progress():
            break
    if made:
        notices.run_summary(made, today)
    return made


def reopen_line(invoice: Invoice) -> None:
    """The invoice of a schedule line was cancelled: the line is due again (to invoice anew)."""
    if invoice.billing_line_id and invoice.status == InvoiceStatus.CANCELLED:
        BillingLine.objects.filter(pk=invoice.billing_line_id, invoice=invoice).update(
            status=LineStatus.DUE, invoice=None
        )
