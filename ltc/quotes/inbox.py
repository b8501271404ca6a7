"""The quote stage's inbox source: discount approvals (折扣审批) waiting for the user — the pending
step of a version, decided in the inbox through services.approval.quote_approve / quote_reject."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import inbox
from ltc.org import authority
from ltc.org.models import Delegation
from ltc.quotes.choices import ApprovalStatus
from ltc.quotes.models import QuoteApproval
from ltc.quotes.services.approval import SUBJECT, may_approve, quote_approve, quote_reject

APPROVE, REJECT = "approve", "reject"


def _principals(user: Any) -> set[int]:
    return {d.principal_id for d in Delegation.objects.active().filter(delegate=user) if d.covers_subject(SUBJECT)}


def _stood_in_for(user: Any) -> Q:
    """Steps routed to a principal of `user`, on quotes `user` is not a party to (see
    approval.quote_parties): those they approve only by their own authority."""
    parties = (
        authority.triangle_q(user, "version__quote__opportunity__")
        | Q(version__quote__owner_id=user.pk)
        | Q(version__created_by_id=user.pk)
    )
    return Q(approver__in=_principals(user)) & ~parties


def _waiting(user: Any) -> list[inbox.InboxItem]:
    steps = (
        QuoteApproval.objects.filter(Q(approver=user) | _stood_in_for(user), status="pending")
        .select_related("version__quote__opportunity", "version__created_by", "approver", "task")
        .prefetch_related(
            Prefetch(
                "version__approvals",
                queryset=QuoteApproval.objects.filter(status=ApprovalStatus.ESCALATED).select_related("approver"),
                to_attr="escalated_steps",
            )
        )
        .order_by("requested_at", "pk")
    )
    items = []
    for step in steps:
        version = step.version
        quote = version.quote
        items.append(
            inbox.InboxItem(
                kind="quote_discount",
                item_id=step.pk,
                record=f"{quote.number} · {quote.opportunity}",
                title=_("Discount %(discount)s%%, margin %(margin)s")
                % {
                    "discount": version.discount_pct,
                    "margin": f"{version.margin_pct}%" if version.margin_pct is not None else "—",
                },
                amount=version.grand_total,
                currency=version.currency,
                requested_by=str(version.created_by),
                since=step.requested_at,
                due=step.task.due_at if step.task is not None else None,
                escalated_past=tuple(str(s.approver) for s in getattr(version, "escalated_steps", [])),
                for_user="" if step.approver_id == user.pk else str(step.approver),
                url=reverse("quotes:quote_detail", args=[quote.pk]),
                decide_api=f"/api/v1/quotes/{quote.pk}/approve",
            )
        )
    return items


def _decide(*, actor: Any, item_id: int, decision: str, note: str, extra: dict[str, str]) -> str:
    step = QuoteApproval.objects.select_related("version__quote__opportunity", "decided_by").filter(pk=item_id).first()
    if step is None or not may_approve(actor, step):
        raise Http404
    if step.status != ApprovalStatus.PENDING:
        raise inbox.AlreadyDecided(_("Already decided by %(user)s.") % {"user": step.decided_by})
    quote = step.version.quote
    if decision == APPROVE:
        version = quote_approve(actor=actor, quote=quote, comment=note)
    else:
        version = quote_reject(actor=actor, quote=quote, comment=note)
    return _("Quote %(number)s: %(status)s.") % {"number": quote.number, "status": version.get_status_display()}


inbox.register(
    inbox.InboxSource(
        key="quote_discount",
        title=lambda: gettext_lazy("Discount approvals"),
        waiting=_waiting,
        decisions=((APPROVE, gettext_lazy("Approve")), (REJECT, gettext_lazy("Reject"))),
        decide=_decide,
        note_required_for=(REJECT,),
        order=30,
    )
)
