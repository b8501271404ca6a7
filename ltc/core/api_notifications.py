"""/api/v1/notifications and /api/v1/notification-preferences: the caller's own notifications
(newest first, read in the caller's language, linking only to records the caller may open) and
their channels per kind with their group robot. Thin over ltc.core.notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ltc.core import notifications
from ltc.core.api import Page, paginate
from ltc.core.models import NotificationKind, RobotType
from ltc.core.schemas import OneOf

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: Annotated[str, OneOf(NotificationKind)]
    text: str = Field(description="The notification in the caller's language.")
    record: str = Field(description="The record's name when notified.")
    url: str | None = Field(description="The record's page; null when the caller may not open it.")
    actor: str = Field(description="Who caused it; empty when the system did.")
    created_at: datetime
    read_at: datetime | None


class NotificationQuery(Schema):
    unread: bool = Field(False, description="Only the unread ones.")
    limit: int = 50
    offset: int = 0


class ReadAllOut(Schema):
    marked: int = Field(description="How many notifications were marked read.")


class ChannelsSchema(Schema):
    in_app: bool
    email: bool
    webhook: bool = Field(description="Posted to the caller's group robot.")


class PreferenceOut(ChannelsSchema):
    kind: Annotated[str, OneOf(NotificationKind)]


class RobotSchema(Schema):
    url: str = Field("", max_length=500, description="The robot's webhook address; empty: none.")
    type: Annotated[str, OneOf(RobotType)] = RobotType.WECOM


class PreferencesOut(Schema):
    preferences: list[PreferenceOut]
    robot: RobotSchema


class PreferenceIn(ChannelsSchema):
    kind: Annotated[str, OneOf(NotificationKind)]


class PreferencesIn(Schema):
    preferences: list[PreferenceIn] = Field(description="The kinds to set; kinds not named keep their channels.")
    robot: RobotSchema | None = None


def _out(shown: notifications.Shown) -> NotificationOut:
    n = shown.notification
    return NotificationOut(
        id=n.pk,
        kind=n.kind,
        text=shown.text,
        record=n.subject_label,
        url=shown.url,
        actor=str(n.actor) if n.actor_id and n.actor else "",
        created_at=n.created_at,
        read_at=n.read_at,
    )


@router.get("/notifications", response=Page[NotificationOut])
def notification_list(request: HttpRequest, query: Query[NotificationQuery]) -> dict[str, Any]:
    rows = notifications.notifications_for(request.user)
    if query.unread:
        rows = rows.filter(read_at__isnull=True)
    page = paginate(rows, limit=query.limit, offset=query.offset)
    page["items"] = [_out(s) for s in notifications.shown(request.user, page["items"])]
    return page


@router.post("/notifications/read-all", response=ReadAllOut)
def notification_read_all(request: HttpRequest) -> ReadAllOut:
    return ReadAllOut(marked=notifications.notifications_read_all(actor=request.user))


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_read(request: HttpRequest, notification_id: int) -> NotificationOut:
    notification = notifications.notification_read(actor=request.user, pk=notification_id)
    return _out(notifications.shown(request.user, [notification])[0])


def _preferences(user: Any) -> PreferencesOut:
    hook = notifications.webhook_of(user)
    return PreferencesOut(
        preferences=[
            PreferenceOut(kind=kind, in_app=c.in_app, email=c.email, webhook=c.webhook)
            for kind, c in notifications.preferences_get(user).items()
        ],
        robot=RobotSchema(url=hook.url if hook else "", type=hook.robot if hook else RobotType.WECOM),
    )


@router.get("/notification-preferences", response=PreferencesOut)
def notification_preferences_get(request: HttpRequest) -> PreferencesOut:
    return _preferences(request.user)


@router.put("/notification-preferences", response=PreferencesOut)
def notification_preferences_put(request: HttpRequest, payload: PreferencesIn) -> PreferencesOut:
    """Set channels per kind and the group robot; an unknown kind or a bad robot address is a
    field error and changes nothing."""
    from django.db import transaction

    with transaction.atomic():
        notifications.preferences_set(
            actor=request.user,
            choices={
                p.kind: notifications.Channels(in_app=p.in_app, email=p.email, webhook=p.webhook)
                for p in payload.preferences
            },
        )
        if payload.robot is not None:
            notifications.webhook_set(actor=request.user, url=payload.robot.url, robot=payload.robot.type)
    return _preferences(request.user)
