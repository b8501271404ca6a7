"""Every read of deals and pipelines, with access applied (ltc.opportunities.access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from ltc.core.access import fetch_or_404
from ltc.core.models import Activity
from ltc.core.money import quantize
from ltc.opportunities.access import opportunity_scope
from ltc.opportunities.choices import (
    ForecastCategory,
    OpportunityStatus,
    RequirableField,
    RequirementKind,
    ReviewStatus,
    ReviewType,
)
from ltc.opportunities.models import Bid, DecisionReview, Opportunity, Pipeline, Stage, StageRequirement
from ltc.opportunities.services.deals import checklists_of_deals
from ltc.org.authority import principals_stood_in_for
from ltc.org.models import Team, User

OPPORTUNITY_SORTS = {
    "-updated": ("-updated_at", "-id"),
    "-amount": ("-amount", "-id"),
    "amount": ("amount", "id"),
    "close": ("expected_close_date", "id"),
    "-close": ("-expected_close_date", "-id"),
    "name": ("name", "id"),
}
ROLES = ("ar", "sr", "fr", "sponsor")  # "my deals" as each member of the iron triangle
BOARD_CARDS = 20


@dataclass(frozen=True)
class OpportunityFilters:
    q: str = ""
    pipeline: int | None = None
    stage: int | None = None
    status: str = ""
    mine: str = ""  # one of ROLES: deals where the user holds that role
    owner: int | None = None
    account: int | None = None
    sort: str = "-updated"


def pipelines(*, active_only: bool = True) -> QuerySet[Pipeline]:
    stages = Stage.objects.prefetch_related(
        Prefetch("requirements", queryset=StageRequirement.objects.filter(active=True))
    )
    qs = Pipeline.objects.prefetch_related(Prefetch("stages", queryset=stages), "stages__templates")
    return qs.filter(active=True) if active_only else qs


def pipeline_get(*, pk: Any) -> Pipeline:
    return fetch_or_404(pipelines(active_only=False), pk=pk)


def pipeline_configuration(*, pk: Any) -> Pipeline:
    """A pipeline as the process centre configures it: every stage and every checklist item,
    the deactivated ones included (they are kept for history)."""
    stages = Stage.objects.prefetch_related("requirements", "templates__versions__uploaded_by")
    qs = Pipeline.objects.select_related("quote_from_stage", "quote_accepted_stage", "contract_signed_requirement")
    return fetch_or_404(qs.prefetch_related(Prefetch("stages", queryset=stages)), pk=pk)


def default_pipeline() -> Pipeline | None:
    return pipelines().first()


def _base(user: Any) -> QuerySet[Opportunity]:
    return opportunity_scope(
        Opportunity.objects.select_related("account", "owner", "sr", "fr", "sponsor", "stage", "pipeline"), user
    )


def opportunity_list(*, user: Any, filters: OpportunityFilters = OpportunityFilters()) -> QuerySet[Opportunity]:
    qs = _base(user)
    if term := filters.q.strip()[:100]:
        qs = qs.filter(Q(name__icontains=term) | Q(account__name__icontains=term))
    if filters.pipeline:
        qs = qs.filter(pipeline_id=filters.pipeline)
    if filters.stage:
        qs = qs.filter(stage_id=filters.stage)
    if filters.status in OpportunityStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    if filters.mine in ROLES:
        qs = qs.filter(**{"owner_id" if filters.mine == "ar" else f"{filters.mine}_id": user.pk})
    return qs.order_by(*OPPORTUNITY_SORTS.get(filters.sort, OPPORTUNITY_SORTS["-updated"]))


def opportunity_get(*, user: Any, pk: Any) -> Opportunity:
    return fetch_or_404(_base(user), pk=pk)


@dataclass(frozen=True)
class BoardCard:
    """What a board card tells beyond the deal itself: the readiness of the gate out of its stage
    (checklist items done of those needed), the days in the stage, the next open activity and
    whether the close date has passed."""

    deal: Opportunity
    done: int
    needed: int
    days_in_stage: int | None
    next_activity_at: datetime | None
    next_activity_title: str
    close_overdue: bool


@dataclass
class BoardColumn:
    stage: Stage
    count: int
    amounts: dict[str, Decimal]  # currency -> total; amounts in different currencies never add up
    weighted: dict[str, Decimal]  # currency -> sum of amount x the deal's probability
    cards: list[Opportunity]
    items: list[BoardCard] = field(default_factory=list)  # the cards with their facts (the page's)


# The deal fields a checklist item of kind "field" reads (Opportunity.filled); contacts are read in bulk.
_FIELD_COLUMNS: dict[str, str] = {
    RequirableField.AMOUNT: "amount",
    RequirableField.EXPECTED_CLOSE_DATE: "expected_close_date",
    RequirableField.SR: "sr",
    RequirableField.FR: "fr",
    RequirableField.SPONSOR: "sponsor",
    RequirableField.COMPETITORS: "competitors",
    RequirableField.PRODUCTS: "products_of_interest",
}


def _cards(visible: QuerySet[Opportunity], stage: Stage, extra: tuple[str, ...] = ()) -> QuerySet[Opportunity]:
    """A column's first cards: only what a card shows, so the (stage, amount) index does the work."""
    return (
        visible.filter(stage=stage)
        .select_related(None)
        .select_related("account", "owner")
        .only(
            "id",
            "version",
            "name",
            "amount",
            "currency",
            "expected_close_date",
            "account__name",
            "owner__display_name",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
            *extra,
        )
        .order_by("-amount", "-id")[:BOARD_CARDS]
    )


