"""Every read of leads, with access applied (ltc.leads.access)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from ltc.core import normalize
from ltc.core.access import fetch_or_404
from ltc.core.forms import is_id
from ltc.leads.access import created_scope, import_template_scope, lead_scope
from ltc.leads.choices import LeadSource, LeadStatus
from ltc.leads.models import Lead, LeadImport, LeadImportTemplate, SavedView
from ltc.org.models import User

LEAD_SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "-score": ("-score", "-id"),
    "score": ("score", "id"),
    "company": ("company_name", "id"),
    "-updated": ("-updated_at", "-id"),
}
UNASSIGNED = "none"
ME = "me"


@dataclass(frozen=True)
class LeadFilters:
    q: str = ""
    status: str = ""
    source: str = ""
    owner: str = ""  # a user id, "none" for the pool, "" for all
    created_by: str = ""  # "me", a user id, "" for anyone
    temperature: str = ""
    score_min: int | None = None
    score_max: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool = False
    import_batch: int | None = None
    account: int | None = None
    sort: str = "-created"


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def lead_list(*, user: User, filters: LeadFilters = LeadFilters()) -> QuerySet[Lead]:
    base = Lead.objects.select_related("owner", "created_by")
    # "Created by me" reaches the leads routed to others as well; every other list is the scope.
    qs = created_scope(base, user) if filters.created_by == ME else lead_scope(base, user)
    qs = qs.filter(merged_into__isnull=True)
    if term := filters.q.strip()[:100]:
        match = Q(company_name__icontains=term) | Q(contact_name__icontains=term)
        match |= Q(email_key=normalize.email(term)) | Q(credit_code=normalize.credit_code(term))
        if len(digits := normalize.mobile(term)) >= 7:
            match |= Q(mobile_key=digits)
        qs = qs.filter(match)
    for field in ("status", "source", "temperature"):
        if value := getattr(filters, field):
            qs = qs.filter(**{field: value})
    if filters.owner == UNASSIGNED:
        qs = qs.unassigned()
    elif is_id(filters.owner):
        qs = qs.filter(owner_id=int(filters.owner))
    if is_id(filters.created_by):
        qs = qs.filter(created_by_id=int(filters.created_by))
    if filters.score_min is not None:
        qs = qs.filter(score__gte=filters.score_min)
    if filters.score_max is not None:
        qs = qs.filter(score__lte=filters.score_max)
    if filters.created_from:
        qs = qs.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to:
        qs = qs.filter(created_at__lt=_day_start(filters.created_to + timedelta(days=1)))
    if filters.overdue:
        qs = qs.contact_overdue()
    if filters.import_batch:
        qs = qs.filter(import_batch_id=filters.import_batch)
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    return qs.order_by(*LEAD_SORTS.get(filters.sort, LEAD_SORTS["-created"]))


def lead_get(*, user: User, pk: Any) -> Lead:
    """Fetch and authorise in one call; a lead the user may not see is a 404. Its creator may read it."""
    leads = Lead.objects.select_related("owner", "owner__team", "account", "contact", "created_by")
    return fetch_or_404(lead_scope(leads, user, with_created=True), pk=pk)


def lead_status_counts(*, user: User, filters: LeadFilters = LeadFilters()) -> dict[str, int]:
    """Leads per status for the board's column headers: one grouped query."""
    qs = lead_list(user=user, filters=LeadFilters(**{**filters.__dict__, "status": "", "sort": "-created"}))
    rows = qs.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def leads_by_source_and_status(*, user: User, since: date | None = None) -> dict[str, dict[str, int]]:
    qs = lead_list(user=user, filters=LeadFilters(created_from=since))
    table: dict[str, dict[str, int]] = {}
    for row in qs.order_by().values("source", "status").annotate(n=Count("id")):
        table.setdefault(row["source"], {})[row["status"]] = row["n"]
    return table


def conversion_by_source(*, user: User, since: date | None = None) -> list[dict[str, Any]]:
    """Per source: leads, converted, conversion rate (%)."""
    table = leads_by_source_and_status(user=user, since=since)
    result = []
    for source in LeadSource.values:
        counts = table.get(source, {})
        total = sum(counts.values())
        if total:
            converted = counts.get(LeadStatus.CONVERTED, 0)
            result.append(
                {
                    "source": source,
                    "label": str(LeadSource(source).label),
                    "total": total,
                    "converted": converted,
                    "rate": round(converted * 100 / total, 1),
                }
            )
    return result


def median_hours_to_first_contact(*, user: User, since: date | None = None) -> float | None:
    """Median time from capture to the first logged contact, in hours (two small queries)."""
    qs = (
        lead_list(user=user, filters=LeadFilters(created_from=since))
        .filter(first_contacted_at__isnull=False)
        .order_by()
        .annotate(delay=F("first_contacted_at") - F("created_at"))
    )
    count = qs.count()
    if not count:
        return None
    middle: timedelta = qs.order_by("delay").values_list("delay", flat=True)[count // 2]
    return float(round(middle.total_seconds() / 3600, 1))


@dataclass(frozen=True)
class ImportFilters:
    status: str = ""
    created_by: str = ""  # "me" or ""


def lead_import_list(*, user: User, filters: ImportFilters = ImportFilters()) -> QuerySet[LeadImport]:
    """Imports the user ran; admins and marketing see everyone's. Newest first."""
    qs = LeadImport.objects.select_related("created_by")
    if not user.has_role("admin", "marketing"):
        qs = qs.filter(created_by=user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.created_by == ME:
        qs = qs.filter(created_by=user)
    return qs


def lead_import_get(*, user: User, pk: Any) -> LeadImport:
    return fetch_or_404(lead_import_list(user=user), pk=pk)


def lead_import_templates(*, user: User) -> QuerySet[LeadImportTemplate]:
    """The import templates offered to the user: their own and their team's shared ones."""
    return import_template_scope(LeadImportTemplate.objects.select_related("owner"), user)


def lead_import_template_get(*, user: User, pk: Any) -> LeadImportTemplate:
    return fetch_or_404(lead_import_templates(user=user), pk=pk)


def saved_views(*, user: User) -> QuerySet[SavedView]:
    return SavedView.objects.filter(user=user)
