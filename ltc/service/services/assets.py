"""The installed base (装机清单): assets made from the delivered and accepted lines of a contract,
recorded by hand by service staff, changed (serial numbers, site, status, entitlement, warranty)
and retired — every change on the asset's timeline, every update checked against its version.

An asset is made from a contract line when the line was delivered through orders the customer
accepted: the orders of a milestone accepted (验收), or, for orders without a milestone, once the
contract is completed. One asset per contract line: making the assets again changes nothing, a
later acceptance of more of the line updates its quantity and dates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.catalog.models import Product
from ltc.contracts.choices import ContractStatus, MilestoneStatus, OrderStatus
from ltc.contracts.models import Contract, ContractLine, DeliveryLine, OrderLine
from ltc.core import search, timeline
from ltc.core.access import fetch_or_404, has_any_role
from ltc.core.concurrency import save_if_current
from ltc.core.forms import is_id
from ltc.core.models import TimelineEvent, TimelineKind
from ltc.customers.access import account_visible_q
from ltc.customers.models import Account
from ltc.service.access import SALES_SIDE, can_work_service, sees_service, service_scope
from ltc.service.models.assets import Asset, AssetStatus
from ltc.service.models.sla import Entitlement, EntitlementStatus
from ltc.service.services.entitlements import add_months

SERIAL_MAX = 100  # characters of one serial number
SERIALS_MAX = 20000  # characters of the whole list (the column's limit)
TEXT_LIMITS = {"code": 40, "name": 200, "site": 200}
CREATE_FIELDS = (
    "account_id",
    "product_id",
    "code",
    "name",
    "quantity",
    "serial_numbers",
    "site",
    "delivered_on",
    "accepted_on",
    "warranty_ends_on",
    "entitlement_id",
)
UPDATE_FIELDS = ("serial_numbers", "site", "status", "entitlement_id", "warranty_ends_on")
# Contracts whose orders without a milestone count as accepted: delivery is done and confirmed.
DONE = (ContractStatus.COMPLETED, ContractStatus.CLOSED)


def _require_worker(actor: Any) -> None:
    if not can_work_service(actor):
        raise PermissionDenied(_("Only service staff and administrators change the installed base."))


def warranty_end(accepted_on: date | None, months: int) -> date | None:
    """The day the warranty ends: `months` after the acceptance (31 Jan + 1 month = 28/29 Feb;
    0 months: the acceptance day itself)."""
    return None if accepted_on is None else add_months(accepted_on, months)


# --- made from a contract -----------------------------------------------------------------------


@dataclass
class _Accepted:
    quantity: Decimal = Decimal(0)
    accepted_on: date | None = None
    contract_line_id: int | None = None


def _accepted_q(contract: Contract, prefix: str = "") -> Q:
    """Order lines (through `prefix`) of orders the customer accepted: a milestone's, once the
    milestone is accepted; one without a milestone, once the contract is completed."""
    q = Q(
        **{f"{prefix}order__milestone__status": MilestoneStatus.ACCEPTED, f"{prefix}order__milestone__removed": False}
    )
    if contract.status in DONE:
        q |= Q(**{f"{prefix}order__milestone__isnull": True})
    return q & Q(**{f"{prefix}order__contract": contract}) & ~Q(**{f"{prefix}order__status": OrderStatus.CANCELLED})


def _accepted_lines(contract: Contract) -> dict[int, _Accepted]:
    """Per contract line key: the quantity delivered through accepted orders and the latest
    acceptance (one query)."""
    completed_on = timezone.localdate(contract.completed_at) if contract.completed_at else None
    rows = OrderLine.objects.filter(_accepted_q(contract), delivered_quantity__gt=0).values_list(
        "line_key", "contract_line_id", "delivered_quantity", "order__milestone__accepted_on"
    )
    lines: dict[int, _Accepted] = defaultdict(_Accepted)
    for key, contract_line_id, quantity, milestone_on in rows:
        line = lines[key]
        line.quantity += quantity
        line.contract_line_id = line.contract_line_id or contract_line_id
        on = milestone_on or completed_on
        if on is not None and (line.accepted_on is None or on > line.accepted_on):
            line.accepted_on = on
    return dict(lines)


def _last_deliveries(contract: Contract, keys: list[int]) -> dict[int, date]:
    """Per line key: the last delivery through an accepted order."""
    rows = (
        DeliveryLine.objects.filter(_accepted_q(contract, "order_line__"), order_line__line_key__in=keys)
        .values("order_line__line_key")
        .annotate(last=Max("delivery__delivered_on"))
    )
    return {row["order_line__line_key"]: row["last"] for row in rows}


def _bulk_timeline(*, actor: Any, assets: list[Asset], kind: str, texts: list[str], changes: list[list[Any]]) -> None:
    """One timeline entry per asset in one insert (a contract's lines at once)."""
    if not assets:
        return
    content_type = ContentType.objects.get_for_model(Asset)
    who = actor if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            content_type=content_type, object_id=a.pk, kind=kind, actor=who, at=now, text=text, changes=change
        )
        for a, text, change in zip(assets, texts, changes, strict=True)
    )
    search.mark_many(Asset, [a.pk for a in assets])


