"""Installed-base pages (装机清单): the list with its filters, an asset with its serial numbers,
service contract, cases and timeline, and the forms to record one by hand and change one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.catalog.models import Product
from ltc.core.access import may_see
from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import ListParams, add_service_errors, flash_errors, is_id, posted_number
from ltc.core.timeline import timeline_for
from ltc.customers.access import account_visible_q
from ltc.customers.choices import AccountStatus
from ltc.customers.models import Account
from ltc.org.types import AuthedRequest
from ltc.service.access import can_work_service, service_scope
from ltc.service.forms_assets import AssetCreateForm, AssetEditForm, AssetFilterForm
from ltc.service.models.assets import Asset, AssetStatus
from ltc.service.models.cases import Case
from ltc.service.panels_service import url_of
from ltc.service.services import assets as services

PAGE_SIZE = 50
CHOICES_MAX = 300  # accounts or products offered in a select
CASES_SHOWN = 20


def _require_worker(request: AuthedRequest) -> None:
    if not can_work_service(request.user):
        raise PermissionDenied(_("Only service staff and administrators change the installed base."))


def _writable(request: AuthedRequest, pk: int) -> Asset:
    asset = services.asset_get(user=request.user, pk=pk)
    _require_worker(request)
    return asset


def _filter_choices(request: AuthedRequest) -> tuple[list[tuple[Any, str]], list[tuple[Any, str]]]:
    """The accounts and products of the assets the viewer may read (two queries)."""
    scoped = service_scope(Asset.objects.all(), request.user)
    accounts = Account.objects.filter(pk__in=scoped.values("account_id")).order_by("name")[:CHOICES_MAX]
    products = Product.objects.filter(pk__in=scoped.values("product_id")).order_by("code")[:CHOICES_MAX]
    return (
        [(a.pk, a.name) for a in accounts.only("pk", "name")],
        [(p.pk, f"{p.code} {p.name}") for p in products.only("pk", "code", "name")],
    )


@login_required
def asset_list(request: AuthedRequest) -> HttpResponse:
    if not services.reads_installed_base(request.user):
        raise PermissionDenied(_("You may not read the installed base."))
    accounts, products = _filter_choices(request)
    form = AssetFilterForm(request.GET or None, accounts=accounts, products=products)
    data = form.cleaned_data if form.is_valid() else {}
    filters = services.AssetFilters(
        account_id=data.get("account") or None,
        product_id=data.get("product") or None,
        status=data.get("status") or "",
        warranty=data.get("warranty") or "",
        days=int(data["days"]) if data.get("days") is not None else 60,
        q=data.get("q") or "",
    )
    params = ListParams(request.GET, default_limit=PAGE_SIZE)
    page = params.page(
        paginate(services.asset_list(user=request.user, filters=filters), limit=params.limit, offset=params.offset)
    )
    return render(
        request,
        "service/asset_list.html",
        {"page": page, "form": form, "can_work": can_work_service(request.user)},
    )


@login_required
def asset_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = services.asset_get(user=request.user, pk=pk)
    cases = list(
        Case.objects.filter(asset=asset).select_related("owner").order_by("-opened_at", "-id")[: CASES_SHOWN + 1]
    )
    return render(
        request,
        "service/asset_detail.html",
        {
            "asset": asset,
            "serials": asset.serial_list(),
            "contract_visible": asset.contract is not None and may_see(request.user, asset.contract),
            "entitlement_url": url_of("service:entitlement_detail", asset.entitlement_id)
            if asset.entitlement_id
            else "",
            "cases": [(case, url_of("service:case_detail", case.pk)) for case in cases[:CASES_SHOWN]],
            "more_cases": len(cases) > CASES_SHOWN,
            "events": timeline_for(asset, limit=50),
            "can_work": can_work_service(request.user),
            "retired": asset.status == AssetStatus.RETIRED,
        },
    )


def _create_choices(request: AuthedRequest) -> tuple[list[tuple[Any, str]], list[tuple[Any, str]]]:
    """The accounts an asset may be recorded for (customers the actor may read) and the catalogue."""
    accounts = (
        Account.objects.filter(account_visible_q(request.user), status=AccountStatus.CUSTOMER)
        .order_by("name")
        .only("pk", "name")[:CHOICES_MAX]
    )
    chosen = request.GET.get("account", "")
    extra = []
    if is_id(chosen):
        extra = list(Account.objects.filter(account_visible_q(request.user), pk=int(chosen)).only("pk", "name"))
    rows = {a.pk: a.name for a in [*extra, *accounts]}
    products = Product.objects.active().order_by("code").only("pk", "code", "name")[:CHOICES_MAX]
    return list(rows.items()), [(p.pk, f"{p.code} {p.name}") for p in products]


@login_required
def asset_create(request: AuthedRequest) -> HttpResponse:
    _require_worker(request)
    accounts, products = _create_choices(request)
    initial = {"account_id": request.GET.get("account", "")} if is_id(request.GET.get("account", "")) else {}
    form = AssetCreateForm(request.POST or None, accounts=accounts, products=products, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            asset = services.asset_create(actor=request.user, data=dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Asset recorded."))
            return redirect(asset)
    status = 422 if request.method == "POST" else 200
    return render(request, "service/asset_form.html", {"form": form, "asset": None}, status=status)


@login_required
def asset_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _writable(request, pk)
    entitlements = [
        (e.pk, f"{e.name} ({e.starts_on} – {e.ends_on})") for e in services.entitlements_for_account(asset.account_id)
    ]
    initial = {
        "serial_numbers": asset.serial_numbers,
        "site": asset.site,
        "status": asset.status,
        "entitlement_id": asset.entitlement_id or "",
        "warranty_ends_on": asset.warranty_ends_on,
        "version": asset.version,
    }
    form = AssetEditForm(request.POST or None, entitlements=entitlements, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        data["entitlement_id"] = data.get("entitlement_id") or None
        try:
            services.asset_update(actor=request.user, asset=asset, expected_version=expected_version, data=data)
        except StaleVersionError:
            form.add_error(None, _("Someone changed this asset meanwhile; reload to see their change."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Asset saved."))
            return redirect(asset)
    status = 422 if request.method == "POST" else 200
    return render(request, "service/asset_form.html", {"form": form, "asset": asset}, status=status)


@login_required
@require_POST
def asset_retire(request: AuthedRequest, pk: int) -> HttpResponse:
    asset = _writable(request, pk)
    try:
        services.asset_retire(
            actor=request.user,
            asset=asset,
            expected_version=posted_number(request.POST, "version"),
            note=request.POST.get("note", "")[:2000],
        )
    except StaleVersionError:
        messages.error(request, _("Someone changed this asset meanwhile; reload to see their change."))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Asset retired."))
    return redirect(asset)
