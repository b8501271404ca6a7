"""The figures of each step of the process map, read from the step log (ltc/process/steps.py).

`map_figures()` computes every node's figures for the whole map in a fixed number of grouped
queries, whatever the number of records: the step log is aggregated in the database (counts per
node and week, percentiles of the time in step, exits by the step entered next), never loaded,
and through the step log's indexes only (see the note above `_flow`).

Time in step: PostgreSQL computes the median and p90 with `percentile_cont`; SQLite has no
percentile aggregate, so it ranks the visits per node with window functions and returns only the
(at most four per node) ranks the interpolation needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Avg, Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.billing.models import Invoice
from ltc.contracts.choices import ContractStatus
from ltc.contracts.models import Contract, Evaluation
from ltc.leads.models import Lead
from ltc.opportunities.models import GateOutcome, GateResult, Opportunity, StageRequirement
from ltc.org.models import User
from ltc.process.models import BindingKind, EvaluationStep, ProcessBinding, ProcessNode, StepVisit
from ltc.process.steps import positions
from ltc.quotes.models import Quote

PERCENTILES = (0.5, 0.9)
TENTH = Decimal("0.1")
PERCENT = Decimal("0.1")
SORT_MEMORY = "64MB"  # PostgreSQL's work_mem for the percentiles' sort (see _percentiles)


@dataclass(frozen=True)
class EvaluationScores:
    """The closing evaluations of contracts, at the step where contracts are evaluated."""

    count: int
    signing: Decimal | None
    fulfilment: Decimal | None
    satisfaction: Decimal | None


@dataclass(frozen=True)
class GateCount:
    """Refused and overridden moves for one gate item or one person (`key`: the item's or the
    person's id; FR_ITEM: "an FR must be named", which is no checklist item)."""

    key: int
    label: str
    refused: int
    overridden: int


FR_ITEM = 0


@dataclass(frozen=True)
class GateFigures:
    """The moves leaving the node's stages that met open gate items in the window: refused, or
    passed by override; by item (a move missing two items counts for each) and by person."""

    refused: int
    overridden: int
    by_item: tuple[GateCount, ...]
    by_person: tuple[GateCount, ...]


@dataclass(frozen=True)
class StepScores:
    """The contract evaluations naming the node (every one kept, not only the window's)."""

    count: int
    average: Decimal | None


@dataclass(frozen=True)
class NodeFigures:
    """One node's figures. `entered`/`left` count per week, oldest week first (`weeks[i]` is the
    Monday of week i). A parent's in flight, entries and exits are its own plus its children's;
    time in step and conversion are measured on the node's own visits (None: no visit left)."""

    node_id: int
    in_flight: int
    weeks: tuple[datetime, ...]
    entered: tuple[int, ...]
    left: tuple[int, ...]
    median_seconds: int | None
    p90_seconds: int | None
    exits: int
    to_next: int
    sla_breaches: int
    evaluations: EvaluationScores | None = None
    next_node_id: int | None = None
    gates: GateFigures | None = None  # a node bound to pipeline stages
    evaluated: StepScores | None = None  # a node some contract evaluation names

    @property
    def median_text(self) -> str:
        return duration_text(self.median_seconds)

    @property
    def p90_text(self) -> str:
        return duration_text(self.p90_seconds)

    @property
    def weekly(self) -> list[tuple[datetime, int, int]]:
        """(week's Monday, entered, left) per week, oldest first."""
        return list(zip(self.weeks, self.entered, self.left, strict=True))

    @property
    def entered_total(self) -> int:
        return sum(self.entered)

    @property
    def left_total(self) -> int:
        return sum(self.left)

    @property
    def conversion(self) -> Decimal | None:
        """Share of the exits in the window that went on to the next step, in percent (one decimal)."""
        if not self.exits or self.next_node_id is None:
            return None
        return (Decimal(100) * self.to_next / self.exits).quantize(PERCENT, ROUND_HALF_UP)


def duration_text(seconds: int | None) -> str:
    """A time in step as a person reads it: "3 d 4 h", "5 h 20 min", "12 min" ("—": none)."""
    if seconds is None:
        return "—"
    minutes = seconds // 60
    days, hours = minutes // 1440, minutes % 1440 // 60
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes % 60}
    return _("%(m)d min") % {"m": minutes}


