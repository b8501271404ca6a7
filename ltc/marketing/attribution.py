"""Attribution to cash (归因到回款): which campaigns brought the leads, the deals, the won amount
and the cash collected, and what each returned on its cost.

What a touch is credited for (each outcome looks only at its own touches):

- a **lead** created in the period: its own touches (whenever recorded: they are its responses)
  and the touches of its contact and of its account up to its creation. Of those leads, the
  **MQL** (marketing-qualified: marked warm or hot, or already qualified by sales) and the **SQL**
  (sales-qualified: validated by sales, `qualified_at` set) are counted apart;
- a **deal** (opportunity): the touches of its source lead and of its account up to the deal's
  creation. A deal counts as made when it was created in the period, as won when it was won in
  the period (its won amount, CNY deals only), and brings the **cash collected** in the period:
  receipts allocated (核销) to CNY invoices of the contracts of the deal
  (opportunity → contract → invoice → allocation), reversals (negative allocations) included.

Models: **first touch** gives the whole outcome to the earliest touch, **last touch** to the
latest (ties broken by the touch's id), **linear** spreads it evenly over all its touches (its
amounts to the cent, the cents left over by the largest remainder, so that the shares add up to
the outcome exactly and the three models agree on the totals). An outcome without touches is credited to no campaign. ROI = (attributed cash − cost) / cost, with the
costs booked in the period (CNY campaigns only: the report is in CNY).

The credits are precomputed (ltc.marketing.services.attribution_credits: one row per outcome,
model and campaign, summed per day, kept by a touch hook and reactions to leads, deals and
payments, rebuilt by `manage.py attribution_rebuild`): the report adds up the day sums of the
period, one grouped query, plus one for members and one for costs.

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.money import Currency
from ltc.marketing.access import marketing_scope, sees_marketing
from ltc.marketing.models import Campaign, CampaignCost, CampaignKind, CampaignMember, MemberStatus
from ltc.marketing.models.attribution import AttributionDay, AttributionModel
from ltc.marketing.models.campaigns import MEMBER_STATUS_RANK

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")
ZERO = Decimal("0.00")
DEFAULT_DAYS = 365


# The report's field of each outcome's credit (counts; won and cash also have amounts).
OUTCOME_FIELDS = {"lead": "leads", "mql": "mql", "sql": "sql", "deal": "deals", "won": "won"}

# A member "responded" when they acted on the campaign, not merely received or opened it.
RESPONDED = [status for status in MemberStatus.values if MEMBER_STATUS_RANK[status] >= MEMBER_STATUS_RANK["clicked"]]


@dataclass(frozen=True)
class Period:
    """Dates inclusive at both ends, in the local time zone."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def ends_before(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


