"""Submitting a version and its discount approval (授权), level by level up the author's team tree.

The authority matrix's quote-discount lines bound the amount, the discount and the margin
together. A version within its author's authority is approved on submit; otherwise the nearest
manager is asked. An approver whose authority covers it approves; one whose authority does not
agrees and passes it to the next manager up (and, past the top of the tree, to the holder of a
covering authority). A rejection returns it to the author with the approver's comment. The
version is locked from submit to the decision; every step is kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import activities, timeline
from ltc.core.concurrency import save_if_current
from ltc.core.models import NotificationKind
from ltc.core.money import money_text
from ltc.core.notifications import notify
from ltc.org import authority
from ltc.org.delegation import record_on_behalf
from ltc.org.models import Delegation, User
from ltc.quotes.choices import ApprovalStatus, QuoteStatus
from ltc.quotes.models import Quote, QuoteApproval, QuoteVersion
from ltc.quotes.services.editing import (
    _build_lines,
    _inputs_of,
    current_of,
    mirror_current,
    require_draft,
    require_write,
    set_quote_status,
)

APPROVE_WITHIN = timedelta(days=2)
COMMENT_MAX = 2000
SUBJECT = "quote_discount"


def _covers(user: User, version: QuoteVersion) -> bool:
    return authority.covers_quote(
        user,
        amount=version.grand_total,
        discount_pct=version.discount_pct,
        margin_pct=version.margin_pct,
        currency=version.currency,
    )


def _figures(version: QuoteVersion) -> str:
    margin = f"{version.margin_pct}%" if version.margin_pct is not None else "—"
    return _("discount %(discount)s%%, margin %(margin)s, total %(total)s %(currency)s") % {
        "discount": version.discount_pct,
        "margin": margin,
        "total": money_text(version.grand_total),
        "currency": version.currency,
    }


def _ready_to_submit(version: QuoteVersion, quote: Quote) -> None:
    """Lines that still price and configure, terms, a validity from today on."""
    errors: dict[str, list[str]] = {}
    if not version.lines.exists():
        errors["lines"] = [_("Add at least one line.")]
    else:
        _build_lines(
            _inputs_of(version), book=version.price_book, account=quote.account, on=version.quote_date, errors=errors
        )
    if not version.terms.exists():
        errors["terms"] = [_("Give at least one payment milestone.")]
    if version.valid_until < timezone.localdate():
        errors["valid_until"] = [_("The validity date has passed: set a new one.")]
    if errors:
        raise ValidationError(errors)


def _ask(actor: User, version: QuoteVersion, approver: User | None, level: int) -> QuoteApproval:
    if approver is None:  # callers check first; kept for the type checker
        raise ValidationError({"version": [_("This quote is not waiting for approval.")]})
    step = QuoteApproval.objects.create(version=version, level=level, approver=approver)
    # An approver away today (授权委托): the task goes to the delegate instead.
    stand_in = authority.stand_in(approver, SUBJECT)
    title = _("Approve the discount of quote %(number)s") % {"number": version.quote.number}
    if stand_in is not None:
        title = _("%(task)s for %(user)s") % {"task": title, "user": approver}
    step.task = activities.activity_create(
        actor=actor,
        subject=version.quote,
        kind="task",
        title=title[:200],
        owner=stand_in or approver,
        due_at=timezone.now() + APPROVE_WITHIN,
    )
    step.save(update_fields=["task"])
    notify(
        [stand_in or approver],
        NotificationKind.DECISION_ROUTED,
        subject=version.quote,
        actor=actor,
        params={"decision": "discount"},
    )
    return step


def _outside_approver(version: QuoteVersion, author: User) -> User | None:
    return authority.quote_final_approver(
        amount=version.grand_total,
        discount_pct=version.discount_pct,
        margin_pct=version.margin_pct,
        currency=version.currency,
        exclude=author,
    )


def _next_approver(version: QuoteVersion, author: User, after: User, *, starting: bool) -> User | None:
    """Who is asked next: the manager up the author's team tree above `after` — when starting,
    from the nearest manager if the submitter is not in the tree (the author, an SR) — else the
    holder of a covering line outside the tree; None when nobody is left who may approve."""
    chain = authority.approvers_above(author)
    start = chain.index(after) + 1 if after in chain else (0 if starting else len(chain))
    rest = chain[start:]
    if rest:
        return rest[0]
    holder = _outside_approver(version, author)
    return holder if holder is not None and holder != after else None


def _someone_covers(version: QuoteVersion, author: User) -> bool:
    """Whether the route can end: a manager up the tree, or someone outside it, covers the quote."""
    if any(_covers(manager, version) for manager in authority.approvers_above(author)):
        return True
    return _outside_approver(version, author) is not None


def quote_submit(*, actor: User, quote: Quote, expected_version: int) -> QuoteVersion:
    """Submit the draft: approved at once within the actor's authority, else locked and sent to
    the first approver. Refused without lines or terms, with a broken configuration, past its
    validity, or when nobody holds a covering authority."""
    require_write(actor, quote.opportunity)
    version = current_of(quote)
    require_draft(version)
    _ready_to_submit(version, quote)
    now = timezone.now()
    within = _covers(actor, version)
    approver = None
    if not within:
        approver = _next_approver(version, quote.owner, actor, starting=True)
        if approver is None or not _someone_covers(version, quote.owner):
            raise ValidationError(
                {"version": [_("Nobody holds the authority to approve this quote: set up the authority matrix.")]}
            )
    with transaction.atomic():
        version.submitted_at = now
        if within:
            version.status, version.approved_at, version.approval_reason = QuoteStatus.APPROVED, now, ""
        else:
            version.status = QuoteStatus.IN_APPROVAL
            version.approval_reason = (
                _("Above %(user)s's authority: %(figures)s.") % {"user": actor, "figures": _figures(version)}
            )[:500]
        version.save(update_fields=["status", "submitted_at", "approved_at", "approval_reason"])
        save_if_current(quote, expected_version=expected_version, fields=mirror_current(quote, version))
        if within:
            text = _("Version %(n)d approved within %(user)s's authority (%(figures)s).")
        else:
            _ask(actor, version, approver, 1)
            text = _("Version %(n)d submitted for approval to %(approver)s (%(figures)s).")
        timeline.note_add(
            actor=actor,
            subject=quote,
            text=text % {"n": version.number, "user": actor, "approver": approver, "figures": _figures(version)},
        )
    return version


def _pending(version: QuoteVersion, actor: User) -> tuple[QuoteApproval, Delegation | None]:
    """The pending step and, when `actor` decides it as the approver's delegate (授权委托), the
    delegation; refused to anyone else."""
    if version.status != QuoteStatus.IN_APPROVAL:
        raise ValidationError({"version": [_("This quote is not waiting for approval.")]})
    step = version.approvals.select_related("approver", "task").filter(status=ApprovalStatus.PENDING).first()
    if step is None:
        raise ValidationError({"version": [_("This quote is not waiting for approval.")]})
    if step.approver_id == actor.pk:
        return step, None
    delegation = authority.delegation_between(step.approver, actor, SUBJECT)
    if delegation is None:
        raise PermissionDenied(_("The quote waits for %(user)s's approval.") % {"user": step.approver})
    if actor.pk in quote_parties(version):
        raise PermissionDenied(
            _("You cannot approve, in someone else's name, a quote you wrote or whose deal you work.")
        )
    return step, delegation


def quote_parties(version: QuoteVersion) -> frozenset[int]:
    """Who a quote is about: its author, the version's, and its deal's iron triangle — none of
    them approves it as someone's delegate."""
    quote = version.quote
    return authority.triangle_ids(quote.opportunity) | {quote.owner_id, version.created_by_id}


