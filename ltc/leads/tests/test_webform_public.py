"""Every answer of a public web form (page, posted answer, thanks, API) shows only what the
visitor gave and the form's public texts: never the campaign, the routing rule or the owner the
lead was routed to. The embed snippet marketing copies points at LTC_BASE_URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from ltc.leads import services
from ltc.leads.models import AssignmentRule, Lead, WebForm

pytestmark = pytest.mark.django_db

SUBMISSION = {
    "company_name": "广州珠江智慧水务有限公司",
    "contact_name": "梁敏",
    "email": "lm@gz.cn",
    "need": "管网漏损",
}
CAMPAIGN = "2026 春季内部投放-代号青松"
RULE = "华南内部分配规则"


@pytest.fixture
def webform(world: Any) -> WebForm:
    world.owner.display_name = "销售张三"
    world.owner.save(update_fields=["display_name"])
    AssignmentRule.objects.create(name=RULE, assign_user=world.owner)
    return services.webform_create(
        actor=world.marketing, name="官网咨询", source="website", campaign=CAMPAIGN, thank_you="感谢垂询"
    )


def _assert_hidden(text: str, world: Any) -> None:
    for value in (CAMPAIGN, RULE, "销售张三", world.owner.username, world.owner.email, world.marketing.username):
        assert value not in text, f"{value!r} is shown to the visitor"


def test_the_page_and_its_answers_show_nothing_internal(world: Any, webform: WebForm) -> None:
    visitor = Client()
    page = visitor.get(f"/leads/forms/{webform.key}/")
    assert page.status_code == 200
    assert "官网咨询" in page.content.decode()
    _assert_hidden(page.content.decode(), world)
    refused = visitor.post(f"/leads/forms/{webform.key}/", {"contact_name": "梁敏"})
    assert refused.status_code == 422
    _assert_hidden(refused.content.decode(), world)
    posted = visitor.post(f"/leads/forms/{webform.key}/", SUBMISSION, REMOTE_ADDR="203.0.113.9")
    assert posted.status_code == 302
    assert posted["Location"] == f"/leads/forms/{webform.key}/thanks/?ok=1"  # no lead id or number
    lead = Lead.objects.get(web_form=webform)
    assert (lead.owner, lead.campaign) == (world.owner, CAMPAIGN)  # routed and attributed inside
    thanks = visitor.get(posted["Location"])
    assert "感谢垂询" in thanks.content.decode()
    _assert_hidden(thanks.content.decode(), world)


def test_the_rate_limit_answer_shows_nothing_internal(world: Any, webform: WebForm) -> None:
    visitor = Client()
    for n in range(5):
        visitor.post(f"/leads/forms/{webform.key}/", {**SUBMISSION, "email": f"{n}@gz.cn"}, REMOTE_ADDR="198.51.100.7")
    limited = visitor.post(f"/leads/forms/{webform.key}/", SUBMISSION, REMOTE_ADDR="198.51.100.7")
    assert limited.status_code == 429
    _assert_hidden(limited.content.decode(), world)
    api = visitor.post(
        f"/api/v1/public/web-forms/{webform.key}",
        SUBMISSION,
        content_type="application/json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert api.status_code == 429
    _assert_hidden(api.content.decode(), world)


def test_the_api_answers_show_nothing_internal(world: Any, webform: WebForm) -> None:
    visitor = Client()
    created = visitor.post(f"/api/v1/public/web-forms/{webform.key}", SUBMISSION, content_type="application/json")
    assert created.status_code == 201
    assert created.json() == {"message": "感谢垂询"}
    refused = visitor.post(
        f"/api/v1/public/web-forms/{webform.key}", {"contact_name": "梁敏"}, content_type="application/json"
    )
    assert refused.status_code == 422
    _assert_hidden(refused.content.decode(), world)
    assert Lead.objects.filter(web_form=webform).count() == 1


@override_settings(LTC_BASE_URL="https://ltc.example.com", ALLOWED_HOSTS=["intranet.local"])
def test_the_embed_snippet_points_at_the_base_url(world: Any, webform: WebForm) -> None:
    client = Client()
    client.force_login(world.marketing)
    page = client.get("/leads/web-forms/", headers={"host": "intranet.local"}).content.decode()
    assert f"https://ltc.example.com/leads/forms/{webform.key}/" in page
    assert "intranet.local" not in page
