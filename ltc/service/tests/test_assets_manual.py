"""Assets recorded and changed by hand, through the services, the API and the pages: serial numbers
(none twice), service contracts of the same account only, versions, the timeline, filters and
what each viewer may see and do."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.customers.models import Account
from ltc.service.models import Asset, Entitlement
from ltc.service.services.assets import AssetFilters, asset_create, asset_list, asset_retire, asset_update
from ltc.service.tests.factories import make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(world: Any) -> Account:
    Account.objects.filter(pk=world.account.pk).update(status="customer")
    world.account.refresh_from_db()
    return world.account  # type: ignore[no-any-return]


def _entitlement(account: Account, name: str = "金牌服务") -> Entitlement:
    today = timezone.localdate()
    return Entitlement.objects.create(
        account=account,
        name=name,
        level="premium",
        policy=make_policy(name=f"policy {name}"),
        starts_on=today,
        ends_on=today + timedelta(days=365),
    )


def _asset(world: Any, account: Account, **data: Any) -> Asset:
    return asset_create(actor=world.service, data={"account_id": account.pk, "code": "SRV-1", "name": "服务器", **data})


def _entries(asset: Asset) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(object_id=asset.pk, content_type__model="asset").order_by("id"))


def test_record_change_and_retire_by_hand(world: Any, customer: Account) -> None:
    support = _entitlement(customer)
    asset = _asset(
        world,
        customer,
        quantity="2",
        serial_numbers="SN-1\n\n SN-2 ",
        site="上海松江工厂",
        accepted_on="2026-01-10",
        warranty_ends_on="2027-01-10",
        entitlement_id=support.pk,
    )
    assert (asset.quantity, asset.serial_list(), asset.site) == (Decimal(2), ["SN-1", "SN-2"], "上海松江工厂")
    assert (asset.entitlement_id, asset.created_by_id, asset.contract_id) == (support.pk, world.service.pk, None)
    assert [e.kind for e in _entries(asset)] == ["created"]

    updated = asset_update(
        actor=world.service,
        asset=asset,
        expected_version=asset.version,
        data={"serial_numbers": ["SN-1", "SN-3"], "site": "苏州工厂", "entitlement_id": None},
    )
    updated.refresh_from_db()
    assert (updated.serial_numbers, updated.site, updated.entitlement_id) == ("SN-1\nSN-3", "苏州工厂", None)
    change = _entries(updated)[-1]
    assert {c["field"] for c in change.changes} == {"serial_numbers", "site", "entitlement"}

    # A stale version writes nothing.
    with pytest.raises(StaleVersionError):
        asset_update(actor=world.service, asset=updated, expected_version=1, data={"site": "别处"})
    updated.refresh_from_db()
    assert updated.site == "苏州工厂"

    asset_retire(actor=world.service, asset=updated, expected_version=updated.version, note="客户已更换")
    updated.refresh_from_db()
    assert updated.status == "retired"
    assert _entries(updated)[-1].text == "客户已更换"
    with pytest.raises(ValidationError):
        asset_retire(actor=world.service, asset=updated)


def test_bad_input_is_refused_with_field_errors(world: Any, customer: Account) -> None:
    other_account = Account.objects.create(name="别家公司", owner=world.other, status="customer")
    foreign = _entitlement(other_account, "别家服务")
    with pytest.raises(ValidationError) as caught:
        _asset(world, customer, serial_numbers="SN-1\nSN-2\nSN-1", entitlement_id=foreign.pk, quantity="0")
    errors = caught.value.message_dict
    assert set(errors) == {"serial_numbers", "entitlement_id", "quantity"}
    assert "SN-1" in errors["serial_numbers"][0]
    with pytest.raises(ValidationError) as caught:
        asset_create(actor=world.service, data={"account_id": "abc", "name": "x", "code": "y"})
    assert set(caught.value.message_dict) == {"account_id"}
    asset = _asset(world, customer, serial_numbers="SN-1")
    with pytest.raises(ValidationError) as caught:
        asset_update(
            actor=world.service,
            asset=asset,
            expected_version=asset.version,
            data={"serial_numbers": "A\nA", "entitlement_id": foreign.pk, "status": "lost"},
        )
    assert set(caught.value.message_dict) == {"serial_numbers", "entitlement_id", "status"}
    asset.refresh_from_db()
    assert (asset.serial_numbers, asset.version, len(_entries(asset))) == ("SN-1", 1, 1)
    # Only service staff and administrators change the installed base.
    with pytest.raises(PermissionDenied):
        asset_update(actor=world.owner, asset=asset, expected_version=asset.version, data={"site": "x"})
    assert Asset.objects.count() == 1


def test_list_filters(world: Any, customer: Account) -> None:
    today = timezone.localdate()
    soon = _asset(world, customer, name="快到期", warranty_ends_on=today + timedelta(days=30))
    later = _asset(world, customer, name="还早", warranty_ends_on=today + timedelta(days=400))
    expired = _asset(world, customer, name="已过保", warranty_ends_on=today - timedelta(days=1), serial_numbers="XQ-9")

    def names(**filters: Any) -> set[str]:
        return {a.name for a in asset_list(user=world.service, filters=AssetFilters(**filters))}

    assert names(warranty="ending", days=60) == {soon.name}
    assert names(warranty="ending", days=500) == {soon.name, later.name}
    assert names(warranty="expired") == {expired.name}
    assert names(q="xq-9") == {expired.name}
    assert names(account_id=customer.pk) == {soon.name, later.name, expired.name}
    assert names(account_id="x") == set()
    asset_retire(actor=world.service, asset=later)
    assert names(status="retired") == {later.name}
    # Another AR sees none of them; the account's AR sees them all; finance and marketing none.
    assert not asset_list(user=world.other).exists()
    assert asset_list(user=world.owner).count() == 3
    for outsider in (world.finance, world.marketing):
        with pytest.raises(PermissionDenied):
            asset_list(user=outsider)


def test_the_accounts_ar_opens_the_list_page_of_its_assets(world: Any, customer: Account, web_as: Any) -> None:
    mine = _asset(world, customer, name="客户服务器")
    page = web_as(world.owner).get(f"/service/assets/?account={customer.pk}")
    assert page.status_code == 200
    assert f"/service/assets/{mine.pk}/" in page.content.decode()
    other = web_as(world.other).get("/service/assets/")
    assert other.status_code == 200
    assert f"/service/assets/{mine.pk}/" not in other.content.decode()
    assert web_as(world.finance).get("/service/assets/").status_code == 403
    assert web_as(world.marketing).get("/service/assets/").status_code == 403


def test_api(world: Any, customer: Account, api_as: Any) -> None:
    api = api_as(world.service)
    support = _entitlement(customer)
    created = api.post(
        "/service/assets",
        {
            "account_id": customer.pk,
            "code": "SRV-9",
            "name": "边缘服务器",
            "quantity": "3",
            "serial_numbers": ["A1", "A2"],
            "warranty_ends_on": str(timezone.localdate() + timedelta(days=20)),
            "entitlement_id": support.pk,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["serial_numbers"], body["entitlement_id"], body["status"]) == (["A1", "A2"], support.pk, "active")
    path = f"/service/assets/{body['id']}"

    dup = api.patch(path, {"serial_numbers": ["A1", "A1"]}, **{"If-Match": created["ETag"]})
    assert dup.status_code == 422
    assert [e["field"] for e in dup.json()["errors"]] == ["serial_numbers"]
    assert api.patch(path, {"site": "无锡"}).status_code == 428
    assert api.patch(path, {"site": "无锡"}, **{"If-Match": '"9"'}).status_code == 412
    ok = api.patch(path, {"site": "无锡"}, **{"If-Match": created["ETag"]})
    assert ok.status_code == 200
    assert (ok.json()["site"], ok["ETag"]) == ("无锡", '"2"')

    listed = api.get("/service/assets?warranty=ending&days=30")
    assert [a["id"] for a in listed.json()["items"]] == [body["id"]]
    assert api.get("/service/assets?warranty=expired").json()["items"] == []
    assert api.get("/service/assets?warranty=never").status_code == 422

    retired = api.post(f"{path}/retire", {"note": "拆除"}, **{"If-Match": ok["ETag"]})
    assert (retired.status_code, retired.json()["status"]) == (200, "retired")
    assert api.post(f"{path}/retire", {}, **{"If-Match": retired["ETag"]}).status_code == 422

    # Readers: a sales manager reads, cannot change; another AR lists none, gets 404 on the asset.
    assert api_as(world.manager).get(path).status_code == 200
    assert api_as(world.manager).patch(path, {"site": "x"}, **{"If-Match": '"3"'}).status_code == 403
    assert api_as(world.other).get(path).status_code == 404
    assert api_as(world.other).get("/service/assets").json()["items"] == []  # an AR: their accounts' assets only
    assert api_as(world.finance).get("/service/assets").status_code == 403


def test_pages(world: Any, customer: Account, web_as: Any, django_assert_max_num_queries: Any) -> None:
    support = _entitlement(customer)
    for n in range(8):
        _asset(world, customer, name=f"设备{n}", serial_numbers=f"S{n}", entitlement_id=support.pk)
    web = web_as(world.service)
    with django_assert_max_num_queries(20):
        listed = web.get("/service/assets/?warranty=&status=active")
    assert listed.status_code == 200
    assert listed.content.decode().count("/service/assets/") >= 8
    asset = Asset.objects.order_by("id").first()
    assert asset is not None
    page = web.get(f"/service/assets/{asset.pk}/").content.decode()
    assert "S0" in page
    assert support.name in page
    assert "asset-retire" in page

    # A sales manager reads the page but is offered no change.
    page = web_as(world.manager).get(f"/service/assets/{asset.pk}/").content.decode()
    assert "asset-retire" not in page
    assert f"/service/assets/{asset.pk}/edit/" not in page
    assert web_as(world.other).get(f"/service/assets/{asset.pk}/").status_code == 404

    # The edit form: duplicates refused on the field, nothing written; then saved.
    edit = f"/service/assets/{asset.pk}/edit/"
    refused = web.post(edit, {"version": asset.version, "serial_numbers": "X\nX", "status": "active"})
    assert refused.status_code == 422
    assert "Serial numbers listed more than once: X." in refused.content.decode()
    saved = web.post(edit, {"version": asset.version, "serial_numbers": "X\nY", "status": "active", "site": "厂区"})
    assert saved.status_code == 302
    asset.refresh_from_db()
    assert (asset.serial_numbers, asset.site) == ("X\nY", "厂区")
    stale = web.post(edit, {"version": 1, "serial_numbers": "Z", "status": "active"})
    assert stale.status_code == 422
    # The refused page keeps the version it was read at: saving it again is refused again.
    again = stale.context["form"]
    assert again["version"].value() == "1"
    assert '<input type="hidden" name="version" value="1"' in stale.content.decode()
    resubmitted = web.post(edit, {**again.data.dict(), "csrfmiddlewaretoken": ""})
    assert resubmitted.status_code == 422
    asset.refresh_from_db()
    assert asset.serial_numbers == "X\nY"
    assert web.post(edit, {"serial_numbers": "Z", "status": "active"}).status_code == 422  # no version: refused

    created = web.post(
        "/service/assets/new/", {"account_id": customer.pk, "name": "新设备", "code": "NEW-1", "quantity": "1"}
    )
    assert created.status_code == 302
    assert Asset.objects.filter(name="新设备", account=customer).exists()
    assert web.get(f"/service/assets/new/?account={customer.pk}").status_code == 200
    assert web.post(f"/service/assets/{asset.pk}/retire/", {"version": asset.version}).status_code == 302
    asset.refresh_from_db()
    assert asset.status == "retired"