def may_approve(user: User, step: QuoteApproval | None) -> bool:
    """Whether `user` decides the pending step: its approver, or their delegate today who is not
    one of the quote's parties."""
    if step is None or not user.is_authenticated:
        return False
    if step.approver_id == user.pk:
        return True
    delegated = authority.delegation_between(step.approver_id, user, SUBJECT) is not None
    return delegated and user.pk not in quote_parties(step.version)


def _close_step(
    step: QuoteApproval, status: str, comment: str, now: datetime, *, actor: User, delegation: Delegation | None
) -> None:
    updated = QuoteApproval.objects.filter(pk=step.pk, status=ApprovalStatus.PENDING).update(
        status=status,
        comment=comment,
        decided_at=now,
        decided_by=actor,
        decided_for=step.approver if delegation is not None else None,
    )
    if not updated:  # decided concurrently
        raise ValidationError({"version": [_("This approval step was already decided.")]})
    task = step.task
    if task is not None and task.done_at is None:
        task.done_at, task.outcome = now, str(ApprovalStatus(status).label)
        task.save(update_fields=["done_at", "outcome"])


def _clean_comment(comment: str, *, required: bool) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ValidationError({"comment": [_("Say why, for the author.")]})
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": [_("At most %(n)d characters.") % {"n": COMMENT_MAX}]})
    return comment


