"""The bell and the notifications page: what the user was told, each linking to its record when
the user may open it; the notification preferences on the profile page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core import notifications
from ltc.core.api import paginate
from ltc.core.forms import ListParams, is_htmx
from ltc.core.models import NotificationChannel, NotificationKind, RobotType
from ltc.org.types import AuthedRequest

BELL_ITEMS = 8


@login_required
def notifications_bell(request: AuthedRequest) -> HttpResponse:
    """The bell's count and latest notifications, loaded after the page (htmx)."""
    latest = notifications.shown(request.user, notifications.notifications_for(request.user)[:BELL_ITEMS])
    return render(
        request,
        "web/notifications/bell.html",
        {"unread": notifications.unread_count(request.user), "latest": latest},
    )


@login_required
def notifications_page(request: AuthedRequest) -> HttpResponse:
    params = ListParams(request.GET)
    result = paginate(notifications.notifications_for(request.user), limit=params.limit, offset=params.offset)
    page = params.page({**result, "items": notifications.shown(request.user, result["items"])})
    return render(request, "web/notifications/page.html", {"page": page})


@login_required
def notification_open(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to its record (the list, when the record is not open to
    the user any more)."""
    notification = notifications.notification_read(actor=request.user, pk=pk)
    url = notifications.shown(request.user, [notification])[0].url
    return redirect(url or "web:notifications")


@login_required
@require_POST
def notification_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notifications.notification_read(actor=request.user, pk=pk)
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request: AuthedRequest) -> HttpResponse:
    notifications.notifications_read_all(actor=request.user)
    if not is_htmx(request):
        messages.success(request, _("All notifications marked read."))
    return _back(request)


def _back(request: AuthedRequest) -> HttpResponse:
    if is_htmx(request):
        return notifications_bell(request)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "web:notifications")


@login_required
@require_POST
def notification_preferences(request: AuthedRequest) -> HttpResponse:
    """Save the per-kind channels and the group robot from the profile page."""
    choices = {
        kind: notifications.Channels(
            in_app=f"{kind}:{NotificationChannel.IN_APP}" in request.POST,
            email=f"{kind}:{NotificationChannel.EMAIL}" in request.POST,
            webhook=f"{kind}:{NotificationChannel.WEBHOOK}" in request.POST,
        )
        for kind in notifications.CONFIGURABLE
    }
    try:
        with transaction.atomic():
            notifications.preferences_set(actor=request.user, choices=choices)
            notifications.webhook_set(
                actor=request.user, url=request.POST.get("robot_url", ""), robot=request.POST.get("robot", "")
            )
            if "send_test" in request.POST:
                notifications.webhook_test(actor=request.user)
        if "send_test" in request.POST:
            messages.success(request, _("Test message queued for your group robot."))
        else:
            messages.success(request, _("Notification preferences saved."))
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    return redirect("web:profile")


def preferences_context(user: object) -> dict[str, object]:
    """What the profile page shows of the notification preferences."""
    chosen = notifications.preferences_get(user)
    hook = notifications.webhook_of(user)
    return {
        "notification_rows": [
            (kind, NotificationKind(kind).label, chosen[kind]) for kind in notifications.CONFIGURABLE
        ],
        "robot": hook,
        "robot_types": RobotType.choices,
    }