def _with_next_activity(cards: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    """The cards with their next open activity (the earliest due; undated ones last), as two
    subqueries of the column's own query."""
    upcoming = Activity.objects.filter(
        content_type=ContentType.objects.get_for_model(Opportunity), object_id=OuterRef("pk"), done_at__isnull=True
    ).order_by(F("due_at").asc(nulls_last=True), "id")
    return cards.annotate(
        next_activity_at=Subquery(upcoming.values("due_at")[:1]),
        next_activity_title=Subquery(upcoming.values("title")[:1]),
    )


def _board_items(columns: list[BoardColumn]) -> None:
    """Fill each column's `items`: the readiness of every card's gate is judged as the deal page
    judges it (services.deals.checklists_of_deals), one query per kind of item for the whole board.
    The gate to the next stage needs the stage's checklist, and an FR when the next stage needs one."""
    deals = [deal for column in columns for deal in column.cards]
    requirements = [r for column in columns if column.cards for r in column.stage.requirements.all() if r.active]
    lists = checklists_of_deals(deals, requirements) if deals and requirements else {}
    now = timezone.now()
    today = timezone.localdate()
    for index, column in enumerate(columns):
        following = columns[index + 1].stage if index + 1 < len(columns) else None
        needs_fr = following is not None and following.needs_fr
        for deal in column.cards:
            items = [item for item in lists.get(deal.pk, []) if item.requirement.stage_id == deal.stage_id]
            entered = deal.stage_entered_at
            column.items.append(
                BoardCard(
                    deal=deal,
                    done=sum(1 for item in items if item.done) + (1 if needs_fr and deal.fr_id else 0),
                    needed=len(items) + (1 if needs_fr else 0),
                    days_in_stage=(now - entered).days if entered else None,
                    next_activity_at=getattr(deal, "next_activity_at", None),
                    next_activity_title=getattr(deal, "next_activity_title", None) or "",
                    close_overdue=deal.expected_close_date is not None and deal.expected_close_date < today,
                )
            )


def board(*, user: Any, pipeline: Pipeline, mine: str = "", with_facts: bool = False) -> list[BoardColumn]:
    """One column per open stage: how many visible open deals, their amounts per currency, and
    the first cards (largest first). One grouped query for the totals and one per non-empty
    column. Won and lost deals are in the funnel and the list, not on the board.

    `with_facts` adds each card's facts (BoardCard): the next activity rides on the column's
    query; the gate readiness costs one query per kind of checklist item for the whole board."""
    visible = opportunity_list(
        user=user, filters=OpportunityFilters(pipeline=pipeline.pk, mine=mine, status=OpportunityStatus.OPEN)
    )
    counts: dict[int, int] = {}
    amounts: dict[int, dict[str, Decimal]] = {}
    weighted: dict[int, dict[str, Decimal]] = {}
    # Grouped by probability too, so the weighted sums are made here from a few rows rather
    # than by a multiplication per deal; COUNT(*) keeps it an index-only scan (opp_stage_totals).
    rows = visible.order_by().values("stage_id", "currency", "probability").annotate(n=Count("*"), total=Sum("amount"))
    for row in rows:
        stage_id, currency = row["stage_id"], row["currency"]
        total = Decimal(row["total"] or 0)
        counts[stage_id] = counts.get(stage_id, 0) + row["n"]
        per_stage = amounts.setdefault(stage_id, {})
        per_stage[currency] = per_stage.get(currency, Decimal(0)) + total
        per_weight = weighted.setdefault(stage_id, {})
        per_weight[currency] = per_weight.get(currency, Decimal(0)) + total * row["probability"] / 100
    for table in (amounts, weighted):
        for per_currency in table.values():
            for currency, value in per_currency.items():
                per_currency[currency] = quantize(value)
    stages = pipeline.open_stages()
    extra: tuple[str, ...] = ()
    if with_facts:
        fields = {
            _FIELD_COLUMNS[r.field_name]
            for s in stages
            for r in s.requirements.all()
            if r.active and r.kind == RequirementKind.FIELD and r.field_name in _FIELD_COLUMNS
        }
        extra = ("stage", "stage_entered_at", "fr", *sorted(fields))
    columns = []
    for stage in stages:
        count = counts.get(stage.pk, 0)
        cards: list[Opportunity] = []
        if count:
            query = _cards(visible, stage, extra)
            cards = list(_with_next_activity(query) if with_facts else query)
        columns.append(BoardColumn(stage, count, amounts.get(stage.pk, {}), weighted.get(stage.pk, {}), cards))
    if with_facts:
        _board_items(columns)
    return columns


def review_list(
    *, user: Any, opportunity: int | None = None, status: str = "", to_decide: bool = False
) -> QuerySet[DecisionReview]:
    """Reviews of the deals the user sees, those the user is to decide, and the open ones routed
    to someone the user decides for today (授权委托)."""
    stood_in = Q()
    for review_type in ReviewType.values:  # a delegation covers some review types only
        principals = principals_stood_in_for(user, f"review_{review_type.lower()}")
        stood_in |= Q(review_type=review_type, decider_id__in=principals, status=ReviewStatus.OPEN)
    qs = DecisionReview.objects.select_related(
        "opportunity", "decider", "opened_by", "decided_by", "decided_for"
    ).filter(Q(opportunity__in=opportunity_scope(Opportunity.objects.all(), user)) | Q(decider_id=user.pk) | stood_in)
    if opportunity:
        qs = qs.filter(opportunity_id=opportunity)
    if status in ReviewStatus.values:
        qs = qs.filter(status=status)
    if to_decide:
        qs = qs.filter(decider_id=user.pk, status=ReviewStatus.OPEN)
    return qs.order_by("-opened_at", "-id")


def review_get(*, user: Any, pk: Any) -> DecisionReview:
    return fetch_or_404(review_list(user=user).prefetch_related("assessments__assessor"), pk=pk)


def review_types_of(pipeline: Pipeline) -> list[str]:
    """The review types a pipeline's stages require, in stage order."""
    seen: list[str] = []
    for stage in pipeline.stages.all():
        for requirement in stage.requirements.all():
            if requirement.kind == RequirementKind.REVIEW and requirement.review_type not in seen:
                seen.append(requirement.review_type)
    return seen


# --- funnel and forecast ---------------------------------------------------------------------


@dataclass
class FunnelStage:
    stage: Stage
    count: int  # open deals in the stage now
    amounts: dict[str, Decimal]
    reached: int  # deals that ever reached the stage
    conversion: Decimal | None  # % of those that went on to the next stage (or won, after the last)


@dataclass
class Funnel:
    stages: list[FunnelStage]
    won: int
    lost: int

    @property
    def win_rate(self) -> Decimal | None:
        closed = self.won + self.lost
        return _percent(self.won, closed)


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(part * 100) / whole).quantize(Decimal("0.1")) if whole else None


