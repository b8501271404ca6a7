"""Marketing e-mail: templates (merge fields in a sandbox), mailings expanded into one message per
recipient, single messages for journeys, and the delivery worker.

Delivery keeps to the outbox pattern of ltc.core.mail: a batch of due messages is claimed in a
short transaction (a conditional UPDATE, so several workers never take the same message), sent
outside any transaction over one SMTP connection, and each message is marked sent right after the
server accepted it. A worker killed between acceptance and the mark leaves one message that is
sent again after CLAIM_TIMEOUT, with the same Message-ID; nothing else goes twice. Consent is asked
again right before sending; a refused delivery is retried with backoff."""

from __future__ import annotations

import html
import logging
import re
import secrets
import smtplib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.links import absolute_url
from ltc.marketing.access import can_manage_marketing
from ltc.marketing.models import Campaign, CampaignStatus
from ltc.marketing.models.email import EmailMessage, EmailTemplate, Mailing, MailingStatus, MessageStatus
from ltc.marketing.services.consent import address_key, email_allowed

log = logging.getLogger(__name__)

MERGE_FIELDS = ("first_name", "name", "company", "owner_name", "email", "unsubscribe_url")
MAX_ATTEMPTS = 6
CLAIM_TIMEOUT = timedelta(minutes=2)
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
LANGUAGES = ("zh-hans", "en")

_BRACES = re.compile(r"\{\{(.*?)\}\}", re.S)
_MERGE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_LINK = re.compile(
    r"\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^\s)]+|\{\{\s*unsubscribe_url\s*\}\})\)"
    r"|(?P<bare>https?://[^\s<>()\"'\[\]]+)"
)
_BOLD = re.compile(r"\*\*(.+?)\*\*")


# --- templates -------------------------------------------------------------------------------


def markup_errors(text: str) -> list[str]:
    """What is wrong with a subject or body: template tags, unclosed braces, unknown merge fields."""
    errors: list[str] = []
    if "{%" in text or "{#" in text:
        errors.append(_("Template tags are not allowed; use merge fields like {{ first_name }}."))
    unknown = sorted({m.group(1).strip() for m in _BRACES.finditer(text) if m.group(1).strip() not in MERGE_FIELDS})
    if unknown:
        errors.append(
            _("Unknown merge field: %(fields)s. Known fields: %(known)s.")
            % {"fields": ", ".join(unknown), "known": ", ".join(MERGE_FIELDS)}
        )
    if _BRACES.sub("", text).count("{{") or _BRACES.sub("", text).count("}}"):
        errors.append(_("A merge field is not closed: write {{ field }}."))
    return errors