def window_start(weeks: int, now: datetime | None = None) -> datetime:
    """Monday 00:00 (local time) of the first of the last `weeks` weeks, the current one included."""
    today = timezone.localdate(now or timezone.now())
    monday = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    return timezone.make_aware(datetime.combine(monday, datetime.min.time()))


def map_figures(*, weeks: int = 12, now: datetime | None = None) -> dict[int, NodeFigures]:
    """Every active node's figures over the last `weeks` weeks, in nine queries whatever the data."""
    now = now or timezone.now()
    since = window_start(weeks, now)
    week_starts = tuple(since + timedelta(days=7 * i) for i in range(weeks))
    nodes: list[dict[str, Any]] = [
        dict(row) for row in ProcessNode.objects.filter(active=True).values("id", "parent_id", "order", "code")
    ]
    children: dict[int | None, list[dict[str, Any]]] = {}
    for node in sorted(nodes, key=lambda n: (n["order"], n["code"])):
        children.setdefault(node["parent_id"], []).append(node)

    active = [node["id"] for node in nodes]
    flow = _flow(active, week_starts, now)
    exits = _exits(active, week_starts, now)
    percentiles = _percentiles(active, since, now)
    bound = positions()
    breaches = _sla_breaches(bound, now)
    evaluated_at = bound.get((BindingKind.CONTRACT_STATUS, ContractStatus.CLOSED))
    scores = _evaluations()  # read even when no step shows it: the same queries whatever the data
    gates = _gates(bound, since, now)
    evaluated = _step_scores()

    left: dict[int, list[int]] = {}  # node id → exits per week, wherever they went
    for (node_id, _after), counts in exits.items():
        weekly = left.setdefault(node_id, [0] * weeks)
        for w, n in enumerate(counts):
            weekly[w] += n

    def subtree(node_id: int) -> list[int]:
        ids = [node_id]
        for child in children.get(node_id, []):
            ids += subtree(child["id"])
        return ids

    def next_sibling(node: dict[str, Any]) -> int | None:
        siblings = children.get(node["parent_id"], [])
        at = next(i for i, s in enumerate(siblings) if s["id"] == node["id"])
        return siblings[at + 1]["id"] if at + 1 < len(siblings) else None

    # The map in reading order (a node, then its children): an exit "went on" when the step it
    # entered comes after the node's whole subtree — the next step, or a later one when the next
    # has nothing bound to it (MO.1 → MO.3), or the next group's first (MO.5 → MCE.1).
    order: dict[int, int] = {}
    last_below: dict[int, int] = {}

    def number(node: dict[str, Any]) -> int:
        order[node["id"]] = len(order)
        last = order[node["id"]]
        for child in children.get(node["id"], []):
            last = number(child)
        last_below[node["id"]] = last
        return last

    for root in children.get(None, []):
        number(root)

    no_visits: defaultdict[str, int] = defaultdict(int)  # a node without visits
    no_exits = [0] * weeks
    figures: dict[int, NodeFigures] = {}
    for node in nodes:
        ids = subtree(node["id"])
        following = next_sibling(node)
        into_next = sum(
            sum(n)
            for (src, dst), n in exits.items()
            if src == node["id"] and dst is not None and order.get(dst, -1) > last_below[node["id"]]
        )
        median, p90 = percentiles.get(node["id"], (None, None))
        figures[node["id"]] = NodeFigures(
            node_id=node["id"],
            in_flight=sum(flow.get(i, no_visits)["in_flight"] for i in ids),
            weeks=week_starts,
            entered=tuple(sum(flow.get(i, no_visits)[f"e{w}"] for i in ids) for w in range(weeks)),
            left=tuple(sum(left.get(i, no_exits)[w] for i in ids) for w in range(weeks)),
            median_seconds=median,
            p90_seconds=p90,
            exits=sum(left.get(node["id"], no_exits)),
            to_next=into_next,
            sla_breaches=sum(breaches.get(i, 0) for i in ids),
            evaluations=scores if node["id"] == evaluated_at else None,
            next_node_id=following,
            gates=gates.get(node["id"]),
            evaluated=evaluated.get(node["id"]),
        )
    return figures


# The figures read the step log through its indexes only, each query ranges of one index per node
# (`node_id IN (...)` leads every index): the open visits (step_visit_open), the visits entered in
# each week (step_visit_entered), the visits left in each week with their time in step and next
# step (step_visit_left). On PostgreSQL these are index-only scans of the window's rows. A week's
# visits are counted as the range of the index that holds them (a join to the table of weeks), not
# by testing every row against every week.