def funnel(*, user: Any, pipeline: Pipeline) -> Funnel:
    """Per open stage: the deals in it now (count, amount per currency), how many ever reached it,
    and the stage-to-stage conversion. Three grouped queries whatever the number of deals."""
    visible = opportunity_scope(Opportunity.objects.filter(pipeline=pipeline), user).order_by()
    now: dict[int, int] = {}
    amounts: dict[int, dict[str, Decimal]] = {}
    rows = (
        visible.filter(status=OpportunityStatus.OPEN)
        .values("stage_id", "currency")
        .annotate(n=Count("*"), total=Sum("amount"))
    )
    for row in rows:
        now[row["stage_id"]] = now.get(row["stage_id"], 0) + row["n"]
        amounts.setdefault(row["stage_id"], {})[row["currency"]] = quantize(Decimal(row["total"] or 0))
    furthest = dict(visible.values_list("max_stage_order").annotate(n=Count("*")).values_list("max_stage_order", "n"))
    closed = dict(visible.exclude(status=OpportunityStatus.OPEN).values_list("status").annotate(n=Count("*")))
    open_stages = pipeline.open_stages()
    reached = [sum(n for order, n in furthest.items() if order >= s.order) for s in open_stages]
    won = closed.get(OpportunityStatus.WON, 0)
    stages = []
    for index, stage in enumerate(open_stages):
        following = reached[index + 1] if index + 1 < len(open_stages) else won
        stages.append(
            FunnelStage(
                stage,
                now.get(stage.pk, 0),
                amounts.get(stage.pk, {}),
                reached[index],
                _percent(following, reached[index]),
            )
        )
    return Funnel(stages, won, closed.get(OpportunityStatus.LOST, 0))


