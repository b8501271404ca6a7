"""Inbound case e-mail (来信): a raw RFC 5322 message, handed over by the mail server, becomes a
customer message on its case or a new case.

Threading, first match wins: the In-Reply-To / References ids against the Message-IDs of the case's
messages (ours are unguessable) and of the acknowledgement and survey mails (signed); the
plus address (the case's random thread key, known only to whom we mailed); the "[CS-…]" tag in
the subject. The case number can be typed by anyone, so the tag threads only a mail from someone
the case already knows (its contact, an address that wrote on it, a contact of its account).

No thread: a new case for the one account whose active contact has the sender's address; an
unknown (or ambiguous) sender is kept unmatched for an agent, never a case for nobody. Auto-replies
(out of office, bounces) and our own mail coming back are kept as rejected (no mail loop). One row
per Message-ID: a mail delivered twice is one message."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import normalize
from ltc.core.forms import is_id
from ltc.customers.access import account_visible_q
from ltc.customers.models import Account, Contact
from ltc.service.access import can_work_service
from ltc.service.models import Case, CaseChannel, CaseMessage, InboundEmail, InboundStatus
from ltc.service.portal import active_contacts
from ltc.service.services.mail import case_for_signed_id, service_address

SUBJECT_MAX = 200
BODY_MAX = 50000

_TAG = re.compile(r"\[([A-Za-z]{1,8}-?\d{4}-\d{1,10})\]")
_IDS = re.compile(r"<([^<>\s]{1,250})>")
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
# The line a mail client puts above the quoted original: "On Mon, … wrote:", "在 2026年…写道：".
_ATTRIBUTION = re.compile(
    r"^\s*(On\s.+wrote:|在.+写道[:：]|.+于.+写道[:：]|-{2,}\s*(Original Message|原始邮件)\s*-{2,}|"
    r"(From|发件人)\s*[:：].*[@<].*)\s*$",
    re.IGNORECASE,
)
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
}


class MalformedEmail(ValueError):
    """The request is not a mail we can read: no sender, no headers, not MIME."""


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    from_address: str
    from_name: str
    recipients: list[str]
    subject: str
    body: str
    reply_ids: list[str]
    automatic: bool


@dataclass(frozen=True)
class InboundResult:
    email: InboundEmail
    duplicate: bool


# --- parsing ----------------------------------------------------------------------------------


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, LookupError):
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    values = [_header(message, name) for name in names]
    return [(n, normalize.email(a)) for n, a in getaddresses([v for v in values if v]) if "@" in a]


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "utf-8").lower()
    charset = _CHARSET_ALIASES.get(charset, charset)
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def html_to_text(markup: str) -> str:
    """The readable text of an HTML mail: scripts and styles dropped, blocks on their own lines."""
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d|blockquote)\s*>", "\n", markup)
    markup = re.sub(r"(?i)<blockquote\b[^>]*>", "\n> ", markup)
    text = html.unescape(re.sub(r"<[^>]*>", "", markup))
    return "\n".join(line.rstrip() for line in text.splitlines())


def _body_of(message: Message) -> str:
    plain = html_part = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part
        elif kind == "text/html" and html_part is None:
            html_part = part
    if plain is not None:
        return _text_of(plain)
    if html_part is not None:
        return html_to_text(_text_of(html_part))
    return ""


def strip_quoted(text: str) -> str:
    """The new text of a reply: from the first attribution line ("On … wrote:", "在…写道：") or
    quoted line (">") that is followed only by quoted or blank lines, everything is cut; so is a
    trailing signature separator ("-- ")."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _ATTRIBUTION.match(line) and index > 0:
            break
        if line.startswith(">"):
            continue
        if line == "-- ":
            break
        kept.append(line)
    return "\n".join(kept).strip()


def clean_subject(subject: str) -> str:
    subject = _TAG.sub("", subject)
    return " ".join(_REPLY_PREFIX.sub("", subject).split())


