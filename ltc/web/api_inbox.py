"""GET /api/v1/inbox: everything waiting for the caller's decision, from every stage's registered
source, oldest first per kind. Each item names its record and the owning stage's decide endpoint
(decisions are taken there, by the stage's own rules)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema

from ltc.core import inbox
from ltc.core.schemas import Money
from ltc.org.types import AuthedRequest

router = Router(tags=["inbox"])


class InboxItemOut(Schema):
    kind: str = Field(description="The source that lists it, e.g. decision_review, quote_discount.")
    id: int = Field(description="The id of the waiting item within its kind.")
    record: str
    title: str
    amount: Money | None
    currency: str
    requested_by: str
    since: datetime
    due: datetime | None
    escalated: bool
    escalated_past: list[str]
    on_behalf_of: str = Field(
        description="The principal whose item this is, when the caller decides as their delegate."
    )
    url: str = Field(description="The record's page.")
    decide_endpoint: str = Field(description="The owning stage's API endpoint that decides it.")
    decided_in_inbox: bool


class InboxGroupOut(Schema):
    kind: str
    title: str
    count: int
    items: list[InboxItemOut]


class InboxOut(Schema):
    total: int
    groups: list[InboxGroupOut]


@router.get("/inbox", response=InboxOut)
def inbox_get(request: AuthedRequest) -> InboxOut:
    groups = [
        InboxGroupOut(
            kind=source.key,
            title=str(source.title()),
            count=len(items),
            items=[
                InboxItemOut(
                    kind=item.kind,
                    id=item.item_id,
                    record=item.record,
                    title=item.title,
                    amount=item.amount,
                    currency=item.currency,
                    requested_by=item.requested_by,
                    since=item.since,
                    due=item.due,
                    escalated=item.escalated,
                    escalated_past=list(item.escalated_past),
                    on_behalf_of=item.for_user,
                    url=item.url,
                    decide_endpoint=item.decide_api,
                    decided_in_inbox=item.decidable,
                )
                for item in items
            ],
        )
        for source, items in inbox.waiting(request.user)
    ]
    return InboxOut(total=sum(g.count for g in groups), groups=groups)