@dataclass
class CampaignFigures:
    """One campaign's attributed figures under one model (counts are Decimal: linear splits)."""

    campaign_id: int
    name: str
    code: str
    kind: str
    currency: str
    members: int = 0
    responded: int = 0
    leads: Decimal = ZERO
    mql: Decimal = ZERO
    sql: Decimal = ZERO
    deals: Decimal = ZERO
    won: Decimal = ZERO
    won_amount: Decimal = ZERO
    cash: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def kind_label(self) -> str:
        return str(CampaignKind(self.kind).label) if self.kind in CampaignKind.values else self.kind

    @property
    def roi(self) -> Decimal | None:
        """(attributed cash − cost) / cost; None without a cost (or in another currency)."""
        if self.cost <= 0 or self.currency != Currency.CNY:
            return None
        return ((self.cash - self.cost) / self.cost).quantize(RATIO, rounding=ROUND_HALF_UP)

    @property
    def roi_percent(self) -> Decimal | None:
        roi = self.roi
        return None if roi is None else (roi * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def _per(self, count: Decimal) -> Decimal | None:
        if count <= 0 or self.currency != Currency.CNY:
            return None
        return (self.cost / count).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return self._per(self.leads)

    @property
    def cost_per_mql(self) -> Decimal | None:
        return self._per(self.mql)

    @property
    def cost_per_won(self) -> Decimal | None:
        return self._per(self.won)


@dataclass
class Report:
    model: str
    period: Period
    kind: str | None
    campaigns: list[CampaignFigures] = field(default_factory=list)

    @property
    def model_label(self) -> str:
        return str(AttributionModel(self.model).label)

    def total(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.campaigns), ZERO)

    @property
    def totals(self) -> dict[str, Any]:
        names = ("members", "responded", "leads", "mql", "sql", "deals", "won", "won_amount", "cash", "cost")
        totals: dict[str, Any] = {name: self.total(name) for name in names}
        totals["members"] = int(totals["members"])
        totals["responded"] = int(totals["responded"])
        cost = sum((row.cost for row in self.campaigns if row.currency == Currency.CNY), ZERO)
        totals["cost"] = cost
        totals["roi"] = ((totals["cash"] - cost) / cost).quantize(RATIO, rounding=ROUND_HALF_UP) if cost > 0 else None
        totals["roi_percent"] = (
            None if totals["roi"] is None else (totals["roi"] * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        )
        return totals

    @property
    def conversion(self) -> dict[str, Decimal | None]:
        """MQL → SQL → won, in percent of the step before."""
        totals = self.totals
        return {
            "mql_to_sql": _percent(totals["sql"], totals["mql"]),
            "sql_to_won": _percent(totals["won"], totals["sql"]),
            "mql_to_won": _percent(totals["won"], totals["mql"]),
        }


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal:
    """A database sum as Decimal (SQLite answers floats: read through their shortest repr)."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def period_of(start: date | None, end: date | None) -> Period:
    """The period asked for, by default the last 365 days up to today; refuses an inverted one."""
    end = end or timezone.localdate()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationError({"to": [_("The end date must not be before the start date.")]})
    return Period(start, end)


def model_of(model: str | None) -> str:
    model = model or "linear"
    if model not in AttributionModel.values:
        raise ValidationError({"model": [_("Choose first, last or linear.")]})
    return model


def kind_of(kind: str | None) -> str | None:
    if not kind:
        return None
    if kind not in CampaignKind.values:
        raise ValidationError({"kind": [_("Choose a campaign type from the list.")]})
    return kind


def day_sums_sql() -> str:
    """Per campaign and outcome: the credits and credited amounts of the period under a model
    (params: model, from_d, to_d)."""
    table = AttributionDay._meta.db_table
    return f"""
    SELECT campaign_id, outcome, SUM(credit), SUM(amount) FROM {table}
    WHERE model = %(model)s AND day >= %(from_d)s AND day <= %(to_d)s
    GROUP BY campaign_id, outcome
    """  # noqa: S608 - table name from the model, no input


def sql_params(period: Period, model: str) -> dict[str, Any]:
    ops = connection.ops
    return {
        "model": model,
        "from_d": ops.adapt_datefield_value(period.start),
        "to_d": ops.adapt_datefield_value(period.end),
    }


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def attribution_report(
    *,
    user: Any,
    model: str | None = None,
    start: date | None = None,
    end: date | None = None,
    kind: str | None = None,
    campaign_ids: Iterable[int] | None = None,
) -> Report:
    """The attributed figures of every campaign the user may read (of `kind` when given), most
    cash first. Refuses a user who does not read marketing (PermissionDenied) and bad filters
    (ValidationError on model, kind, to). Four queries whatever the number of rows."""
    if not sees_marketing(user):
        raise PermissionDenied(_("Only marketing, sales managers and executives see attribution."))
    model = model_of(model)
    kind = kind_of(kind)
    period = period_of(start, end)
    campaigns = marketing_scope(Campaign.objects.all(), user)
    if kind:
        campaigns = campaigns.filter(kind=kind)
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=list(campaign_ids))
    rows = {
        pk: CampaignFigures(campaign_id=pk, name=name, code=code, kind=k, currency=currency)
        for pk, name, code, k, currency in campaigns.order_by("pk").values_list(
            "pk", "name", "code", "kind", "currency"
        )
    }
    if not rows:
        return Report(model=model, period=period, kind=kind)
    for c, outcome, credit, amount in _fetch(day_sums_sql(), sql_params(period, model)):
        row = rows.get(c)
        if row is None:
            continue
        if outcome == "cash":
            row.cash = _decimal(amount)
            continue
        setattr(row, OUTCOME_FIELDS[outcome], _decimal(credit))
        if outcome == "won":
            row.won_amount = _decimal(amount)
    members = (
        CampaignMember.objects.filter(
            campaign_id__in=list(rows), added_at__gte=period.starts_at, added_at__lt=period.ends_before
        )
        .values("campaign_id")
        .annotate(members=Count("id"), responded=Count("id", filter=Q(status__in=RESPONDED)))
    )
    for line in members:
        rows[line["campaign_id"]].members = line["members"]
        rows[line["campaign_id"]].responded = line["responded"]
    costs = (
        CampaignCost.objects.filter(campaign_id__in=list(rows), spent_on__gte=period.start, spent_on__lte=period.end)
        .values("campaign_id")
        .annotate(total=Sum("amount"))
    )
    for line in costs:
        rows[line["campaign_id"]].cost = _decimal(line["total"])
    ordered = sorted(rows.values(), key=lambda r: (-r.cash, -r.won_amount, -r.leads, r.name))
    return Report(model=model, period=period, kind=kind, campaigns=ordered)
