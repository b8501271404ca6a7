"""Value mapping and named templates for lead imports (issue #14)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ltc.leads import selectors, services
from ltc.leads.forms import value_field_name
from ltc.leads.models import Lead, LeadImport, LeadImportTemplate
from ltc.leads.services.rows import suggest_mapping

HEADER = "公司名称,联系人,行业,来源,预算(元)\n"
ROWS = [
    "嘉兴智造装备有限公司,钱峰,制造,展会,1200000\n",
    "浦发金融科技有限公司,冯丽,金融,展会,500000\n",
    "华能新能源有限公司,许静,能源,展会,\n",
    "瑞金医疗器械有限公司,王五,医疗,展会,300000\n",
]
FILE = (HEADER + "".join(ROWS)).encode("gbk")
MAPPING = {
    "公司名称": "company_name",
    "联系人": "contact_name",
    "行业": "industry",
    "来源": "source",
    "预算(元)": "budget_amount",
}
CONFIRMED = {
    "industry": {"制造": "manufacturing", "金融": "finance", "能源": "energy", "医疗": "healthcare"},
    "source": {"展会": "event"},
}


def _upload(actor, data=FILE, **kwargs):
    return services.lead_import_upload(actor=actor, name="展会名单.csv", data=data, **kwargs)


def _suggested(columns):
    """The value mapping a user gets by confirming every first suggestion."""
    return {c.field: {v.value: v.suggestions[0].code for v in c.values} for c in columns}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("预算(元)", "budget_amount"),
        ("预算（万元）", "budget_amount"),
        (" 预算 金额 ", "budget_amount"),
        ("Budget (CNY)", "budget_amount"),
        ("E-Mail", "email"),
        ("手机号 ", "mobile"),
        ("【行业】", "industry"),
    ],
)
def test_header_suggestions_ignore_brackets_units_spaces_and_case(header, field):
    assert suggest_mapping([header]) == {header: field}


def test_a_budget_in_wan_yuan_is_read_in_yuan(world, django_capture_on_commit_callbacks):
    data = "公司名称,预算（万元）\n嘉兴智造装备有限公司,120\n".encode("gbk")
    batch = _upload(world.owner, data)
    assert batch.mapping == {"公司名称": "company_name", "预算（万元）": "budget_amount"}
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_import_start(actor=world.owner, batch=batch, mapping=batch.mapping, duplicate_policy="skip")
    assert Lead.objects.get(import_batch=batch).budget_amount == 1200000


def test_unknown_choice_values_are_listed_once_with_ranked_suggestions(world):
    batch = _upload(world.owner)
    assert batch.mapping == MAPPING
    columns = services.lead_import_values(batch=batch, mapping=batch.mapping)
    assert [(c.field, c.header) for c in columns] == [("industry", "行业"), ("source", "来源")]
    industry = {v.value: v for v in columns[0].values}
    assert list(industry) == ["制造", "金融", "能源", "医疗"]
    assert [s.code for s in industry["制造"].suggestions][:1] == ["manufacturing"]
    assert industry["制造"].rows == 1
    assert columns[1].values[0].value == "展会"
    assert columns[1].values[0].rows == 4
    assert columns[1].values[0].suggestions[0].code == "event"
    assert _suggested(columns) == CONFIRMED
    assert all(v.chosen is None for c in columns for v in c.values)


def test_the_gbk_file_imports_every_row_once_the_suggested_values_are_confirmed(
    world, django_capture_on_commit_callbacks
):
    batch = _upload(world.owner)
    before = LeadImport.objects.get(pk=batch.pk)
    value_mapping = _suggested(services.lead_import_values(batch=batch, mapping=batch.mapping))
    assert before.status == "uploaded"
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_import_start(
            actor=world.owner, batch=batch, mapping=batch.mapping, value_mapping=value_mapping, duplicate_policy="skip"
        )
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 4, 0)
    leads = dict(Lead.objects.filter(import_batch=batch).values_list("company_name", "industry"))
    assert leads == {
        "嘉兴智造装备有限公司": "manufacturing",
        "浦发金融科技有限公司": "finance",
        "华能新能源有限公司": "energy",
        "瑞金医疗器械有限公司": "healthcare",
    }
    assert set(Lead.objects.filter(import_batch=batch).values_list("source", flat=True)) == {"event"}
    assert Lead.objects.get(company_name="嘉兴智造装备有限公司").budget_amount == 1200000
    assert set(Lead.objects.filter(import_batch=batch).values_list("created_by", flat=True)) == {world.owner.pk}
    assert batch.value_mapping == CONFIRMED


def test_a_value_left_unmapped_rejects_only_its_rows(world, django_capture_on_commit_callbacks):
    batch = _upload(world.owner)
    partial = {
        "industry": {k: v for k, v in CONFIRMED["industry"].items() if k != "医疗"},
        "source": CONFIRMED["source"],
    }
    preview = services.lead_import_preview(batch=batch, mapping=batch.mapping, value_mapping=partial)
    assert [bool(row.errors) for row in preview] == [False, False, False, True]
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_import_start(
            actor=world.owner, batch=batch, mapping=batch.mapping, value_mapping=partial, duplicate_policy="skip"
        )
    batch.refresh_from_db()
    assert (batch.created_count, batch.rejected_count) == (3, 1)
    assert not Lead.objects.filter(company_name="瑞金医疗器械有限公司").exists()
    with open(batch.rejected_path, encoding="utf-8-sig") as handle:
        assert "“医疗” is not a known value" in handle.read()


def test_a_value_mapping_to_an_unknown_code_or_unmapped_field_is_refused_and_nothing_starts(world):
    batch = _upload(world.owner)
    for bad in ({"industry": {"制造": "steel"}}, {"region": {"华东": "east"}}, {"password": {"x": "y"}}):
        with pytest.raises(ValidationError) as excinfo:
            services.lead_import_start(
                actor=world.owner, batch=batch, mapping=batch.mapping, value_mapping=bad, duplicate_policy="skip"
            )
        assert "value_mapping" in excinfo.value.message_dict
    batch.refresh_from_db()
    assert (batch.status, batch.value_mapping) == ("uploaded", {})
    assert not LeadImportTemplate.objects.exists()


def test_a_saved_template_is_offered_to_its_owner_and_not_to_another_team(world, django_capture_on_commit_callbacks):
    batch = _upload(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_import_start(
            actor=world.owner,
            batch=batch,
            mapping=batch.mapping,
            value_mapping=CONFIRMED,
            duplicate_policy="skip",
            template_name="展会名单",
        )
    template = LeadImportTemplate.objects.get()
    assert (template.name, template.owner, template.team, template.mapping, template.value_mapping) == (
        "展会名单",
        world.owner,
        None,
        MAPPING,
        CONFIRMED,
    )
    assert list(selectors.lead_import_templates(user=world.owner)) == [template]
    assert list(selectors.lead_import_templates(user=world.teammate)) == []
    assert list(selectors.lead_import_templates(user=world.other)) == []
    again = _upload(world.owner, template_id=template.pk)
    assert (again.mapping, again.value_mapping, again.template_id) == (MAPPING, CONFIRMED, template.pk)
    values = services.lead_import_values(batch=again, mapping=again.mapping)
    assert {v.value: v.chosen for c in values for v in c.values}["医疗"] == "healthcare"
    with pytest.raises(ValidationError) as excinfo:
        _upload(world.other, template_id=template.pk)
    assert "template_id" in excinfo.value.message_dict


def test_a_shared_template_reaches_the_team_but_not_another_team(world, django_capture_on_commit_callbacks):
    batch = _upload(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_import_start(
            actor=world.owner,
            batch=batch,
            mapping=batch.mapping,
            value_mapping=CONFIRMED,
            duplicate_policy="skip",
            template_name="展会名单",
            template_shared=True,
        )
    template = LeadImportTemplate.objects.get()
    assert template.team == world.east
    assert list(selectors.lead_import_templates(user=world.teammate)) == [template]
    assert list(selectors.lead_import_templates(user=world.other)) == []


def test_without_a_template_nothing_is_remembered_for_everyone(world, django_capture_on_commit_callbacks):
    custom = {"公司名称": "company_name", "联系人": "notes"}
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_import_start(
            actor=world.owner, batch=_upload(world.owner), mapping=custom, duplicate_policy="skip"
        )
    assert _upload(world.teammate).mapping == MAPPING
    assert not LeadImportTemplate.objects.exists()


# --- API -------------------------------------------------------------------------------------


def _api_upload(api, **data):
    upload = SimpleUploadedFile("展会名单.csv", FILE)
    return api.client.post("/api/v1/lead-imports", {"file": upload, **data}, headers=api.headers)


def test_the_value_step_through_the_api(world, api_as, django_capture_on_commit_callbacks):
    api = api_as(world.owner)
    batch = _api_upload(api).json()
    assert batch["mapping"] == MAPPING
    columns = api.post(f"/lead-imports/{batch['id']}/values", {"mapping": batch["mapping"]})
    assert columns.status_code == 200
    body = columns.json()
    assert [c["field"] for c in body] == ["industry", "source"]
    assert body[0]["values"][0] == {
        "value": "制造",
        "rows": 1,
        "chosen": None,
        "suggestions": body[0]["values"][0]["suggestions"],
    }
    assert body[0]["values"][0]["suggestions"][0] == {"code": "manufacturing", "label": "Manufacturing"}
    confirmed = {c["field"]: {v["value"]: v["suggestions"][0]["code"] for v in c["values"]} for c in body}
    assert confirmed == CONFIRMED
    preview = api.post(
        f"/lead-imports/{batch['id']}/preview", {"mapping": batch["mapping"], "value_mapping": confirmed}
    ).json()
    assert [row["errors"] for row in preview] == [[], [], [], []]
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(
            f"/lead-imports/{batch['id']}/start",
            {
                "mapping": batch["mapping"],
                "value_mapping": confirmed,
                "duplicate_policy": "skip",
                "save_template": {"name": "展会名单", "shared": False},
            },
        )
    assert started.status_code == 202
    done = api.get(f"/lead-imports/{batch['id']}").json()
    assert (done["status"], done["created_count"], done["rejected_count"]) == ("done", 4, 0)
    assert done["value_mapping"] == CONFIRMED
    templates = api.get("/lead-import-templates").json()
    assert [(t["name"], t["shared"], t["mapping"], t["value_mapping"]) for t in templates] == [
        ("展会名单", False, MAPPING, CONFIRMED)
    ]
    assert api_as(world.other).get("/lead-import-templates").json() == []
    second = _api_upload(api, template_id=str(templates[0]["id"])).json()
    assert (second["value_mapping"], second["template_id"]) == (CONFIRMED, templates[0]["id"])
    refused = _api_upload(api_as(world.other), template_id=str(templates[0]["id"]))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "template_id"


def test_bad_value_mapping_through_the_api_is_a_field_error(world, api_as):
    api = api_as(world.owner)
    batch = _api_upload(api).json()
    response = api.post(
        f"/lead-imports/{batch['id']}/start",
        {"mapping": batch["mapping"], "value_mapping": {"industry": {"制造": "steel"}}, "duplicate_policy": "skip"},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["value_mapping"]
    assert LeadImport.objects.get(pk=batch["id"]).status == "uploaded"


def test_a_template_is_deleted_by_its_owner_only(world, api_as):
    shared = LeadImportTemplate.objects.create(name="共享", owner=world.owner, team=world.east, mapping=MAPPING)
    assert api_as(world.teammate).request("DELETE", f"/lead-import-templates/{shared.pk}").status_code == 403
    assert api_as(world.other).request("DELETE", f"/lead-import-templates/{shared.pk}").status_code == 404
    assert LeadImportTemplate.objects.filter(pk=shared.pk).exists()
    assert api_as(world.owner).request("DELETE", f"/lead-import-templates/{shared.pk}").status_code == 204
    assert not LeadImportTemplate.objects.exists()


def test_the_import_list_pages_filters_and_counts(world, api_as, django_assert_max_num_queries):
    for n in range(7):
        _upload(world.owner if n % 2 else world.teammate)
    LeadImport.objects.filter(created_by=world.owner).update(status="done")
    api = api_as(world.marketing)
    mine = _upload(world.marketing)
    with django_assert_max_num_queries(6):  # the page, and its total counted (more pages follow)
        page = api.get("/lead-imports?limit=3").json()
    assert (len(page["items"]), page["total"], page["offset"], page["next_offset"]) == (3, 8, 0, 3)
    assert page["items"][0]["id"] == mine.pk
    assert page["items"][0]["created_by"] == {"id": world.marketing.pk, "name": str(world.marketing)}
    last = api.get("/lead-imports?limit=3&offset=6").json()
    assert (len(last["items"]), last["next_offset"]) == (2, None)
    done = api.get("/lead-imports?status=done").json()
    assert (done["total"], {x["status"] for x in done["items"]}) == (3, {"done"})
    assert [x["id"] for x in api.get("/lead-imports?created_by=me").json()["items"]] == [mine.pk]
    owners = api_as(world.owner).get("/lead-imports").json()
    assert owners["total"] == 3
    assert api.get("/lead-imports?status=nonsense").status_code == 422


# --- wizard pages ----------------------------------------------------------------------------


def _mapping_post(batch):
    return {f"col_{i}": MAPPING.get(h, "") for i, h in enumerate(batch.headers)} | {"duplicate_policy": "skip"}


def test_the_wizard_lists_unknown_values_with_the_suggestion_chosen(world, web_as):
    client = web_as(world.owner)
    batch = _upload(world.owner)
    page = client.post(f"/leads/imports/{batch.pk}/", {**_mapping_post(batch), "values": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Check the values" in html
    for raw in ("制造", "金融", "能源", "医疗", "展会"):
        assert raw in html
    name = value_field_name("industry", "制造")
    assert f'name="{name}"' in html
    assert '<option value="manufacturing" selected>' in html
    assert 'name="start"' in html


def test_the_wizard_imports_every_row_and_saves_the_template(world, web_as, django_capture_on_commit_callbacks):
    client = web_as(world.owner)
    upload = client.post(
        "/leads/imports/", {"file": SimpleUploadedFile("展会名单.csv", FILE), "source": "import", "campaign": ""}
    )
    batch = LeadImport.objects.get()
    assert upload["Location"] == f"/leads/imports/{batch.pk}/"
    values = {value_field_name(field, raw): code for field, table in CONFIRMED.items() for raw, code in table.items()}
    values[value_field_name("industry", "医疗")] = ""  # left unmapped: its row is rejected
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/leads/imports/{batch.pk}/",
            {**_mapping_post(batch), **values, "start": "1", "save_template_as": "展会名单", "share_template": "on"},
        )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rejected_count) == ("done", 3, 1)
    template = LeadImportTemplate.objects.get()
    assert (template.name, template.team) == ("展会名单", world.east)
    assert "医疗" not in template.value_mapping["industry"]
    form_page = client.get("/leads/imports/").content.decode()
    assert f'<option value="{template.pk}">展会名单</option>' in form_page
    assert f'<option value="{template.pk}">' not in web_as(world.other).get("/leads/imports/").content.decode()


def test_the_import_list_page_filters_by_status(world, web_as):
    _upload(world.owner)
    done = _upload(world.owner)
    LeadImport.objects.filter(pk=done.pk).update(status="done")
    html = web_as(world.owner).get("/leads/imports/?status=done").content.decode()
    assert re.findall(r'href="/leads/imports/\d+/"', html) == [f'href="/leads/imports/{done.pk}/"']