def parse_email(raw: bytes) -> ParsedEmail:
    """Read a raw message (RFC 5322, MIME; headers in RFC 2047 words, bodies quoted-printable or
    base64 in UTF-8, GB2312/GBK/GB18030 …). Raises MalformedEmail when it has no sender."""
    if not raw or not raw.strip():
        raise MalformedEmail(_("The message is empty."))
    try:
        message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
        senders = _addresses(message, "From")
    except Exception as exc:  # noqa: BLE001 - any parser failure is the sender's malformed mail
        raise MalformedEmail(_("The message cannot be read: %(error)s") % {"error": str(exc)[:200]}) from exc
    if not senders:
        raise MalformedEmail(_("The message has no sender address (From)."))
    name, address = senders[0]
    ids = _IDS.findall(_header(message, "Message-ID"))
    # Without a Message-ID the same bytes delivered twice are still one message.
    message_id = f"<{ids[0]}>" if ids else f"<{hashlib.sha256(raw).hexdigest()[:40]}@inbound.invalid>"
    reply_ids = [f"<{i}>" for i in _IDS.findall(_header(message, "In-Reply-To") + " " + _header(message, "References"))]
    recipients = [a for _n, a in _addresses(message, "To", "Cc", "Delivered-To", "X-Original-To")]
    auto = _header(message, "Auto-Submitted").lower()
    precedence = _header(message, "Precedence").lower()
    automatic = (
        (auto not in ("", "no"))
        or precedence in ("bulk", "junk", "auto_reply", "list")
        or bool(_header(message, "X-Autoreply") or _header(message, "X-Autorespond"))
        or message.get_content_type() == "multipart/report"
    )
    try:
        body = _body_of(message)
    except Exception as exc:  # noqa: BLE001 - a broken part is the sender's malformed mail
        raise MalformedEmail(_("The message body cannot be read: %(error)s") % {"error": str(exc)[:200]}) from exc
    return ParsedEmail(
        message_id=message_id[:255],
        from_address=address[:254],
        from_name=name[:200],
        recipients=recipients,
        subject=_header(message, "Subject")[:300],
        body=body,
        reply_ids=list(dict.fromkeys(reply_ids))[:50],
        automatic=automatic,
    )


# --- threading --------------------------------------------------------------------------------


def _live(case: Case) -> Case:
    """A merged case's messages go to the case it was merged into."""
    seen = 0
    while case.merged_into_id is not None and seen < 10:
        case = Case.objects.get(pk=case.merged_into_id)
        seen += 1
    return case


def _sender_known(case: Case, address: str) -> bool:
    if not address:
        return False
    if case.contact_id is not None and Contact.objects.filter(pk=case.contact_id, email_key=address).exists():
        return True
    if CaseMessage.objects.filter(case=case, from_address__iexact=address).exists():
        return True
    return bool(_contacts(address).filter(account_id=case.account_id).exists())


def _contacts(address: str) -> QuerySet[Contact]:
    # The portal's rule: not merged, not erased, of an account not merged.
    return active_contacts().filter(email_key=address)


def thread_case(parsed: ParsedEmail) -> Case | None:
    """The case this mail answers, or None (see the module's rules)."""
    if parsed.reply_ids:
        message = (
            CaseMessage.objects.filter(message_id__in=parsed.reply_ids)
            .select_related("case")
            .order_by("-created_at", "-id")
            .first()
        )
        if message is not None:
            return _live(message.case)
        for reply_id in parsed.reply_ids:
            case = case_for_signed_id(reply_id)
            if case is not None:
                return _live(case)
    local, _at, _domain = service_address().partition("@")
    prefix = f"{local.lower()}+"
    for recipient in parsed.recipients:
        if recipient.startswith(prefix):
            key = recipient.partition("@")[0][len(prefix) :]
            # The thread key is random (unguessable): whoever has it was mailed by us.
            case = Case.objects.filter(thread_key=key).first() if key else None
            if case is not None:
                return _live(case)
    for tag in _TAG.findall(parsed.subject):
        case = Case.objects.filter(number=tag.upper()).first()
        if case is not None and _sender_known(case, parsed.from_address):
            return _live(case)
    return None


