"""The demo's consent (个人信息保护法): leads who ticked the website form's consent box, customer
contacts e-mailed on the basis of their contract, one person who unsubscribed, and one completed
request for a copy of a contact's data."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ltc.customers.choices import AccountStatus
from ltc.customers.models import Contact
from ltc.leads.models import Lead
from ltc.marketing.models import ConsentBasis, ConsentState
from ltc.marketing.services.consent import consent_record
from ltc.marketing.services.privacy import data_request_create, data_request_given
from ltc.org.models import User

WEB_FORM_LEADS = 12
CUSTOMER_CONTACTS = 12


def seed_consent(users: dict[str, User]) -> None:
    marketing = users["sun"]
    now = timezone.now()
    leads = list(Lead.objects.exclude(email="").order_by("created_at", "pk")[:WEB_FORM_LEADS])
    for lead in leads:
        consent_record(
            address=lead.email,
            state=ConsentState.GRANTED,
            basis=ConsentBasis.CONSENT,
            source="官网咨询表单（勾选营销同意）",
            at=lead.created_at,
        )
    contacts = list(
        Contact.objects.filter(account__status=AccountStatus.CUSTOMER, merged_into__isnull=True)
        .exclude(email="")
        .order_by("pk")[:CUSTOMER_CONTACTS]
    )
    for contact in contacts:
        consent_record(
            address=contact.email,
            state=ConsentState.GRANTED,
            basis=ConsentBasis.CONTRACT,
            source="年度框架合同：服务通知与产品更新",
            actor=marketing,
            at=now - timedelta(days=45),
        )
    if leads:
        consent_record(
            address=leads[0].email,
            state=ConsentState.WITHDRAWN,
            # Asked by phone before the nurture mailing went out, which therefore suppressed him.
            source="客户来电要求不再接收营销邮件",
            actor=marketing,
            at=now - timedelta(days=40),
        )
    if contacts:
        request = data_request_create(
            actor=marketing,
            kind="export",
            asked_via="客户来信索取其个人信息副本",
            contact=contacts[-1],
            asked_at=now - timedelta(days=2),
        )
        data_request_given(actor=marketing, request=request)
