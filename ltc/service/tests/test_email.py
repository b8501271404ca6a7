"""Case e-mail: the inbound endpoint (secret, malformed mail, size), threading by headers, plus
address and subject tag, Chinese encodings, duplicates, unknown senders attached by an agent, and
the outgoing mail (acknowledgement, replies, never a note) received by a real SMTP sink."""

from __future__ import annotations

import base64
import quopri
from email.message import EmailMessage
from typing import Any

import pytest
from django.core import mail as django_mail
from django.db import transaction
from django.test import Client, override_settings

from ltc.core.mail import mail_deliver
from ltc.core.models import OutgoingMail
from ltc.customers.models import Account
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.marketing.tests.email_support import smtp_sink  # noqa: F401 - the fixture
from ltc.service.models import Case, CaseMessage, CaseStatus, InboundEmail, InboundStatus, MessageKind
from ltc.service.services import cases as svc
from ltc.service.services.inbound import clean_subject, html_to_text, parse_email, strip_quoted
from ltc.service.services.mail import plus_address
from ltc.service.tests.factories import make_calendar

SECRET = "s3cret-inbound"  # noqa: S105 - a test value
URL = "/api/v1/service/inbound-email"

pytestmark = pytest.mark.usefixtures("inbound_on")


@pytest.fixture
def inbound_on(settings: Any) -> None:
    settings.LTC_INBOUND_EMAIL_SECRET = SECRET
    settings.LTC_SERVICE_EMAIL = "service@ltc.example"
    settings.DEFAULT_FROM_EMAIL = "service@ltc.example"


@pytest.fixture
def customer(world: Any) -> Any:
    make_calendar()
    return ContactFactory(account=world.account, name="王小明", email="wang@kehu.cn", email_key="wang@kehu.cn")


def raw_mail(
    *,
    sender: str = "王小明 <wang@kehu.cn>",
    to: str = "service@ltc.example",
    subject: str = "打印机卡纸",
    body: str = "每一页都卡纸。",
    message_id: str = "<m1@kehu.cn>",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def post(raw: bytes, *, secret: str = SECRET, content_type: str = "message/rfc822") -> Any:
    headers = {"HTTP_X_LTC_INBOUND_SECRET": secret} if secret else {}
    return Client().post(URL, data=raw, content_type=content_type, **headers)


# --- the endpoint ----------------------------------------------------------------------------


def test_a_known_contact_opens_an_email_case_and_gets_an_acknowledgement(customer: Any) -> None:
    response = post(raw_mail())
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["case_id"])
    assert (body["status"], body["duplicate"], body["case_number"]) == ("opened", False, case.number)
    assert (case.account_id, case.contact_id, case.channel, case.subject) == (
        customer.account_id,
        customer.pk,
        "email",
        "打印机卡纸",
    )
    message = case.messages.get()
    assert (message.kind, message.body, message.from_address, message.message_id) == (
        MessageKind.CUSTOMER,
        "每一页都卡纸。",
        "wang@kehu.cn",
        "<m1@kehu.cn>",
    )
    ack = OutgoingMail.objects.get()
    assert ack.to == ["wang@kehu.cn"]
    assert ack.subject == f"[{case.number}] 打印机卡纸"
    assert plus_address(case) in ack.body


