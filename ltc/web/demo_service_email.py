"""The demo's case e-mail: a case a customer contact opened by e-mail, the agent's reply and the
customer's answer threaded onto it (quoted text cut), a mail from an unknown sender waiting for an
agent, and a satisfaction survey answered on a resolved case."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr

from ltc.customers.models import Contact
from ltc.org.models import User
from ltc.service.models import Case, CaseStatus
from ltc.service.services.cases import case_reply, case_set_status
from ltc.service.services.csat import survey_answer, survey_open
from ltc.service.services.inbound import inbound_receive
from ltc.service.services.mail import service_address


def _raw(sender: str, subject: str, body: str, message_id: str, in_reply_to: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = service_address()
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def _demo_contact() -> Contact | None:
    contacts = Contact.objects.filter(erased_at__isnull=True, merged_into__isnull=True).exclude(email="")
    return contacts.filter(account__cases__isnull=False).order_by("id").first() or contacts.order_by("id").first()


def seed_email(users: dict[str, User]) -> None:
    agent = users["he"]
    contact = _demo_contact()
    if contact is not None:
        sender = formataddr((contact.name, contact.email))
        opened = inbound_receive(
            raw=_raw(
                sender,
                "扫码枪无法连接系统",
                "您好，\n\n仓库的两台扫码枪从今天上午开始无法连接系统，请尽快处理。\n\n谢谢",
                "<demo-case-mail-1@kehu.example>",
            )
        )
        case = opened.email.case
        if case is not None and not opened.duplicate:
            reply = case_reply(
                actor=agent, case=case, body="您好，请重启扫码枪的基座并告诉我们指示灯的颜色，我们远程排查。"
            )
            inbound_receive(
                raw=_raw(
                    sender,
                    f"回复：[{case.number}] 扫码枪无法连接系统",
                    f"重启后指示灯是绿色，现在可以连接了。\n\n在 {reply.created_at:%Y年%m月%d日}，客服 写道：\n> "
                    + reply.body,
                    "<demo-case-mail-2@kehu.example>",
                    in_reply_to=reply.message_id,
                )
            )
    inbound_receive(
        raw=_raw(
            formataddr(("赵敏", "zhao.min@newco.example")),
            "咨询设备维保服务",
            "你好，我们是新客户，想了解贵公司设备的维保服务和价格。",
            "<demo-unknown-1@newco.example>",
        )
    )
    _csat_answer(agent)


def _csat_answer(agent: User) -> None:
    """A resolved demo case whose customer answered the survey (one resolved here when none is)."""
    case = Case.objects.filter(status=CaseStatus.RESOLVED, csat_at__isnull=True).order_by("id").first()
    if case is None:
        case = Case.objects.filter(status=CaseStatus.IN_PROGRESS, merged_into__isnull=True).order_by("id").first()
        if case is None:
            return
        case = case_set_status(
            actor=agent, case=case, status=CaseStatus.RESOLVED, version=case.version, resolution="已远程处理。"
        )
    survey_open(case)
    survey_answer(case=case, score=5, comment="工程师响应很快，问题当天解决。")
