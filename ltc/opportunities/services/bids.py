"""Bids (制定并提交标书): the tender, sections with owners and due dates (each a task with a
reminder), a document checklist with versioned uploads, the submission before the deadline,
and the result with the winning price and competitor."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import activities, timeline
from ltc.core.concurrency import save_if_current
from ltc.core.models import Activity
from ltc.opportunities.choices import BID_RESULTS, BidSectionKind, BidStatus, SubmissionMethod
from ltc.opportunities.models import Bid, BidDocument, BidDocumentVersion, BidSection, Opportunity
from ltc.opportunities.services.deals import require_open, require_steer, require_work
from ltc.opportunities.services.files import checked_name
from ltc.org.models import User

REMIND_BEFORE = timedelta(days=2)
BID_FIELDS = ("tender_number", "issuer", "submission_deadline", "submission_method", "quote_reference")


def _clean(bid: Bid, *, creating: bool) -> None:
    errors: dict[str, list[str]] = {}
    if not (bid.tender_number or "").strip():
        errors["tender_number"] = [_("Give the tender number.")]
    if not (bid.issuer or "").strip():
        errors["issuer"] = [_("Name who issued the tender.")]
    if bid.submission_method not in SubmissionMethod.values:
        errors["submission_method"] = [_("Choose how the bid is submitted.")]
    if not isinstance(bid.submission_deadline, datetime):
        errors["submission_deadline"] = [_("Give the submission deadline.")]
    elif creating and bid.submission_deadline <= timezone.now():
        errors["submission_deadline"] = [_("The deadline must be in the future.")]
    if errors:
        raise ValidationError(errors)
    bid.full_clean(exclude=["opportunity", "created_by", "deadline_task"])


def bid_create(*, actor: User, opportunity: Opportunity, data: dict[str, Any]) -> Bid:
    """Start a bid on an open deal; the AR gets a task due at the deadline with a reminder."""
    require_steer(actor, opportunity)
    require_open(opportunity)
    unknown = sorted(set(data) - set(BID_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    bid = Bid(opportunity=opportunity, created_by=actor, **data)
    _clean(bid, creating=True)
    with transaction.atomic():
        bid.save()
        bid.deadline_task = activities.activity_create(
            actor=actor,
            subject=opportunity,
            kind="task",
            title=_("Submit bid %(tender)s") % {"tender": bid.tender_number},
            owner=opportunity.owner,
            due_at=bid.submission_deadline,
            remind_at=max(timezone.now(), bid.submission_deadline - REMIND_BEFORE),
        )
        bid.save(update_fields=["deadline_task"])
        timeline.note_add(
            actor=actor,
            subject=opportunity,
            text=_("Bid %(tender)s started (deadline %(deadline)s).")
            % {
                "tender": bid.tender_number,
                "deadline": f"{timezone.localtime(bid.submission_deadline):%Y-%m-%d %H:%M}",
            },
        )
    return bid


def _require_preparing(bid: Bid) -> None:
    if not bid.is_preparing:
        raise ValidationError({"status": [_("The bid has been submitted; it can no longer change.")]})


def bid_update(*, actor: User, bid: Bid, data: dict[str, Any], expected_version: int) -> Bid:
    require_steer(actor, bid.opportunity)
    _require_preparing(bid)
    unknown = sorted(set(data) - set(BID_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    before = timeline.snapshot(bid, data.keys())
    for name, value in data.items():
        setattr(bid, name, value)
    _clean(bid, creating=False)
    with transaction.atomic():
        save_if_current(bid, expected_version=expected_version, fields=list(data))
        timeline.record_changes(actor=actor, subject=bid, before=before)
        task = bid.deadline_task
        if "submission_deadline" in data and task is not None and task.done_at is None:
            task.due_at = bid.submission_deadline
            task.remind_at = max(timezone.now(), bid.submission_deadline - REMIND_BEFORE)
            task.save(update_fields=["due_at", "remind_at"])
    return bid


def bid_section_set(*, actor: User, bid: Bid, kind: str, owner: User | None, due_at: datetime | None) -> BidSection:
    """Give a section (commercial, technical, delivery) an owner and a due date; the owner gets a
    task with a reminder the day before."""
    require_work(actor, bid.opportunity)
    _require_preparing(bid)
    errors: dict[str, list[str]] = {}
    if kind not in BidSectionKind.values:
        errors["kind"] = [_("Choose the commercial, technical or delivery section.")]
    if owner is None or not owner.is_active:
        errors["owner"] = [_("Choose an active owner.")]
    if due_at is None:
        errors["due_at"] = [_("Give a due date.")]
    elif due_at > bid.submission_deadline:
        errors["due_at"] = [_("The section must be ready before the submission deadline.")]
    if errors or owner is None or due_at is None:
        raise ValidationError(errors)
    with transaction.atomic():
        section = BidSection.objects.filter(bid=bid, kind=kind).first()
        if section is not None and section.task_id is not None:
            # The old task stays on the record, closed as replanned.
            Activity.objects.filter(pk=section.task_id, done_at__isnull=True).update(
                done_at=timezone.now(), outcome=_("Replanned.")
            )
        section = section or BidSection(bid=bid, kind=kind)
        section.owner, section.due_at, section.done_at = owner, due_at, None
        section.task = activities.activity_create(
            actor=actor,
            subject=bid.opportunity,
            kind="task",
            title=_("Bid %(tender)s: %(section)s section")
            % {"tender": bid.tender_number, "section": BidSectionKind(kind).label},
            owner=owner,
            due_at=due_at,
            remind_at=max(timezone.now(), due_at - timedelta(days=1)),
        )
        section.save()
    return section


def bid_section_done(*, actor: User, section: BidSection) -> BidSection:
    bid = section.bid
    require_work(actor, bid.opportunity)
    _require_preparing(bid)
    if section.done_at is not None:
        raise ValidationError({"section": [_("This section is already done.")]})
    now = timezone.now()
    with transaction.atomic():
        section.done_at = now
        section.save(update_fields=["done_at"])
        if section.task is not None and section.task.done_at is None:
            activities.activity_complete(actor=section.task.owner, activity=section.task, outcome=_("Section ready."))
    return section


def bid_document_add(*, actor: User, bid: Bid, title: str, required: bool = True) -> BidDocument:
    require_work(actor, bid.opportunity)
    _require_preparing(bid)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Name the document.")]})
    if len(title) > 200:
        raise ValidationError({"title": [_("At most %(n)d characters.") % {"n": 200}]})
    return BidDocument.objects.create(bid=bid, title=title, required=required)


def bid_document_upload(*, actor: User, document: BidDocument, upload: UploadedFile) -> BidDocumentVersion:
    """Store a new version of a document (size- and type-checked); earlier versions are kept."""
    bid = document.bid
    require_work(actor, bid.opportunity)
    _require_preparing(bid)
    name = checked_name(upload)
    with transaction.atomic():
        BidDocument.objects.select_for_update().get(pk=document.pk)  # numbers stay unique under concurrent uploads
        latest = document.versions.aggregate(n=Max("number"))
        version = BidDocumentVersion(
            document=document,
            number=(latest["n"] or 0) + 1,
            original_name=name,
            size=upload.size or 0,
            uploaded_by=actor,
        )
        version.file.save(name, upload, save=False)
        version.save()
    return version


def missing_to_submit(bid: Bid) -> list[str]:
    missing = [
        _("document “%(title)s”") % {"title": d.title}
        for d in bid.documents.all()
        if d.required and not d.versions.all()  # prefetched by the bid selectors
    ]
    missing += [
        _("%(section)s section") % {"section": s.get_kind_display()} for s in bid.sections.all() if s.done_at is None
    ]
    return missing


def bid_submit(*, actor: User, bid: Bid, expected_version: int) -> Bid:
    """Record the submission: before the deadline, with every required document uploaded and
    every section done."""
    require_steer(actor, bid.opportunity)
    _require_preparing(bid)
    now = timezone.now()
    if now > bid.submission_deadline:
        raise ValidationError({"submission_deadline": [_("The submission deadline has passed.")]})
    missing = missing_to_submit(bid)
    if missing:
        raise ValidationError({"bid": [_("Not ready to submit: %(items)s.") % {"items": "; ".join(missing)}]})
    with transaction.atomic():
        bid.status, bid.submitted_at, bid.submitted_by = BidStatus.SUBMITTED, now, actor
        save_if_current(bid, expected_version=expected_version, fields=["status", "submitted_at", "submitted_by"])
        task = bid.deadline_task
        if task is not None and task.done_at is None:
            task.done_at, task.outcome = now, str(_("Submitted."))
            task.save(update_fields=["done_at", "outcome"])
        timeline.note_add(
            actor=actor, subject=bid.opportunity, text=_("Bid %(tender)s submitted.") % {"tender": bid.tender_number}
        )
    return bid


def bid_record_result(
    *,
    actor: User,
    bid: Bid,
    expected_version: int,
    result: str,
    price: Decimal | None = None,
    competitor: str = "",
    note: str = "",
) -> Bid:
    """Won or lost (after submission, with the winning price and competitor), or cancelled."""
    require_steer(actor, bid.opportunity)
    errors: dict[str, list[str]] = {}
    if result not in BID_RESULTS:
        errors["result"] = [_("Choose won, lost or cancelled.")]
    elif result != BidStatus.CANCELLED and bid.status != BidStatus.SUBMITTED:
        errors["result"] = [_("Only a submitted bid is won or lost.")]
    elif bid.status in BID_RESULTS:
        errors["result"] = [_("The result is already recorded.")]
    if price is not None and price < 0:
        errors["price"] = [_("The price cannot be negative.")]
    competitor = (competitor or "").strip()
    if result == BidStatus.LOST and not competitor:
        errors["competitor"] = [_("Name the competitor who won.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        bid.status, bid.result_price = result, price
        bid.winning_competitor, bid.result_note = competitor[:200], (note or "").strip()[:2000]
        fields = ["status", "result_price", "winning_competitor", "result_note"]
        save_if_current(bid, expected_version=expected_version, fields=fields)
        timeline.note_add(
            actor=actor,
            subject=bid.opportunity,
            text=_("Bid %(tender)s: %(result)s.") % {"tender": bid.tender_number, "result": BidStatus(result).label},
        )
    return bid
