"""The demo's e-mail marketing (邮件营销): two bilingual templates and a mailing of the nurture
campaign to the trade show's follow-up list, sent ten days ago, with the opens and clicks its
readers made (recorded through the same tracking service the pixel and the redirect call)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ltc.marketing.models import Campaign, MemberSource, MemberStatus
from ltc.marketing.models.email import EmailMessage, Mailing, MailingStatus, MessageStatus
from ltc.marketing.models.segments import Segment
from ltc.marketing.services import mailing as service
from ltc.marketing.services.touches import Person, members_advance
from ltc.org.models import User

NURTURE = "2026-q4-email-nurture"

WHITEPAPER_ZH = """{{ first_name }}，您好：

感谢您关注 **{{ company }}** 的数字化转型。我们整理了《2026 制造业数字化白皮书》，汇集 30 家工厂的实践：

[下载白皮书](https://ltc.example.com/whitepaper-2026)

如需进一步交流，您的客户经理 {{ owner_name }} 随时恭候。

不想再收到此类邮件？[退订]({{ unsubscribe_url }})"""

WHITEPAPER_EN = """Hello {{ first_name }},

Thank you for your interest in digital transformation at **{{ company }}**. Our 2026 manufacturing
white paper collects the practice of 30 plants:

[Download the white paper](https://ltc.example.com/whitepaper-2026?lang=en)

{{ owner_name }} is glad to talk it over with you.

No more e-mails like this? [Unsubscribe]({{ unsubscribe_url }})"""

WEBINAR_ZH = """{{ first_name }}，您好：

11 月 20 日 14:00 我们将举办线上研讨会「从线索到回款：制造业的 LTC 实践」。

[立即报名](https://ltc.example.com/webinar-ltc)

退订：{{ unsubscribe_url }}"""

WEBINAR_EN = """Hello {{ first_name }},

Join our webinar "Lead to cash in manufacturing" on 20 November at 14:00.

[Register now](https://ltc.example.com/webinar-ltc?lang=en)

Unsubscribe: {{ unsubscribe_url }}"""


def seed_email(users: dict[str, User]) -> None:
    marketing = users["sun"]
    whitepaper = service.template_create(
        actor=marketing,
        data={
            "name": "培育第 1 封：制造业数字化白皮书",
            "subject_zh": "{{ first_name }}，《2026 制造业数字化白皮书》已为您备好",
            "body_zh": WHITEPAPER_ZH,
            "subject_en": "{{ first_name }}, your 2026 manufacturing white paper",
            "body_en": WHITEPAPER_EN,
        },
    )
    service.template_create(
        actor=marketing,
        data={
            "name": "培育第 3 封：LTC 线上研讨会邀请",
            "subject_zh": "邀请：从线索到回款 —— 制造业的 LTC 实践",
            "body_zh": WEBINAR_ZH,
            "subject_en": "Invitation: lead to cash in manufacturing",
            "body_en": WEBINAR_EN,
        },
    )
    campaign = Campaign.objects.get(code=NURTURE)
    segment = Segment.objects.filter(target="leads", archived_at__isnull=True).order_by("pk").first()
    if segment is None:
        return
    mailing = service.mailing_create(
        actor=marketing,
        data={
            "name": "10 月培育：白皮书",
            "template": whitepaper,
            "campaign": campaign,
            "segment": segment,
            "rate_per_minute": 600,
        },
    )
    service.mailing_schedule(actor=marketing, mailing=mailing, expected_version=mailing.version)
    _as_sent(mailing, days_ago=10)


def _as_sent(mailing: Mailing, *, days_ago: int) -> None:
    """The demo does not talk to a mail server: its queued messages are marked as the worker
    marks them, then a few readers open them and click."""
    sent_at = timezone.now() - timedelta(days=days_ago)
    domain = "demo.ltc.example"
    messages = list(EmailMessage.objects.filter(mailing=mailing, status=MessageStatus.QUEUED).order_by("pk"))
    for message in messages:
        rendered = service.render(
            mailing.template,
            language=message.language,
            recipient=service.Recipient(name=message.name),
            token=message.token,
        )
        EmailMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT,
            attempts=1,
            sent_at=sent_at,
            queued_at=sent_at,
            next_attempt_at=sent_at,
            message_id=f"<mkt.{message.token}@{domain}>",
            subject=rendered.subject,
            links=rendered.links,
        )
    people = [Person(lead_id=m.lead_id) if m.lead_id else Person(contact_id=m.contact_id) for m in messages]
    members_advance(mailing.campaign_id, people, MemberStatus.SENT, source=MemberSource.EMAIL, at=sent_at)
    for index, message in enumerate(messages):
        if index % 2 == 0:
            service.email_opened(token=message.token)
        if index % 4 == 0:
            service.email_clicked(token=message.token, index=0)
    Mailing.objects.filter(pk=mailing.pk).update(
        status=MailingStatus.SENT, scheduled_at=sent_at, finished_at=sent_at + timedelta(minutes=3)
    )
