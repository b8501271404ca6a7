"""The authority matrix configured through the org services and /api/v1/authority: validation,
versions, the timeline (a removed line keeps its last values), and who may change it."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from ltc.core.concurrency import StaleVersionError
from ltc.core.models import TimelineEvent
from ltc.core.templatetags.numbers import money
from ltc.core.timeline import timeline_for
from ltc.org import services
from ltc.org.choices import AuthoritySubject, RoleCode
from ltc.org.models import Authority, Role


def _state() -> tuple[Any, ...]:
    return (
        list(
            Authority.objects.order_by("pk").values_list(
                "pk", "version", "subject", "role_id", "user_id", "max_amount", "max_discount_pct", "min_margin_pct"
            )
        ),
        TimelineEvent.objects.count(),
    )


def _manager_line(world: Any, **values: Any) -> Authority:
    data = {
        "subject": "review_atb",
        "role": Role.objects.get(code="sales_manager"),
        "max_amount": Decimal("5000000.00"),
        **values,
    }
    return services.authority_create(actor=world.admin, data=data)


def test_an_admin_adds_a_line_and_it_is_on_its_timeline(world):
    line = _manager_line(world)
    assert (line.version, line.subject, line.role.code, line.user, line.max_amount, line.currency) == (
        1,
        "review_atb",
        "sales_manager",
        None,
        Decimal("5000000.00"),
        "CNY",
    )
    assert [(e.kind, e.actor, e.text, e.changes) for e in timeline_for(line)] == [
        (
            "created",
            world.admin,
            "",
            [
                {"field": "subject", "old": "", "new": "review_atb"},
                {"field": "role", "old": "", "new": "sales_manager"},
                {"field": "max_amount", "old": "", "new": "5000000.00"},
                {"field": "currency", "old": "", "new": "CNY"},
            ],
        )
    ]


def test_a_change_is_versioned_with_a_field_diff(world):
    line = _manager_line(world)
    services.authority_update(
        actor=world.admin, line=line, data={"max_amount": Decimal("8000000.00")}, expected_version=1
    )
    line.refresh_from_db()
    assert (line.version, line.max_amount) == (2, Decimal("8000000.00"))
    assert timeline_for(line)[0].changes == [{"field": "max_amount", "old": "5000000.00", "new": "8000000.00"}]


def test_removing_keeps_a_deleted_entry_with_the_last_values(world):
    line = _manager_line(world)
    pk = line.pk
    services.authority_remove(actor=world.admin, line=line, expected_version=1)
    assert not Authority.objects.filter(pk=pk).exists()
    deleted = TimelineEvent.objects.filter(object_id=pk, kind="deleted").get()
    assert deleted.actor == world.admin
    assert {c["field"]: c["old"] for c in deleted.changes} == {
        "subject": "review_atb",
        "role": "sales_manager",
        "max_amount": "5000000.00",
        "currency": "CNY",
    }


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"user": "owner"}, {"role": ["Give either a role or a user."]}),
        ({"role": None}, {"role": ["Give either a role or a user."]}),
        ({"max_amount": Decimal("-1")}, {"max_amount": ["A limit is 0 or more (blank: no limit)."]}),
        (
            {"max_discount_pct": Decimal("10"), "min_margin_pct": Decimal("20")},
            {
                "max_discount_pct": ["Only quote discount lines bound the discount and the margin."],
                "min_margin_pct": ["Only quote discount lines bound the discount and the margin."],
            },
        ),
        (
            {"subject": "quote_discount", "max_discount_pct": Decimal("120")},
            {"max_discount_pct": ["A discount is between 0 and 100%."]},
        ),
        ({"currency": "XYZ"}, {"currency": ["Value 'XYZ' is not a valid choice."]}),
        ({"subject": "everything"}, {"subject": ["Value 'everything' is not a valid choice."]}),
    ],
)
def test_an_invalid_line_is_refused_and_nothing_is_written(world, values, errors):
    values = {k: getattr(world, v) if k == "user" else v for k, v in values.items()}
    before = _state()
    with pytest.raises(ValidationError) as refused:
        _manager_line(world, **values)
    assert refused.value.message_dict == errors
    assert _state() == before


def test_a_quote_discount_line_bounds_discount_and_margin(world):
    line = _manager_line(
        world, subject="quote_discount", max_discount_pct=Decimal("15.00"), min_margin_pct=Decimal("-5.00")
    )
    assert (line.max_discount_pct, line.min_margin_pct) == (Decimal("15.00"), Decimal("-5.00"))


def test_an_inactive_user_is_given_no_authority(world):
    world.teammate.is_active = False
    world.teammate.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        _manager_line(world, role=None, user=world.teammate)
    assert refused.value.message_dict == {"user": ["Authority is given to an active user."]}


@pytest.mark.parametrize("who", ["manager", "boss", "executive", "finance", "owner"])
def test_only_administrators_change_the_matrix(world, who):
    line = _manager_line(world)
    actor = getattr(world, who)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.authority_create(actor=actor, data={"subject": "review_ati", "user": actor})
    with pytest.raises(PermissionDenied):
        services.authority_update(actor=actor, line=line, data={"max_amount": None}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.authority_remove(actor=actor, line=line, expected_version=1)
    assert _state() == before


def test_stale_versions_change_nothing(world):
    line = _manager_line(world)
    services.authority_update(actor=world.admin, line=line, data={"max_amount": None}, expected_version=1)
    before = _state()
    with pytest.raises(StaleVersionError):
        services.authority_update(
            actor=world.admin, line=Authority.objects.get(pk=line.pk), data={"currency": "USD"}, expected_version=1
        )
    with pytest.raises(StaleVersionError):
        services.authority_remove(actor=world.admin, line=line, expected_version=1)
    assert _state() == before


# --- API -------------------------------------------------------------------------------------


def test_the_api_adds_changes_and_removes_a_line(world, api_as):
    api = api_as(world.admin)
    created = api.post(
        "/authority",
        {"subject": "quote_discount", "role": "sales_manager", "max_amount": "1000000", "max_discount_pct": "12.5"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["version"], body["role"], body["user"], body["max_amount"], body["max_discount_pct"]) == (
        1,
        {"code": "sales_manager", "name": str(Role.objects.get(code="sales_manager"))},
        None,
        "1000000.00",
        "12.50",
    )
    assert created["ETag"] == '"1"'
    path = f"/authority/{body['id']}"
    assert api.get(path).json()["min_margin_pct"] is None
    assert api.request("PATCH", path, {"max_amount": "2000000"}).status_code == 428
    assert api.request("PATCH", path, {"max_amount": "2000000"}, **{"If-Match": '"7"'}).status_code == 412
    changed = api.request(
        "PATCH", path, {"max_amount": "2000000", "role": None, "user_id": world.boss.pk}, **{"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["version"], changed.json()["user"], changed.json()["role"]) == (
        2,
        {"id": world.boss.pk, "name": str(world.boss)},
        None,
    )
    listed = api.get("/authority?subject=quote_discount").json()
    assert [(i["id"], i["max_amount"]) for i in listed["items"]] == [(body["id"], "2000000.00")]
    assert api.request("DELETE", path, **{"If-Match": '"2"'}).status_code == 204
    assert api.get(path).status_code == 404


def test_the_api_refuses_an_invalid_line_field_by_field(world, api_as):
    before = _state()
    refused = api_as(world.admin).post(
        "/authority", {"subject": "review_ati", "role": "ar", "user_id": world.owner.pk, "max_discount_pct": "5"}
    )
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert sorted((e["field"], e["message"]) for e in refused.json()["errors"]) == [
        ("max_discount_pct", "Only quote discount lines bound the discount and the margin."),
        ("role", "Give either a role or a user."),
    ]
    unknown = api_as(world.admin).post("/authority", {"subject": "review_ati", "user_id": 999_999})
    assert [(e["field"], e["message"]) for e in unknown.json()["errors"]] == [("user_id", "No such user.")]
    assert _state() == before


def test_anyone_signed_in_reads_the_matrix_only_admins_change_it(world, api_as):
    line = _manager_line(world)
    before = _state()
    manager = api_as(world.manager)
    assert manager.get("/authority").json()["total"] == 1
    assert manager.post("/authority", {"subject": "review_ati", "role": "ar"}).status_code == 403
    assert (
        manager.request("PATCH", f"/authority/{line.pk}", {"max_amount": None}, **{"If-Match": '"1"'}).status_code
        == 403
    )
    assert manager.request("DELETE", f"/authority/{line.pk}", **{"If-Match": '"1"'}).status_code == 403
    assert api_as(None).get("/authority").status_code == 401
    assert _state() == before


def test_a_chinese_reader_reads_the_recent_changes_in_chinese_after_an_english_admin_made_them(world, web_as):
    with translation.override("en"):
        line = _manager_line(world)
        english = str(line)
        services.authority_update(
            actor=world.admin, line=line, data={"max_amount": Decimal("8000000.00")}, expected_version=1
        )
        services.authority_remove(actor=world.admin, line=line, expected_version=2)
    reader = web_as(world.owner)
    with translation.override("en"):  # the requests switch this thread to the reader's language
        reader.post(reverse("web:set_language"), {"language": "zh-hans", "next": "/"})
        page = reader.get(reverse("process:authority"))
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.content.decode())))
    assert page.status_code == 200
    assert english not in text
    with translation.override("zh-hans"):
        subject = str(dict(AuthoritySubject.choices)["review_atb"])
        role = str(dict(RoleCode.choices)["sales_manager"])
        amount = str(Authority._meta.get_field("max_amount").verbose_name)
        decides = str(Authority._meta.get_field("subject").verbose_name)
        old, new = money(Decimal("5000000")), money(Decimal("8000000"))
    assert f"{decides}: {subject}" in text
    assert f": {role}" in text
    assert f"{amount}: {old} → {new}" in text