def test_the_same_message_id_twice_is_one_message(customer: Any) -> None:
    first = post(raw_mail())
    again = post(raw_mail(body="又发了一次"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    assert (InboundEmail.objects.count(), Case.objects.count(), CaseMessage.objects.count()) == (1, 1, 1)


def test_a_mail_without_message_id_is_idempotent_by_its_bytes(customer: Any) -> None:
    raw = raw_mail(message_id="")
    assert post(raw).status_code == 201
    assert post(raw).json()["duplicate"] is True
    assert Case.objects.count() == 1


@pytest.mark.parametrize(("secret", "status"), [("", 401), ("wrong", 401)])
def test_a_missing_or_wrong_secret_is_refused(customer: Any, secret: str, status: int) -> None:
    response = post(raw_mail(), secret=secret)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    assert not InboundEmail.objects.exists()
    assert not Case.objects.exists()


def test_without_a_configured_secret_everything_is_refused(customer: Any, settings: Any) -> None:
    settings.LTC_INBOUND_EMAIL_SECRET = ""
    assert post(raw_mail(), secret="").status_code == 403
    assert post(raw_mail(), secret="anything").status_code == 403
    assert not InboundEmail.objects.exists()


@pytest.mark.parametrize(
    "raw", [b"", b"   \r\n", b"just some words, no headers at all", b"Subject: hi\r\n\r\nno sender"]
)
def test_a_malformed_message_is_a_400_problem(customer: Any, raw: bytes) -> None:
    response = post(raw)
    assert response.status_code == 400
    problem = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert problem["errors"][0]["field"] == "message"
    assert problem["errors"][0]["message"]
    assert not InboundEmail.objects.exists()


def test_wrong_content_type_and_size_are_refused(customer: Any, settings: Any) -> None:
    assert post(raw_mail(), content_type="application/json").status_code == 415
    settings.LTC_INBOUND_EMAIL_MAX_BYTES = 100
    assert post(raw_mail(body="长" * 200)).status_code == 413
    assert not InboundEmail.objects.exists()


# --- threading -------------------------------------------------------------------------------


def opened(customer: Any) -> Case:
    response = post(raw_mail())
    return Case.objects.get(pk=response.json()["case_id"])


def test_a_reply_threads_by_in_reply_to_on_our_reply(customer: Any, world: Any) -> None:
    case = opened(customer)
    reply = svc.case_reply(actor=world.service, case=case, body="请清理进纸辊。")
    reply.refresh_from_db()
    assert reply.message_id.startswith("<cs-reply-")
    assert reply.message_id.endswith("@ltc.example>")
    raw = raw_mail(
        subject="Re: 打印机卡纸",
        body="还是卡纸。\n\n在 2026年3月2日 10:00，客服 写道：\n> 请清理进纸辊。",
        message_id="<m2@kehu.cn>",
        In_Reply_To=reply.message_id,
        References=f"<m1@kehu.cn> {reply.message_id}",
    )
    response = post(raw)
    assert response.json()["status"] == "matched"
    assert response.json()["case_id"] == case.pk
    last = case.messages.order_by("-id").first()
    assert (last.kind, last.body, last.message_id) == (MessageKind.CUSTOMER, "还是卡纸。", "<m2@kehu.cn>")
    assert Case.objects.count() == 1


def test_a_reply_to_the_acknowledgement_threads_by_its_signed_id(customer: Any) -> None:
    case = opened(customer)
    ack = OutgoingMail.objects.get()
    post(raw_mail(subject="补充", body="型号是 M1", message_id="<m3@kehu.cn>", In_Reply_To=ack.message_id))
    assert case.messages.count() == 2
    assert Case.objects.count() == 1
    # a forged id of the same shape threads nothing (and the sender is known: a new case)
    forged = ack.message_id.replace(ack.message_id[-30:-13], "0" * 17)
    post(raw_mail(subject="新问题", message_id="<m4@kehu.cn>", In_Reply_To=forged))
    assert Case.objects.count() == 2


def test_plus_address_threads_from_any_sender(customer: Any) -> None:
    case = opened(customer)
    raw = raw_mail(sender="同事 <colleague@other.cn>", to=plus_address(case), subject="补充", message_id="<p1@o.cn>")
    assert post(raw).json()["case_id"] == case.pk
    assert case.messages.filter(from_address="colleague@other.cn").exists()


def test_subject_tag_threads_only_a_known_sender(customer: Any) -> None:
    case = opened(customer)
    tagged = f"回复：[{case.number}] 打印机卡纸"
    assert post(raw_mail(subject=tagged, message_id="<t1@kehu.cn>")).json()["case_id"] == case.pk
    stranger = post(raw_mail(sender="x@evil.example", subject=tagged, message_id="<t2@evil.example>"))
    assert stranger.json()["status"] == "unmatched"
    assert stranger.json()["case_id"] is None
    assert case.messages.count() == 2


def test_a_reply_resumes_a_waiting_case(customer: Any, world: Any) -> None:
    case = opened(customer)
    case = svc.case_set_status(actor=world.service, case=case, status=CaseStatus.IN_PROGRESS, version=case.version)
    case = svc.case_set_status(actor=world.service, case=case, status=CaseStatus.WAITING, version=case.version)
    post(raw_mail(subject=f"[{case.number}]", body="好的", message_id="<w1@kehu.cn>"))
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_auto_replies_are_rejected_not_added(customer: Any) -> None:
    case = opened(customer)
    response = post(raw_mail(to=plus_address(case), message_id="<ooo@kehu.cn>", Auto_Submitted="auto-replied"))
    assert response.json()["status"] == "rejected"
    assert case.messages.count() == 1


# --- encodings and quoted text ---------------------------------------------------------------


def test_gb2312_base64_and_encoded_headers(customer: Any) -> None:
    body = "您好，设备无法开机。镕".encode("gbk")  # 镕 is GBK only: labelled GB2312 all the same
    raw = (
        b"From: =?GB2312?B?" + base64.b64encode("王小明".encode("gbk")) + b"?= <wang@kehu.cn>\r\n"
        b"To: service@ltc.example\r\n"
        b"Subject: =?gb2312?B?" + base64.b64encode("设备故障".encode("gbk")) + b"?=\r\n"
        b"Message-ID: <gb@kehu.cn>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="gb2312"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.b64encode(body)
        + b"\r\n"
    )
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.subject, parsed.body) == ("王小明", "设备故障", "您好，设备无法开机。镕")
    case = Case.objects.get(pk=post(raw).json()["case_id"])
    assert case.subject == "设备故障"


def test_utf8_quoted_printable_html_only(customer: Any) -> None:
    markup = "<html><head><style>p{}</style></head><body><p>屏幕&nbsp;闪烁</p><div>第二行</div></body></html>"
    raw = (
        b"From: wang@kehu.cn\r\nTo: service@ltc.example\r\nSubject: =?UTF-8?Q?=E5=B1=8F=E5=B9=95?=\r\n"
        b"Message-ID: <qp@kehu.cn>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + quopri.encodestring(markup.encode())
    )
    parsed = parse_email(raw)
    assert parsed.subject == "屏幕"
    assert parsed.body.split() == ["屏幕\xa0闪烁", "第二行"] or parsed.body.split() == ["屏幕", "闪烁", "第二行"]
    assert html_to_text("<p>a<br>b</p>").split("\n")[:2] == ["a", "b"]


def test_quoted_text_and_reply_prefixes_are_cut() -> None:
    text = "Thanks, fixed.\n\nOn Mon, 2 Mar 2026 at 10:00, Support <s@ltc.example> wrote:\n> old\n> older"
    assert strip_quoted(text) == "Thanks, fixed."
    assert strip_quoted("好的\n------------------ 原始邮件 ------------------\n发件人: 客服 <s@x.cn>\n旧内容") == "好的"
    assert strip_quoted("a\n> quoted\nb") == "a\nb"
    assert clean_subject("Re: 回复：[CS2026-000001] 打印机") == "打印机"


# --- unknown senders -------------------------------------------------------------------------


def test_unknown_sender_is_kept_unmatched_then_attached_by_an_agent(customer: Any, world: Any, api_as: Any) -> None:
    response = post(raw_mail(sender="新客户 <new@unknown.cn>", message_id="<u1@unknown.cn>"))
    assert response.json()["status"] == "unmatched"
    assert not Case.objects.exists()
    inbound_id = response.json()["id"]
    listed = api_as(world.service).get("/service/inbound-emails")
    assert [item["id"] for item in listed.json()["items"]] == [inbound_id]
    # an agent opens the case for the account (and a contact of another account is refused)
    stranger = ContactFactory()
    refused = api_as(world.service).post(
        f"/service/inbound-emails/{inbound_id}/attach",
        {"account_id": world.account.pk, "contact_id": stranger.pk},
    )
    assert refused.status_code == 422
    assert not Case.objects.exists()
    done = api_as(world.service).post(f"/service/inbound-emails/{inbound_id}/attach", {"account_id": world.account.pk})
    assert done.status_code == 201
    case = Case.objects.get(pk=done.json()["case_id"])
    assert (case.account_id, case.channel, case.messages.get().from_address) == (
        world.account.pk,
        "email",
        "new@unknown.cn",
    )
    email = InboundEmail.objects.get(pk=inbound_id)
    assert (email.status, email.case_id, email.handled_by_id) == (InboundStatus.ATTACHED, case.pk, world.service.pk)
    again = api_as(world.service).post(f"/service/inbound-emails/{inbound_id}/attach", {"account_id": world.account.pk})
    assert again.status_code == 422
    assert Case.objects.count() == 1
    # the acknowledgement goes to the sender
    assert OutgoingMail.objects.filter(to=["new@unknown.cn"]).count() == 1


def test_the_inbound_page_attaches_a_mail(customer: Any, world: Any, web_as: Any) -> None:
    post(raw_mail(sender="new@kehu.cn", message_id="<u2@kehu.cn>"))
    email = InboundEmail.objects.get()
    client = web_as(world.service)
    page = client.get("/service/inbound/")
    assert page.status_code == 200
    assert "new@kehu.cn" in page.content.decode()
    detail = client.get(f"/service/inbound/{email.pk}/")
    # the sender's domain finds the account with a contact at kehu.cn
    assert world.account.name in detail.content.decode()
    chosen = client.get(f"/service/inbound/{email.pk}/?account={world.account.pk}")
    assert customer.name in chosen.content.decode()
    response = client.post(f"/service/inbound/{email.pk}/", {"account": world.account.pk, "contact": customer.pk})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.contact_id == customer.pk
    assert web_as(world.owner).get("/service/inbound/").status_code == 403


def test_posting_to_an_already_handled_mail_says_so_and_changes_nothing(customer: Any, world: Any, web_as: Any) -> None:
    post(raw_mail(sender="new@kehu.cn", message_id="<u3@kehu.cn>"))
    email = InboundEmail.objects.get()
    client = web_as(world.service)
    form = {"account": world.account.pk, "contact": customer.pk}
    assert client.post(f"/service/inbound/{email.pk}/", form).status_code == 302

    again = client.post(f"/service/inbound/{email.pk}/", form, follow=True)

    assert again.redirect_chain == [(f"/service/inbound/{email.pk}/", 302)]
    assert "This mail was already handled" in again.content.decode()
    assert Case.objects.count() == 1


def test_a_contact_of_a_merged_account_opens_no_case_by_mail(customer: Any, world: Any) -> None:
    survivor = AccountFactory(owner=world.owner, name="金城集团（存续）")
    Account.objects.filter(pk=world.account.pk).update(merged_into=survivor)

    response = post(raw_mail(message_id="<merged@kehu.cn>"))

    assert response.status_code == 201
    assert response.json()["status"] == InboundStatus.UNMATCHED
    assert Case.objects.count() == 0


def test_the_openapi_document_lists_the_inbound_refusals() -> None:
    operation = Client().get("/api/v1/openapi.json").json()["paths"][URL]["post"]

    for status in ("400", "401", "403", "413", "415"):
        assert "application/problem+json" in operation["responses"][status]["content"], status


# --- outgoing, over SMTP ---------------------------------------------------------------------


def test_replies_are_mailed_with_thread_headers_and_notes_never(
    customer: Any,
    world: Any,
    smtp_sink: Any,  # noqa: F811
) -> None:
    case = opened(customer)
    reply = svc.case_reply(actor=world.service, case=case, body="请重启设备。")
    svc.case_reply(actor=world.service, case=case, body="内部：客户是VIP，价格敏感", internal=True)
    assert mail_deliver() == 2
    assert mail_deliver() == 0  # nothing twice
    ack, sent = smtp_sink.received
    reply.refresh_from_db()
    assert sent["To"] == "wang@kehu.cn"
    assert sent["Subject"] == f"[{case.number}] 打印机卡纸"
    assert sent["Message-ID"] == reply.message_id
    assert "请重启设备。" in sent.get_content()
    assert plus_address(case) in sent.get_content()
    assert sent["Reply-To"] == ack["Reply-To"] == plus_address(case)
    customer_mail = CaseMessage.objects.get(case=case, kind=MessageKind.CUSTOMER).message_id
    assert sent["In-Reply-To"] == sent["References"] == customer_mail  # under the customer's own mail
    assert ack["Subject"] == f"[{case.number}] 打印机卡纸"
    every = b"".join(bytes(m) for m in smtp_sink.received).decode("utf-8", "replace")
    assert "VIP" not in every
    assert "内部" not in every
    assert not CaseMessage.objects.filter(kind=MessageKind.NOTE).exclude(message_id="").exists()


def test_a_failed_delivery_is_retried_and_sent_once(customer: Any, world: Any, smtp_sink: Any) -> None:  # noqa: F811
    case = opened(customer)
    svc.case_reply(actor=world.service, case=case, body="第一次回复")
    smtp_sink.refuse = 2
    assert mail_deliver() == 0
    assert OutgoingMail.objects.filter(sent_at__isnull=True, attempts=1).count() == 2
    assert mail_deliver() == 2
    assert mail_deliver() == 0
    assert len(smtp_sink.received) == 2


def test_a_phone_case_is_not_acknowledged_but_its_replies_go_to_the_contact(customer: Any, world: Any) -> None:
    case = svc.case_create(actor=world.service, account=world.account, subject="电话报修", contact=customer)
    assert not OutgoingMail.objects.exists()
    svc.case_reply(actor=world.service, case=case, body="已安排工程师")
    assert OutgoingMail.objects.get().to == ["wang@kehu.cn"]


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_a_rolled_back_reply_mails_nothing(customer: Any, world: Any) -> None:
    case = opened(customer)
    OutgoingMail.objects.all().delete()

    def reply_then_fail() -> None:
        with transaction.atomic():
            svc.case_reply(actor=world.service, case=case, body="不会发出")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        reply_then_fail()
    assert not OutgoingMail.objects.exists()
    mail_deliver()
    assert django_mail.outbox == []


def test_the_demo_seed(customer: Any, world: Any) -> None:
    from ltc.web.demo_service_email import seed_email

    other = svc.case_create(actor=world.service, account=world.account, subject="已处理", contact=customer)
    other = svc.case_set_status(actor=world.service, case=other, status=CaseStatus.IN_PROGRESS, version=other.version)
    svc.case_set_status(actor=world.service, case=other, status=CaseStatus.RESOLVED, version=other.version)
    seed_email({"he": world.service})
    mailed = Case.objects.get(subject="扫码枪无法连接系统")
    assert [m.kind for m in mailed.messages.all()] == ["customer", "reply", "customer"]
    assert mailed.messages.last().body == "重启后指示灯是绿色，现在可以连接了。"
    assert InboundEmail.objects.filter(status=InboundStatus.UNMATCHED, from_address="zhao.min@newco.example").exists()
    other.refresh_from_db()
    assert other.csat_score == 5
