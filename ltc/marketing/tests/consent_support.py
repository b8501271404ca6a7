"""Records the consent tests need: a marketing e-mail with its unsubscribe token."""

from __future__ import annotations

import secrets
from typing import Any

from ltc.marketing.models import Campaign, CampaignKind
from ltc.marketing.models.email import EmailMessage, EmailTemplate


def sent_email(
    *, owner: Any, address: str, lead: Any = None, contact: Any = None, subject: str = "四月新品"
) -> EmailMessage:
    template = EmailTemplate.objects.create(name="通讯", subject_zh=subject, body_zh="正文")
    campaign = Campaign.objects.create(
        name="内部代号-蓝鲸", code=f"c-{secrets.token_hex(4)}", kind=CampaignKind.EMAIL, owner=owner
    )
    return EmailMessage.objects.create(
        template=template,
        campaign=campaign,
        lead=lead,
        contact=contact,
        address=address,
        name="收件人真名",
        subject=subject,
        status="sent",
        dedupe_key=secrets.token_hex(8),
        token=secrets.token_urlsafe(32),
    )
