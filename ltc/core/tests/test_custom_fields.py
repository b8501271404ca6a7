"""Custom fields (#18): definitions, typed values, required fields, timeline, bulk reads, filters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from ltc.core import customfields
from ltc.core.concurrency import StaleVersionError
from ltc.core.models import CustomField, CustomValue, TimelineEvent, TimelineKind
from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory
from ltc.org.tests.factories import UserFactory

TIER_CHOICES = [
    {"code": "gold", "label_zh": "金牌", "label_en": "Gold"},
    {"code": "silver", "label_zh": "银牌", "label_en": "Silver"},
]


def define(world: Any, code: str, field_type: str, **extra: Any) -> CustomField:
    data = {"record_type": "account", "code": code, "field_type": field_type, "label_zh": code, "label_en": code}
    return customfields.custom_field_create(actor=world.admin, data={**data, **extra})


def account_fields(world: Any) -> dict[str, CustomField]:
    return {
        "tier": define(world, "tier", "choice", label_zh="等级", label_en="Tier", choices=TIER_CHOICES),
        "budget": define(world, "budget", "money", label_zh="预算", label_en="Budget"),
        "seats": define(world, "seats", "number"),
        "renewal": define(world, "renewal", "date"),
        "partner": define(world, "partner", "checkbox"),
        "champion": define(world, "champion", "user"),
        "note": define(world, "note", "text", required=True),
    }


def values(record: Any) -> dict[str, Any]:
    return customfields.custom_values_of([record])[record.pk]


@pytest.mark.django_db
def test_only_an_administrator_defines_a_field(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        customfields.custom_field_create(
            actor=world.owner,
            data={"record_type": "account", "code": "tier", "field_type": "text", "label_en": "Tier"},
        )
    assert not CustomField.objects.exists()


@pytest.mark.django_db
def test_a_definition_is_checked_and_its_code_is_unique_per_record_type(world: Any) -> None:
    define(world, "tier", "text")
    with pytest.raises(ValidationError) as exc:
        define(world, "tier", "text")
    assert set(exc.value.message_dict) == {"code"}
    with pytest.raises(ValidationError) as exc:
        define(world, "Bad Code", "colour")
    assert set(exc.value.message_dict) == {"code", "field_type"}
    with pytest.raises(ValidationError) as exc:
        define(world, "size", "choice")
    assert set(exc.value.message_dict) == {"choices"}
    lead_tier = customfields.custom_field_create(
        actor=world.admin, data={"record_type": "lead", "code": "tier", "field_type": "text", "label_en": "Tier"}
    )
    assert lead_tier.label_zh == ""
    assert lead_tier.label == "Tier"
    assert CustomField.objects.count() == 2


@pytest.mark.django_db
def test_values_are_typed_and_read_back_in_one_query(world: Any, django_assert_num_queries: Any) -> None:
    account_fields(world)
    data = {
        "tier": "gold",
        "budget": "1234.50",
        "seats": 12,
        "renewal": "2027-03-01",
        "partner": True,
        "champion": world.teammate.pk,
        "note": "key account",
    }
    customfields.custom_values_set(actor=world.owner, record=world.account, data=data, creating=True)
    other = AccountFactory(owner=world.owner)
    customfields.custom_values_set(actor=world.owner, record=other, data={"note": "x", "seats": "7.25"})
    with django_assert_num_queries(2):  # the content type, then the values of the whole page
        read = customfields.custom_values_of(Account.objects.filter(pk__in=[world.account.pk, other.pk]))
    assert read[world.account.pk] == {
        "tier": "gold",
        "budget": Decimal("1234.50"),
        "seats": Decimal(12),
        "renewal": date(2027, 3, 1),
        "partner": True,
        "champion": world.teammate,
        "note": "key account",
    }
    assert read[other.pk] == {"note": "x", "seats": Decimal("7.25")}
    assert customfields.json_values(read[world.account.pk])["budget"] == "1234.50"
    assert customfields.json_values(read[world.account.pk])["champion"] == world.teammate.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("tier", "platinum"),
        ("budget", 12.5),  # a float: amounts travel as text
        ("budget", "1.005"),
        ("budget", "lots"),
        ("seats", "NaN"),
        ("seats", "Infinity"),
        ("seats", "-Infinity"),
        ("seats", "1e9999999"),  # beyond the decimal context: abs() would raise Overflow
        ("seats", "-1e-9999999"),
        ("seats", "1e14"),  # 15 whole digits: the column holds 14
        ("seats", "0.00001"),  # 5 places: the column holds 4
        ("budget", "1e9999999"),
        ("renewal", "2027-02-30"),
        ("partner", "yes"),
        ("champion", "²"),
        ("champion", 999999),
        ("note", ""),
        ("unknown", "x"),
    ],
)
def test_a_bad_value_is_a_field_error_and_changes_nothing(world: Any, code: str, value: Any) -> None:
    account_fields(world)
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"note": "kept", "tier": "silver"})
    events = TimelineEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        customfields.custom_values_set(actor=world.owner, record=world.account, data={"tier": "gold", code: value})
    assert list(exc.value.message_dict) == [f"custom_fields.{code}"]
    assert values(world.account) == {"note": "kept", "tier": "silver"}
    assert TimelineEvent.objects.count() == events


@pytest.mark.django_db
def test_an_inactive_user_is_refused(world: Any) -> None:
    account_fields(world)
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as exc:
        customfields.custom_values_set(actor=world.owner, record=world.account, data={"champion": gone.pk})
    assert exc.value.message_dict == {"custom_fields.champion": ["No such active user."]}


@pytest.mark.django_db
def test_creating_needs_every_required_field(world: Any) -> None:
    account_fields(world)
    with pytest.raises(ValidationError) as exc:
        customfields.custom_values_set(actor=world.owner, record=world.account, data={"seats": 1}, creating=True)
    assert exc.value.message_dict == {"custom_fields.note": ["This field is required."]}
    assert not CustomValue.objects.exists()


@pytest.mark.django_db
def test_a_change_is_on_the_record_timeline_in_the_readers_language(world: Any) -> None:
    account_fields(world)
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"note": "a", "tier": "silver"})
    changes = customfields.custom_values_set(
        actor=world.owner, record=world.account, data={"tier": "gold", "budget": "10", "note": "a"}
    )
    assert [c["field"] for c in changes] == ["custom.tier", "custom.budget"]
    event = TimelineEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Account), object_id=world.account.pk
    ).first()
    assert event is not None
    assert event.kind == TimelineKind.CHANGED
    assert event.actor == world.owner
    with translation.override("en"):
        shown = event.display_changes()
    assert shown[0] == {"field": "custom.tier", "label": "Tier", "old": "Silver", "new": "Gold"}
    assert shown[1]["label"] == "Budget"
    assert shown[1]["old"] == ""
    assert "10.00" in shown[1]["new"]
    with translation.override("zh-hans"):
        assert event.display_changes()[0] == {"field": "custom.tier", "label": "等级", "old": "银牌", "new": "金牌"}


@pytest.mark.django_db
def test_emptying_a_value_removes_it(world: Any) -> None:
    account_fields(world)
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"note": "a", "seats": "3"})
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"seats": None})
    assert values(world.account) == {"note": "a"}


@pytest.mark.django_db
def test_update_keeps_used_options_and_checks_the_version(world: Any) -> None:
    fields = account_fields(world)
    tier = fields["tier"]
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"note": "a", "tier": "gold"})
    with pytest.raises(ValidationError) as exc:
        customfields.custom_field_update(
            actor=world.admin, field=tier, data={"choices": TIER_CHOICES[1:]}, expected_version=tier.version
        )
    assert set(exc.value.message_dict) == {"choices"}
    with pytest.raises(ValidationError):
        customfields.custom_field_update(
            actor=world.admin, field=tier, data={"field_type": "text"}, expected_version=tier.version
        )
    with pytest.raises(StaleVersionError):
        customfields.custom_field_update(
            actor=world.admin, field=tier, data={"label_en": "Level"}, expected_version=tier.version + 1
        )
    customfields.custom_field_update(actor=world.admin, field=tier, data={"label_en": "Level"}, expected_version=1)
    tier.refresh_from_db()
    assert tier.label_en == "Level"
    assert tier.version == 2
    event = TimelineEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(CustomField), object_id=tier.pk, kind=TimelineKind.CHANGED
    ).get()
    assert event.changes == [{"field": "label_en", "old": "Tier", "new": "Level"}]


@pytest.mark.django_db
def test_a_deactivated_field_is_hidden_and_its_values_kept(world: Any) -> None:
    fields = account_fields(world)
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"note": "a", "seats": "3"})
    seats = fields["seats"]
    customfields.custom_field_deactivate(actor=world.admin, field=seats, expected_version=seats.version)
    assert values(world.account) == {"note": "a"}
    assert CustomValue.objects.filter(field=seats).count() == 1
    with pytest.raises(ValidationError):
        customfields.custom_values_set(actor=world.owner, record=world.account, data={"seats": "4"})


@pytest.mark.django_db
def test_a_list_filters_by_a_custom_value(world: Any) -> None:
    account_fields(world)
    gold = AccountFactory(owner=world.owner)
    customfields.custom_values_set(actor=world.owner, record=gold, data={"tier": "gold", "note": "Big Plant"})
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"tier": "silver", "note": "x"})
    accounts = Account.objects.all()
    assert list(customfields.filter_records(accounts, "account", {"cf_tier": "gold"})) == [gold]
    assert list(customfields.filter_records(accounts, "account", {"cf_note": "big"})) == [gold]
    assert list(customfields.filter_records(accounts, "account", {"cf_tier": "nope"})) == []
    assert customfields.filter_records(accounts, "account", {"cf_tier": ""}).count() == accounts.count()


@pytest.mark.django_db
def test_a_lead_import_fills_a_custom_field_and_rejects_a_bad_value(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from ltc.leads import services
    from ltc.leads.models import Lead, LeadImport

    customfields.custom_field_create(
        actor=world.admin,
        data={
            "record_type": "lead",
            "code": "tier",
            "field_type": "choice",
            "label_en": "Tier",
            "choices": TIER_CHOICES,
        },
    )
    customfields.custom_field_create(
        actor=world.admin, data={"record_type": "lead", "code": "fair", "field_type": "checkbox", "label_en": "Fair"}
    )
    text = (
        "公司名称,等级,展会\n嘉兴智造装备有限公司,gold,是\n天津港航物流有限公司,platinum,否\n青岛海润食品有限公司,,否\n"
    )
    batch = services.lead_import_upload(actor=world.marketing, name="leads.csv", data=text.encode("utf-8"))
    mapping = {"公司名称": "company_name", "等级": "cf_tier", "展会": "cf_fair"}
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_import_start(actor=world.marketing, batch=batch, mapping=mapping, duplicate_policy="skip")
    batch = LeadImport.objects.get(pk=batch.pk)
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 2, 1)
    leads = {lead.company_name: lead for lead in Lead.objects.filter(import_batch=batch)}
    read = customfields.custom_values_of(leads.values())
    assert read[leads["嘉兴智造装备有限公司"].pk] == {"tier": "gold", "fair": True}
    assert read[leads["青岛海润食品有限公司"].pk] == {"fair": False}
    with pytest.raises(ValidationError):
        services.lead_import_start(
            actor=world.marketing, batch=batch, mapping={"公司名称": "cf_nope"}, duplicate_policy="skip"
        )


OUT_OF_RANGE = ["1e9999999", "NaN", "Infinity", "-1e-9999999"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_number_out_of_range_is_refused_by_the_api_and_matches_nothing_in_a_filter(
    world: Any, api_as: Any, value: str
) -> None:
    account_fields(world)
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"note": "kept", "seats": "12"})
    client = api_as(world.owner)
    etag = client.get(f"/accounts/{world.account.pk}")["ETag"]
    refused = client.patch(f"/accounts/{world.account.pk}", {"custom_fields": {"seats": value}}, **{"If-Match": etag})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["custom_fields.seats"]
    assert values(world.account) == {"note": "kept", "seats": Decimal(12)}
    listed = client.get(f"/accounts?cf=seats:{value}")
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    assert list(customfields.filter_records(Account.objects.all(), "account", {"cf_seats": value})) == []


@pytest.mark.django_db
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_the_account_list_and_its_export_take_a_number_out_of_range(world: Any, web_as: Any, value: str) -> None:
    account_fields(world)
    customfields.custom_values_set(actor=world.owner, record=world.account, data={"note": "kept", "seats": "12"})
    client = web_as(world.owner)
    page = client.get("/customers/accounts/", {"cf_seats": value})
    assert page.status_code == 200
    assert list(page.context["page"]["items"]) == []
    export = client.get("/customers/accounts/", {"cf_seats": value, "export": "csv"})
    assert export.status_code == 200
    assert len(b"".join(export.streaming_content).decode("utf-8-sig").splitlines()) == 1
