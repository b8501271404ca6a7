"""Case e-mail reacting to the cases' facts, in their transaction (a rolled-back action mails
nothing; the outbox delivers after the commit and retries): the acknowledgement of a case the
customer opened (e-mail, portal), each reply to the customer (never an internal note), and the
satisfaction survey of a resolved case. Registered on import (ltc.service.wiring)."""

from __future__ import annotations

from ltc.core.events import IN_TRANSACTION, react
from ltc.service.events import CaseCreated, CaseMessageAdded, CaseStatusChanged
from ltc.service.models import Case, CaseChannel, CaseMessage, CaseStatus, MessageKind
from ltc.service.services.csat import survey_open
from ltc.service.services.mail import case_acknowledge, case_reply_send, case_survey_send

CUSTOMER_CHANNELS = (CaseChannel.EMAIL, CaseChannel.PORTAL)


def acknowledge_created(event: CaseCreated) -> None:
    """A case opened without a first message is acknowledged at once; one with a message when
    that message is added (an e-mail case's sender is only known then)."""
    if event.channel not in CUSTOMER_CHANNELS:
        return
    case = Case.objects.select_related("contact").get(pk=event.subject_id)
    if not case.description.strip():
        case_acknowledge(case)


def mail_message(event: CaseMessageAdded) -> None:
    if event.message_kind == MessageKind.REPLY:
        message = CaseMessage.objects.select_related("case", "case__contact").get(pk=event.message_id)
        case_reply_send(message)
    elif event.message_kind == MessageKind.CUSTOMER:
        case = Case.objects.select_related("contact").get(pk=event.subject_id)
        first = CaseMessage.objects.filter(case=case).order_by("created_at", "id").values_list("pk", flat=True).first()
        if case.channel in CUSTOMER_CHANNELS and first == event.message_id:
            case_acknowledge(case)


def survey_resolved(event: CaseStatusChanged) -> None:
    if event.new != CaseStatus.RESOLVED:
        return
    case = Case.objects.select_related("contact").get(pk=event.subject_id)
    if case.csat_at is None:
        survey_open(case)
        case_survey_send(case)


def register() -> None:
    react(CaseCreated, acknowledge_created, runs=IN_TRANSACTION)
    react(CaseMessageAdded, mail_message, runs=IN_TRANSACTION)
    react(CaseStatusChanged, survey_resolved, runs=IN_TRANSACTION)


register()
