"""Service KPIs (服务指标), within the viewer's service scope, optionally for one team.

The figures of a period are those of the cases **opened** in it (from `since` to `until`, both
days included, in the installation's time zone); the backlog is the open cases now, by age. Merged
duplicates are left out. Counts, SLA verdicts, CSAT, breakdowns and upsell are grouped in the
database; response and resolution times are business minutes (the case's calendar: its
entitlement's policy's, else the default one) computed per case from the opened/responded/
resolved moments read in one query, with every calendar's days read once (no stored column).

- First response time: opened → first reply to the customer.
- Resolution time: opened → resolved, less the business minutes spent waiting on the customer.
- SLA attainment: met / (met + missed + breached) per clock; a clock still running is not
  counted, a breached one is (it can only end missed).
- CSAT: the average score (1–5) of the surveys answered; the response rate is answered / sent,
  a survey counting as sent when the case is resolved or closed with a survey token and a contact
  e-mail (or came by e-mail), or when it was answered.
- Upsell: flags raised on cases in the period, the deals their leads became, those won and the
  won amount per currency.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.access import has_any_role
from ltc.opportunities.choices import OpportunityStatus
from ltc.org.choices import RoleCode
from ltc.service.access import can_configure_service, sees_service, service_scope
from ltc.service.models import (
    OPEN_CASE_STATUSES,
    Asset,
    AssetStatus,
    BusinessCalendar,
    CalendarDay,
    Case,
    CaseCategory,
    CaseChannel,
    CaseStatus,
    CaseUpsell,
    DayKind,
    Priority,
    SlaState,
)
from ltc.service.services.clock import Clock

# (key, label, from days, to days): ages of open cases.
BACKLOG_BUCKETS = [
    ("lt_1d", gettext_lazy("Under 1 day"), 0, 1),
    ("1_3d", gettext_lazy("1–3 days"), 1, 3),
    ("3_7d", gettext_lazy("3–7 days"), 3, 7),
    ("gt_7d", gettext_lazy("Over 7 days"), 7, None),
]
TOP = 10
ONE_PLACE = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(since, time.min), tz),
        timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min), tz),
    )


def is_manager_view(user: Any) -> bool:
    """Who sees the figures by agent: service team managers, administrators and executives."""
    return can_configure_service(user) or has_any_role(user, (RoleCode.EXECUTIVE,))


def _clocks(calendar_ids: set[int]) -> tuple[dict[int, Clock], Clock]:
    """The Clocks of these calendars and of the default one (two queries whatever their number).
    Without any calendar, a Monday–Friday 09:00–18:00 clock."""
    calendars = list(BusinessCalendar.objects.filter(Q(pk__in=calendar_ids) | Q(is_default=True)))
    clocks = {c.pk: Clock(c.day_starts, c.day_ends) for c in calendars}
    for calendar_id, day, kind in CalendarDay.objects.filter(calendar_id__in=list(clocks)).values_list(
        "calendar_id", "day", "kind"
    ):
        clock = clocks[calendar_id]
        (clock.holidays if kind == DayKind.HOLIDAY else clock.workdays).add(day)
    default = next((clocks[c.pk] for c in calendars if c.is_default), None)
    return clocks, default or Clock(time(9, 0), time(18, 0))


def _minutes(values: list[int]) -> dict[str, Any]:
    return {
        "measured": len(values),
        "average_minutes": round(sum(values) / len(values)) if values else None,
        "median_minutes": round(median(values)) if values else None,
    }


def _times(opened: QuerySet[Case]) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = list(
        opened.filter(Q(first_response_at__isnull=False) | Q(resolved_at__isnull=False)).values_list(
            "opened_at", "first_response_at", "resolved_at", "paused_minutes", "entitlement__policy__calendar_id"
        )
    )
    clocks, default = _clocks({row[4] for row in rows if row[4]})
    response, resolution = [], []
    for opened_at, responded_at, resolved_at, paused, calendar_id in rows:
        clock = clocks.get(calendar_id, default) if calendar_id else default
        if responded_at is not None:
            response.append(clock.between(opened_at, responded_at))
        if resolved_at is not None:
            resolution.append(max(clock.between(opened_at, resolved_at) - paused, 0))
    return _minutes(response), _minutes(resolution)


def _verdicts(figures: dict[str, Any], clock: str) -> dict[str, Any]:
    met, missed, breached = figures[f"{clock}_met"], figures[f"{clock}_missed"], figures[f"{clock}_breached"]
    return {
        "met": met,
        "missed": missed,
        "breached": breached,
        "attainment": percent(met, met + missed + breached),
    }


def _surveyed() -> Q:
    """Cases whose survey went out: answered, or resolved/closed with a survey token and somewhere
    to mail it (a contact e-mail or an e-mail channel), not merely holding a token."""
    mailable = ~Q(contact__email="") & Q(contact__email__isnull=False) | Q(channel=CaseChannel.EMAIL)
    sent = ~Q(csat_token="") & Q(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED]) & mailable
    return sent | Q(csat_score__isnull=False)


def _summary(opened: QuerySet[Case]) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "opened": Count("pk"),
        "resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
        "csat_average": Avg("csat_score"),
        "csat_answered": Count("pk", filter=Q(csat_score__isnull=False)),
        "csat_sent": Count("pk", filter=_surveyed()),
    }
    for clock in ("response", "resolution"):
        for state in (SlaState.MET, SlaState.MISSED, SlaState.BREACHED):
            counts[f"{clock}_{state}"] = Count("pk", filter=Q(**{f"{clock}_sla": state}))
    return opened.aggregate(**counts)


def _backlog(cases: QuerySet[Case], now: datetime) -> list[dict[str, Any]]:
    buckets: dict[str, Any] = {}
    for key, _label, low, high in BACKLOG_BUCKETS:
        age = Q(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            age &= Q(opened_at__gt=now - timedelta(days=high))
        buckets[key] = Count("pk", filter=age)
    figures = cases.filter(status__in=OPEN_CASE_STATUSES).aggregate(**buckets)
    return [{"bucket": key, "label": str(label), "cases": figures[key]} for key, label, _low, _high in BACKLOG_BUCKETS]


def _breakdowns(opened: QuerySet[Case]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_priority: dict[str, int] = defaultdict(int)
    by_category: dict[str, int] = defaultdict(int)
    for priority, category, n in opened.order_by().values_list("priority", "category").annotate(n=Count("pk")):
        by_priority[priority] += n
        by_category[category] += n
    return (
        [{"priority": p.value, "label": str(p.label), "cases": by_priority.get(p.value, 0)} for p in Priority],
        [{"category": c.value, "label": str(c.label), "cases": by_category.get(c.value, 0)} for c in CaseCategory],
    )


def _per_asset(opened: QuerySet[Case], user: Any) -> dict[str, Any]:
    assets = [
        {"asset_id": pk, "name": name, "code": code, "cases": n}
        for pk, name, code, n in opened.filter(asset__isnull=False)
        .order_by()
        .values_list("asset_id", "asset__name", "asset__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "asset_id")[:TOP]
    ]
    products = [
        {"product_id": pk, "name": name, "cases": n}
        for pk, name, n in opened.filter(asset__product__isnull=False)
        .order_by()
        .values_list("asset__product_id", "asset__product__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "asset__product_id")[:TOP]
    ]
    on_assets = opened.filter(asset__isnull=False).count()
    installed = service_scope(Asset.objects.filter(status=AssetStatus.ACTIVE), user).count()
    ratio = (Decimal(on_assets) / Decimal(installed)).quantize(Decimal("0.01")) if installed else None
    return {
        "cases_on_assets": on_assets,
        "assets_in_use": installed,
        "cases_per_asset": ratio,
        "top_assets": assets,
        "top_products": products,
    }


def _upsell(user: Any, start: datetime, end: datetime, team_id: int | None) -> dict[str, Any]:
    flags = service_scope(
        CaseUpsell.objects.filter(flagged_at__gte=start, flagged_at__lt=end), user, account_path="case__account"
    )
    if team_id:
        flags = flags.filter(case__team_id=team_id)
    won = Q(lead__opportunity__status=OpportunityStatus.WON)
    figures = flags.aggregate(
        flagged=Count("pk"),
        deals=Count("pk", filter=Q(lead__opportunity__isnull=False)),
        won=Count("pk", filter=won),
    )
    amounts = [
        {"currency": currency, "amount": amount}
        for currency, amount in flags.filter(won)
        .order_by()
        .values_list("lead__opportunity__currency")
        .annotate(total=Sum("lead__opportunity__amount"))
        .order_by("lead__opportunity__currency")
    ]
    return {**figures, "won_amounts": amounts}


def _agents(opened: QuerySet[Case]) -> list[dict[str, Any]]:
    rows = (
        opened.filter(owner__isnull=False)
        .order_by()
        .values("owner_id", "owner__username", "owner__display_name", "owner__first_name", "owner__last_name")
        .annotate(
            opened=Count("pk"),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            response_met=Count("pk", filter=Q(response_sla=SlaState.MET)),
            response_judged=Count("pk", filter=Q(response_sla__in=[SlaState.MET, SlaState.MISSED, SlaState.BREACHED])),
            resolution_met=Count("pk", filter=Q(resolution_sla=SlaState.MET)),
            resolution_judged=Count(
                "pk", filter=Q(resolution_sla__in=[SlaState.MET, SlaState.MISSED, SlaState.BREACHED])
            ),
            csat_average=Avg("csat_score"),
        )
        .order_by("-opened", "owner_id")
    )
    agents = []
    for row in rows:
        full = f"{row['owner__last_name']}{row['owner__first_name']}".strip()
        agents.append(
            {
                "user_id": row["owner_id"],
                "name": row["owner__display_name"] or full or row["owner__username"],
                "opened": row["opened"],
                "resolved": row["resolved"],
                "response_attainment": percent(row["response_met"], row["response_judged"]),
                "resolution_attainment": percent(row["resolution_met"], row["resolution_judged"]),
                "csat_average": _one_place(row["csat_average"]),
            }
        )
    return agents


def _one_place(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_DAYS = 366


def period_errors(since: date, until: date) -> dict[str, list[str]]:
    """Field errors of a KPI period, empty when it may be computed: years 1900–2200 (beyond, the
    day after `until` overflows), the end not before the start, at most MAX_DAYS days."""
    errors: dict[str, list[str]] = {}
    for field, day in (("since", since), ("until", until)):
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            errors[field] = [_("Choose a day between %(low)d and %(high)d.") % {"low": MIN_YEAR, "high": MAX_YEAR}]
    if errors:
        return errors
    if until < since:
        errors["until"] = [_("The end comes before the start.")]
    elif (until - since).days + 1 > MAX_DAYS:
        errors["since"] = [_("Choose a period of at most %(n)d days.") % {"n": MAX_DAYS}]
    return errors


@dataclass(frozen=True)
class Period:
    since: date
    until: date

    @classmethod
    def default(cls, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - timedelta(days=29), today)


def service_kpis(
    user: Any, *, since: date, until: date, team_id: int | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The service figures of the cases opened from `since` to `until` (inclusive) that `user`
    may read, for one team or all; the backlog as of `now`. Service readers only (403); a period
    `period_errors` refuses raises ValidationError with its field errors."""
    if not sees_service(user):
        raise PermissionDenied(_("You may not read the service figures."))
    errors = period_errors(since, until)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    start, end = _bounds(since, until)
    cases = service_scope(Case.objects.filter(merged_into__isnull=True), user)
    if team_id:
        cases = cases.filter(team_id=team_id)
    opened = cases.filter(opened_at__gte=start, opened_at__lt=end)
    summary = _summary(opened)
    response_time, resolution_time = _times(opened)
    by_priority, by_category = _breakdowns(opened)
    backlog = _backlog(cases, now)
    return {
        "since": since,
        "until": until,
        "team_id": team_id,
        "cases": {"opened": summary["opened"], "resolved": summary["resolved"]},
        "first_response": response_time,
        "resolution": resolution_time,
        "sla": {"response": _verdicts(summary, "response"), "resolution": _verdicts(summary, "resolution")},
        "backlog": backlog,
        "backlog_total": sum(b["cases"] for b in backlog),
        "csat": {
            "average": _one_place(summary["csat_average"]),
            "answered": summary["csat_answered"],
            "sent": summary["csat_sent"],
            "response_rate": percent(summary["csat_answered"], summary["csat_sent"]),
        },
        "by_priority": by_priority,
        "by_category": by_category,
        "assets": _per_asset(opened, user),
        "upsell": _upsell(user, start, end, team_id),
        "agents": _agents(opened) if is_manager_view(user) else None,
    }
