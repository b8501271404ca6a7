"""/api/v1/events: the integration events (an outbox) for an ERP or a data team, read in order.

Administrators only; a reader keeps the last id it processed and asks for `after=` it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from ltc.core.access import has_any_role
from ltc.core.models import IntegrationEvent
from ltc.org.choices import RoleCode
from ltc.org.types import AuthedRequest

router = Router(tags=["events"])
MAX_EVENTS = 500


class EventOut(Schema):
    id: int
    kind: str
    subject_type: str
    subject_id: int
    payload: dict[str, Any]
    created_at: datetime


@router.get("/events", response=list[EventOut])
def event_list(request: AuthedRequest, after: int = 0, limit: int = 100, kind: str = "") -> list[IntegrationEvent]:
    """The events after id `after` (oldest first, at most 500), optionally of one `kind`
    (order.created, delivery.recorded, milestone.accepted, contract.signed, contract.amended ...)."""
    if not has_any_role(request.user, (RoleCode.ADMIN,)):
        raise PermissionDenied
    qs = IntegrationEvent.objects.filter(id__gt=max(after, 0))
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id")[: max(1, min(limit, MAX_EVENTS))])
