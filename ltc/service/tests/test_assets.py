"""The installed base made from contracts: assets from delivered and accepted lines only, with the
right quantities, dates and warranty; idempotent; updated by a later acceptance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services as contract_services
from ltc.contracts.models import Contract, OrderLine
from ltc.contracts.tests.factories import (
    Team,
    accepted_contract,
    contract_team,
    fresh,
    pdf,
)
from ltc.core.models import TimelineEvent
from ltc.service.models import Asset, Entitlement
from ltc.service.services.assets import assets_from_contract, warranty_end
from ltc.service.tests.factories import make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world: Any) -> Team:
    return contract_team(world)


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def _entries(asset: Asset) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(object_id=asset.pk, content_type__model="asset").order_by("id"))


def _deliver_batch(team: Team, contract: Contract, milestone: Any, quantities: dict[int, str], on: date) -> None:
    order = contract_services.order_generate(
        actor=team.fr, contract=fresh(contract), quantities=quantities, milestone=milestone
    )
    contract_services.delivery_record(
        actor=team.fr,
        order=order,
        kind="service",
        delivered_on=on,
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )


def _accept(team: Team, milestone: Any, on: date) -> None:
    milestone.refresh_from_db()
    contract_services.milestone_deliver(actor=team.fr, milestone=milestone, delivered_on=on)
    milestone.refresh_from_db()
    contract_services.milestone_accept(
        actor=team.fr, milestone=milestone, accepted_on=on, accepted_by_name="李工", document=pdf("验收单.pdf")
    )


def test_warranty_end_adds_months_safely() -> None:
    assert warranty_end(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert warranty_end(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert warranty_end(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert warranty_end(date(2026, 3, 31), 23) == date(2028, 2, 29)
    assert warranty_end(None, 12) is None
    assert warranty_end(date(2026, 5, 20), 0) == date(2026, 5, 20)  # no warranty: ends on the acceptance day


def _active_entitlement(contract: Contract) -> Entitlement | None:
    return Entitlement.objects.filter(contract=contract, status="active").order_by("-ends_on", "-id").first()


def test_accepted_lines_make_assets_once_and_a_later_acceptance_updates_them(
    world: Any, team: Team, catalog: Catalog, django_assert_max_num_queries: Any
) -> None:
    contract = accepted_contract(world, team, catalog)
    milestone = contract.milestones.get()
    service_line = contract.current.lines.get(code="SVC-IMP")
    key = service_line.key
    first_on = timezone.localdate() - timedelta(days=10)
    _deliver_batch(team, contract, milestone, {key: "4"}, first_on - timedelta(days=1))
    # Delivered, not yet accepted: nothing.
    assert assets_from_contract(actor=None, contract=fresh(contract)) == []
    assert not Asset.objects.exists()

    _accept(team, milestone, first_on)  # the reaction makes the asset in the acceptance's transaction

    asset = Asset.objects.get()  # only the accepted line: the rest is not even ordered yet
    months = fresh(contract).current.warranty_months
    assert (asset.contract_id, asset.line_key, asset.account_id) == (contract.pk, key, contract.account_id)
    assert (asset.product_id, asset.code, asset.name) == (service_line.product_id, "SVC-IMP", service_line.name)
    assert asset.quantity == Decimal(4)
    assert (asset.delivered_on, asset.accepted_on) == (first_on - timedelta(days=1), first_on)
    assert asset.warranty_ends_on == warranty_end(first_on, months)
    entitlement = _active_entitlement(contract)
    assert asset.entitlement_id == (entitlement.pk if entitlement else None)
    assert [e.kind for e in _entries(asset)] == ["created"]
    version = asset.version

    # Made again: nothing changes.
    again = assets_from_contract(actor=team.fr, contract=fresh(contract))
    assert [a.pk for a in again] == [asset.pk]
    asset.refresh_from_db()
    assert (asset.version, asset.quantity, len(_entries(asset))) == (version, Decimal(4), 1)

    # The rest ordered without a milestone and delivered: it counts once the contract is completed.
    second_on = timezone.localdate() - timedelta(days=2)
    order = contract_services.order_generate(actor=team.fr, contract=fresh(contract))
    contract_services.delivery_record(
        actor=team.fr,
        order=order,
        kind="goods",
        delivered_on=second_on,
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )
    assert assets_from_contract(actor=None, contract=fresh(contract)) == [asset]
    asset.refresh_from_db()
    assert asset.quantity == Decimal(4)
    if entitlement is None:  # the contract's service terms made none: give it one
        entitlement = Entitlement.objects.create(
            account=contract.account,
            contract=contract,
            name="标准服务",
            level="standard",
            policy=make_policy(),
            starts_on=first_on,
            ends_on=first_on + timedelta(days=365),
        )
    contract = fresh(contract)
    contract_services.contract_complete(actor=team.fr, contract=contract, expected_version=contract.version)
    contract = fresh(contract)
    completed_on = timezone.localdate(contract.completed_at)

    asset.refresh_from_db()
    assert (asset.quantity, asset.delivered_on, asset.accepted_on) == (Decimal(10), second_on, completed_on)
    assert asset.warranty_ends_on == warranty_end(completed_on, months)
    assert asset.entitlement_id == entitlement.pk
    assert asset.version == version + 1
    change = _entries(asset)[-1]
    assert change.kind == "changed"
    assert {c["field"]: (c["old"], c["new"]) for c in change.changes}["quantity"] == ("4.00", "10.00")
    assets = list(Asset.objects.order_by("line_key"))
    delivered: dict[int, Decimal] = {}
    for line in OrderLine.objects.filter(order__contract=contract):
        delivered[line.line_key] = delivered.get(line.line_key, Decimal(0)) + line.delivered_quantity
    assert {a.line_key: a.quantity for a in assets} == delivered
    assert all(a.entitlement_id == entitlement.pk for a in assets)

    # Idempotent after completion too; and bulk: a fixed number of queries whatever the lines.
    entries = TimelineEvent.objects.filter(content_type__model="asset").count()
    assert [a.pk for a in assets_from_contract(actor=None, contract=contract)] == [a.pk for a in assets]
    assert TimelineEvent.objects.filter(content_type__model="asset").count() == entries
    Asset.objects.all().delete()
    with django_assert_max_num_queries(12):
        made = assets_from_contract(actor=team.fr, contract=contract)
    assert len(made) == len(assets) >= 3
