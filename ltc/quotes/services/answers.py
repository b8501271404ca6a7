"""Sending a quote to the customer and the customer's answer.

Sending mails a private link (only its SHA-256 digest is stored; a new send replaces the link).
The customer accepts or declines through the link (name, time and address recorded), or the
sales team records an answer given otherwise. A quote is sent only once its deal has reached its
pipeline's quote stage. Acceptance freezes the version, makes the accepted total the deal's
amount and moves the deal on to its pipeline's quote-accepted stage when the deal's gates allow
(otherwise the deal stays and its AR gets a task: see `opportunity_quote_accepted`). Expired or
superseded versions cannot be answered."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.events import emit
from ltc.core.mail import mail_queue
from ltc.opportunities.models import BidSection, Opportunity
from ltc.opportunities.services import missing_to_quote, opportunity_quote_accepted
from ltc.org.models import User
from ltc.quotes.choices import AnswerChannel, QuoteStatus
from ltc.quotes.events import QuoteAccepted, QuoteDeclined, QuoteSent
from ltc.quotes.models import BidQuote, Quote, QuoteVersion
from ltc.quotes.services.editing import current_of, require_write, set_quote_status

MESSAGE_MAX = 2000
OFFERS = (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.ACCEPTED)


def link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def version_by_link(token: str) -> QuoteVersion | None:
    """The version a private link points at (None for an unknown or replaced link)."""
    if not token or len(token) > 100:
        return None
    return (
        QuoteVersion.objects.select_related("quote", "quote__account", "quote__owner", "price_book")
        .filter(link_digest=link_digest(token))
        .first()
    )


def quote_send(*, actor: User, quote: Quote, to: str, message: str = "", base_url: str | None = None) -> str:
    """Mail the approved (or already sent) current version to `to` with a new private link;
    returns the link. Refused before approval and after the validity date. The link is on
    settings.LTC_BASE_URL (never a request's host; `base_url` is for seeds and tests)."""
    require_write(actor, quote.opportunity)
    version = current_of(quote)
    errors: dict[str, list[str]] = {}
    early = missing_to_quote(quote.opportunity)  # the deal has not reached its pipeline's quote stage
    if early:
        errors["stage"] = early
    if version.status not in (QuoteStatus.APPROVED, QuoteStatus.SENT):
        errors["version"] = [
            _("Only an approved quote is sent (this version is %(status)s).") % {"status": version.get_status_display()}
        ]
    elif version.is_expired():
        errors["valid_until"] = [_("The quote expired: revise it with a new validity date.")]
    to = (to or "").strip()
    try:
        validate_email(to)
    except ValidationError:
        errors["to"] = [_("Enter the customer's email address.")]
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        errors["message"] = [_("At most %(n)d characters.") % {"n": MESSAGE_MAX}]
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(24)
    link = f"{(base_url or settings.LTC_BASE_URL).rstrip('/')}/q/{token}/"
    with transaction.atomic():
        version.status, version.sent_at, version.sent_to = QuoteStatus.SENT, timezone.now(), to
        version.link_digest = link_digest(token)
        version.save(update_fields=["status", "sent_at", "sent_to", "link_digest"])
        set_quote_status(quote, version.status)
        timeline.note_add(
            actor=actor,
            subject=quote,
            text=_("Version %(n)d sent to %(to)s.") % {"n": version.number, "to": to},
        )
        emit(
            QuoteSent(
                subject_id=quote.pk,
                number=quote.number,
                version=version.number,
                opportunity_id=quote.opportunity_id,
                total=version.grand_total,
                currency=version.currency,
                valid_until=version.valid_until,
            )
        )
        subject = _("Quote %(number)s: %(title)s") % {"number": quote.number, "title": quote.title}
        body = "\n\n".join(
            part
            for part in (
                message,
                _("Please find our quote %(number)s (version %(n)d) at:")
                % {"number": quote.number, "n": version.number},
                link,
                _("It is valid until %(date)s. You can accept or decline it on that page.")
                % {"date": formats.date_format(version.valid_until, "SHORT_DATE_FORMAT")},
                str(actor),
            )
            if part
        )
        mail_queue(subject, body, [to])
    return link


def quote_answer(
    *,
    version: QuoteVersion,
    accept: bool,
    name: str,
    title: str = "",
    note: str = "",
    address: str | None = None,
    recorded_by: User | None = None,
) -> QuoteVersion:
    """Record the customer's acceptance or refusal of a sent, unexpired version. Acceptance is
    final for that version and moves the deal on. Refused, changing nothing, otherwise."""
    errors: dict[str, list[str]] = {}
    if version.status != QuoteStatus.SENT:
        errors["version"] = [
            _("This quote can no longer be answered (it is %(status)s).") % {"status": version.get_status_display()}
        ]
    elif version.is_expired():
        errors["version"] = [
            _("This quote expired on %(date)s.")
            % {"date": formats.date_format(version.valid_until, "SHORT_DATE_FORMAT")}
        ]
    name, title, note = (name or "").strip(), (title or "").strip(), (note or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("Enter your name.")]
    if len(title) > 100:
        errors["title"] = [_("At most %(n)d characters.") % {"n": 100}]
    if len(note) > MESSAGE_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": MESSAGE_MAX}]
    if errors:
        raise ValidationError(errors)
    status = QuoteStatus.ACCEPTED if accept else QuoteStatus.DECLINED
    now = timezone.now()
    quote = version.quote
    with transaction.atomic():
        updated = QuoteVersion.objects.filter(pk=version.pk, status=QuoteStatus.SENT).update(
            status=status,
            answered_at=now,
            answer_channel=AnswerChannel.RECORDED if recorded_by else AnswerChannel.LINK,
            answer_name=name,
            answer_title=title,
            answer_note=note,
            answer_address=address,
            answer_recorded_by=recorded_by,
        )
        if not updated:
            raise ValidationError({"version": [_("This quote was answered already.")]})
        version.refresh_from_db()
        set_quote_status(quote, status)
        verb = _("accepted") if accept else _("declined")
        if accept:
            text = _("%(name)s accepted version %(n)d of quote %(number)s.")
        else:
            text = _("%(name)s declined version %(n)d of quote %(number)s.")
        text = text % {"name": name, "n": version.number, "number": quote.number}
        if recorded_by is not None:
            text += " " + _("(recorded by %(user)s)") % {"user": recorded_by}
        timeline.note_add(actor=recorded_by, subject=quote, text=f"{text} {note}".strip())
        emit(
            (QuoteAccepted if accept else QuoteDeclined)(
                subject_id=quote.pk,
                number=quote.number,
                version=version.number,
                opportunity_id=quote.opportunity_id,
                total=version.grand_total,
                currency=version.currency,
                channel=version.answer_channel,
            )
        )
        opportunity = Opportunity.objects.select_related("pipeline__quote_accepted_stage", "stage").get(
            pk=quote.opportunity_id
        )
        if accept:
            opportunity_quote_accepted(
                opportunity=opportunity,
                text=text,
                amount=version.grand_total,
                currency=version.currency,
                actor=recorded_by,
            )
        else:
            timeline.note_add(actor=recorded_by, subject=opportunity, text=text)
        owner_email = quote.owner.email
        if owner_email:
            mail_queue(
                _("Quote %(number)s: %(answer)s") % {"number": quote.number, "answer": verb}, text, [owner_email]
            )
    return version


def quote_record_answer(
    *, actor: User, quote: Quote, accept: bool, name: str, title: str = "", note: str = ""
) -> QuoteVersion:
    """The sales team records an answer the customer gave outside the link (signed paper, email)."""
    require_write(actor, quote.opportunity)
    return quote_answer(version=current_of(quote), accept=accept, name=name, title=title, note=note, recorded_by=actor)


def quote_offer_in_bid(*, actor: User, quote: Quote, version: QuoteVersion, section: BidSection) -> BidQuote:
    """Name the quote version a bid's commercial section offers (an approved, sent or accepted
    version of a quote on the bid's deal)."""
    require_write(actor, quote.opportunity)
    errors: dict[str, Any] = {}
    if section.bid.opportunity_id != quote.opportunity_id:
        errors["section_id"] = [_("Choose a bid section of this quote's deal.")]
    elif section.kind != "commercial":
        errors["section_id"] = [_("A quote goes in the commercial section.")]
    if version.quote_id != quote.pk or version.status not in OFFERS:
        errors["version"] = [_("Offer an approved, sent or accepted version.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        reference, _created = BidQuote.objects.update_or_create(
            section=section, defaults={"version": version, "set_by": actor, "set_at": timezone.now()}
        )
        timeline.note_add(
            actor=actor,
            subject=quote,
            text=_("Version %(n)d offered in bid %(bid)s.") % {"n": version.number, "bid": section.bid},
        )
    return reference
