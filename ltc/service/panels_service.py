"""Service on the earlier stages' record pages (record-page panels, ltc.core.panels):

- the account page shows service next to sales: open cases with their SLA state, counts by
  status, the installed base (warranties ending soon), active entitlements and renewal deals, and
  "New case" for service staff. Drawn for service readers and the sales side (AR, SR, FR, sales
  managers) who may read the account; finance and marketing do not get it;
- the deal page of a renewal deal says what it renews ("Renewal of …");
- the lead page of a lead flagged on a case says "From service case CS-…", the case linked only
  for a viewer who may open it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.access import has_any_role
from ltc.core.panels import Panel, register
from ltc.customers.access import account_visible_q
from ltc.customers.models import Account
from ltc.leads.models import Lead
from ltc.opportunities.access import opportunity_scope
from ltc.opportunities.models import Opportunity
from ltc.service.access import SALES_SIDE, account_records_q, can_work_service, sees_service, service_scope
from ltc.service.models import (
    OPEN_CASE_STATUSES,
    Asset,
    AssetStatus,
    Case,
    CaseStatus,
    Entitlement,
    EntitlementStatus,
    Renewal,
)
from ltc.service.services.assets import reads_installed_base
from ltc.service.services.renewals import renewal_days
from ltc.service.services.upsell import upsell_of_lead

SHOWN = 10


def url_of(name: str, *args: Any) -> str:
    """A page's URL, or "" when that page is not installed (nothing is linked then)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _reads_account_service(user: Any, account: Account) -> bool:
    if not (sees_service(user) or has_any_role(user, SALES_SIDE)):
        return False
    if account_records_q(user) == Q():
        return True
    return Account.objects.filter(pk=account.pk).filter(account_visible_q(user)).exists()


def account_service(user: Any, account: Account) -> dict[str, Any] | None:
    """The account's service at a glance; None for a viewer outside service and sales, or when
    there is nothing to show and the viewer may not open a case."""
    if not _reads_account_service(user, account):
        return None
    today = timezone.localdate()
    cases = Case.objects.filter(account=account, merged_into__isnull=True)
    open_cases = list(
        cases.filter(status__in=OPEN_CASE_STATUSES).select_related("owner").order_by("resolution_due", "pk")[:SHOWN]
    )
    counts = cases.aggregate(
        total=Count("pk"), **{status.value: Count("pk", filter=Q(status=status)) for status in CaseStatus}
    )
    assets = Asset.objects.filter(account=account, status=AssetStatus.ACTIVE).aggregate(
        total=Count("pk"),
        ending=Count(
            "pk",
            filter=Q(warranty_ends_on__gte=today, warranty_ends_on__lte=today + timedelta(days=renewal_days())),
        ),
    )
    entitlements = list(
        Entitlement.objects.filter(
            account=account, status=EntitlementStatus.ACTIVE, starts_on__lte=today, ends_on__gte=today
        )
        .select_related("policy")
        .order_by("ends_on", "pk")[:SHOWN]
    )
    deal_visible = Exists(opportunity_scope(Opportunity.objects.filter(pk=OuterRef("opportunity_id")), user))
    renewals = list(
        Renewal.objects.filter(account=account)
        .select_related("opportunity__stage", "asset", "entitlement")
        .annotate(deal_visible=deal_visible)
        .order_by("-ends_on", "-pk")[:SHOWN]
    )
    staff = can_work_service(user)
    if not (counts["total"] or assets["total"] or entitlements or renewals or staff):
        return None
    new_case = url_of("service:case_create") if staff else ""
    return {
        "open_cases": [(case, url_of("service:case_detail", case.pk)) for case in open_cases],
        "status_counts": [(status.label, counts[status.value]) for status in CaseStatus],
        "cases_total": counts["total"],
        "assets_total": assets["total"],
        "assets_ending": assets["ending"],
        "renewal_days": renewal_days(),
        # Linked only for whoever may open the installed base (the list then filters to the account).
        "asset_list_url": url_of("service:asset_list") if reads_installed_base(user) else "",
        "entitlements": [(e, url_of("service:entitlement_detail", e.pk)) for e in entitlements],
        "renewals": renewals,
        "new_case_url": f"{new_case}?account={account.pk}" if new_case else "",
    }


def deal_renewal(user: Any, deal: Opportunity) -> dict[str, Any] | None:
    """On a renewal deal's page: what it renews and when that ends (linked for service readers of
    the account)."""
    visible = Exists(service_scope(Renewal.objects.filter(pk=OuterRef("pk")), user))
    renewal = (
        Renewal.objects.filter(opportunity_id=deal.pk)
        .select_related("asset", "entitlement")
        .annotate(visible=visible)
        .first()
    )
    if renewal is None:
        return None
    target = renewal.asset or renewal.entitlement
    url = ""
    if renewal.visible and target is not None:
        name = "service:asset_detail" if renewal.asset_id else "service:entitlement_detail"
        url = url_of(name, target.pk)
    return {"renewal": renewal, "renewed": target, "renewed_url": url}


def lead_from_case(user: Any, lead: Lead) -> dict[str, Any] | None:
    """On a lead flagged on a case: the case it came from, linked if the viewer may open it."""
    upsell = upsell_of_lead(user, lead.pk)
    if upsell is None:
        return None
    visible = bool(upsell.case_visible)  # type: ignore[attr-defined]
    return {"upsell": upsell, "case_url": url_of("service:case_detail", upsell.case_id) if visible else ""}


register(
    Panel(
        record=Account,
        key="account-service",
        title=_("Service"),
        template="service/panel_account.html",
        selector=account_service,
        # roles, the viewer's account access, open cases, counts, assets, entitlements, renewals
        # (with the viewer's deal scope: the people of the teams they manage)
        max_queries=9,
        order=40,
    )
)
register(
    Panel(
        record=Opportunity,
        key="opportunity-renewal",
        title=_("Renewal"),
        template="service/panel_renewal.html",
        selector=deal_renewal,
        max_queries=3,  # the renewal (with the viewer's service scope), the viewer's roles and people
        order=15,
    )
)
register(
    Panel(
        record=Lead,
        key="lead-service-case",
        title=_("From customer service"),
        template="service/panel_upsell.html",
        selector=lead_from_case,
        max_queries=3,  # the flag with its case's visibility, the viewer's roles and people
        order=15,
    )
)
