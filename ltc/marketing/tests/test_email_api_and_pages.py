"""Marketing e-mail through the API and the pages: validation, preview, mailings and counts."""

from __future__ import annotations

from typing import Any

import pytest

from ltc.marketing.models.email import EmailMessage, EmailTemplate, Mailing
from ltc.marketing.services import mailing as service
from ltc.marketing.tests.email_support import consented_leads, leads_segment, make_campaign, make_template

pytestmark = pytest.mark.django_db


def _fields(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_an_unknown_merge_field_or_a_template_tag_is_a_field_error_and_nothing_is_saved(
    world: Any, api_as: Any
) -> None:
    api = api_as(world.marketing)

    response = api.post(
        "/marketing/email-templates",
        {"name": "坏模板", "subject_zh": "{{ salary }}", "body_zh": "{% load x %}正文", "body_en": "Hi"},
    )

    assert response.status_code == 422
    errors = _fields(response)
    assert "salary" in errors["subject_zh"]
    assert "body_zh" in errors
    assert "subject_en" in errors
    assert EmailTemplate.objects.count() == 0


def test_preview_renders_merge_fields_escaped_for_a_chosen_lead(world: Any, api_as: Any) -> None:
    world.lead.contact_name = "<b>赵</b>"
    world.lead.save(update_fields=["contact_name"])
    template = make_template()
    api = api_as(world.marketing)

    answer = api.post(f"/marketing/email-templates/{template.pk}/preview", {"lead_id": world.lead.pk})

    assert answer.status_code == 200
    body = answer.json()
    assert body["subject"] == "<b>赵</b>，制造业数字化白皮书"
    assert "&lt;b&gt;赵&lt;/b&gt;，您好" in body["html"]
    assert '<a href="https://example.com/whitepaper">立即下载</a>' in body["html"]
    assert body["links"] == ["https://example.com/whitepaper", "https://example.com/events"]
    english = api.post(f"/marketing/email-templates/{template.pk}/preview", {"language": "en"}).json()
    assert english["subject"].endswith(", the manufacturing white paper")
    missing = api.post(f"/marketing/email-templates/{template.pk}/preview", {"lead_id": 999_999})
    assert missing.status_code == 422
    assert "lead_id" in _fields(missing)


def test_a_mailing_is_created_scheduled_and_counted(
    world: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    leads = consented_leads(world.marketing, 2) + consented_leads(world.marketing, 1, consent=False, prefix="x")
    segment = leads_segment(world.marketing, leads)
    template = make_template()
    campaign = make_campaign(world.marketing)
    api = api_as(world.marketing)

    created = api.post(
        "/marketing/mailings",
        {"name": "十月", "template_id": template.pk, "campaign_id": campaign.pk, "segment_id": segment.pk},
    )
    assert created.status_code == 201
    mailing_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    bad = api.post("/marketing/mailings", {"name": "x", "template_id": 0, "campaign_id": campaign.pk, "segment_id": 0})
    assert bad.status_code == 422
    assert "template_id" in _fields(bad)

    without = api.post(f"/marketing/mailings/{mailing_id}/schedule", {})
    assert without.status_code == 428
    scheduled = api.post(f"/marketing/mailings/{mailing_id}/schedule", {}, **{"If-Match": '"1"'})
    assert scheduled.status_code == 200, scheduled.content
    counts = scheduled.json()["counts"]
    assert (counts["total"], counts["queued"], counts["suppressed"]) == (3, 2, 1)
    again = api.post(f"/marketing/mailings/{mailing_id}/schedule", {}, **{"If-Match": '"2"'})
    assert again.status_code == 422
    assert EmailMessage.objects.filter(mailing_id=mailing_id).count() == 3

    page = api.get(f"/marketing/mailings/{mailing_id}/messages?status=suppressed")
    assert [m["address"] for m in page.json()["items"]] == ["x0@customer.example"]
    with django_assert_max_num_queries(8):
        listed = api.get("/marketing/mailings")
    assert listed.json()["items"][0]["counts"]["queued"] == 2


def test_a_used_template_is_kept(world: Any, api_as: Any) -> None:
    template = make_template()
    Mailing.objects.create(
        name="m",
        template=template,
        campaign=make_campaign(world.marketing),
        segment=leads_segment(world.marketing, []),
    )

    answer = api_as(world.marketing).request("DELETE", f"/marketing/email-templates/{template.pk}")

    assert answer.status_code == 422
    assert EmailTemplate.objects.filter(pk=template.pk).exists()


def test_the_editor_previews_unsaved_content_in_both_languages(world: Any, web_as: Any) -> None:
    page = web_as(world.marketing)

    answer = page.post(
        "/marketing/email/templates/preview/",
        {
            "subject_zh": "你好 {{ name }}",
            "body_zh": "**重要** [链接](https://example.com/x)",
            "body_en": "{{ salary }}",
        },
        HTTP_HX_REQUEST="true",
    )

    text = answer.content.decode()
    assert answer.status_code == 200
    assert "你好 王明" in text or "你好 Wang Ming" in text
    assert "&lt;strong&gt;重要&lt;/strong&gt;" in text  # inside the sandboxed iframe's srcdoc
    assert "salary" in text  # the English body's unknown merge field is shown as an error


def test_the_mailing_page_shows_progress_and_what_a_reader_may_not_do_is_not_drawn(world: Any, web_as: Any) -> None:
    leads = consented_leads(world.marketing, 2)
    mailing = Mailing.objects.create(
        name="十月",
        template=make_template(),
        campaign=make_campaign(world.marketing),
        segment=leads_segment(world.marketing, leads),
    )
    service.mailing_schedule(actor=world.marketing, mailing=mailing, expected_version=1)

    as_manager = web_as(world.marketing).get(f"/marketing/email/mailings/{mailing.pk}/").content.decode()
    as_reader = web_as(world.executive).get(f"/marketing/email/mailings/{mailing.pk}/").content.decode()

    assert 'data-count="queued">2<' in as_manager
    assert f"/marketing/email/mailings/{mailing.pk}/cancel/" in as_manager
    assert f"/marketing/email/mailings/{mailing.pk}/cancel/" not in as_reader
    assert "/marketing/email/templates/" not in as_reader
    home = web_as(world.executive).get("/marketing/email/").content.decode()
    assert "十月" in home
    assert "/marketing/email/templates/new/" not in home
