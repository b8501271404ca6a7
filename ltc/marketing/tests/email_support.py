"""A real SMTP sink on loopback (aiosmtpd) and the records a marketing e-mail test needs."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as MimeMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from ltc.leads.models import Lead
from ltc.leads.tests.factories import LeadFactory
from ltc.marketing.models import Campaign, CampaignKind
from ltc.marketing.models.email import EmailTemplate, Mailing
from ltc.marketing.models.segments import Segment, SegmentEntry, SegmentKind, SegmentTarget
from ltc.marketing.services.consent import consent_record


@dataclass
class SinkHandler:
    """Keeps every accepted message; refuses the next `refuse` recipients with a temporary 451."""

    received: list[MimeMessage] = field(default_factory=list)
    refuse: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_sink() -> Iterator[SinkHandler]:
    """An aiosmtpd server on 127.0.0.1; Django's SMTP backend sends to it."""
    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            DEFAULT_FROM_EMAIL="marketing@ltc.example",
            LTC_BASE_URL="https://ltc.example",
        ):
            yield handler
    finally:
        controller.stop()


BODY_ZH = (
    "{{ first_name }}，您好：\n\n**{{ company }}** 的数字化白皮书已发布：[立即下载](https://example.com/whitepaper)。\n\n"
    "了解更多 https://example.com/events\n\n退订：{{ unsubscribe_url }}"
)


def make_template(**fields: Any) -> EmailTemplate:
    values = {
        "name": "白皮书",
        "subject_zh": "{{ name }}，制造业数字化白皮书",
        "body_zh": BODY_ZH,
        "subject_en": "{{ name }}, the manufacturing white paper",
        "body_en": "Hello {{ first_name }},\n\n[Download](https://example.com/en/whitepaper)",
    }
    values.update(fields)
    return EmailTemplate.objects.create(**values)


def make_campaign(owner: Any) -> Campaign:
    return Campaign.objects.create(name="邮件培育", code="nurture-test", kind=CampaignKind.EMAIL, owner=owner)


def leads_segment(owner: Any, leads: list[Lead]) -> Segment:
    segment = Segment.objects.create(name="测试名单", target=SegmentTarget.LEADS, kind=SegmentKind.STATIC, owner=owner)
    SegmentEntry.objects.bulk_create([SegmentEntry(segment=segment, lead=lead) for lead in leads])
    return segment


def consented_leads(owner: Any, n: int, *, consent: bool = True, prefix: str = "p") -> list[Lead]:
    leads = [
        LeadFactory(
            owner=owner, email=f"{prefix}{i}@customer.example", contact_name=f"李{i}", company_name=f"客户{i}公司"
        )
        for i in range(n)
    ]
    if consent:
        for lead in leads:
            consent_record(address=lead.email, state="granted", basis="consent", source="测试")
    return leads


def make_mailing(owner: Any, segment: Segment, template: EmailTemplate, campaign: Campaign, **fields: Any) -> Mailing:
    return Mailing.objects.create(
        name="十月培育", template=template, campaign=campaign, segment=segment, created_by=owner, **fields
    )
