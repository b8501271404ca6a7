"""Marketing e-mail delivered through a real SMTP server (aiosmtpd on loopback): headers, tracking,
consent, retries, claims and rate limits."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ltc.marketing.models import CampaignMember, Touch
from ltc.marketing.models.email import EmailMessage, MailingStatus, MessageStatus
from ltc.marketing.services import mailing as service
from ltc.marketing.services.consent import consent_record
from ltc.marketing.tests.email_support import (
    SinkHandler,
    consented_leads,
    leads_segment,
    make_campaign,
    make_mailing,
    make_template,
    smtp_sink,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.django_db


def _html(message: Any) -> str:
    return str(message.get_body(preferencelist=("html",)).get_content())


def _text(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def _scheduled(world: Any, n: int = 2, *, unconsented: int = 0, **fields: Any) -> Any:
    leads = consented_leads(world.marketing, n) + consented_leads(
        world.marketing, unconsented, consent=False, prefix="x"
    )
    mailing = make_mailing(
        world.marketing,
        leads_segment(world.marketing, leads),
        make_template(),
        make_campaign(world.marketing),
        **fields,
    )
    service.mailing_schedule(actor=world.marketing, mailing=mailing, expected_version=mailing.version)
    return mailing, leads


def test_a_mailing_reaches_the_consented_and_suppresses_the_rest(world: Any, smtp_sink: SinkHandler) -> None:  # noqa: F811
    mailing, leads = _scheduled(world, 2, unconsented=1)

    assert service.email_deliver() == 2

    assert sorted(m["To"] for m in smtp_sink.received) == ["p0@customer.example", "p1@customer.example"]
    statuses = dict(EmailMessage.objects.filter(mailing=mailing).values_list("address", "status"))
    assert statuses == {
        "p0@customer.example": "sent",
        "p1@customer.example": "sent",
        "x0@customer.example": "suppressed",
    }
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENT
    assert mailing.recipients == 3
    # Members of the campaign who were sent the mail moved to "sent".
    sent = CampaignMember.objects.filter(campaign=mailing.campaign, status="sent").values_list("lead_id", flat=True)
    assert sorted(sent) == sorted(lead.pk for lead in leads[:2])
    counts = service.mailing_counts([mailing.pk])[mailing.pk]
    assert (counts["sent"], counts["suppressed"], counts["total"]) == (2, 1, 3)


def test_each_message_carries_one_click_unsubscribe_headers_pixel_and_tracked_links(
    world: Any,
    smtp_sink: SinkHandler,  # noqa: F811
) -> None:
    mailing, _leads = _scheduled(world, 1)
    service.email_deliver()

    (received,) = smtp_sink.received
    stored = EmailMessage.objects.get(mailing=mailing, status=MessageStatus.SENT)
    token = stored.token
    assert received["Message-ID"] == stored.message_id
    assert received["Subject"] == "李0，制造业数字化白皮书"
    assert f"<mailto:unsubscribe@ltc.example?subject=unsubscribe-{token}>" in received["List-Unsubscribe"]
    try:
        page = reverse("marketing:unsubscribe", args=[token])
    except NoReverseMatch:  # the consent area's page is not installed: the mailto alone
        assert received["List-Unsubscribe-Post"] is None
    else:
        assert str(received["List-Unsubscribe"]).strip().startswith(f"<https://ltc.example{page}>")
        assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = _html(received)
    assert f'<img src="https://ltc.example/marketing/e/o/{token}.gif" width="1" height="1" alt="">' in html
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs[:2] == [
        f"https://ltc.example/marketing/e/c/{token}/0/",
        f"https://ltc.example/marketing/e/c/{token}/1/",
    ]
    assert 'href="https://example.com' not in html  # every link goes through the click redirect
    assert "<strong>客户0公司</strong>" in html
    assert stored.links == ["https://example.com/whitepaper", "https://example.com/events"]
    assert f"https://ltc.example/marketing/e/c/{token}/0/" in _text(received)


def test_the_pixel_and_the_redirect_record_touches_once_and_go_only_to_stored_links(
    world: Any,
    smtp_sink: SinkHandler,  # noqa: F811
) -> None:
    mailing, (lead,) = _scheduled(world, 1)
    service.email_deliver()
    message = EmailMessage.objects.get(mailing=mailing)
    client = Client()

    for _ in range(2):
        pixel = client.get(f"/marketing/e/o/{message.token}.gif")
        assert pixel.status_code == 200
        assert pixel["Content-Type"] == "image/gif"
    redirect = client.get(f"/marketing/e/c/{message.token}/1/?next=https://evil.example/")
    assert redirect.status_code == 302
    assert redirect["Location"] == "https://example.com/events"
    assert client.get(f"/marketing/e/c/{message.token}/7/").status_code == 404
    assert client.get("/marketing/e/c/not-a-token/0/").status_code == 404

    touches = Touch.objects.filter(campaign=mailing.campaign).order_by("key")
    assert [(t.key, t.kind, t.lead_id) for t in touches] == [
        (f"email:{message.pk}:click:1", "click", lead.pk),
        (f"email:{message.pk}:open", "open", lead.pk),
    ]
    message.refresh_from_db()
    assert message.opened_at is not None
    assert message.clicked_at is not None
    member = CampaignMember.objects.get(campaign=mailing.campaign, lead=lead)
    assert member.status == "clicked"


def test_the_public_routes_reveal_nothing_about_a_token(world: Any) -> None:
    """Unknown and known tokens get the same GIF: no address, name or campaign in any answer."""
    client = Client()
    unknown = client.get("/marketing/e/o/unknown.gif")
    assert unknown.status_code == 200
    assert unknown.content == client.get("/marketing/e/o/other.gif").content
    assert b"@" not in unknown.content
    assert Touch.objects.count() == 0
    missing = client.get("/marketing/e/c/unknown/0/")
    assert missing.status_code == 404
    assert b"unknown" not in missing.content


def test_a_refused_delivery_is_retried_with_backoff(world: Any, smtp_sink: SinkHandler) -> None:  # noqa: F811
    mailing, _leads = _scheduled(world, 1)
    smtp_sink.refuse = 1

    assert service.email_deliver() == 0

    message = EmailMessage.objects.get(mailing=mailing)
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert service.email_deliver() == 0  # not due yet
    EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    assert service.email_deliver() == 1

    assert len(smtp_sink.received) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_consent_withdrawn_after_scheduling_is_honoured_at_send(world: Any, smtp_sink: SinkHandler) -> None:  # noqa: F811
    mailing, (first, _second) = _scheduled(world, 2)
    consent_record(address=first.email, state="withdrawn", source="退订")

    assert service.email_deliver() == 1

    assert [m["To"] for m in smtp_sink.received] == ["p1@customer.example"]
    assert EmailMessage.objects.get(mailing=mailing, address=first.email).status == MessageStatus.SUPPRESSED


def test_a_message_claimed_by_a_dead_worker_is_sent_once_more_with_its_message_id(
    world: Any,
    smtp_sink: SinkHandler,  # noqa: F811
) -> None:
    mailing, _leads = _scheduled(world, 2)
    fresh, stale = EmailMessage.objects.filter(mailing=mailing).order_by("pk")
    now = timezone.now()
    EmailMessage.objects.filter(pk=fresh.pk).update(claim="alive", claimed_at=now)
    EmailMessage.objects.filter(pk=stale.pk).update(claim="dead", claimed_at=now - timedelta(minutes=5))

    assert service.email_deliver() == 1  # the live worker's message is left alone

    stale.refresh_from_db()
    assert stale.status == MessageStatus.SENT
    assert [m["Message-ID"] for m in smtp_sink.received] == [stale.message_id]
    assert EmailMessage.objects.get(pk=fresh.pk).status == MessageStatus.QUEUED


def test_the_rate_per_minute_holds_back_the_rest(world: Any, smtp_sink: SinkHandler) -> None:  # noqa: F811
    mailing, _leads = _scheduled(world, 5, rate_per_minute=2)

    assert service.email_deliver() == 2

    assert len(smtp_sink.received) == 2
    assert EmailMessage.objects.filter(mailing=mailing, status=MessageStatus.QUEUED).count() == 3
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENDING


def test_a_cancelled_mailing_sends_nothing_more(world: Any, smtp_sink: SinkHandler) -> None:  # noqa: F811
    mailing, _leads = _scheduled(world, 2)
    service.mailing_cancel(actor=world.marketing, mailing=mailing, expected_version=mailing.version)

    assert service.email_deliver() == 0

    assert smtp_sink.received == []
    assert set(EmailMessage.objects.filter(mailing=mailing).values_list("status", flat=True)) == {"cancelled"}


def test_email_queue_is_idempotent_on_its_key_and_asks_consent(world: Any, smtp_sink: SinkHandler) -> None:  # noqa: F811
    (lead,) = consented_leads(world.marketing, 1)
    (silent,) = consented_leads(world.marketing, 1, consent=False, prefix="s")
    template = make_template()
    campaign = make_campaign(world.marketing)

    first = service.email_queue(template=template, campaign=campaign, lead=lead, key="journey:1:step:1")
    again = service.email_queue(template=template, campaign=campaign, lead=lead, key="journey:1:step:1")
    refused = service.email_queue(template=template, campaign=campaign, lead=silent, key="journey:1:step:2")

    assert first is not None
    assert again is not None
    assert again.pk == first.pk
    assert refused is not None
    assert refused.status == MessageStatus.SUPPRESSED
    assert service.email_deliver() == 1
    assert [m["To"] for m in smtp_sink.received] == [lead.email]


def test_a_test_send_goes_to_the_actor_untracked(world: Any, smtp_sink: SinkHandler) -> None:  # noqa: F811
    world.marketing.email = "sun@ltc.example"
    world.marketing.save(update_fields=["email"])
    template = make_template()

    service.template_test_send(actor=world.marketing, template=template, language="en")
    assert service.email_deliver() == 1

    (received,) = smtp_sink.received
    assert received["To"] == "sun@ltc.example"
    assert received["Subject"].startswith("[TEST] ")
    assert received["List-Unsubscribe"] is None
    html = _html(received)
    assert 'href="https://example.com/en/whitepaper"' in html
    assert "/marketing/e/o/" not in html


def test_scheduling_queues_the_worker_task_which_delivers(
    world: Any,
    smtp_sink: SinkHandler,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    leads = consented_leads(world.marketing, 2)
    mailing = make_mailing(
        world.marketing, leads_segment(world.marketing, leads), make_template(), make_campaign(world.marketing)
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        service.mailing_schedule(actor=world.marketing, mailing=mailing, expected_version=mailing.version)

    assert len(callbacks) == 1  # the delivery task, run at once by the tests' immediate task backend
    assert sorted(m["To"] for m in smtp_sink.received) == [lead.email for lead in leads]
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENT
