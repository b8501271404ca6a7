"""Entitlements (服务权益): an account's right to support — level, SLA policy, period and the
products covered (none listed: every product). A signed contract gives its account a standard
entitlement over the contract's period for the products of its lines (`entitlement_from_contract`,
a reaction to `contract.signed`); service staff create others, change them and cancel them (never
deleted). Read by whoever may read the account (ltc.service.access)."""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.catalog.models import Product
from ltc.contracts.models import Contract, ContractLine
from ltc.core import timeline
from ltc.core.access import has_any_role
from ltc.core.concurrency import save_if_current
from ltc.core.forms import is_id
from ltc.core.models import TIMELINE_ENTRIES
from ltc.customers.models import Account
from ltc.service.access import SALES_SIDE, can_work_service, sees_service, service_scope
from ltc.service.models import Entitlement, EntitlementStatus, SlaPolicy, SupportLevel
from ltc.service.services.policies import default_policy
from ltc.service.services.sla_recompute import open_cases_recompute

ENTITLEMENT_FIELDS = ("name", "level", "policy", "starts_on", "ends_on", "products")
LEVEL_RANK = {SupportLevel.PREMIUM: 3, SupportLevel.STANDARD: 2, SupportLevel.BASIC: 1}

TIMELINE_ENTRIES.setdefault("entitlement_products", gettext_lazy("products covered"))


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months (the 31st becomes the month's last day when shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, month_calendar.monthrange(year, month)[1]))


# --- reads ---------------------------------------------------------------------------------------


def entitlement_list(
    *, user: Any, account_id: Any = None, status: str = "", q: str = "", current_on: date | None = None
) -> QuerySet[Entitlement]:
    """The entitlements of the accounts `user` may read, latest end first. Refuses whoever may
    read no service records — finance and marketing (403)."""
    if not (sees_service(user) or has_any_role(user, SALES_SIDE)):
        raise PermissionDenied(_("You may not read entitlements."))
    entitlements = service_scope(Entitlement.objects.all(), user).select_related("account", "policy", "contract")
    if account_id not in (None, ""):
        entitlements = entitlements.filter(account_id=int(account_id)) if is_id(account_id) else entitlements.none()
    if status in EntitlementStatus.values:
        entitlements = entitlements.filter(status=status)
    if q:
        entitlements = entitlements.filter(Q(name__icontains=q) | Q(account__name__icontains=q))
    if current_on is not None:
        entitlements = entitlements.filter(starts_on__lte=current_on, ends_on__gte=current_on)
    return entitlements.order_by("-ends_on", "-id")


def entitlement_get(*, user: Any, pk: Any) -> Entitlement:
    """One entitlement `user` may read (404 otherwise, as if it did not exist)."""
    entitlement: Entitlement | None = (
        service_scope(Entitlement.objects.filter(pk=pk), user)
        .select_related("account", "policy__calendar", "contract", "created_by")
        .prefetch_related("products")
        .first()
        if is_id(pk)
        else None
    )
    if entitlement is None:
        raise Http404
    return entitlement


def entitlement_for(*, account_id: int, product_id: int | None = None, on: date) -> Entitlement | None:
    """The best active entitlement of the account on `on` covering `product_id` (one listing no
    products covers every product; with no product, any entitlement counts): premium before
    standard before basic, then the one that lasts longest, then the newest."""
    covers = Q()
    if product_id is not None:
        through = Entitlement.products.through
        listed = through.objects.filter(entitlement_id=OuterRef("pk"))
        covers = ~Exists(listed) | Exists(listed.filter(product_id=product_id))
    rank = Case(
        *(When(level=level, then=Value(value)) for level, value in LEVEL_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        Entitlement.objects.filter(
            covers, account_id=account_id, status=EntitlementStatus.ACTIVE, starts_on__lte=on, ends_on__gte=on
        )
        .select_related("policy")
        .annotate(rank=rank)
        .order_by("-rank", "-ends_on", "-id")
        .first()
    )


# --- writes --------------------------------------------------------------------------------------


def _require_worker(actor: Any) -> None:
    if actor is not None and not can_work_service(actor):
        raise PermissionDenied(_("Only service staff and administrators manage entitlements."))


def _products(values: Iterable[Any]) -> list[Product]:
    ids = list(values)
    if not all(isinstance(v, Product) or is_id(v) for v in ids):
        raise ValidationError({"products": [_("No such product.")]})
    wanted = {v.pk if isinstance(v, Product) else int(v) for v in ids}
    products = list(Product.objects.filter(pk__in=wanted))
    if len(products) != len(wanted):
        raise ValidationError({"products": [_("No such product.")]})
    return products


def _validate(entitlement: Entitlement) -> None:
    errors: dict[str, list[str]] = {}
    entitlement.name = (entitlement.name or "").strip()
    try:
        entitlement.full_clean(exclude=["account", "policy", "contract", "created_by"], validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    if entitlement.policy_id is None:
        errors["policy"] = [_("Choose an SLA policy.")]
    elif not SlaPolicy.objects.filter(pk=entitlement.policy_id, active=True).exists():
        errors["policy"] = [_("Choose an active SLA policy.")]
    starts, ends = entitlement.starts_on, entitlement.ends_on
    if isinstance(starts, date) and isinstance(ends, date) and ends < starts:
        errors["ends_on"] = [_("The end date cannot be before the start date.")]
    if errors:
        raise ValidationError(errors)


def _products_text(products: Iterable[Product]) -> str:
    return ", ".join(sorted(p.code for p in products))


def entitlement_create(
    *,
    actor: Any,
    account: Account,
    name: str,
    level: str,
    policy: SlaPolicy | None,
    starts_on: date | None,
    ends_on: date | None,
    products: Iterable[Any] = (),
    contract: Contract | None = None,
) -> Entitlement:
    """Give `account` an entitlement (actor None: the system, for a signed contract). Refuses
    anyone but service staff and administrators (403), an unknown level, an inactive policy, an
    end before the start and an unknown product (422, each on its field)."""
    _require_worker(actor)
    entitlement = Entitlement(
        account=account,
        contract=contract,
        name=name,
        level=level,
        policy=policy,
        starts_on=cast(date, starts_on),  # None is refused by the validation below
        ends_on=cast(date, ends_on),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    errors: dict[str, list[str]] = {}
    chosen: list[Product] = []
    try:
        _validate(entitlement)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        chosen = _products(products)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entitlement.save()
        if chosen:
            entitlement.products.set(chosen)
        timeline.record_created(actor=actor, subject=entitlement, text=_products_text(chosen))
    return entitlement


def entitlement_update(
    *, actor: Any, entitlement: Entitlement, data: dict[str, Any], expected_version: int
) -> Entitlement:
    """Change name, level, policy, period or products (`products`: the whole list) if nobody
    changed it since `expected_version`. A cancelled entitlement is not changed (422). A new
    policy moves the due times of the entitlement's open cases, in the same transaction."""
    _require_worker(actor)
    unknown = sorted(set(data) - set(ENTITLEMENT_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    if entitlement.status != EntitlementStatus.ACTIVE:
        raise ValidationError({"status": [_("A cancelled entitlement cannot be changed.")]})
    values = dict(data)
    new_products = values.pop("products", None)
    names = [f"{name}_id" if name == "policy" else name for name in values]
    before = timeline.snapshot(entitlement, list(values))  # the policy by its name, not its id
    old_products = list(entitlement.products.all())
    old_policy_id = entitlement.policy_id
    for name, value in values.items():
        setattr(entitlement, name, value)
    errors: dict[str, list[str]] = {}
    chosen: list[Product] | None = None
    try:
        _validate(entitlement)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if new_products is not None:
        try:
            chosen = _products(new_products)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        save_if_current(entitlement, expected_version=expected_version, fields=names)
        timeline.record_changes(actor=actor, subject=entitlement, before=before)
        if chosen is not None and {p.pk for p in chosen} != {p.pk for p in old_products}:
            entitlement.products.set(chosen)
            timeline.record_field_changes(
                actor=actor,
                subject=entitlement,
                changes=[
                    {
                        "field": "entitlement_products",
                        "old": _products_text(old_products),
                        "new": _products_text(chosen),
                    }
                ],
            )
        if entitlement.policy_id != old_policy_id:
            open_cases_recompute(entitlement_id=entitlement.pk)
    return entitlement


def entitlement_cancel(*, actor: Any, entitlement: Entitlement, expected_version: int, reason: str = "") -> Entitlement:
    """Cancel the entitlement (it stays, with its history); refuses one already cancelled (422).
    Its open cases are timed on the standard policy from then on, in the same transaction."""
    _require_worker(actor)
    if entitlement.status == EntitlementStatus.CANCELLED:
        raise ValidationError({"status": [_("This entitlement is already cancelled.")]})
    before = timeline.snapshot(entitlement, ["status"])
    entitlement.status = EntitlementStatus.CANCELLED
    with transaction.atomic():
        save_if_current(entitlement, expected_version=expected_version, fields=["status"])
        timeline.record_changes(actor=actor, subject=entitlement, before=before, text=(reason or "").strip()[:2000])
        open_cases_recompute(entitlement_id=entitlement.pk)
    return entitlement


# --- from a signed contract ----------------------------------------------------------------------


def entitlement_from_contract(*, contract_id: int) -> Entitlement | None:
    """The standard entitlement a signed contract gives its account: the current version's
    period (or the signature date plus the warranty months when the version states none), the
    products of its lines, the standard policy. Idempotent: a contract with an active entitlement
    gets no other one."""
    contract = Contract.objects.select_related("current", "account").filter(pk=contract_id).first()
    if contract is None or contract.current is None:
        return None
    if Entitlement.objects.filter(contract=contract, status=EntitlementStatus.ACTIVE).exists():
        return None
    version = contract.current
    signed_on = contract.signed_on or timezone.localdate(version.created_at)
    starts_on = version.start_date or signed_on
    ends_on = version.end_date or add_months(starts_on, version.warranty_months or 12) - timedelta(days=1)
    ends_on = max(ends_on, starts_on)
    line_products = ContractLine.objects.filter(version=version).values("product_id")
    product_ids = sorted(Product.objects.filter(pk__in=line_products).values_list("pk", flat=True))
    return entitlement_create(
        actor=None,
        account=contract.account,
        name=_("Standard support, contract %(n)s") % {"n": contract.number},
        level=SupportLevel.STANDARD,
        policy=default_policy(),
        starts_on=starts_on,
        ends_on=ends_on,
        products=product_ids,
        contract=contract,
    )


def case_entitlement(*, account_id: int, asset: Any, on: date) -> Entitlement | None:
    """The entitlement a case of the account about `asset` (or none) is timed against on `on`:
    the asset's own entitlement when it is active and covers the day, else the best one of the
    account covering the asset's product (`entitlement_for`), else the best one of the account."""
    if asset is not None and asset.entitlement_id:
        own = asset.entitlement
        if own is not None and own.status == EntitlementStatus.ACTIVE and own.starts_on <= on <= own.ends_on:
            return cast("Entitlement", own)
    product_id = asset.product_id if asset is not None else None
    found = entitlement_for(account_id=account_id, product_id=product_id, on=on) if product_id else None
    return found or entitlement_for(account_id=account_id, product_id=None, on=on)