def _nodes_in(ids: list[int]) -> tuple[str, list[int]]:
    """`node_id IN (...)` for the node ids, with its parameters (no node: matches nothing)."""
    if not ids:
        return "v.node_id IN (NULL)", []
    return f"v.node_id IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _weeks_table(weeks: tuple[datetime, ...], now: datetime) -> tuple[str, list[datetime]]:
    """A derived table of the weeks (w: 0 the oldest; [s, e): its bounds, the last ends now), with
    its parameters."""
    ends = (*weeks[1:], now)
    rows = " UNION ALL ".join(f"SELECT {w} AS w, %s AS s, %s AS e" for w in range(len(weeks)))
    return f"({rows}) weeks", [bound for start, end in zip(weeks, ends, strict=True) for bound in (start, end)]


def _flow(ids: list[int], weeks: tuple[datetime, ...], now: datetime) -> dict[int, dict[str, int]]:
    """node id → {"in_flight", "e0".."e<n>"}: the open visits, and the visits entered in each week
    (one query)."""
    table = StepVisit._meta.db_table
    nodes, node_params = _nodes_in(ids)
    weeks_table, week_params = _weeks_table(weeks, now)
    sql = (
        f"SELECT v.node_id, -1, COUNT(*) FROM {table} v WHERE {nodes} AND v.left_at IS NULL "  # noqa: S608 - no user input
        f"GROUP BY v.node_id UNION ALL SELECT v.node_id, weeks.w, COUNT(*) FROM {weeks_table} JOIN {table} v "
        f"ON v.entered_at >= weeks.s AND v.entered_at < weeks.e WHERE {nodes} GROUP BY v.node_id, weeks.w"
    )
    flow: dict[int, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*node_params, *week_params, *node_params])
        for node_id, week, n in cursor.fetchall():
            flow.setdefault(node_id, defaultdict(int))["in_flight" if week < 0 else f"e{week}"] = n
    return flow


def _exits(ids: list[int], weeks: tuple[datetime, ...], now: datetime) -> dict[tuple[int, int | None], tuple[int, ...]]:
    """(node left, node entered next or None) → the visits left in each week (one grouped query).
    `next_node` is written when a visit closes, so where each exit went needs no look-up of the
    record's next visit."""
    table = StepVisit._meta.db_table
    nodes, node_params = _nodes_in(ids)
    weeks_table, week_params = _weeks_table(weeks, now)
    sql = (
        f"SELECT v.node_id, v.next_node_id, weeks.w, COUNT(*) FROM {weeks_table} JOIN {table} v "  # noqa: S608 - no user input
        f"ON v.left_at >= weeks.s AND v.left_at < weeks.e WHERE {nodes} GROUP BY v.node_id, v.next_node_id, weeks.w"
    )
    exits: dict[tuple[int, int | None], list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*week_params, *node_params])
        for node_id, after, week, n in cursor.fetchall():
            exits.setdefault((node_id, after), [0] * len(weeks))[week] = n
    return {key: tuple(counts) for key, counts in exits.items()}


def _percentiles(ids: list[int], since: datetime, now: datetime) -> dict[int, tuple[int | None, int | None]]:
    """node id → (median, p90) seconds in step of the visits left in the window (one query)."""
    table = StepVisit._meta.db_table
    nodes, node_params = _nodes_in(ids)
    if connection.vendor == "postgresql":
        # percentile_cont sorts each node's times in step: at the default work_mem (4MB) a node with
        # more than ~170k exits in the window sorts on disk (750k: about half the query's time). The
        # statement raises work_mem itself (set_config(..., true): an InitPlan run once, before the
        # first row) rather than by a SET of its own: still one query, and the setting ends with the
        # transaction (the statement's own outside an atomic block).
        sql = (
            f"SELECT node_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), "  # noqa: S608 - no user input
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FROM {table} v "
            f"WHERE {nodes} AND left_at >= %s AND left_at < %s "
            "AND (SELECT set_config('work_mem', %s, true)) IS NOT NULL GROUP BY node_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*node_params, since, now, SORT_MEMORY])
            return {node: (_seconds(median), _seconds(p90)) for node, median, p90 in cursor.fetchall()}
    # The ranks percentile_cont interpolates between: floor and floor + 1 of p * (n - 1).
    wanted = " OR ".join(
        f"(rn - 1 = CAST({p} * (cnt - 1) AS INTEGER) OR rn - 1 = CAST({p} * (cnt - 1) AS INTEGER) + 1)"
        for p in PERCENTILES
    )
    sql = (
        "SELECT node_id, rn, cnt, seconds FROM ("  # noqa: S608 - no user input
        "SELECT node_id, seconds, ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY seconds) AS rn, "
        f"COUNT(*) OVER (PARTITION BY node_id) AS cnt FROM {table} v WHERE {nodes} AND left_at >= %s AND left_at < %s"
        f") ranked WHERE {wanted}"
    )
    ranks: dict[int, dict[int, int]] = {}
    counts: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*node_params, since, now])
        for node, rn, cnt, seconds in cursor.fetchall():
            ranks.setdefault(node, {})[rn - 1] = seconds
            counts[node] = cnt
    result: dict[int, tuple[int | None, int | None]] = {}
    for node, values in ranks.items():
        median, p90 = (_interpolate(values, counts[node], p) for p in PERCENTILES)
        result[node] = (median, p90)
    return result


