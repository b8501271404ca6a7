"""Segments: the rule language (validation and every condition), static lists and CSV import,
recipients, the API (If-Match, problem+json field errors, access) and the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ltc.core.models import Activity
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import Campaign, CampaignMember, Segment, SegmentEntry
from ltc.marketing.services import segments as svc
from ltc.marketing.services.consent import consent_record
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


def rules(*conditions: dict[str, Any], match: str = "all") -> dict[str, Any]:
    return {"match": match, "conditions": list(conditions)}


def c(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


def leads_of(target_rules: dict[str, Any]) -> set[int]:
    return set(svc.rules_queryset("leads", svc.segment_rules_clean("leads", target_rules)).values_list("pk", flat=True))


@pytest.fixture
def people(world: Any) -> dict[str, Any]:
    """Leads: a hot manufacturer in the east, a cold one, a northern bank; an account with a deal."""
    hot = LeadFactory(owner=world.owner, region="east", industry="manufacturing", score=80, email="hot@example.cn")
    cold = LeadFactory(owner=world.other, region="east", industry="manufacturing", score=20, email="cold@example.cn")
    bank = LeadFactory(owner=world.other, region="north", industry="finance", score=90, email="")
    return {"hot": hot, "cold": cold, "bank": bank}


# --- the rule language -------------------------------------------------------------------


def test_columns_combine_with_all_and_any(world: Any, people: dict[str, Any]) -> None:
    east_mfg = rules(c("industry", "in", ["manufacturing"]), c("region", "in", ["east"]), c("score", "gte", 60))
    assert leads_of(east_mfg) == {people["hot"].pk}
    either = rules(c("region", "in", ["north"]), c("score", "gte", 60), match="any")
    assert leads_of(either) == {people["hot"].pk, people["bank"].pk}
    assert people["bank"].pk in leads_of(rules(c("industry", "not_in", ["manufacturing"])))
    assert leads_of(rules(c("owner", "in", [world.other.pk]), c("score", "lte", 50))) == {people["cold"].pk}


def test_no_conditions_select_every_record_but_merged_ones(world: Any, people: dict[str, Any]) -> None:
    Lead.objects.filter(pk=people["cold"].pk).update(merged_into=people["hot"])
    assert leads_of(rules()) == set(Lead.objects.exclude(pk=people["cold"].pk).values_list("pk", flat=True))


def test_activity_campaign_and_consent_conditions(world: Any, people: dict[str, Any]) -> None:
    lead_type = ContentType.objects.get_for_model(Lead)
    Activity.objects.create(
        content_type=lead_type, object_id=people["hot"].pk, kind="call", title="回访", owner=world.owner,
        done_at=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    Activity.objects.create(
        content_type=lead_type, object_id=people["cold"].pk, kind="call", title="回访", owner=world.owner,
        done_at=timezone.now() - timedelta(days=40),
    )  # fmt: skip
    assert leads_of(rules(c("last_activity", "within_days", 7))) == {people["hot"].pk}
    assert people["hot"].pk not in leads_of(rules(c("last_activity", "not_within_days", 7)))
    assert people["cold"].pk in leads_of(rules(c("last_activity", "not_within_days", 7)))

    show = Campaign.objects.create(name="展会", code="SHOW", kind="trade_show", owner=world.marketing)
    CampaignMember.objects.create(campaign=show, lead=people["hot"], status="attended")
    CampaignMember.objects.create(campaign=show, lead=people["cold"], status="sent")
    assert leads_of(rules(c("campaign", "at_least", {"campaign_id": show.pk, "status": "registered"}))) == {
        people["hot"].pk
    }
    assert leads_of(rules(c("campaign", "at_least", {"campaign_id": show.pk, "status": "sent"}))) == {
        people["hot"].pk,
        people["cold"].pk,
    }

    consent_record(address="HOT@example.cn", state="granted", basis="consent", source="展会")
    consent_record(address="cold@example.cn", state="withdrawn", source="退订")
    assert leads_of(rules(c("email_consent", "is", True))) == {people["hot"].pk}
    assert {people["cold"].pk, people["bank"].pk} <= leads_of(rules(c("email_consent", "is", False)))
    assert people["hot"].pk not in leads_of(rules(c("email_consent", "is", False)))


def test_any_of_related_conditions_is_a_union_of_ids(world: Any, people: dict[str, Any]) -> None:
    """ "any" with a condition on another table counts (and lists) each record once, merged ones
    never, the same as testing every condition per record; the query is a UNION, not an OR."""
    show = Campaign.objects.create(name="展会", code="SHOW", kind="trade_show", owner=world.marketing)
    CampaignMember.objects.create(campaign=show, lead=people["hot"], status="attended")  # also score 80
    CampaignMember.objects.create(campaign=show, lead=people["cold"], status="registered")
    merged = LeadFactory(region="east", score=95, email="gone@example.cn")
    CampaignMember.objects.create(campaign=show, lead=merged, status="responded")
    Lead.objects.filter(pk=merged.pk).update(merged_into=people["hot"])
    either = rules(
        c("campaign", "at_least", {"campaign_id": show.pk, "status": "registered"}), c("score", "gte", 60), match="any"
    )
    expected = {people["hot"].pk, people["cold"].pk, people["bank"].pk} | {
        pk for pk in Lead.objects.filter(score__gte=60, merged_into__isnull=True).values_list("pk", flat=True)
    }
    assert leads_of(either) == expected
    assert svc.rules_count(target="leads", rules=either) == len(expected)
    assert "UNION" in str(svc.rules_queryset("leads", svc.segment_rules_clean("leads", either)).query)
    # A negated related condition inside "any": no consent granted, or the northern region.
    consent_record(address="hot@example.cn", state="granted", basis="consent", source="展会")
    consent_record(address="cold@example.cn", state="granted", basis="consent", source="展会")
    no_consent = rules(c("email_consent", "is", False), c("region", "in", ["north"]), match="any")
    selected = leads_of(no_consent)
    assert people["bank"].pk in selected  # no address at all: no consent
    assert not {people["hot"].pk, people["cold"].pk, merged.pk} & selected
    assert svc.rules_count(target="leads", rules=no_consent) == len(selected)
    # Column conditions alone stay one query (an OR over the row).
    assert "UNION" not in str(svc.rules_queryset("leads", rules(c("score", "gte", 60), match="any")).query)


def test_contacts_follow_their_account_and_its_deals(world: Any) -> None:
    buyer = ContactFactory(account=world.account, email="buyer@jc.cn")
    elsewhere = ContactFactory(account=AccountFactory(region="south", industry="retail"))
    deal = make_opportunity(world)
    contacts = svc.rules_queryset(
        "contacts",
        svc.segment_rules_clean(
            "contacts",
            rules(
                c("region", "in", ["east"]), c("deal_stage", "in", [deal.stage_id]), c("deal_status", "in", ["open"])
            ),
        ),
    )
    assert list(contacts) == [buyer]
    Opportunity.objects.filter(pk=deal.pk).update(status="lost")
    lost = svc.segment_rules_clean("contacts", rules(c("deal_status", "not_in", ["open"])))
    assert set(svc.rules_queryset("contacts", lost)) == {buyer, elsewhere}
    accounts = svc.rules_queryset(
        "accounts", svc.segment_rules_clean("accounts", rules(c("deal_status", "in", ["lost"])))
    )
    assert list(accounts) == [world.account]


@pytest.mark.parametrize(
    ("target", "condition", "field"),
    [
        ("leads", c("colour", "in", ["red"]), "rules.conditions.0.field"),
        ("leads", c("region", "gte", ["east"]), "rules.conditions.0.op"),
        ("leads", c("region", "in", ["mars"]), "rules.conditions.0.value"),
        ("leads", c("region", "in", []), "rules.conditions.0.value"),
        ("leads", c("score", "gte", 101), "rules.conditions.0.value"),
        ("leads", c("score", "gte", "lots"), "rules.conditions.0.value"),
        ("leads", c("deal_status", "in", ["open"]), "rules.conditions.0.field"),
        ("accounts", c("email_consent", "is", True), "rules.conditions.0.field"),
        ("leads", c("owner", "in", [999999]), "rules.conditions.0.value"),
        ("leads", c("owner", "in", ["²"]), "rules.conditions.0.value"),
        ("leads", c("campaign", "at_least", {"campaign_id": 424242, "status": "sent"}), "rules.conditions.0.value.campaign_id"),
        ("leads", c("email_consent", "is", "yes"), "rules.conditions.0.value"),
        ("leads", "not a condition", "rules.conditions.0"),
    ],
)  # fmt: skip
def test_bad_rules_name_the_wrong_part(world: Any, target: str, condition: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        svc.segment_rules_clean(target, {"match": "all", "conditions": [condition]})
    assert field in caught.value.message_dict


# --- writes, static lists, recipients ------------------------------------------------------


def test_only_marketing_and_admins_write(world: Any) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        svc.segment_create(actor=world.manager, data={"name": "x", "target": "leads", "rules": {}})
    assert not Segment.objects.exists()


def test_static_list_by_ids_and_csv(world: Any, people: dict[str, Any]) -> None:
    segment = svc.segment_create(actor=world.marketing, data={"name": "名单", "target": "leads", "kind": "static"})
    result = svc.segment_entries_add(actor=world.marketing, segment=segment, ids=[people["hot"].pk, 987654])
    assert (result.added, result.already, result.unknown) == (1, 0, [987654])
    again = svc.segment_entries_add(actor=world.marketing, segment=segment, ids=[people["hot"].pk])
    assert (again.added, again.already) == (0, 1)
    people["bank"].mobile_key = "13800138000"
    people["bank"].save(update_fields=["mobile_key"])
    csv_text = "邮箱,备注\nCOLD@example.cn,展会\n138 0013 8000,\nnobody@example.cn,无\n".encode("gb18030")
    report = svc.segment_import(actor=world.marketing, segment=segment, content=csv_text)
    assert (report.rows, report.matched, report.added) == (4, 2, 2)
    assert [n for n, _v in report.unmatched] == [1, 4]
    assert svc.segment_count(segment) == 3
    removed = svc.segment_entries_remove(actor=world.marketing, segment=segment, ids=[people["hot"].pk])
    assert removed.removed == 1
    assert set(svc.segment_queryset(segment)) == {people["cold"], people["bank"]}


def test_dynamic_segment_has_no_entries(world: Any) -> None:
    segment = svc.segment_create(actor=world.marketing, data={"name": "动态", "target": "leads", "rules": {}})
    with pytest.raises(ValidationError):
        svc.segment_entries_add(actor=world.marketing, segment=segment, ids=[world.lead.pk])
    assert not SegmentEntry.objects.exists()


def test_recipients_of_leads_and_of_accounts(world: Any, people: dict[str, Any]) -> None:
    segment = svc.segment_create(
        actor=world.marketing,
        data={"name": "高分", "target": "leads", "rules": rules(c("score", "gte", 80))},
    )
    got = list(svc.segment_recipients(segment))
    assert [(r.lead_id, r.contact_id, r.email) for r in got] == [
        (people["hot"].pk, None, "hot@example.cn"),
        (people["bank"].pk, None, ""),
    ]
    buyer = ContactFactory(account=world.account, name="王采购", email="wang@jc.cn")
    accounts = svc.segment_create(
        actor=world.marketing,
        data={"name": "华东客户", "target": "accounts", "rules": rules(c("region", "in", ["east"]))},
    )
    assert list(svc.segment_recipients(accounts)) == [svc.Recipient(None, buyer.pk, "wang@jc.cn", "王采购", "")]


# --- API ---------------------------------------------------------------------------------


def test_api_create_preview_update_archive(world: Any, people: dict[str, Any], api_as: Any) -> None:
    api = api_as(world.marketing)
    body = {"target": "leads", "rules": rules(c("region", "in", ["east"]))}
    assert api.post("/marketing/segments/preview", body).json() == {"count": 3}  # world.lead is in the east too
    created = api.post("/marketing/segments", {"name": "华东线索", **body})
    assert created.status_code == 201
    segment = created.json()
    assert segment["member_count"] == 3
    url = f"/marketing/segments/{segment['id']}"
    patch = {"rules": rules(c("region", "in", ["east"]), c("score", "gte", 50))}
    assert api.patch(url, patch).status_code == 428
    assert api.patch(url, patch, **{"If-Match": '"7"'}).status_code == 412
    changed = api.patch(url, patch, **{"If-Match": created["ETag"]})
    assert changed.status_code == 200
    assert changed.json()["member_count"] == 1
    assert changed["ETag"] == '"2"'
    members = api.get(f"{url}/members").json()
    assert [m["id"] for m in members["items"]] == [people["hot"].pk]
    archived = api.post(f"{url}/archive", {}, **{"If-Match": changed["ETag"]})
    assert archived.json()["archived_at"] is not None
    assert api.get("/marketing/segments").json()["items"] == []
    assert len(api.get("/marketing/segments?archived=true").json()["items"]) == 1


def test_api_bad_rules_are_field_errors_and_save_nothing(world: Any, api_as: Any) -> None:
    api = api_as(world.marketing)
    answer = api.post("/marketing/segments", {"name": "坏", "target": "leads", "rules": rules(c("score", "gte", 500))})
    assert answer.status_code == 422
    assert answer["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == ["rules.conditions.0.value"]
    assert not Segment.objects.exists()
    wrong_field = api.post("/marketing/segments/preview", {"target": "leads", "rules": rules(c("nope", "in", []))})
    assert wrong_field.status_code == 422


def test_api_static_entries_and_import(world: Any, people: dict[str, Any], api_as: Any) -> None:
    api = api_as(world.marketing)
    segment = api.post("/marketing/segments", {"name": "名单", "target": "leads", "kind": "static"}).json()
    url = f"/api/v1/marketing/segments/{segment['id']}"
    added = api.post(f"/marketing/segments/{segment['id']}/entries", {"ids": [people["cold"].pk, 123456789]})
    assert added.json() == {"added": 1, "already": 0, "removed": 0, "unknown": [123456789]}
    upload = SimpleUploadedFile("list.csv", b"hot@example.cn\nghost@example.cn\n")
    answer = api.client.post(f"{url}/import", {"file": upload}, headers=api.headers)
    assert answer.status_code == 200
    assert answer.json()["unmatched"] == [{"row": 2, "value": "ghost@example.cn"}]
    assert api.get(f"/marketing/segments/{segment['id']}").json()["member_count"] == 2


def test_members_only_those_the_reader_may_open(world: Any, people: dict[str, Any], api_as: Any) -> None:
    segment = svc.segment_create(
        actor=world.marketing, data={"name": "全部", "target": "leads", "rules": rules(c("region", "in", ["east"]))}
    )
    manager_sees = {
        m["id"] for m in api_as(world.manager).get(f"/marketing/segments/{segment.pk}/members").json()["items"]
    }
    assert manager_sees == {people["hot"].pk, world.lead.pk}  # the cold lead is the north team's


def test_list_query_budget(world: Any, api_as: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(5):
        svc.segment_create(actor=world.marketing, data={"name": f"S{n}", "target": "leads", "rules": {}})
    api = api_as(world.marketing)
    with django_assert_max_num_queries(8):
        assert len(api.get("/marketing/segments").json()["items"]) == 5


# --- pages ---------------------------------------------------------------------------------


def test_editor_live_count_and_save(world: Any, people: dict[str, Any], web_as: Any) -> None:
    page = web_as(world.marketing)
    form = {"name": "华东制造业", "target": "leads", "kind": "dynamic", "match": "all",
            "industry": ["manufacturing"], "region": ["east"], "score_min": "60"}  # fmt: skip
    preview = page.post("/marketing/segments/preview/", form, HTTP_HX_REQUEST="true")
    assert 'data-count="1"' in preview.content.decode()
    bad = page.post("/marketing/segments/preview/", {**form, "score_min": "300"})
    assert "data-count" not in bad.content.decode()
    assert "alert-danger" in bad.content.decode()
    assert "100" in bad.content.decode()  # "a whole number from 0 to 100"
    saved = page.post("/marketing/segments/new/", form)
    assert saved.status_code == 302
    segment = Segment.objects.get()
    assert segment.rules["conditions"][-1] == {"field": "score", "op": "gte", "value": 60}
    detail = page.get(saved["Location"]).content.decode()
    assert 'data-testid="segment-member-count">1<' in detail
    edit = page.get(f"/marketing/segments/{segment.pk}/edit/")
    assert edit.status_code == 200
    again = page.post(
        f"/marketing/segments/{segment.pk}/edit/", {**form, "score_min": "", "version": str(segment.version)}
    )
    assert again.status_code == 302
    segment.refresh_from_db()
    assert segment.member_count == 3  # world.lead too: an eastern manufacturer of score 0
    assert segment.version == 2


def test_live_count_of_a_saved_segment_without_its_disabled_selects(
    world: Any, people: dict[str, Any], web_as: Any
) -> None:
    """The edit page's target and type selects are disabled, so a browser does not send them: the
    live count takes them from the saved segment instead of answering "required"."""
    page = web_as(world.marketing)
    form = {"name": "华东", "target": "leads", "kind": "dynamic", "match": "all", "region": ["east"]}
    assert page.post("/marketing/segments/new/", form).status_code == 302
    segment = Segment.objects.get()
    sent = {k: v for k, v in form.items() if k not in ("target", "kind")}
    preview = page.post(
        "/marketing/segments/preview/", {**sent, "segment": str(segment.pk), "score_min": "60"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "alert-danger" not in preview
    assert 'data-count="1"' in preview  # the hot eastern lead only


def test_new_segment_page_shows_a_count_not_none(world: Any, people: dict[str, Any], web_as: Any) -> None:
    page = web_as(world.marketing)
    body = page.get("/marketing/segments/new/").content.decode()
    assert "None" not in body.split('id="segment-count"')[1].split("</div>\n</div>")[0]
    contacts = svc.rules_count(target="contacts", rules={"match": "all", "conditions": []})
    assert f'data-count="{contacts}"' in body


def test_editor_refuses_bad_input_with_a_message(world: Any, web_as: Any) -> None:
    page = web_as(world.marketing)
    answer = page.post("/marketing/segments/new/", {"name": "", "target": "leads", "kind": "dynamic", "match": "all",
                                                     "score_min": "abc", "lead_status": ["nope"]})  # fmt: skip
    assert answer.status_code == 422
    assert not Segment.objects.exists()


def test_pages_for_a_static_list(world: Any, people: dict[str, Any], web_as: Any) -> None:
    segment = svc.segment_create(actor=world.marketing, data={"name": "名单", "target": "leads", "kind": "static"})
    page = web_as(world.marketing)
    page.post(f"/marketing/segments/{segment.pk}/entries/", {"ids": f"{people['hot'].pk}, x {people['bank'].pk}"})
    assert svc.segment_count(segment) == 0  # "x" is not an id: nothing added, the error is flashed
    page.post(f"/marketing/segments/{segment.pk}/entries/", {"ids": f"{people['hot'].pk}\n{people['bank'].pk}"})
    assert svc.segment_count(segment) == 2
    report = page.post(
        f"/marketing/segments/{segment.pk}/import/",
        {"file": SimpleUploadedFile("a.csv", b"cold@example.cn\nwho@x.cn\n")},
    )
    assert "who@x.cn" in report.content.decode()
    assert svc.segment_count(segment) == 3
    assert page.get("/marketing/segments/").status_code == 200
    assert web_as(world.owner).get("/marketing/segments/").status_code == 403
    assert web_as(world.owner).get(f"/marketing/segments/{segment.pk}/").status_code == 404


def test_demo_seed(world: Any, people: dict[str, Any]) -> None:
    from ltc.web.demo_marketing_segments import seed_segments

    ContactFactory(account=world.account)
    seed_segments({"sun": world.marketing})
    dynamic = Segment.objects.get(name="华东制造业决策人")
    assert dynamic.member_count == 1
    static = Segment.objects.get(name="工博会重点跟进名单")
    assert static.member_count == svc.segment_count(static) == 3  # hot, cold and world.lead are eastern