FORECAST_GROUPS = {"month": "month", "owner": "owner_id", "team": "owner__team_id"}  # group -> column


@dataclass
class ForecastRow:
    key: Any
    label: str
    by_category: dict[str, Decimal]
    weighted: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.by_category.values(), Decimal(0))


def forecast(
    *, user: Any, start: date, months: int = 6, group: str = "month", currency: str = "CNY"
) -> list[ForecastRow]:
    """Deals expected to close (open) or closed (won) from `start` for `months` months, in one
    currency: the amount per forecast category and the weighted amount, per month, owner or team.
    One grouped query."""
    end = _add_months(start, months)
    qs = (
        opportunity_scope(Opportunity.objects.all(), user)
        .filter(
            currency=currency,
            status__in=[OpportunityStatus.OPEN, OpportunityStatus.WON],
            expected_close_date__gte=start,
            expected_close_date__lt=end,
        )
        .exclude(forecast_category=ForecastCategory.OMITTED)
        .order_by()
    )
    key = FORECAST_GROUPS.get(group, "month")
    # Months are bucketed here from per-day sums: grouping by the stored date lets the database
    # use its index (truncating every row to its month costs a function call per row on SQLite).
    column = "expected_close_date" if key == "month" else key
    rows = qs.values(column, "forecast_category").annotate(
        total=Sum("amount"), weighted_total=Sum(F("amount") * F("probability"))
    )
    totals: dict[Any, dict[str, Decimal]] = {}
    weights: dict[Any, Decimal] = {}
    for row in rows:
        group_key = row[column].replace(day=1) if key == "month" else row[column]
        by_category = totals.setdefault(group_key, {})
        category = row["forecast_category"]
        by_category[category] = by_category.get(category, Decimal(0)) + Decimal(row["total"] or 0)
        weights[group_key] = weights.get(group_key, Decimal(0)) + Decimal(row["weighted_total"] or 0)
    table = {
        k: ForecastRow(k, "", {c: quantize(v) for c, v in cats.items()}, quantize(weights[k] / 100))
        for k, cats in totals.items()
    }
    _label_rows(table, key)
    return sorted(table.values(), key=lambda r: (r.key is None, r.key if key == "month" else r.label))


def _label_rows(table: dict[Any, ForecastRow], key: str) -> None:
    if key == "month":
        for row in table.values():
            row.label = row.key.strftime("%Y-%m") if row.key else "—"
        return
    model = User if key == "owner_id" else Team
    names = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=[k for k in table if k is not None])}
    for row in table.values():
        row.label = names.get(row.key, "—")


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def bid_list(*, user: Any, opportunity: int | None = None) -> QuerySet[Bid]:
    qs = Bid.objects.select_related("opportunity", "submitted_by").filter(
        opportunity__in=opportunity_scope(Opportunity.objects.all(), user)
    )
    return qs.filter(opportunity_id=opportunity) if opportunity else qs


def bid_get(*, user: Any, pk: Any) -> Bid:
    return fetch_or_404(
        (
            bid_list(user=user)
            .select_related("opportunity__owner", "opportunity__pipeline", "deadline_task")
            .prefetch_related("sections__owner", "documents__versions__uploaded_by")
        ),
        pk=pk,
    )
