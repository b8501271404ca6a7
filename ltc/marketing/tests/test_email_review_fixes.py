"""Review fixes on marketing e-mail: a time to send without a zone is read in the current zone
(never a 500); no mailing for a cancelled campaign or an archived segment; message addresses are
listed to marketing and administrators only; the e-mail home pages its lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ltc.marketing.models import CampaignStatus
from ltc.marketing.models.email import EmailMessage, EmailTemplate, Mailing, MailingStatus
from ltc.marketing.services import mailing as service
from ltc.marketing.tests.email_support import (
    consented_leads,
    leads_segment,
    make_campaign,
    make_mailing,
    make_template,
)
from ltc.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _naive(*parts: int) -> datetime:
    """A time without a zone: what these tests send on purpose."""
    return datetime(*parts)  # noqa: DTZ001


def _fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def _north_manager(world: Any) -> Any:
    manager = UserFactory(username="north_manager", roles=["sales_manager"], team=world.north)
    world.north.manager = manager
    world.north.save(update_fields=["manager"])
    return manager


def _draft(world: Any, n: int = 2) -> Mailing:
    segment = leads_segment(world.marketing, consented_leads(world.marketing, n))
    return make_mailing(world.marketing, segment, make_template(), make_campaign(world.marketing))


# --- finding 3: a time without a zone --------------------------------------------------------------


def test_the_api_answers_a_time_to_send_without_a_zone_with_a_field_error(world: Any, api_as: Any) -> None:
    mailing = _draft(world)

    answer = api_as(world.marketing).post(
        f"/marketing/mailings/{mailing.pk}/schedule", {"scheduled_at": "2031-01-01T10:00:00"}, **{"If-Match": '"1"'}
    )

    assert answer.status_code == 422
    assert _fields(answer) == {"scheduled_at"}
    mailing.refresh_from_db()
    assert (mailing.status, mailing.version) == (MailingStatus.DRAFT, 1)
    assert not EmailMessage.objects.filter(mailing=mailing).exists()


def test_the_service_reads_a_time_to_send_without_a_zone_in_the_current_zone(world: Any) -> None:
    mailing = _draft(world)

    service.mailing_schedule(actor=world.marketing, mailing=mailing, at=_naive(2031, 1, 1, 10), expected_version=1)

    mailing.refresh_from_db()
    expected = timezone.make_aware(_naive(2031, 1, 1, 10), timezone.get_current_timezone())
    assert (mailing.status, mailing.scheduled_at) == (MailingStatus.SCHEDULED, expected)
    assert set(EmailMessage.objects.filter(mailing=mailing).values_list("next_attempt_at", flat=True)) == {expected}


def test_the_service_refuses_a_past_time_without_a_zone_as_a_field_error(world: Any) -> None:
    mailing = _draft(world)

    with pytest.raises(ValidationError) as refused:
        service.mailing_schedule(actor=world.marketing, mailing=mailing, at=_naive(2020, 1, 1, 10), expected_version=1)

    assert set(refused.value.message_dict) == {"scheduled_at"}
    assert not EmailMessage.objects.filter(mailing=mailing).exists()


# --- finding 8: a cancelled campaign, an archived segment ------------------------------------------


def test_no_mailing_is_created_for_a_cancelled_campaign_or_an_archived_segment(world: Any, api_as: Any) -> None:
    template = make_template()
    campaign = make_campaign(world.marketing)
    campaign.status = CampaignStatus.CANCELLED
    campaign.save(update_fields=["status"])
    segment = leads_segment(world.marketing, [])
    segment.archived_at = timezone.now()
    segment.save(update_fields=["archived_at"])

    answer = api_as(world.marketing).post(
        "/marketing/mailings",
        {"name": "十月", "template_id": template.pk, "campaign_id": campaign.pk, "segment_id": segment.pk},
    )

    assert answer.status_code == 422
    assert _fields(answer) == {"campaign_id", "segment_id"}
    with pytest.raises(ValidationError) as refused:
        service.mailing_create(
            actor=world.marketing, data={"name": "x", "template": template, "campaign": campaign, "segment": segment}
        )
    assert set(refused.value.message_dict) == {"campaign", "segment"}
    assert not Mailing.objects.exists()


def test_a_draft_whose_campaign_was_cancelled_is_not_scheduled(world: Any, api_as: Any) -> None:
    mailing = _draft(world)
    mailing.campaign.status = CampaignStatus.CANCELLED
    mailing.campaign.save(update_fields=["status"])

    answer = api_as(world.marketing).post(f"/marketing/mailings/{mailing.pk}/schedule", {}, **{"If-Match": '"1"'})

    assert answer.status_code == 422
    assert _fields(answer) == {"campaign_id"}
    mailing.refresh_from_db()
    assert (mailing.status, mailing.version) == (MailingStatus.DRAFT, 1)
    assert not EmailMessage.objects.filter(mailing=mailing).exists()


def test_a_draft_whose_segment_was_archived_is_not_scheduled(world: Any) -> None:
    mailing = _draft(world)
    mailing.segment.archived_at = timezone.now()
    mailing.segment.save(update_fields=["archived_at"])

    with pytest.raises(ValidationError) as refused:
        service.mailing_schedule(actor=world.marketing, mailing=mailing, expected_version=1)

    assert set(refused.value.message_dict) == {"segment"}
    assert not EmailMessage.objects.filter(mailing=mailing).exists()


# --- finding 6: addresses are person-level ---------------------------------------------------------


def test_addresses_are_listed_to_marketing_only(world: Any, api_as: Any, web_as: Any) -> None:
    mailing = _draft(world)
    service.mailing_schedule(actor=world.marketing, mailing=mailing, expected_version=1)
    north = _north_manager(world)
    path = f"/marketing/mailings/{mailing.pk}/messages"

    for reader in (north, world.manager):
        answer = api_as(reader).get(path)
        assert answer.status_code == 200
        assert answer.json()["items"] == []
        assert "@customer.example" not in answer.content.decode()
        assert api_as(reader).get(f"/marketing/mailings/{mailing.pk}").json()["counts"]["total"] == 2
        page = web_as(reader).get(f"/marketing/email/mailings/{mailing.pk}/")
        assert page.status_code == 200
        assert "@customer.example" not in page.content.decode()
        assert 'id="mailing-messages-hidden"' in page.content.decode()
    listed = api_as(world.marketing).get(path).json()["items"]
    assert sorted(m["address"] for m in listed) == ["p0@customer.example", "p1@customer.example"]
    full = web_as(world.marketing).get(f"/marketing/email/mailings/{mailing.pk}/").content.decode()
    assert "p0@customer.example" in full


# --- finding 11: the e-mail home pages its lists ----------------------------------------------------


def test_the_email_home_pages_templates_and_mailings(world: Any, web_as: Any) -> None:
    EmailTemplate.objects.bulk_create(
        [EmailTemplate(name=f"模板{i:03d}", subject_zh="主题", body_zh="正文") for i in range(51)]
    )
    template = EmailTemplate.objects.get(name="模板000")
    campaign = make_campaign(world.marketing)
    segment = leads_segment(world.marketing, [])
    Mailing.objects.bulk_create(
        [Mailing(name=f"群发{i:03d}", template=template, campaign=campaign, segment=segment) for i in range(51)]
    )
    page = web_as(world.marketing)

    first = page.get("/marketing/email/").content.decode()
    more_templates = page.get("/marketing/email/?t_offset=50").content.decode()
    more_mailings = page.get("/marketing/email/?m_offset=50&t_offset=50").content.decode()

    assert "模板049" in first
    assert "模板050" not in first
    assert "?t_offset=50" in first
    assert "?m_offset=50" in first
    assert "模板050" in more_templates
    assert "模板049" not in more_templates
    assert more_mailings.count("群发") == 1
    assert "模板050" in more_mailings


# --- role walk 12: {{ owner_name }} is the owner's display name ---------------------------------


def test_owner_name_is_the_display_name_not_the_login_name(world: Any) -> None:
    from ltc.leads.tests.factories import LeadFactory

    owner = UserFactory(username="sun_walk", display_name="孙丽", first_name="", last_name="")
    lead = LeadFactory(owner=owner, contact_name="钱峰", email="qf@x.cn")
    template = EmailTemplate.objects.create(
        name="owner", subject_zh="来自 {{ owner_name }}", body_zh="您好 {{ name }}，我是 {{ owner_name }}。"
    )

    sample = service.sample_recipient(owner)
    chosen = service._chosen_recipient(world.admin, lead_id=lead.pk, contact_id=None)
    rendered = service.render(template, language="zh-hans", recipient=chosen, track=False)

    assert sample.owner_name == "孙丽"
    assert chosen.owner_name == "孙丽"
    assert rendered.subject == "来自 孙丽"
    assert "sun_walk" not in rendered.text
    fallback = UserFactory(username="li_walk", display_name="", first_name="Li", last_name="Wei")
    assert service.sample_recipient(fallback).owner_name == fallback.get_full_name()