def assets_from_contract(*, actor: Any, contract: Contract) -> list[Asset]:
    """Make or update the assets of the contract's delivered and accepted lines (idempotent: run
    again, it changes nothing). A line with more accepted since gets its quantity and dates
    updated; a retired asset is left as it is. One query per kind of record, not per line.
    Returns the contract's assets made from lines, by line."""
    with transaction.atomic():
        accepted = _accepted_lines(contract)
        keys = sorted(accepted)
        if not keys:
            return []
        version = contract.current
        months = version.warranty_months if version is not None else 12
        delivered = _last_deliveries(contract, keys)
        line_ids = [a.contract_line_id for a in accepted.values() if a.contract_line_id]
        contract_lines: dict[int, ContractLine] = {}
        for line in ContractLine.objects.filter(Q(version=contract.current_id, key__in=keys) | Q(pk__in=line_ids)).only(
            "pk", "key", "version_id", "product_id", "code", "name"
        ):
            # The current version's line wins over the one an order was made from.
            if line.key not in contract_lines or line.version_id == contract.current_id:
                contract_lines[line.key] = line
        entitlement = (
            Entitlement.objects.filter(contract=contract, status=EntitlementStatus.ACTIVE)
            .order_by("-ends_on", "-id")
            .first()
        )
        existing = {a.line_key: a for a in Asset.objects.filter(contract=contract, line_key__in=keys)}
        new: list[Asset] = []
        changed: list[Asset] = []
        change_lists: list[list[Any]] = []
        for key in keys:
            facts = accepted[key]
            if facts.quantity <= 0 or key not in contract_lines:
                continue
            line = contract_lines[key]
            values = {
                "quantity": facts.quantity,
                "delivered_on": delivered.get(key),
                "accepted_on": facts.accepted_on,
            }
            asset = existing.get(key)
            if asset is None:
                new.append(
                    Asset(
                        account_id=contract.account_id,
                        product_id=line.product_id,
                        code=line.code,
                        name=line.name,
                        contract=contract,
                        line_key=key,
                        warranty_ends_on=warranty_end(facts.accepted_on, months),
                        entitlement=entitlement,
                        created_by=actor if actor is not None and actor.is_authenticated else None,
                        **values,
                    )
                )
                continue
            if asset.status != AssetStatus.ACTIVE:
                continue
            before = timeline.snapshot(asset, [*values, "warranty_ends_on", "entitlement"])
            if any(getattr(asset, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(asset, name, value)
                asset.warranty_ends_on = warranty_end(facts.accepted_on, months)
            if asset.entitlement_id is None and entitlement is not None:
                asset.entitlement = entitlement
            after = timeline.snapshot(asset, before)
            diff = [
                {"field": name, "old": old, "new": after[name]} for name, old in before.items() if after[name] != old
            ]
            if diff:
                asset.version += 1
                asset.updated_at = timezone.now()
                changed.append(asset)
                change_lists.append(diff)
        if new:
            Asset.objects.bulk_create(new)
            if new[0].pk is None:  # a backend that does not return ids
                made = {a.line_key: a for a in Asset.objects.filter(contract=contract, line_key__in=keys)}
                new = [made[a.line_key] for a in new]
            _bulk_timeline(
                actor=actor,
                assets=new,
                kind=TimelineKind.CREATED,
                texts=[_("Made from contract %(n)s, accepted by the customer.") % {"n": contract.number}] * len(new),
                changes=[[] for _a in new],
            )
        if changed:
            Asset.objects.bulk_update(
                changed,
                ["quantity", "delivered_on", "accepted_on", "warranty_ends_on", "entitlement", "version", "updated_at"],
            )
            _bulk_timeline(
                actor=actor,
                assets=changed,
                kind=TimelineKind.CHANGED,
                texts=[_("More of the line accepted on contract %(n)s.") % {"n": contract.number}] * len(changed),
                changes=change_lists,
            )
        return list(Asset.objects.filter(contract=contract, line_key__isnull=False).order_by("line_key"))


# --- by hand ------------------------------------------------------------------------------------


def _text(data: dict[str, Any], name: str, errors: dict[str, list[str]], *, required: bool = False) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        errors[name] = [_("This field is required.")]
    elif len(value) > TEXT_LIMITS[name]:
        errors[name] = [_("At most %(n)d characters.") % {"n": TEXT_LIMITS[name]}]
    return value


def _date(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> date | None:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    if isinstance(raw, date):
        return raw
    try:
        parsed = parse_date(str(raw))
    except ValueError:
        parsed = None
    if parsed is None:
        errors[name] = [_("Enter a valid date.")]
    return parsed


def _quantity(raw: Any, errors: dict[str, list[str]]) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        errors["quantity"] = [_("Enter a number.")]
        return Decimal(0)
    if not value.is_finite() or value <= 0 or value >= Decimal("1e10") or value != round(value, 2):
        errors["quantity"] = [_("Enter a quantity above zero with at most two decimals.")]
        return Decimal(0)
    return value


def clean_serials(raw: Any, errors: dict[str, list[str]]) -> str:
    """Serial numbers one per line (a list, or text with one per line): blanks dropped, each at
    most SERIAL_MAX characters, none twice within the asset."""
    items = raw if isinstance(raw, (list, tuple)) else str(raw or "").splitlines()
    serials = [str(item).strip() for item in items if str(item).strip()]
    seen: set[str] = set()
    twice: list[str] = []
    for serial in serials:
        if serial in seen and serial not in twice:
            twice.append(serial)
        seen.add(serial)
    if twice:
        errors["serial_numbers"] = [_("Serial numbers listed more than once: %(s)s.") % {"s": ", ".join(twice[:5])}]
    elif any(len(s) > SERIAL_MAX for s in serials):
        errors["serial_numbers"] = [_("A serial number has at most %(n)d characters.") % {"n": SERIAL_MAX}]
    text = "\n".join(serials)
    if len(text) > SERIALS_MAX and "serial_numbers" not in errors:
        errors["serial_numbers"] = [_("At most %(n)d characters.") % {"n": SERIALS_MAX}]
    return text


def _entitlement(raw: Any, account_id: int | None, errors: dict[str, list[str]]) -> Entitlement | None:
    if raw in (None, ""):
        return None
    found = (
        Entitlement.objects.filter(pk=int(raw), account_id=account_id).first()
        if is_id(raw) and account_id is not None
        else None
    )
    if found is None:
        errors["entitlement_id"] = [_("Choose a service contract of the asset's account.")]
    return found


def _unknown(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in extra})


def asset_create(*, actor: Any, data: dict[str, Any]) -> Asset:
    """Record an asset by hand (service staff): an account the actor may read, a product of the
    catalogue or a code and a name, a quantity above zero, serial numbers (none twice), a site,
    dates (the warranty end defaults to none) and a service contract of the same account."""
    _require_worker(actor)
    _unknown(data, CREATE_FIELDS)
    errors: dict[str, list[str]] = {}
    raw_account = str(data.get("account_id") or "")
    account = (
        Account.objects.filter(account_visible_q(actor), pk=int(raw_account)).first() if is_id(raw_account) else None
    )
    if account is None:
        errors["account_id"] = [_("Choose an account you may read.")]
    raw_product = str(data.get("product_id") or "")
    product = None
    if raw_product:
        product = Product.objects.filter(pk=int(raw_product)).first() if is_id(raw_product) else None
        if product is None:
            errors["product_id"] = [_("No such product.")]
    code = _text(data, "code", errors) or (product.code if product else "")
    name = _text(data, "name", errors) or (product.name if product else "")
    if not name and "name" not in errors:
        errors["name"] = [_("Name the asset or choose a product.")]
    if not code and "code" not in errors:
        errors["code"] = [_("Give a code or choose a product.")]
    quantity = _quantity(data.get("quantity", 1), errors)
    serials = clean_serials(data.get("serial_numbers"), errors)
    site = _text(data, "site", errors)
    delivered_on = _date(data, "delivered_on", errors)
    accepted_on = _date(data, "accepted_on", errors)
    warranty_ends_on = _date(data, "warranty_ends_on", errors)
    if delivered_on and accepted_on and accepted_on < delivered_on:
        errors["accepted_on"] = [_("The acceptance cannot be before the delivery.")]
    if accepted_on and warranty_ends_on and warranty_ends_on < accepted_on:
        errors["warranty_ends_on"] = [_("The warranty cannot end before the acceptance.")]
    entitlement = _entitlement(data.get("entitlement_id"), account.pk if account else None, errors)
    if errors or account is None:
        raise ValidationError(errors)
    with transaction.atomic():
        asset = Asset.objects.create(
            account=account,
            product=product,
            code=code,
            name=name,
            quantity=quantity,
            serial_numbers=serials,
            site=site,
            delivered_on=delivered_on,
            accepted_on=accepted_on,
            warranty_ends_on=warranty_ends_on,
            entitlement=entitlement,
            created_by=actor,
        )
        timeline.record_created(actor=actor, subject=asset, text=_("Recorded by hand."))
    return asset


def asset_update(*, actor: Any, asset: Asset, expected_version: int, data: dict[str, Any]) -> Asset:
    """Change an asset's serial numbers (one per line, none twice), site, status, service
    contract (one of the asset's account) or warranty end, if nobody changed it since
    `expected_version` (StaleVersionError otherwise). Each change lands on the timeline."""
    _require_worker(actor)
    _unknown(data, UPDATE_FIELDS)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "serial_numbers" in data:
        values["serial_numbers"] = clean_serials(data["serial_numbers"], errors)
    if "site" in data:
        values["site"] = _text(data, "site", errors)
    if "status" in data:
        if data["status"] not in AssetStatus.values:
            errors["status"] = [_("Choose in use or retired.")]
        else:
            values["status"] = data["status"]
    if "entitlement_id" in data:
        values["entitlement"] = _entitlement(data["entitlement_id"], asset.account_id, errors)
    if "warranty_ends_on" in data:
        warranty = _date(data, "warranty_ends_on", errors)
        if warranty and asset.accepted_on and warranty < asset.accepted_on:
            errors["warranty_ends_on"] = [_("The warranty cannot end before the acceptance.")]
        values["warranty_ends_on"] = warranty
    if errors:
        raise ValidationError(errors)
    before = timeline.snapshot(asset, values)
    for name, value in values.items():
        setattr(asset, name, value)
    fields = [f"{name}_id" if name == "entitlement" else name for name in values]
    with transaction.atomic():
        save_if_current(asset, expected_version=expected_version, fields=fields)
        timeline.record_changes(actor=actor, subject=asset, before=before)
    return asset


def asset_retire(*, actor: Any, asset: Asset, expected_version: int | None = None, note: str = "") -> Asset:
    """Retire an asset the customer no longer uses (kept, with its cases; never deleted).
    Refuses one already retired."""
    _require_worker(actor)
    if asset.status == AssetStatus.RETIRED:
        raise ValidationError({"status": [_("This asset is already retired.")]})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": [_("At most %(n)d characters.") % {"n": 2000}]})
    before = timeline.snapshot(asset, ["status"])
    asset.status = AssetStatus.RETIRED
    with transaction.atomic():
        save_if_current(
            asset, expected_version=asset.version if expected_version is None else expected_version, fields=["status"]
        )
        timeline.record_changes(actor=actor, subject=asset, before=before, text=note)
    return asset


# --- reads --------------------------------------------------------------------------------------


class WarrantyFilter(models.TextChoices):
    ENDING = "ending", gettext_lazy("Warranty ending soon")
    EXPIRED = "expired", gettext_lazy("Warranty expired")
    COVERED = "covered", gettext_lazy("Under warranty")


WARRANTY_FILTERS = tuple(WarrantyFilter.values)


@dataclass(frozen=True)
class AssetFilters:
    account_id: Any = None
    product_id: Any = None
    status: str = ""
    warranty: str = ""  # "ending" (within `days`), "expired", "covered"
    days: int = 60
    q: str = ""


def reads_installed_base(user: Any) -> bool:
    """Who may open the installed base: service readers, and the sales side for the accounts they
    read (an AR follows the assets of their customers); finance and marketing may not."""
    return sees_service(user) or has_any_role(user, SALES_SIDE)


def asset_list(*, user: Any, filters: AssetFilters = AssetFilters(), today: date | None = None) -> QuerySet[Asset]:
    """The assets of the accounts `user` may read, filtered; a filter naming no record matches
    nothing (never an error). Refuses whoever may read no service records (403)."""
    if not reads_installed_base(user):
        raise PermissionDenied(_("You may not read the installed base."))
    today = today or timezone.localdate()
    assets = service_scope(Asset.objects.all(), user).select_related("account", "product", "entitlement")
    if filters.account_id not in (None, ""):
        assets = assets.filter(account_id=int(filters.account_id)) if is_id(filters.account_id) else assets.none()
    if filters.product_id not in (None, ""):
        assets = assets.filter(product_id=int(filters.product_id)) if is_id(filters.product_id) else assets.none()
    if filters.status:
        assets = assets.filter(status=filters.status) if filters.status in AssetStatus.values else assets.none()
    if filters.warranty == "ending":
        days = max(0, min(int(filters.days), 3650))
        assets = assets.filter(warranty_ends_on__gte=today, warranty_ends_on__lte=today + timedelta(days=days))
    elif filters.warranty == "expired":
        assets = assets.filter(warranty_ends_on__lt=today)
    elif filters.warranty == "covered":
        assets = assets.filter(warranty_ends_on__gte=today)
    q = filters.q.strip()[:100]
    if q:
        assets = assets.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(serial_numbers__icontains=q) | Q(site__icontains=q)
        )
    return assets.order_by("account__name", "name", "id")


def asset_get(*, user: Any, pk: Any) -> Asset:
    """One asset of an account `user` may read, or 404."""
    asset: Asset = fetch_or_404(
        service_scope(Asset.objects.select_related("account", "product", "entitlement", "contract"), user), pk=pk
    )
    return asset


def entitlements_for_account(account_id: int) -> QuerySet[Entitlement]:
    """The service contracts an asset of the account may name."""
    return Entitlement.objects.filter(account_id=account_id).order_by("-ends_on", "-id")
