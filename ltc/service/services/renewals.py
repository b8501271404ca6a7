"""Renewals (续约/续保): the daily run that turns warranties and service contracts ending within
the renewal window (LTC_RENEWAL_DAYS, default 90) into renewal deals for the account's AR.

One deal per thing ending: one per asset whose warranty ends, one per entitlement (service
contract) that ends. A `Renewal` row ties the deal to what it renews, and is unique per asset or
entitlement and end date: the run is idempotent (a second run the same day, or the next day, opens
nothing new); a warranty or contract extended to a later end date renews again when that date
comes within the window.

The deal is opened through the opportunities app's own service (`opportunity_create`), so its
rules apply: the AR must hold a sales role, the deal enters the default pipeline's first open
stage, its timeline records the creation. Its amount is left at 0 for the AR to price (the deal
service requires none); its expected close date is the end date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.access import has_any_role
from ltc.core.events import emit
from ltc.customers.models import Account
from ltc.opportunities.access import OPPORTUNITY_WRITE_ROLES
from ltc.opportunities.choices import OpportunityStatus
from ltc.opportunities.models import Pipeline
from ltc.opportunities.selectors import default_pipeline
from ltc.opportunities.services import opportunity_create
from ltc.service.access import service_scope
from ltc.service.events import RenewalDealCreated
from ltc.service.models import (
    Asset,
    AssetStatus,
    Entitlement,
    EntitlementStatus,
    Renewal,
    RenewalKind,
)

log = logging.getLogger(__name__)


def renewal_days() -> int:
    return int(getattr(settings, "LTC_RENEWAL_DAYS", 90))


def renewal_window(today: date | None = None) -> tuple[date, date]:
    """The end dates that renew now: from today to today + LTC_RENEWAL_DAYS, both included."""
    today = today or timezone.localdate()
    return today, today + timedelta(days=renewal_days())


def assets_due(today: date | None = None) -> QuerySet[Asset]:
    """Assets in use whose warranty ends within the window and has no renewal for that end date."""
    start, end = renewal_window(today)
    done = Renewal.objects.filter(asset_id=OuterRef("pk"), ends_on=OuterRef("warranty_ends_on"))
    return (
        Asset.objects.filter(status=AssetStatus.ACTIVE, warranty_ends_on__gte=start, warranty_ends_on__lte=end)
        .exclude(Exists(done))
        .select_related("account__owner", "product")
        .order_by("warranty_ends_on", "pk")
    )


def entitlements_due(today: date | None = None) -> QuerySet[Entitlement]:
    """Active entitlements ending within the window without a renewal for that end date."""
    start, end = renewal_window(today)
    done = Renewal.objects.filter(entitlement_id=OuterRef("pk"), ends_on=OuterRef("ends_on"))
    return (
        Entitlement.objects.filter(status=EntitlementStatus.ACTIVE, ends_on__gte=start, ends_on__lte=end)
        .exclude(Exists(done))
        .select_related("account__owner", "contract")
        .prefetch_related("products")
        .order_by("ends_on", "pk")
    )


@dataclass(frozen=True)
class _Due:
    kind: str
    account: Account
    ends_on: date
    name: str
    description: str
    products: str
    currency: str
    asset: Asset | None = None
    entitlement: Entitlement | None = None

    @property
    def subject(self) -> Asset | Entitlement:
        found = self.asset or self.entitlement
        assert found is not None  # noqa: S101 - a renewal is of an asset or an entitlement (DB constraint)
        return found


def _from_asset(asset: Asset) -> _Due:
    assert asset.warranty_ends_on is not None  # noqa: S101 - filtered by assets_due
    label = f"{asset.name} ({asset.code})" if asset.code else asset.name
    return _Due(
        kind=RenewalKind.WARRANTY,
        account=asset.account,
        ends_on=asset.warranty_ends_on,
        name=_("Warranty renewal: %(name)s") % {"name": label},
        description=_("The warranty of %(asset)s ends on %(date)s.")
        % {"asset": label, "date": asset.warranty_ends_on.isoformat()},
        products=asset.product.name if asset.product else asset.name,
        currency=settings.LTC_DEFAULT_CURRENCY,
        asset=asset,
    )


def _from_entitlement(entitlement: Entitlement) -> _Due:
    products = ", ".join(p.name for p in entitlement.products.all())
    return _Due(
        kind=RenewalKind.SERVICE_CONTRACT,
        account=entitlement.account,
        ends_on=entitlement.ends_on,
        name=_("Service contract renewal: %(name)s") % {"name": entitlement.name},
        description=_("The service contract %(name)s (%(level)s) ends on %(date)s.")
        % {"name": entitlement.name, "level": entitlement.get_level_display(), "date": entitlement.ends_on.isoformat()},
        products=products,
        currency=entitlement.contract.currency if entitlement.contract else settings.LTC_DEFAULT_CURRENCY,
        entitlement=entitlement,
    )


def _open_deal(due: _Due, pipeline: Pipeline) -> Renewal | None:
    """The renewal deal of one thing ending, or None when the AR may not own deals (logged) or a
    concurrent run made it first."""
    owner = due.account.owner
    if not owner.is_active or not has_any_role(owner, OPPORTUNITY_WRITE_ROLES):
        log.warning("Renewal of %s #%s skipped: the AR %s may not own deals.", due.kind, due.subject.pk, owner)
        return None
    data: dict[str, Any] = {
        "name": due.name[:200],
        "account": due.account,
        "pipeline": pipeline,
        "expected_close_date": due.ends_on,
        "currency": due.currency,
        "products_of_interest": due.products[:2000],
        "description": due.description[:5000],
    }
    try:
        with transaction.atomic():
            deal = opportunity_create(actor=owner, data=data)
            renewal = Renewal.objects.create(
                kind=due.kind,
                account=due.account,
                asset=due.asset,
                entitlement=due.entitlement,
                ends_on=due.ends_on,
                opportunity=deal,
            )
            timeline.record_field_changes(
                actor=None,
                subject=due.subject,
                changes=[],
                text=_("Renewal deal opened for the AR: %(deal)s") % {"deal": deal.name},
            )
            emit(
                RenewalDealCreated(
                    subject_id=renewal.pk,
                    renewal_kind=due.kind,
                    account_id=due.account.pk,
                    asset_id=due.asset.pk if due.asset else None,
                    entitlement_id=due.entitlement.pk if due.entitlement else None,
                    ends_on=due.ends_on,
                    opportunity_id=deal.pk,
                )
            )
    except IntegrityError:
        return None  # another run renewed it in the meantime
    except (ValidationError, PermissionDenied) as exc:
        log.warning("Renewal of %s #%s refused by the deal service: %s", due.kind, due.subject.pk, exc)
        return None
    return renewal


def renewals_run(*, today: date | None = None) -> int:
    """Open the renewal deals of everything ending within the window; returns how many were made.
    Idempotent: what already has its renewal for its end date is left alone. Without an active
    pipeline nothing is made (logged)."""
    pipeline = default_pipeline()
    if pipeline is None:
        log.warning("Renewals run: no active pipeline to open renewal deals in.")
        return 0
    # Names and descriptions are written in the active language: the installation's (LANGUAGE_CODE)
    # in the worker and in `ltc renewals_run`, Chinese in the demo.
    dues = [_from_asset(a) for a in assets_due(today)] + [_from_entitlement(e) for e in entitlements_due(today)]
    return sum(1 for due in dues if _open_deal(due, pipeline) is not None)


def renewal_list(user: Any, *, kind: str = "", status: str = "") -> QuerySet[Renewal]:
    """The renewals of the accounts `user` may read (service scope), soonest first. `status`
    (open, won, lost) is the deal's."""
    qs = service_scope(Renewal.objects.all(), user).select_related(
        "account", "asset", "entitlement", "opportunity__stage", "opportunity__owner"
    )
    if kind in RenewalKind.values:
        qs = qs.filter(kind=kind)
    if status in OpportunityStatus.values:
        qs = qs.filter(opportunity__status=status)
    return qs.order_by("ends_on", "pk")
