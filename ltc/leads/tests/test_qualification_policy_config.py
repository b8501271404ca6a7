"""The lead qualification policy configured through /api/v1/config/qualification-policy and the
process centre's page: versioned (If-Match / hidden field), a bad item changes nothing, each
change on the policy's timeline; the lead verification step of the process map lists it."""

from __future__ import annotations

from ltc.core.models import TimelineEvent
from ltc.leads.models import QualificationPolicy
from ltc.process.models import ProcessNode

URL = "/config/qualification-policy"


def _events(policy: QualificationPolicy) -> list[list[dict[str, str]]]:
    events = TimelineEvent.objects.filter(content_type__model="qualificationpolicy", object_id=policy.pk)
    return [e.changes for e in events.order_by("id")]


def test_the_policy_api_is_versioned_and_refuses_an_unknown_item(world, api_as):
    policy = QualificationPolicy.current()
    api = api_as(world.admin)
    read = api.get(URL)
    assert read.status_code == 200
    assert read["ETag"] == '"1"'
    assert read.json()["required_items"] == ["contact_reached", "need_confirmed", "budget_confirmed"]
    assert [i["code"] for i in read.json()["items"] if i["required"]] == read.json()["required_items"]

    body = {"required_items": ["contact_reached", "decision_maker_identified"]}
    assert api.request("PUT", URL, body).status_code == 428
    assert api.request("PUT", URL, body, **{"If-Match": '"7"'}).status_code == 412
    unknown = api.request("PUT", URL, {"required_items": ["contact_reached", "gut_feeling"]}, **{"If-Match": '"1"'})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["required_items"]
    assert api_as(world.manager).request("PUT", URL, body, **{"If-Match": '"1"'}).status_code == 403
    policy.refresh_from_db()
    assert (policy.version, policy.required_items, _events(policy)) == (
        1,
        ["contact_reached", "need_confirmed", "budget_confirmed"],
        [],
    )

    saved = api.request("PUT", URL, body, **{"If-Match": '"1"'})
    assert saved.status_code == 200, saved.content
    assert (saved["ETag"], saved.json()["required_items"]) == ('"2"', body["required_items"])
    policy.refresh_from_db()
    assert policy.required_items == body["required_items"]
    [changes] = _events(policy)
    assert [c["field"] for c in changes] == ["required_items"]
    assert api.request("PUT", URL, body, **{"If-Match": '"1"'}).status_code == 412  # the version read is stale


def test_the_policy_page_shows_the_items_and_an_administrator_changes_them(world, web_as):
    policy = QualificationPolicy.current()
    reader = web_as(world.owner).get("/process/qualification/")
    assert reader.status_code == 200
    assert "Budget confirmed" in reader.content.decode()
    assert 'type="submit"' not in reader.content.decode().split('id="qualification-policy"')[1].split("</form>")[0]
    assert web_as(world.owner).post("/process/qualification/", {"required_items": [], "version": 1}).status_code == 403

    admin = web_as(world.admin)
    unknown = admin.post("/process/qualification/", {"required_items": ["gut_feeling"], "version": "1"})
    assert unknown.status_code == 422
    stale = admin.post("/process/qualification/", {"required_items": ["timeframe_known"], "version": "9"})
    assert stale.status_code == 422
    policy.refresh_from_db()
    assert (policy.version, policy.required_items) == (1, ["contact_reached", "need_confirmed", "budget_confirmed"])

    saved = admin.post(
        "/process/qualification/", {"required_items": ["contact_reached", "timeframe_known"], "version": "1"}
    )
    assert saved.status_code == 302
    policy.refresh_from_db()
    assert (policy.version, policy.required_items) == (2, ["contact_reached", "timeframe_known"])
    assert len(_events(policy)) == 1


def test_the_lead_verification_step_lists_the_policy(world, web_as):
    node = ProcessNode.objects.filter(code="ML.2").first()
    if node is None:
        node = ProcessNode.objects.create(code="ML.2", level=3, order=2, name_zh="验证和分发线索", name_en="Verify")
    other = ProcessNode.objects.exclude(code="ML.2").first() or ProcessNode.objects.create(
        code="ML.3", level=3, order=3, name_zh="跟踪和培育线索", name_en="Nurture"
    )
    QualificationPolicy.current()
    page = web_as(world.owner).get(f"/process/nodes/{node.pk}/").content.decode()
    assert 'id="qualification-policy"' in page
    assert "Need confirmed" in page
    assert 'id="qualification-policy"' not in web_as(world.owner).get(f"/process/nodes/{other.pk}/").content.decode()
