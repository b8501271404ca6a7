import pytest

from ltc.leads import services
from ltc.leads.models import AssignmentRule, Lead, WebForm
from ltc.leads.tests.factories import LeadFactory

SUBMISSION = {
    "company_name": "广州珠江智慧水务有限公司",
    "contact_name": "梁敏",
    "email": "lm@gz.cn",
    "need": "管网漏损",
}


@pytest.fixture
def webform(world):
    return services.webform_create(actor=world.marketing, name="官网", source="website", campaign="2026 官网")


def test_a_public_submission_creates_a_routed_lead_and_shows_thanks(world, webform, client):
    AssignmentRule.objects.create(name="all", assign_user=world.owner)
    response = client.post(f"/leads/forms/{webform.key}/", SUBMISSION, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert "Thank you" in thanks.content.decode()
    lead = Lead.objects.get(web_form=webform)
    assert (lead.source, lead.campaign, lead.owner, lead.submitter_ip) == (
        "website",
        "2026 官网",
        world.owner,
        "203.0.113.9",
    )


def test_the_public_page_exposes_nothing_internal(world, webform, client):
    page = client.get(f"/leads/forms/{webform.key}/").content.decode()
    assert "官网" in page
    assert world.owner.username not in page
    assert "csrfmiddlewaretoken" not in page


def test_the_honeypot_silently_drops_bots(world, webform, client):
    response = client.post(f"/leads/forms/{webform.key}/", {**SUBMISSION, "website_url": "http://spam"})
    assert response.status_code == 302
    assert not Lead.objects.filter(web_form=webform).exists()


def test_submissions_are_rate_limited_per_address(world, webform, client):
    for n in range(5):
        assert (
            client.post(
                f"/leads/forms/{webform.key}/", {**SUBMISSION, "email": f"{n}@gz.cn"}, REMOTE_ADDR="198.51.100.7"
            ).status_code
            == 302
        )
    limited = client.post(f"/leads/forms/{webform.key}/", SUBMISSION, REMOTE_ADDR="198.51.100.7")
    assert limited.status_code == 429
    assert Lead.objects.filter(web_form=webform).count() == 5
    assert client.post(f"/leads/forms/{webform.key}/", SUBMISSION, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_behind_a_trusted_proxy_the_rate_limit_is_per_client(world, webform, client, settings):
    settings.LTC_TRUSTED_PROXIES = ["127.0.0.1"]
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(5):
        response = client.post(
            f"/leads/forms/{webform.key}/",
            {**SUBMISSION, "email": f"{n}@gz.cn"},
            HTTP_X_FORWARDED_FOR="198.51.100.7",
            **via_proxy,
        )
        assert response.status_code == 302
    limited = client.post(f"/leads/forms/{webform.key}/", SUBMISSION, HTTP_X_FORWARDED_FOR="198.51.100.7", **via_proxy)
    assert limited.status_code == 429
    another = client.post(
        f"/leads/forms/{webform.key}/",
        {**SUBMISSION, "email": "x@gz.cn"},
        HTTP_X_FORWARDED_FOR="198.51.100.8",
        **via_proxy,
    )
    assert another.status_code == 302


def test_unknown_or_inactive_forms_are_404(world, webform, client):
    assert client.get("/leads/forms/not-a-key/").status_code == 404
    WebForm.objects.filter(pk=webform.pk).update(active=False)
    assert client.post(f"/leads/forms/{webform.key}/", SUBMISSION).status_code == 404


def test_a_submission_without_any_way_to_reach_the_person_is_refused(world, webform, client):
    response = client.post(f"/leads/forms/{webform.key}/", {"contact_name": "匿名"})
    assert response.status_code == 422
    assert not Lead.objects.exists() or not Lead.objects.filter(web_form=webform).exists()


def test_the_public_api_endpoint(world, webform, client):
    response = client.post(f"/api/v1/public/web-forms/{webform.key}", SUBMISSION, content_type="application/json")
    assert response.status_code == 201
    assert response.json() == {"message": "Thank you! We will contact you soon."}
    assert client.post("/api/v1/public/web-forms/nope", SUBMISSION, content_type="application/json").status_code == 404
    bad = client.post(
        f"/api/v1/public/web-forms/{webform.key}",
        {"contact_name": "x", "email": "bad"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"


def test_lead_api_list_filters_and_query_budget(world, api_as, django_assert_max_num_queries):
    for n in range(25):
        LeadFactory(owner=world.owner, score=n * 4, status="verifying" if n % 2 else "new")
    api = api_as(world.owner)
    with django_assert_max_num_queries(6):
        response = api.get("/leads?limit=30")
    assert len(response.json()["items"]) == 26
    hot = api.get("/leads?score_min=80&sort=-score").json()["items"]
    assert [x["score"] for x in hot] == [96, 92, 88, 84, 80]
    assert {x["status"] for x in api.get("/leads?status=verifying").json()["items"]} == {"verifying"}


def test_lead_api_create_qualify_gate_and_convert(world, api_as):
    api = api_as(world.owner)
    created = api.post(
        "/leads",
        {
            "company_name": "嘉兴智造装备有限公司",
            "contact_name": "钱峰",
            "mobile": "13800138000",
            "owner_id": world.owner.pk,
        },
    )
    assert created.status_code == 201
    lead_id = created.json()["id"]
    refused = api.post(f"/leads/{lead_id}/qualify", {})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "gate"
    assert "Contact reached" in refused.json()["errors"][0]["message"]
    assert api.post(f"/leads/{lead_id}/activities", {"kind": "call", "title": "电话", "done": True}).status_code == 201
    version = api.get(f"/leads/{lead_id}").json()["version"]
    patched = api.patch(
        f"/leads/{lead_id}", {"need_confirmed": True, "budget_confirmed": True}, **{"If-Match": f'"{version}"'}
    )
    assert patched.json()["status"] == "verifying"
    assert api.post(f"/leads/{lead_id}/qualify", {}).json()["status"] == "qualified"
    converted = api.post(f"/leads/{lead_id}/convert", {}).json()
    assert converted["status"] == "converted"
    assert converted["account_id"] is not None


def test_lead_api_bad_input(world, api_as):
    api = api_as(world.owner)
    response = api.post("/leads", {"company_name": "", "contact_name": "", "budget_amount": "abc"})
    assert response.status_code == 422
    assert "budget_amount" in {e["field"] for e in response.json()["errors"]}
    assert api.post(f"/leads/{world.lead.pk}/disqualify", {"reason": "bored"}).status_code == 422
    assert api.post(f"/leads/{world.lead.pk}/merge", {"other_id": 999999}).status_code == 422
    assert Lead.objects.get(pk=world.lead.pk).status == "new"


def test_lead_reports(world, api_as):
    LeadFactory(owner=world.owner, source="event", status="converted")
    report = api_as(world.owner).get("/leads/reports").json()
    assert report["by_source_and_status"]["event"] == {"converted": 1}
    event = next(r for r in report["conversion_by_source"] if r["source"] == "event")
    assert (event["total"], event["converted"], event["rate"]) == (1, 1, 100.0)


def test_lead_import_through_the_api(world, api_as, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = api_as(world.marketing)
    upload = SimpleUploadedFile("leads.csv", "公司名称,邮箱\n甲公司,a@x.cn\n,\n".encode("gbk"))
    response = api.client.post("/api/v1/lead-imports", {"file": upload}, headers=api.headers)
    assert response.status_code == 201
    batch = response.json()
    assert batch["mapping"] == {"公司名称": "company_name", "邮箱": "email"}
    preview = api.post(f"/lead-imports/{batch['id']}/preview", {"mapping": batch["mapping"]}).json()
    assert preview[1]["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(
            f"/lead-imports/{batch['id']}/start", {"mapping": batch["mapping"], "duplicate_policy": "skip"}
        )
    assert started.status_code == 202
    done = api.get(f"/lead-imports/{batch['id']}").json()
    assert (done["status"], done["created_count"], done["rejected_count"]) == ("done", 1, 1)
    rejected = api.get(f"/lead-imports/{batch['id']}/rejected")
    assert rejected.status_code == 200
    assert api.post(f"/lead-imports/{batch['id']}/undo").json() == {"deleted": 1, "kept": 0, "restored": 0}