def sender_contact(address: str) -> Contact | None:
    """The one active contact with this address; None when unknown or on several accounts."""
    found = list(_contacts(address).select_related("account").order_by("id")[:20])
    accounts = {c.account_id for c in found}
    return found[0] if len(accounts) == 1 else None


# --- reading (staff) -------------------------------------------------------------------------

# What waits for a person: the threaded and opened mails are read on their case.
LISTED = (InboundStatus.UNMATCHED, InboundStatus.REJECTED, InboundStatus.ATTACHED)


def max_bytes() -> int:
    return int(getattr(settings, "LTC_INBOUND_EMAIL_MAX_BYTES", 10 * 1024 * 1024))


def inbound_list(user: Any, *, status: str = InboundStatus.UNMATCHED) -> QuerySet[InboundEmail]:
    """Mails not on a case by themselves (unknown senders, rejected, attached by an agent), for
    the service staff; nothing for anyone else."""
    if not can_work_service(user):
        return InboundEmail.objects.none()
    statuses = [status] if status in LISTED else list(LISTED)
    return (
        InboundEmail.objects.filter(status__in=statuses)
        .select_related("case", "handled_by")
        .defer("raw")
        .order_by("-received_at", "-id")
    )


def inbound_get(user: Any, pk: Any) -> InboundEmail:
    """One listed mail (404 for anyone else, or a mail that is not listed)."""
    found = inbound_list(user, status="").filter(pk=int(pk)).first() if is_id(pk) else None
    if found is None:
        raise Http404
    return found


def _attachable(user: Any) -> QuerySet[Account]:
    """The accounts a mail may be attached to: every account for the service staff (they open
    cases for any customer, as by phone), else those `user` may read."""
    accounts = Account.objects.filter(merged_into__isnull=True)
    return accounts if user.has_global_scope(area="service") else accounts.filter(account_visible_q(user))


def attach_account(user: Any, pk: Any) -> Account | None:
    """An account `user` may attach a mail to, by an id from input."""
    if not is_id(pk):
        return None
    return _attachable(user).filter(pk=int(pk)).first()


def attach_candidates(user: Any, email: InboundEmail, *, q: str = "", chosen: Account | None = None) -> list[Account]:
    """Accounts to offer for a mail: those named like `q`, else those with a contact at the
    sender's domain; the chosen one first."""
    accounts = _attachable(user)
    if q:
        accounts = accounts.filter(name__icontains=q)
    else:
        domain = email.from_address.rpartition("@")[2]
        accounts = accounts.filter(contacts__email_key__endswith=f"@{domain}") if domain else accounts.none()
    found = list(accounts.distinct().order_by("name", "id")[:30])
    if chosen is not None:
        found = [chosen, *[a for a in found if a.pk != chosen.pk]]
    return found


# --- receiving --------------------------------------------------------------------------------


def _stored(parsed: ParsedEmail, raw: bytes, **fields: Any) -> InboundEmail:
    return InboundEmail.objects.create(
        message_id=parsed.message_id,
        raw=raw,
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to_address=", ".join(parsed.recipients)[:300],
        subject=parsed.subject,
        body=parsed.body[:BODY_MAX],
        **fields,
    )


def _message_text(parsed: ParsedEmail) -> str:
    return (strip_quoted(parsed.body) or parsed.body.strip() or _("(empty message)"))[:BODY_MAX]


def _subject_text(parsed: ParsedEmail) -> str:
    return (clean_subject(parsed.subject) or _("(no subject)"))[:SUBJECT_MAX]


