"""What every app's admin shares: business records are shown, never changed, in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ltc.core.models import JobLease, OutgoingMail, ReactionDelivery


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A business record in the back office: listed and viewed, never added, changed or deleted.

    Such records change only through their services, which check the version, apply the process
    gates and write the timeline; an admin form would bypass all three. A POST to the change
    form is refused (403) by Django's admin when change permission is denied."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyTabularInline(admin.TabularInline):  # type: ignore[type-arg]
    """The child rows of a business record, shown on its read-only admin page."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdmin):
    """The outbox: what was sent, what waits, what the mail server refused and why."""

    list_display = ["created_at", "subject", "to", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "to"]


@admin.register(ReactionDelivery)
class ReactionDeliveryAdmin(ReadOnlyAdmin):
    """After-commit reactions to events: what ran, what waits, what failed and why."""

    list_display = ["created_at", "event", "reaction", "done_at", "attempts", "last_error"]
    list_filter = [("done_at", admin.EmptyFieldListFilter)]
    list_select_related = ["event"]
    search_fields = ["reaction", "event__kind"]


@admin.register(JobLease)
class JobLeaseAdmin(ReadOnlyAdmin):
    """Background jobs running now, and who runs them."""

    list_display = ["key", "holder", "started_at", "heartbeat_at"]