def template_clean(data: dict[str, Any]) -> dict[str, Any]:
    """The template's fields checked: names and the Chinese subject and body required, every merge
    field known, an English body without a subject (or the reverse) refused. Field errors."""
    errors: dict[str, list[str]] = {}
    cleaned = {key: (data.get(key) or "").strip() for key in ("name", "subject_zh", "body_zh", "subject_en", "body_en")}
    for key in ("name", "subject_zh", "body_zh"):
        if not cleaned[key]:
            errors[key] = [_("This field is required.")]
    limits = {"name": 200, "subject_zh": 200, "subject_en": 200, "body_zh": 20000, "body_en": 20000}
    for key, limit in limits.items():
        if len(cleaned[key]) > limit:
            errors.setdefault(key, []).append(_("At most %(n)s characters.") % {"n": limit})
    for key in ("subject_zh", "body_zh", "subject_en", "body_en"):
        if problems := markup_errors(cleaned[key]):
            errors.setdefault(key, []).extend(problems)
    if cleaned["body_en"] and not cleaned["subject_en"]:
        errors.setdefault("subject_en", []).append(_("An English body needs an English subject."))
    if cleaned["subject_en"] and not cleaned["body_en"]:
        errors.setdefault("body_en", []).append(_("An English subject needs an English body."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_manager(actor: Any) -> None:
    if not can_manage_marketing(actor):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


def template_create(*, actor: Any, data: dict[str, Any]) -> EmailTemplate:
    """A new template (marketing and administrators); refused with field errors when invalid."""
    _require_manager(actor)
    cleaned = template_clean(data)
    return EmailTemplate.objects.create(created_by=actor, **cleaned)


def template_update(
    *, actor: Any, template: EmailTemplate, data: dict[str, Any], expected_version: int
) -> EmailTemplate:
    """Change a template (If-Match / the version of the form); a stale version is refused."""
    from ltc.core.concurrency import save_if_current

    _require_manager(actor)
    merged = {key: getattr(template, key) for key in ("name", "subject_zh", "body_zh", "subject_en", "body_en")}
    merged.update({key: value for key, value in data.items() if key in merged and value is not None})
    cleaned = template_clean(merged)
    with transaction.atomic():
        for key, value in cleaned.items():
            setattr(template, key, value)
        save_if_current(template, expected_version=expected_version, fields=list(cleaned))
    return template


def template_delete(*, actor: Any, template: EmailTemplate) -> None:
    """Remove a template no mailing or message used; a used one is kept (what was sent names it)."""
    _require_manager(actor)
    if Mailing.objects.filter(template=template).exists() or EmailMessage.objects.filter(template=template).exists():
        raise ValidationError({"template": [_("This template was used by a mailing or a message and is kept.")]})
    template.delete()


# --- rendering -------------------------------------------------------------------------------


@dataclass
class Recipient:
    """Who a message is rendered for: the merge fields' values."""

    name: str = ""
    company: str = ""
    owner_name: str = ""
    email: str = ""

    @property
    def first_name(self) -> str:
        name = self.name.strip()
        return name.split()[0] if " " in name else name


@dataclass
class Rendered:
    subject: str
    html: str
    text: str
    links: list[str] = field(default_factory=list)


def sample_recipient(actor: Any) -> Recipient:
    return Recipient(
        name=_("Wang Ming"),
        company=_("Example Technology Co., Ltd."),
        owner_name=_user_name(actor),
        email="wm@example.com",
    )


def _user_name(user: Any) -> str:
    if user is None:
        return ""
    # The name people know the owner by (孙丽), never the login name (sun).
    if not hasattr(user, "get_full_name"):
        return str(user)
    return getattr(user, "display_name", "") or user.get_full_name() or user.get_username()


def unsubscribe_url(token: str) -> str:
    """The one-click unsubscribe / preference page of a message (the consent area's view); empty
    when that route is not installed."""
    try:
        return settings.LTC_BASE_URL + reverse("marketing:unsubscribe", args=[token])
    except NoReverseMatch:
        return ""


def _merge(text: str, values: dict[str, str], *, escape: bool) -> str:
    """Merge field values into `text`; for HTML everything is escaped first, then **bold** marks
    become <strong> (only that tag is ever produced)."""
    out: list[str] = []
    last = 0
    for m in _MERGE.finditer(text):
        literal = text[last : m.start()]
        value = values.get(m.group(1), "")
        out.append(html.escape(literal) if escape else literal)
        out.append(html.escape(value) if escape else value)
        last = m.end()
    tail = text[last:]
    out.append(html.escape(tail) if escape else tail)
    joined = "".join(out)
    return _BOLD.sub(r"<strong>\1</strong>", joined) if escape else joined


def render(
    template: EmailTemplate, *, language: str, recipient: Recipient, token: str = "", track: bool = True
) -> Rendered:
    """The subject, HTML and text of the template for a recipient, in `language` (English falls
    back to Chinese when the template has none). With `track` and a token, each link points at the
    click redirect of its position (the link itself is kept in `links`) and the HTML carries the
    open pixel; merge field values are escaped and never become links."""
    english = language.startswith("en") and template.body_en
    subject_src = template.subject_en if english else template.subject_zh
    body_src = template.body_en if english else template.body_zh
    unsubscribe = unsubscribe_url(token) if token else ""
    values = {
        "first_name": recipient.first_name,
        "name": recipient.name,
        "company": recipient.company,
        "owner_name": recipient.owner_name,
        "email": recipient.email,
        "unsubscribe_url": unsubscribe or "#",
    }
    base = settings.LTC_BASE_URL
    links: list[str] = []
    html_parts: list[str] = []
    text_parts: list[str] = []
    for paragraph in re.split(r"\n\s*\n", body_src.strip()):
        h: list[str] = []
        t: list[str] = []
        last = 0
        for m in _LINK.finditer(paragraph):
            h.append(_merge(paragraph[last : m.start()], values, escape=True))
            t.append(_merge(paragraph[last : m.start()], values, escape=False))
            url = m.group("url") or m.group("bare")
            label_src = m.group("label") or url
            if _MERGE.fullmatch(url):
                target = values["unsubscribe_url"]
                label_src = m.group("label") or target
            else:
                links.append(url)
                target = (
                    f"{base}{reverse('marketing:email_click', args=[token, len(links) - 1])}"
                    if track and token
                    else url
                )
            label_html = _merge(label_src, values, escape=True)
            h.append(f'<a href="{html.escape(target)}">{label_html}</a>')
            t.append(f"{_merge(label_src, values, escape=False)} ({target})" if m.group("label") else target)
            last = m.end()
        h.append(_merge(paragraph[last:], values, escape=True))
        t.append(_merge(paragraph[last:], values, escape=False))
        html_parts.append("<p>" + "".join(h).replace("\n", "<br>") + "</p>")
        text_parts.append("".join(t))
    if track and token:
        pixel = f"{base}{reverse('marketing:email_open', args=[token])}"
        html_parts.append(f'<img src="{html.escape(pixel)}" width="1" height="1" alt="">')
    subject = " ".join(_merge(subject_src, values, escape=False).split())[:300]
    body_html = '<!doctype html><html><body style="font-family:sans-serif">' + "".join(html_parts) + "</body></html>"
    return Rendered(subject=subject, html=body_html, text="\n\n".join(text_parts), links=links)


def template_preview(
    *, actor: Any, template: EmailTemplate, language: str, lead_id: int | None = None, contact_id: int | None = None
) -> Rendered:
    """The template as a sample recipient (or a chosen lead or contact the actor may see) would
    read it; links are shown as they are, nothing is tracked."""
    recipient = sample_recipient(actor)
    if lead_id is not None or contact_id is not None:
        recipient = _chosen_recipient(actor, lead_id=lead_id, contact_id=contact_id)
    return render(template, language=language, recipient=recipient, track=False)


def _chosen_recipient(actor: Any, *, lead_id: int | None, contact_id: int | None) -> Recipient:
    from django.http import Http404

    try:
        if lead_id is not None:
            from ltc.leads.selectors import lead_get

            lead = lead_get(user=actor, pk=lead_id)
            return Recipient(
                name=lead.contact_name, company=lead.company_name, owner_name=_user_name(lead.owner), email=lead.email
            )
        from ltc.customers.selectors import contact_get

        contact = contact_get(user=actor, pk=contact_id)
    except Http404 as exc:
        key = "lead_id" if lead_id is not None else "contact_id"
        raise ValidationError({key: [_("No such record.")]}) from exc
    account = contact.account
    return Recipient(
        name=contact.name, company=account.name, owner_name=_user_name(account.owner), email=contact.email or ""
    )


def template_test_send(*, actor: Any, template: EmailTemplate, language: str) -> EmailMessage:
    """Queue the template to the actor's own address as a test (sample merge values, links as
    they are, nothing tracked, no consent asked: it is the actor's own mailbox)."""
    _require_manager(actor)
    if not actor.email:
        raise ValidationError({"email": [_("Your user has no e-mail address.")]})
    message = EmailMessage.objects.create(
        template=template,
        address=actor.email,
        name=_user_name(actor),
        language=language,
        is_test=True,
        dedupe_key=f"test:{uuid.uuid4().hex}",
        token=secrets.token_urlsafe(24),
    )
    transaction.on_commit(_deliver_later)
    return message


# --- queuing ---------------------------------------------------------------------------------


def mailing_create(*, actor: Any, data: dict[str, Any]) -> Mailing:
    """A draft mailing of a template to a segment for a campaign."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    rate = data.get("rate_per_minute") or 600
    if not isinstance(rate, int) or not 1 <= rate <= 1_000_000:
        errors["rate_per_minute"] = [_("Between 1 and 1,000,000.")]
    for key in ("template", "campaign", "segment"):
        if data.get(key) is None:
            errors[key] = [_("This field is required.")]
    errors.update(_target_errors(data.get("campaign"), data.get("segment")))
    if errors:
        raise ValidationError(errors)
    return Mailing.objects.create(
        name=name[:200],
        template=data["template"],
        campaign=data["campaign"],
        segment=data["segment"],
        rate_per_minute=rate,
        created_by=actor,
    )


def _target_errors(campaign: Any, segment: Any) -> dict[str, list[str]]:
    """A mailing goes out for a live campaign to a segment still offered: a cancelled campaign or
    an archived segment is a field error (the API names its fields `..._id`, the form without)."""
    errors: dict[str, list[str]] = {}
    if campaign is not None and campaign.status == CampaignStatus.CANCELLED:
        errors["campaign"] = [_("The campaign is cancelled.")]
    if segment is not None and segment.archived_at is not None:
        errors["segment"] = [_("The segment is archived.")]
    return errors


def _segment_recipients(segment: Any) -> Iterable[Any]:
    from ltc.marketing.services.segments import segment_recipients

    return segment_recipients(segment)


def _field(row: Any, name: str, index: int) -> Any:
    if isinstance(row, dict):
        return row.get(name)
    if hasattr(row, name):
        return getattr(row, name)
    return row[index] if len(row) > index else None


def mailing_schedule(*, actor: Any, mailing: Mailing, at: datetime | None = None, expected_version: int) -> Mailing:
    """Expand the segment into one queued message per address (set-based, in batches), due at `at`
    (now when empty). An address without e-mail consent gets a `suppressed` message (counted,
    never sent); an address already in the mailing is not queued again. Only a draft is scheduled."""
    from ltc.core.concurrency import save_if_current

    _require_manager(actor)
    if mailing.status != MailingStatus.DRAFT:
        raise ValidationError({"status": [_("Only a draft mailing can be scheduled.")]})
    if errors := _target_errors(mailing.campaign, mailing.segment):
        raise ValidationError(errors)
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)  # a time without a zone is read in the current one
    now = timezone.now()
    due = at or now
    if at is not None and at < now - timedelta(minutes=5):
        raise ValidationError({"scheduled_at": [_("The time to send is in the past.")]})
    with transaction.atomic():
        mailing.status = MailingStatus.SCHEDULED
        mailing.scheduled_at = due
        save_if_current(mailing, expected_version=expected_version, fields=["status", "scheduled_at"])
        seen: set[str] = set()
        batch: list[tuple[Any, str]] = []
        total = 0
        for row in _segment_recipients(mailing.segment):
            address = address_key(_field(row, "email", 2) or "")
            if not address or address in seen or "@" not in address:
                continue
            seen.add(address)
            batch.append((row, address))
            if len(batch) >= 5000:
                total += _queue_batch(mailing, batch, due)
                batch = []
        total += _queue_batch(mailing, batch, due)
        mailing.recipients = total
        mailing.save(update_fields=["recipients"])
        transaction.on_commit(lambda: _deliver_later(run_after=due if due > now else None))
    return mailing


def _queue_batch(mailing: Mailing, batch: list[tuple[Any, str]], due: datetime) -> int:
    if not batch:
        return 0
    allowed = email_allowed([address for _row, address in batch])
    rows = []
    for row, address in batch:
        language = _field(row, "language", 4) or "zh-hans"
        rows.append(
            EmailMessage(
                mailing=mailing,
                template_id=mailing.template_id,
                campaign_id=mailing.campaign_id,
                lead_id=_field(row, "lead_id", 0),
                contact_id=_field(row, "contact_id", 1),
                address=address,
                name=(_field(row, "name", 3) or "")[:200],
                language="en" if str(language).startswith("en") else "zh-hans",
                status=MessageStatus.QUEUED if address in allowed else MessageStatus.SUPPRESSED,
                dedupe_key=f"mailing:{mailing.pk}:{address}"[:200],
                token=secrets.token_urlsafe(24),
                next_attempt_at=due,
            )
        )
    EmailMessage.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def mailing_cancel(*, actor: Any, mailing: Mailing, expected_version: int) -> Mailing:
    """Stop a draft, scheduled or sending mailing: what is still queued is cancelled, what was sent
    stays sent."""
    from ltc.core.concurrency import save_if_current

    _require_manager(actor)
    if mailing.status in (MailingStatus.SENT, MailingStatus.CANCELLED):
        raise ValidationError({"status": [_("This mailing is finished.")]})
    with transaction.atomic():
        mailing.status = MailingStatus.CANCELLED
        mailing.finished_at = timezone.now()
        save_if_current(mailing, expected_version=expected_version, fields=["status", "finished_at"])
        EmailMessage.objects.filter(mailing=mailing, status=MessageStatus.QUEUED).update(
            status=MessageStatus.CANCELLED, claim="", claimed_at=None
        )
    return mailing


def email_queue(
    *, template: EmailTemplate, campaign: Campaign | None, lead: Any = None, contact: Any = None, key: str
) -> EmailMessage | None:
    """Queue one message (a journey step) to a lead or a contact, delivered after the surrounding
    transaction commits. Idempotent on `key`: a key already queued returns that message and queues
    nothing. A person without an address gets nothing (None); one without consent gets a
    `suppressed` message."""
    if (lead is None) == (contact is None):
        raise ValueError("email_queue needs exactly one of lead and contact")
    dedupe = f"key:{key}"[:200]
    if existing := EmailMessage.objects.filter(dedupe_key=dedupe).first():
        return existing
    address = address_key(lead.email if lead is not None else contact.email or "")
    if not address:
        return None
    name = lead.contact_name if lead is not None else contact.name
    allowed = bool(email_allowed([address]))
    EmailMessage.objects.bulk_create(
        [
            EmailMessage(
                template=template,
                campaign=campaign,
                lead=lead,
                contact=contact,
                step_key=key[:120],
                address=address,
                name=(name or "")[:200],
                status=MessageStatus.QUEUED if allowed else MessageStatus.SUPPRESSED,
                dedupe_key=dedupe,
                token=secrets.token_urlsafe(24),
            )
        ],
        ignore_conflicts=True,
    )
    message = EmailMessage.objects.get(dedupe_key=dedupe)
    if message.status == MessageStatus.QUEUED:
        transaction.on_commit(_deliver_later)
    return message


def _deliver_later(run_after: datetime | None = None) -> None:
    from ltc.marketing.tasks_email import deliver_marketing_email

    if run_after is None:
        deliver_marketing_email.enqueue()
    else:
        deliver_marketing_email.using(run_after=run_after).enqueue()


# --- delivery --------------------------------------------------------------------------------


def _due(now: datetime) -> QuerySet[EmailMessage]:
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    return EmailMessage.objects.filter(free, status=MessageStatus.QUEUED, next_attempt_at__lte=now)


def _rate_room(now: datetime) -> dict[int, int]:
    """How many more messages each sending mailing may send in the current minute."""
    room: dict[int, int] = {}
    active = Mailing.objects.filter(status__in=[MailingStatus.SCHEDULED, MailingStatus.SENDING]).values_list(
        "pk", "rate_per_minute"
    )
    for pk, rate in active:
        recent = EmailMessage.objects.filter(mailing_id=pk, sent_at__gte=now - timedelta(minutes=1)).count()
        room[pk] = max(0, rate - recent)
    return room


def _claim(batch: int) -> list[EmailMessage]:
    """Take up to `batch` due messages for this worker (a conditional UPDATE: two workers never
    take the same one), within each mailing's rate."""
    now = timezone.now()
    room = _rate_room(now)
    full = [pk for pk, left in room.items() if left == 0]
    candidates = _due(now).exclude(mailing_id__in=full).order_by("next_attempt_at", "pk")
    picked: list[int] = []
    taken: dict[int, int] = {}
    for pk, mailing_id in candidates.values_list("pk", "mailing_id")[: batch * 2]:
        if mailing_id is not None:
            if taken.get(mailing_id, 0) >= room.get(mailing_id, batch):
                continue
            taken[mailing_id] = taken.get(mailing_id, 0) + 1
        picked.append(pk)
        if len(picked) >= batch:
            break
    if not picked:
        return []
    claim = uuid.uuid4().hex
    _due(now).filter(pk__in=picked).update(claim=claim, claimed_at=now)
    started = [pk for pk, left in room.items() if pk in taken and left]
    if started:
        Mailing.objects.filter(pk__in=started, status=MailingStatus.SCHEDULED).update(status=MailingStatus.SENDING)
    return list(
        EmailMessage.objects.filter(claim=claim, claimed_at=now, status=MessageStatus.QUEUED)
        .select_related("template", "lead__owner", "contact__account__owner")
        .order_by("pk")
    )


def _recipient_of(message: EmailMessage) -> Recipient:
    if message.lead is not None:
        lead = message.lead
        return Recipient(
            name=lead.contact_name or message.name,
            company=lead.company_name,
            owner_name=_user_name(lead.owner),
            email=message.address,
        )
    if message.contact is not None:
        account = message.contact.account
        return Recipient(
            name=message.contact.name, company=account.name, owner_name=_user_name(account.owner), email=message.address
        )
    return Recipient(name=message.name, email=message.address)


def _mail_of(message: EmailMessage, connection: Any) -> tuple[EmailMultiAlternatives, Rendered]:
    if message.is_test:
        rendered = render(message.template, language=message.language, recipient=sample_recipient(None), track=False)
        rendered.subject = f"[TEST] {rendered.subject}"
    else:
        rendered = render(
            message.template, language=message.language, recipient=_recipient_of(message), token=message.token
        )
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "ltc.local"
    message_id = message.message_id or f"<mkt.{message.token}@{domain}>"
    message.message_id = message_id
    headers = {"Message-ID": message_id}
    if not message.is_test:
        targets = [f"<mailto:unsubscribe@{domain}?subject=unsubscribe-{message.token}>"]
        if url := unsubscribe_url(message.token):
            targets.insert(0, f"<{url}>")
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        headers["List-Unsubscribe"] = ", ".join(targets)
    mail = EmailMultiAlternatives(
        rendered.subject,
        rendered.text,
        settings.DEFAULT_FROM_EMAIL,
        [message.address],
        headers=headers,
        connection=connection,
    )
    mail.attach_alternative(rendered.html, "text/html")
    return mail, rendered


def _permanent(exc: Exception) -> bool:
    """A refusal the server says will not change (5xx for the recipient)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500 and exc.smtp_code != 554


def _send_batch(messages: list[EmailMessage]) -> int:
    """Send claimed messages over one connection; each is marked right after the server's answer."""
    now = timezone.now()
    real = [m for m in messages if not m.is_test]
    allowed = email_allowed([m.address for m in real])
    refused = [m.pk for m in real if m.address not in allowed]
    if refused:
        EmailMessage.objects.filter(pk__in=refused, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SUPPRESSED, claim="", claimed_at=None
        )
    sent = 0
    connection = get_connection(fail_silently=False)
    try:
        for message in messages:
            if message.pk in refused:
                continue
            # The claim is renewed right before sending: a message whose claim ran out while
            # this worker was slow was taken by another and is left to it.
            if not EmailMessage.objects.filter(pk=message.pk, claim=message.claim, status=MessageStatus.QUEUED).update(
                claimed_at=timezone.now()
            ):
                continue
            try:
                mail, rendered = _mail_of(message, connection)
                mail.send()
            except Exception as exc:  # noqa: BLE001 - the mail server's answer is kept, retried later
                _failed(message, exc)
                if isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                    connection.close()
                continue
            EmailMessage.objects.filter(pk=message.pk).update(
                status=MessageStatus.SENT,
                attempts=message.attempts + 1,
                sent_at=timezone.now(),
                message_id=message.message_id,
                subject=rendered.subject[:300],
                links=rendered.links,
                last_error="",
                claim="",
            )
            sent += 1
    finally:
        connection.close()
    _record_sent([m for m in real if m.pk not in refused], now)
    return sent


def _failed(message: EmailMessage, exc: Exception) -> None:
    attempts = message.attempts + 1
    log.warning("marketing e-mail %s to %s not sent: %s", message.pk, message.address, exc)
    if _permanent(exc) or attempts >= MAX_ATTEMPTS:
        status = MessageStatus.BOUNCED if _permanent(exc) else MessageStatus.FAILED
        EmailMessage.objects.filter(pk=message.pk).update(
            status=status, attempts=attempts, last_error=str(exc)[:2000], claim="", claimed_at=None
        )
        return
    wait = min(RETRY_BASE * (2 ** (attempts - 1)), RETRY_CAP)
    EmailMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        last_error=str(exc)[:2000],
        claim="",
        claimed_at=None,
        next_attempt_at=timezone.now() + wait,
    )


def _record_sent(messages: list[EmailMessage], at: datetime) -> None:
    """Members of the campaigns reached move to `sent`; finished mailings are marked sent."""
    from ltc.marketing.models import MemberSource, MemberStatus
    from ltc.marketing.services.touches import Person, members_advance

    sent_ids = set(
        EmailMessage.objects.filter(pk__in=[m.pk for m in messages], status=MessageStatus.SENT).values_list(
            "pk", flat=True
        )
    )
    people: dict[int, list[Person]] = {}
    for m in messages:
        if m.pk in sent_ids and m.campaign_id is not None and (m.lead_id or m.contact_id):
            person = Person(lead_id=m.lead_id) if m.lead_id else Person(contact_id=m.contact_id)
            people.setdefault(m.campaign_id, []).append(person)
    for campaign_id, persons in people.items():
        members_advance(campaign_id, persons, MemberStatus.SENT, source=MemberSource.EMAIL, at=at)
    mailing_ids = {m.mailing_id for m in messages if m.mailing_id is not None}
    for mailing_id in mailing_ids:
        if not EmailMessage.objects.filter(mailing_id=mailing_id, status=MessageStatus.QUEUED).exists():
            Mailing.objects.filter(pk=mailing_id, status__in=[MailingStatus.SCHEDULED, MailingStatus.SENDING]).update(
                status=MailingStatus.SENT, finished_at=timezone.now()
            )


def email_deliver(*, batch: int = 200, limit: int | None = None) -> int:
    """Send due messages until none is left (or `limit` were sent); returns how many were sent.
    Several workers may run it at once."""
    sent = 0
    while limit is None or sent < limit:
        messages = _claim(batch if limit is None else min(batch, limit - sent))
        if not messages:
            break
        sent += _send_batch(messages)
    return sent


def email_pending_after() -> datetime | None:
    """When the next queued message falls due (for the worker's next run), or None."""
    return (
        EmailMessage.objects.filter(status=MessageStatus.QUEUED)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


# The path of a public web form page (ltc.leads: /leads/forms/<key>/).
WEB_FORM_PATH = re.compile(r"^/leads/forms/[A-Za-z0-9_-]+/$")

# --- tracking --------------------------------------------------------------------------------


def email_opened(*, token: str) -> bool:
    """Record the open of the message named by `token` (once): opened_at and an `open` touch."""
    return _track(token, kind="open", link=None) is not None


def email_clicked(*, token: str, index: int) -> str | None:
    """Record a click on link `index` of the message named by `token` and return that link's
    stored URL; None when the token or the link is unknown (no open redirect). A link to one of
    our web forms carries the token on (`ltc_m`), so the form's page knows who visits it."""
    target = _track(token, kind="click", link=index)
    return _carry_visitor(target, token) if target else target


def _carry_visitor(url: str, token: str) -> str:
    site = urlsplit(absolute_url("/"))
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc) or not WEB_FORM_PATH.match(parts.path):
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ltc_m"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("ltc_m", token)])))


def visit_record(*, visitor: str, at: datetime | None = None) -> bool:
    """A web form's page was opened through a link of the message whose token is `visitor`: a
    `visit` touch of that person in the message's campaign (once per message and day)."""
    from ltc.marketing.models import TouchKind
    from ltc.marketing.services.touches import TouchIn, touches_record

    message = (
        EmailMessage.objects.filter(token=visitor, status=MessageStatus.SENT, is_test=False, campaign__isnull=False)
        .only("pk", "campaign_id", "lead_id", "contact_id")
        .first()
    )
    if message is None or message.campaign_id is None:
        return False
    at = at or timezone.now()
    touch = TouchIn(
        campaign_id=message.campaign_id,
        kind=TouchKind.VISIT,
        key=f"email:{message.pk}:visit:{timezone.localdate(at).isoformat()}",
        lead_id=message.lead_id,
        contact_id=message.contact_id,
        account_id=_account_of(message),
        at=at,
    )
    return bool(touches_record([touch]))


def _account_of(message: EmailMessage) -> int | None:
    if message.contact_id is None:
        return None
    from ltc.customers.models import Contact

    return Contact.objects.filter(pk=message.contact_id).values_list("account_id", flat=True).first()


def _track(token: str, *, kind: str, link: int | None) -> str | None:
    from ltc.marketing.models import TouchKind
    from ltc.marketing.services.touches import TouchIn, touches_record

    message = (
        EmailMessage.objects.filter(token=token, status=MessageStatus.SENT, is_test=False)
        .only("pk", "campaign_id", "lead_id", "contact_id", "links", "opened_at", "clicked_at", "message_id")
        .first()
    )
    if message is None:
        return None
    target = ""
    if link is not None:
        if not 0 <= link < len(message.links):
            return None
        target = str(message.links[link])
    now = timezone.now()
    with transaction.atomic():
        updates: dict[str, Any] = {}
        if message.opened_at is None:
            updates["opened_at"] = now  # a click is an open too: the pixel may be blocked
        if link is not None and message.clicked_at is None:
            updates["clicked_at"] = now
        if updates:
            EmailMessage.objects.filter(pk=message.pk).update(**updates)
        if message.campaign_id is not None:
            account_id = _account_of(message)
            touches = [
                TouchIn(
                    campaign_id=message.campaign_id,
                    kind=TouchKind.OPEN,
                    key=f"email:{message.pk}:open",
                    lead_id=message.lead_id,
                    contact_id=message.contact_id,
                    account_id=account_id,
                    at=now,
                )
            ]
            if link is not None:
                touches.append(
                    TouchIn(
                        campaign_id=message.campaign_id,
                        kind=TouchKind.CLICK,
                        key=f"email:{message.pk}:click:{link}",
                        lead_id=message.lead_id,
                        contact_id=message.contact_id,
                        account_id=account_id,
                        at=now,
                    )
                )
            touches_record(touches)
    return target if link is not None else "opened"


# --- figures ---------------------------------------------------------------------------------


def message_list(*, user: Any, mailing: Mailing) -> QuerySet[EmailMessage]:
    """A mailing's messages in queue order. They name people (address, name) who are not all in
    the viewer's sight: only marketing and administrators read them; other readers get none and
    see the mailing's counts instead."""
    messages = EmailMessage.objects.filter(mailing=mailing).order_by("pk")
    return messages if can_manage_marketing(user) else messages.none()


def mailing_counts(mailing_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per mailing: messages by status, and how many were opened and clicked. One query."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        EmailMessage.objects.filter(mailing_id__in=list(mailing_ids))
        .values("mailing_id", "status")
        .annotate(n=Count("pk"), opened=Count("opened_at"), clicked=Count("clicked_at"))
    )
    for row in rows:
        entry = counts.setdefault(
            row["mailing_id"], {**{s: 0 for s in MessageStatus.values}, "opened": 0, "clicked": 0, "total": 0}
        )
        entry[row["status"]] = row["n"]
        entry["opened"] += row["opened"]
        entry["clicked"] += row["clicked"]
        entry["total"] += row["n"]
    return counts


def empty_counts() -> dict[str, int]:
    return {**{s: 0 for s in MessageStatus.values}, "opened": 0, "clicked": 0, "total": 0}
