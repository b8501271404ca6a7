"""/api/v1/events: the integration events (an outbox) for an ERP or a data team, read in order.

Administrators only; a reader keeps the last id it processed and asks for `after=` it. Each event
carries the schema version of its payload: the payload of a kind and version never changes
(docs/architecture.md lists the catalogue; `ltc events` prints it)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema

from ltc.core.access import has_any_role
from ltc.core.events import catalogue
from ltc.core.models import IntegrationEvent
from ltc.org.choices import RoleCode
from ltc.org.types import AuthedRequest

router = Router(tags=["events"])
MAX_EVENTS = 500

# The kinds of the event catalogue, as the OpenAPI's enum: generated from the registry when the
# API is loaded (every app's events module is imported by then), never a list kept by hand.
EventKind = StrEnum("EventKind", {event.kind.replace(".", "_").upper(): event.kind for event in catalogue()})  # type: ignore[misc]


class EventOut(Schema):
    id: int
    kind: EventKind = Field(description="What happened, e.g. contract.signed: one of the event catalogue's kinds.")
    schema_version: int = Field(
        description="The version of the payload's schema for this kind; a changed payload gets a new version."
    )
    subject_type: str = Field(description="The record the event is about, as app_label.model.")
    subject_id: int
    payload: dict[str, Any] = Field(
        description="The kind's fields at its schema version (money and dates as strings), as the catalogue lists."
    )
    created_at: datetime


@router.get("/events", response=list[EventOut])
def event_list(
    request: AuthedRequest, after: int = 0, limit: int = 100, kind: EventKind | None = None
) -> list[IntegrationEvent]:
    """The events after id `after` (oldest first, at most 500), optionally of one `kind` of the
    event catalogue (lead.created, opportunity.won, quote.accepted, contract.signed, order.created,
    milestone.accepted, invoice.issued, payment.received ...; docs/architecture.md lists them all
    with their payloads)."""
    if not has_any_role(request.user, (RoleCode.ADMIN,)):
        raise PermissionDenied
    qs = IntegrationEvent.objects.filter(id__gt=max(after, 0))
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id")[: max(1, min(limit, MAX_EVENTS))])
