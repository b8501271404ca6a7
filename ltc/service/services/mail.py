"""Outgoing case e-mail (服务邮件): the acknowledgement of a case opened by e-mail or the portal,
every reply to the customer, and the satisfaction survey of a resolved case. Internal notes are
never mailed.

Each mail goes through the outbox of ltc.core.mail, queued in the transaction of the fact it
reports (a rolled-back reply sends nothing; a failed delivery is retried) under a key, so it is
never queued twice. The key is the mail's Message-ID: for a reply it is stored on the CaseMessage;
for an acknowledgement or a survey it is signed with the installation's secret. Either way the
customer's answer (In-Reply-To / References) finds its case again, and nobody can forge one.
Every subject carries the case's "[CS-…]" tag (its number), every mail a Reply-To of the case's
plus address (the body names it too), and a reply In-Reply-To / References of the customer's last
mail."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ltc.core.mail import mail_queue
from ltc.service.models import Case, CaseChannel, CaseMessage, MessageKind

_SIGNED = re.compile(r"^<cs-(ack|csat|reply)-(\d{1,18})-(\d{1,18})-([0-9a-f]{20})@[^>]+>$")


def service_address() -> str:
    """The address customers write to (LTC_SERVICE_EMAIL)."""
    return str(getattr(settings, "LTC_SERVICE_EMAIL", "") or "service@ltc.example").strip().lower()


def plus_address(case: Case) -> str:
    """service+<thread key>@…: a reply to it finds its case even without the subject tag."""
    local, _at, domain = service_address().partition("@")
    return f"{local}+{case.thread_key.lower()}@{domain}"


def subject_tag(case: Case) -> str:
    return f"[{case.number}]"


def _signature(kind: str, case_pk: int, extra: int) -> str:
    text = f"service-mail:{kind}:{case_pk}:{extra}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), text, hashlib.sha256).hexdigest()[:20]


def mail_key(kind: str, case: Case, extra: int = 0) -> str:
    """The outbox key (the Message-ID's left part) of one mail about `case`."""
    return f"cs-{kind}-{case.pk}-{extra}-{_signature(kind, case.pk, extra)}"


def case_for_signed_id(message_id: str) -> Case | None:
    """The case of one of our Message-IDs, when its signature holds."""
    match = _SIGNED.match(message_id.strip())
    if match is None:
        return None
    kind, case_pk, extra, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(kind, int(case_pk), int(extra))):
        return None
    return Case.objects.filter(pk=int(case_pk)).first()


def case_recipient(case: Case) -> str:
    """Whom the case's mail goes to: the sender of an e-mail case, else its contact."""
    if case.channel == CaseChannel.EMAIL:
        sender = (
            CaseMessage.objects.filter(case=case, kind=MessageKind.CUSTOMER)
            .exclude(from_address="")
            .order_by("created_at", "id")
            .values_list("from_address", flat=True)
            .first()
        )
        if sender:
            return sender
    contact = case.contact
    if contact is not None and contact.erased_at is None and contact.email:
        return contact.email
    return ""


def _queue(
    case: Case, template: str, key: str, context: dict[str, Any], *, headers: dict[str, str] | None = None
) -> str:
    """Queue one mail about `case`, answered to its plus address (Reply-To); its Message-ID, or ""
    when it had nobody to go to or was queued before."""
    to = case_recipient(case)
    if not to:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            f"service/{template}", {"case": case, "reply_to": plus_address(case), "tag": subject_tag(case), **context}
        )
        subject = f"{subject_tag(case)} {case.subject}"
    mail = mail_queue(subject, body, [to], key=key, headers={"Reply-To": plus_address(case), **(headers or {})})
    return mail.message_id if mail is not None else ""


def case_acknowledge(case: Case) -> str:
    """The acknowledgement of a case the customer opened (e-mail, portal): number, subject, how to
    answer."""
    return _queue(case, "email_ack.txt", mail_key("ack", case), {})


def case_reply_send(message: CaseMessage) -> str:
    """Mail a reply to the customer and keep its Message-ID on the message; a note is refused."""
    if message.kind != MessageKind.REPLY or message.message_id:
        return ""
    case = message.case
    # The customer's last mail, so their mail program threads the answer under it.
    answered = (
        CaseMessage.objects.filter(case=case, kind=MessageKind.CUSTOMER, pk__lt=message.pk)
        .exclude(message_id="")
        .order_by("-pk")
        .values_list("message_id", flat=True)
        .first()
    )
    thread = {"In-Reply-To": answered, "References": answered} if answered else None
    message_id = _queue(
        case, "email_reply.txt", mail_key("reply", case, message.pk), {"message": message}, headers=thread
    )
    if message_id:
        CaseMessage.objects.filter(pk=message.pk, message_id="").update(message_id=message_id)
        message.message_id = message_id
    return message_id


def survey_url(case: Case) -> str:
    from ltc.service.services.csat import survey_token

    return settings.LTC_BASE_URL.rstrip("/") + reverse("service:survey", args=[survey_token(case)])


def case_survey_send(case: Case) -> str:
    """The satisfaction survey link of a resolved case (once per survey token: a case reopened
    and resolved again gets a new one)."""
    if not case.csat_token or case.csat_at is not None:
        return ""
    extra = int(hashlib.sha256(case.csat_token.encode()).hexdigest()[:12], 16)
    return _queue(case, "email_survey.txt", mail_key("csat", case, extra), {"survey_url": survey_url(case)})
