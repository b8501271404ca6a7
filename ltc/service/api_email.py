"""/api/v1/service/inbound-email (the mail server's forwarder: a raw RFC 5322 message, a shared
secret, no user) and /service/inbound-emails (the mails waiting for an agent, and attaching one to
an account to open its case)."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.openapi.schema import REF_TEMPLATE

from ltc.core.api import PROBLEM_CONTENT_TYPE, Page, paginate, problem
from ltc.core.forms import is_id
from ltc.customers.models import Contact
from ltc.org.types import AuthedRequest
from ltc.service.access import can_work_service
from ltc.service.models import InboundEmail, InboundStatus
from ltc.service.services import inbound as service

router = Router(tags=["service"])

INBOUND_HEADER = "X-LTC-Inbound-Secret"
CONTENT_TYPES = ("message/rfc822",)


class InboundReceivedOut(Schema):
    id: int
    status: InboundStatus
    duplicate: bool
    case_id: int | None
    case_number: str | None


class InboundEmailOut(Schema):
    id: int
    message_id: str
    from_address: str
    from_name: str
    subject: str
    body: str
    status: InboundStatus
    reason: str
    received_at: datetime
    case_id: int | None
    case_number: str | None

    @staticmethod
    def resolve_case_number(obj: InboundEmail) -> str | None:
        return obj.case.number if obj.case is not None else None


class InboundFilter(Schema):
    status: InboundStatus | None = None
    limit: int = 50
    offset: int = 0


class InboundAttachIn(Schema):
    account_id: int
    contact_id: int | None = None


class AttachedOut(Schema):
    case_id: int
    case_number: str


def _problem_doc(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": REF_TEMPLATE.format(model="Problem")}}},
    }


def _received(result: service.InboundResult) -> dict[str, Any]:
    email = result.email
    return {
        "id": email.pk,
        "status": email.status,
        "duplicate": result.duplicate,
        "case_id": email.case_id,
        "case_number": email.case.number if email.case is not None else None,
    }


@router.post(
    "/service/inbound-email",
    auth=None,
    response={200: InboundReceivedOut, 201: InboundReceivedOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        },
        "parameters": [
            {
                "in": "header",
                "name": INBOUND_HEADER,
                "required": True,
                "schema": {"type": "string"},
                "description": "The shared secret of LTC_INBOUND_EMAIL_SECRET.",
            }
        ],
        # No user: the shared secret is checked by the endpoint itself, which answers these too.
        "responses": {
            401: _problem_doc("The inbound e-mail secret is missing or wrong."),
            403: _problem_doc("Inbound e-mail is not enabled (no LTC_INBOUND_EMAIL_SECRET)."),
            415: _problem_doc("The body is not message/rfc822."),
        },
    },
)
def inbound_email(request: HttpRequest) -> Any:
    """Take one raw e-mail from the mail server (no user: the shared secret in the
    X-LTC-Inbound-Secret header). Threads it onto its case, opens a case for a known contact, or
    keeps it for an agent; the same Message-ID again answers 200 with `duplicate`."""
    secret = str(getattr(settings, "LTC_INBOUND_EMAIL_SECRET", "") or "")
    if not secret:
        return problem(403, _("Inbound e-mail is not enabled (no LTC_INBOUND_EMAIL_SECRET)."))
    given = request.headers.get(INBOUND_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return problem(401, _("The inbound e-mail secret is missing or wrong."))
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length == "0":
        message = _("The message is empty.")
        return problem(400, _("The message cannot be read."), errors=[{"field": "message", "message": message}])
    content_type = (request.content_type or "").lower()
    if content_type not in CONTENT_TYPES:
        return problem(415, _("Send the raw message as message/rfc822."))
    limit = service.max_bytes()
    if not is_id(length) or int(length) > limit:
        return problem(413, _("The message is larger than %(n)d MB.") % {"n": limit // (1024 * 1024)})
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return problem(413, _("The message is larger than %(n)d MB.") % {"n": limit // (1024 * 1024)})
    try:
        result = service.inbound_receive(raw=raw)
    except service.MalformedEmail as exc:
        return problem(400, _("The message cannot be read."), errors=[{"field": "message", "message": str(exc)}])
    except ValidationError as exc:
        errors = [{"field": k, "message": str(m)} for k, ms in exc.message_dict.items() for m in ms]
        return problem(400, _("The message cannot be added to a case."), errors=errors)
    return Status(200 if result.duplicate else 201, _received(result))


@router.get("/service/inbound-emails", response=Page[InboundEmailOut])
def inbound_emails(request: AuthedRequest, filters: Query[InboundFilter]) -> Any:
    """Mails from unknown senders (default), rejected ones (auto-replies), or attached by an agent."""
    if not can_work_service(request.user):
        raise PermissionDenied
    status = filters.status or InboundStatus.UNMATCHED
    return paginate(service.inbound_list(request.user, status=status), limit=filters.limit, offset=filters.offset)


@router.get("/service/inbound-emails/{inbound_id}", response=InboundEmailOut)
def inbound_email_get(request: AuthedRequest, inbound_id: int) -> Any:
    return service.inbound_get(request.user, inbound_id)


@router.post("/service/inbound-emails/{inbound_id}/attach", response={201: AttachedOut})
def inbound_email_attach(request: AuthedRequest, inbound_id: int, payload: InboundAttachIn) -> Any:
    """Open the case of an unknown sender's mail for an account (and one of its contacts)."""
    inbound = service.inbound_get(request.user, inbound_id)
    account = service.attach_account(request.user, payload.account_id)
    if account is None:
        raise ValidationError({"account_id": [_("Choose an account you may see.")]})
    contact = None
    if payload.contact_id is not None:
        contact = Contact.objects.filter(pk=payload.contact_id, account=account, erased_at__isnull=True).first()
        if contact is None:
            raise ValidationError({"contact_id": [_("The contact must belong to the chosen account.")]})
    case = service.inbound_attach(actor=request.user, inbound=inbound, account=account, contact=contact)
    return Status(201, {"case_id": case.pk, "case_number": case.number})