def inbound_receive(*, raw: bytes) -> InboundResult:
    """Take one raw mail: threaded onto its case (a customer message), or a new case for a known
    contact, or kept unmatched / rejected. Idempotent by Message-ID. Raises MalformedEmail."""
    from ltc.service.services.cases import case_create, case_customer_message

    parsed = parse_email(raw)
    known = InboundEmail.objects.filter(message_id=parsed.message_id).first()
    if known is not None:
        return InboundResult(known, duplicate=True)
    try:
        with transaction.atomic():
            if parsed.automatic or parsed.from_address in (
                service_address(),
                normalize.email(settings.DEFAULT_FROM_EMAIL),
            ):
                reason = _("An automatic reply or our own mail: not added to a case.")
                return InboundResult(_stored(parsed, raw, status=InboundStatus.REJECTED, reason=reason), False)
            if CaseMessage.objects.filter(message_id=parsed.message_id).exists():
                case = CaseMessage.objects.get(message_id=parsed.message_id).case
                return InboundResult(_stored(parsed, raw, status=InboundStatus.MATCHED, case=case), True)
            threaded = thread_case(parsed)
            if threaded is not None:
                contact = _contacts(parsed.from_address).filter(account_id=threaded.account_id).first()
                # On a case closed for good the cases' rules open a follow-up case instead.
                message = case_customer_message(
                    case=threaded,
                    body=_message_text(parsed),
                    contact=contact,
                    from_address=parsed.from_address,
                    channel=CaseChannel.EMAIL,
                    message_id=parsed.message_id,
                )
                status = InboundStatus.MATCHED if message.case_id == threaded.pk else InboundStatus.OPENED
                return InboundResult(_stored(parsed, raw, status=status, case=message.case), False)
            contact = sender_contact(parsed.from_address)
            if contact is None:
                reason = _("No contact has this address (or several accounts do).")
                return InboundResult(_stored(parsed, raw, status=InboundStatus.UNMATCHED, reason=reason), False)
            case = case_create(
                actor=None,
                account=contact.account,
                contact=contact,
                subject=_subject_text(parsed),
                description=_message_text(parsed),
                channel=CaseChannel.EMAIL,
                from_address=parsed.from_address,
                message_id=parsed.message_id,
            )
            return InboundResult(_stored(parsed, raw, status=InboundStatus.OPENED, case=case), False)
    except IntegrityError:
        # The same mail delivered at the same moment by another request: that one kept it.
        known = InboundEmail.objects.filter(message_id=parsed.message_id).first()
        if known is None:
            raise
        return InboundResult(known, duplicate=True)


def inbound_attach(*, actor: Any, inbound: InboundEmail, account: Account, contact: Contact | None = None) -> Case:
    """An agent opens the case of an unmatched mail for `account` (and `contact`, one of its
    people). Refuses a mail already handled, a contact of another account, a user who does not
    work cases."""
    from ltc.service.services.cases import case_create

    if not can_work_service(actor):
        raise PermissionDenied
    with transaction.atomic():
        locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
        if locked.status != InboundStatus.UNMATCHED:
            raise ValidationError({"inbound": [_("This mail was already handled.")]})
        if contact is not None and contact.account_id != account.pk:
            raise ValidationError({"contact": [_("The contact must belong to the chosen account.")]})
        parsed_body = strip_quoted(locked.body) or locked.body.strip() or _("(empty message)")
        case = case_create(
            actor=actor,
            account=account,
            contact=contact,
            subject=(clean_subject(locked.subject) or _("(no subject)"))[:SUBJECT_MAX],
            description=parsed_body[:BODY_MAX],
            channel=CaseChannel.EMAIL,
            from_address=locked.from_address,
            message_id=locked.message_id,
        )
        locked.status = InboundStatus.ATTACHED
        locked.case = case
        locked.handled_by = actor
        locked.handled_at = timezone.now()
        locked.save(update_fields=["status", "case", "handled_by", "handled_at"])
    inbound.status, inbound.case = locked.status, case
    return case