def quote_approve(*, actor: User, quote: Quote, comment: str = "") -> QuoteVersion:
    """The pending approver agrees. Within the approver's authority the version is approved;
    above it, it goes to the next level (refused, changing nothing, when there is none). The
    approver's delegate (授权委托) agrees within the approver's authority, recorded as such."""
    version = current_of(quote)
    step, delegation = _pending(version, actor)
    approver = step.approver
    comment = _clean_comment(comment, required=False)
    now = timezone.now()
    within = _covers(approver, version)
    following = None if within else _next_approver(version, quote.owner, approver, starting=False)
    if not within and following is None:
        raise ValidationError(
            {"version": [_("This quote is above your authority and nobody above you may approve it.")]}
        )
    with transaction.atomic():
        _close_step(
            step,
            ApprovalStatus.APPROVED if within else ApprovalStatus.ESCALATED,
            comment,
            now,
            actor=actor,
            delegation=delegation,
        )
        if within:
            version.status, version.approved_at = QuoteStatus.APPROVED, now
            version.save(update_fields=["status", "approved_at"])
            set_quote_status(quote, version.status)
            text = _("Version %(n)d approved by %(user)s.")
        else:
            _ask(actor, version, following, step.level + 1)
            text = _("Version %(n)d: %(user)s agrees; above that authority, escalated to %(next)s.")
        note = text % {"n": version.number, "user": actor, "next": following}
        note = f"{note} {comment}".strip()
        if delegation is not None:
            record_on_behalf(actor=actor, subject=quote, via="versions.approvals", delegation=delegation, text=note)
        else:
            timeline.note_add(actor=actor, subject=quote, text=note)
    return version


def quote_reject(*, actor: User, quote: Quote, comment: str) -> QuoteVersion:
    """The pending approver refuses, saying why; the version is rejected (revise to go on)."""
    version = current_of(quote)
    step, delegation = _pending(version, actor)
    comment = _clean_comment(comment, required=True)
    with transaction.atomic():
        _close_step(step, ApprovalStatus.REJECTED, comment, timezone.now(), actor=actor, delegation=delegation)
        version.status = QuoteStatus.REJECTED
        version.save(update_fields=["status"])
        set_quote_status(quote, version.status)
        text = _("Version %(n)d rejected by %(user)s: %(comment)s") % {
            "n": version.number,
            "user": actor,
            "comment": comment,
        }
        if delegation is not None:
            record_on_behalf(actor=actor, subject=quote, via="versions.approvals", delegation=delegation, text=text)
        else:
            timeline.note_add(actor=actor, subject=quote, text=text)
    return version