def _interpolate(values: dict[int, int], count: int, p: float) -> int:
    position = Decimal(str(p)) * (count - 1)
    low = int(position)
    high = min(low + 1, count - 1)
    fraction = position - low
    value = Decimal(values[low]) + (Decimal(values[high]) - Decimal(values[low])) * fraction
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def _seconds(value: Any) -> int | None:
    return None if value is None else int(Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP))


def _sla_breaches(bound: dict[tuple[str, str], int], now: datetime) -> dict[int, int]:
    """node id → open leads past their first-contact time and not contacted, by the node their
    status stands in (the only step with an SLA kept on the record today)."""
    rows = (
        Lead.objects.contact_overdue(now=now)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts: dict[int, int] = {}
    for status, n in rows:
        node = bound.get((BindingKind.LEAD_STATUS, status))
        if node is not None:
            counts[node] = counts.get(node, 0) + n
    return counts


def _evaluations() -> EvaluationScores:
    """The average scores of the contract evaluations, shown at the node where closed contracts
    stand (关闭和评价合同): an evaluation names no step of its own."""
    row = Evaluation.objects.aggregate(
        n=Count("id"),
        signing=Avg("signing_score"),
        fulfilment=Avg("fulfilment_score"),
        satisfaction=Avg("satisfaction"),
    )
    return EvaluationScores(
        count=row["n"],
        signing=_tenth(row["signing"]),
        fulfilment=_tenth(row["fulfilment"]),
        satisfaction=_tenth(row["satisfaction"]),
    )


def _gates(bound: dict[tuple[str, str], int], since: datetime, now: datetime) -> dict[int, GateFigures]:
    """node id → the refused and overridden moves leaving the pipeline stages bound to it in the
    window, by person and by missing item (one grouped query through the gate outcomes' index)."""
    stage_node = {int(key): node for (kind, key), node in bound.items() if kind == BindingKind.STAGE}
    stages = sorted(stage_node)
    gate, missing = GateOutcome._meta.db_table, GateOutcome.missing.through._meta.db_table
    users, items = User._meta.db_table, StageRequirement._meta.db_table
    where = f"g.from_stage_id IN ({', '.join(['%s'] * len(stages)) or 'NULL'}) AND g.at >= %s AND g.at < %s"  # noqa: S608 - no user input
    params: list[Any] = [*stages, since, now]
    sql = (
        f"SELECT g.from_stage_id, g.outcome, 'p', g.actor_id, u.first_name, u.last_name, u.username, u.display_name, COUNT(*) "  # noqa: S608 - no user input
        f"FROM {gate} g JOIN {users} u ON u.id = g.actor_id WHERE {where} "
        "GROUP BY g.from_stage_id, g.outcome, g.actor_id, u.first_name, u.last_name, u.username, u.display_name "
        f"UNION ALL SELECT g.from_stage_id, g.outcome, 'i', r.id, r.label, '', '', '', COUNT(*) "
        f"FROM {gate} g JOIN {missing} m ON m.gateoutcome_id = g.id JOIN {items} r ON r.id = m.stagerequirement_id "
        f"WHERE {where} GROUP BY g.from_stage_id, g.outcome, r.id, r.label "
        f"UNION ALL SELECT g.from_stage_id, g.outcome, 'f', {FR_ITEM}, '', '', '', '', COUNT(*) "
        f"FROM {gate} g WHERE {where} AND g.fr_missing = %s GROUP BY g.from_stage_id, g.outcome"
    )
    # node id → "p"/"i" → key → [label, refused, overridden]
    counted: dict[int, dict[str, dict[int, list[Any]]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, *params, True])
        for stage_id, outcome, by, key, first, last, username, display_name, n in cursor.fetchall():
            if by == "f":
                by, label = "i", str(_("An FR must be named"))
            elif by == "p":
                # The name User.__str__ gives.
                label = display_name or f"{first} {last}".strip() or username
            else:
                label = first
            row = counted.setdefault(stage_node[stage_id], {}).setdefault(by, {}).setdefault(key, [label, 0, 0])
            row[1 if outcome == GateResult.REFUSED else 2] += n

    def ranked(rows: dict[int, list[Any]]) -> tuple[GateCount, ...]:
        counts = [GateCount(key, label, refused, overridden) for key, (label, refused, overridden) in rows.items()]
        return tuple(sorted(counts, key=lambda c: (-c.refused - c.overridden, c.label)))

    return {
        node: GateFigures(
            refused=sum(c.refused for c in ranked(by.get("p", {}))),
            overridden=sum(c.overridden for c in ranked(by.get("p", {}))),
            by_item=ranked(by.get("i", {})),
            by_person=ranked(by.get("p", {})),
        )
        for node, by in counted.items()
    }


def _step_scores() -> dict[int, StepScores]:
    """node id → how many contract evaluations name it and their average score (one query)."""
    rows = EvaluationStep.objects.order_by().values("node_id").annotate(n=Count("id"), average=Avg("score"))
    return {row["node_id"]: StepScores(row["n"], _tenth(row["average"])) for row in rows}


def _tenth(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(TENTH, ROUND_HALF_UP)


# --- drill-down: the records behind a figure --------------------------------------------------


class Figure(models.TextChoices):
    IN_FLIGHT = "in_flight", _("In flight")
    ENTERED = "entered", _("Entered")
    LEFT = "left", _("Left")
    SLOW = "slow", _("Slower than p90")
    REFUSED = "refused", _("Gate refused")
    OVERRIDDEN = "overridden", _("Gate overridden")
    EVALUATED = "evaluated", _("Named in evaluations")


OUTCOME_FIGURES = {Figure.REFUSED: GateResult.REFUSED, Figure.OVERRIDDEN: GateResult.OVERRIDDEN}


@dataclass(frozen=True)
class RecordKind:
    """A kind of record a drill-down lists, through its stage's own list selector."""

    code: str
    label: Any
    model: type[models.Model]
    selector: Callable[..., QuerySet[Any]]
    url_name: str


def record_kinds() -> tuple[RecordKind, ...]:
    from ltc.billing.selectors import invoice_list
    from ltc.contracts.selectors import contract_list
    from ltc.leads.selectors import lead_list
    from ltc.opportunities.selectors import opportunity_list
    from ltc.quotes.selectors import quote_list

    return (
        RecordKind("lead", _("Leads"), Lead, lead_list, "leads:lead_detail"),
        RecordKind(
            "opportunity", _("Opportunities"), Opportunity, opportunity_list, "opportunities:opportunity_detail"
        ),
        RecordKind("quote", _("Quotes"), Quote, quote_list, "quotes:quote_detail"),
        RecordKind("contract", _("Contracts"), Contract, contract_list, "contracts:contract_detail"),
        RecordKind("invoice", _("Invoices"), Invoice, invoice_list, "billing:invoice_detail"),
    )


def subtree_ids(node: ProcessNode) -> list[int]:
    """The node and every node below it (one query: the map is small)."""
    below: dict[int | None, list[int]] = {}
    for pk, parent_id in ProcessNode.objects.order_by().values_list("pk", "parent_id"):
        below.setdefault(parent_id, []).append(pk)
    ids, queue = [], [node.pk]
    while queue:
        pk = queue.pop()
        ids.append(pk)
        queue += below.get(pk, [])
    return ids


def figure_visits(
    node: ProcessNode, figure: str, *, weeks: int = 12, now: datetime | None = None
) -> QuerySet[StepVisit]:
    """The visits behind one of the node's figures (its subtree's visits; `slow`: in flight for
    longer than the p90 time in step of the visits that left the node in the window)."""
    now = now or timezone.now()
    since = window_start(weeks, now)
    visits = StepVisit.objects.order_by().filter(node_id__in=subtree_ids(node))
    if figure == Figure.ENTERED:
        return visits.filter(entered_at__gte=since, entered_at__lt=now)
    if figure == Figure.LEFT:
        return visits.filter(left_at__gte=since, left_at__lt=now)
    visits = visits.filter(left_at__isnull=True)
    if figure == Figure.SLOW:
        p90 = _percentiles([node.pk], since, now).get(node.pk, (None, None))[1]
        if p90 is None:
            return visits.none()
        return visits.filter(entered_at__lt=now - timedelta(seconds=p90))
    return visits


def figure_kinds(visits: QuerySet[StepVisit]) -> list[RecordKind]:
    """The kinds of record among the visits (one query)."""
    present = set(visits.values_list("content_type_id", flat=True).distinct())
    return [k for k in record_kinds() if ContentType.objects.get_for_model(k.model).pk in present]


def figure_records(*, user: Any, visits: QuerySet[StepVisit], kind: RecordKind) -> QuerySet[Any]:
    """The records of `kind` behind the visits that `user` may open (the stage's list selector
    decides), each with `step_entered_at`, longest in the step first."""
    content_type = ContentType.objects.get_for_model(kind.model)
    mine = visits.filter(content_type=content_type)
    entered = mine.filter(object_id=OuterRef("pk")).order_by("-entered_at").values("entered_at")[:1]
    records: QuerySet[Any] = kind.selector(user=user)
    listed: QuerySet[Any] = (
        records.filter(pk__in=mine.values("object_id"))
        .annotate(step_entered_at=Subquery(entered))
        .order_by("step_entered_at", "pk")
    )
    return listed


# --- drill-down of the figures kept outside the step log: gate outcomes, evaluated steps ---------


def node_stage_ids(node: ProcessNode) -> list[int]:
    """The pipeline stages bound to the node (one query)."""
    keys = ProcessBinding.objects.filter(node=node, kind=BindingKind.STAGE).values_list("key", flat=True)
    return [int(key) for key in keys if key.isdigit()]


def gate_records(
    *,
    user: Any,
    node: ProcessNode,
    figure: str,
    item: int | None = None,
    person: int | None = None,
    weeks: int = 12,
    now: datetime | None = None,
) -> QuerySet[Opportunity]:
    """The deals behind the node's refused or overridden figure (optionally one item's — FR_ITEM:
    the missing FR — or one person's) that `user` may open (the deals' list selector decides),
    each with `step_entered_at`: the latest such outcome, latest first."""
    from ltc.opportunities.selectors import opportunity_list

    now = now or timezone.now()
    outcomes = GateOutcome.objects.order_by().filter(
        from_stage_id__in=node_stage_ids(node),
        outcome=OUTCOME_FIGURES[Figure(figure)],
        at__gte=window_start(weeks, now),
        at__lt=now,
    )
    if item == FR_ITEM:
        outcomes = outcomes.filter(fr_missing=True)
    elif item is not None:
        outcomes = outcomes.filter(missing=item)
    if person is not None:
        outcomes = outcomes.filter(actor_id=person)
    latest = outcomes.filter(opportunity_id=OuterRef("pk")).order_by("-at").values("at")[:1]
    deals: QuerySet[Opportunity] = (
        opportunity_list(user=user)
        .filter(pk__in=outcomes.values("opportunity_id"))
        .annotate(step_entered_at=Subquery(latest))
        .order_by("-step_entered_at", "-pk")
    )
    return deals


def evaluated_records(*, user: Any, node: ProcessNode) -> QuerySet[Contract]:
    """The contracts whose evaluation names the node, that `user` may open (the contracts' list
    selector decides), each with `step_entered_at`: when the step was rated, latest first."""
    from ltc.contracts.selectors import contract_list

    rated = EvaluationStep.objects.order_by().filter(node=node)
    when = rated.filter(evaluation__contract_id=OuterRef("pk")).values("at")[:1]
    contracts: QuerySet[Contract] = (
        contract_list(user=user)
        .filter(pk__in=rated.values("evaluation__contract_id"))
        .annotate(step_entered_at=Subquery(when))
        .order_by("-step_entered_at", "-pk")
    )
    return contracts
