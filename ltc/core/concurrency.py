"""Optimistic concurrency for VersionedModel records."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.models import VersionedModel


class StaleVersionError(Exception):
    """The record changed since the writer read it; nothing was written."""

    def __init__(self, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(
            _("This record was changed by someone else (now version %(v)s). Reload and try again.")
            % {"v": current_version}
        )


def save_if_current(instance: VersionedModel, *, expected_version: int, fields: list[str]) -> None:
    """Write `fields` only if the stored version still equals `expected_version`.

    A compare-and-swap in one UPDATE, so two concurrent writers cannot both win.
    On success the instance carries the new version.
    """
    model = type(instance)
    now = timezone.now()
    values: dict[str, Any] = {name: getattr(instance, name) for name in fields}
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if not updated:
        current = model._default_manager.filter(pk=instance.pk).values_list("version", flat=True)
        raise StaleVersionError(current.first() or 0)
    instance.version = expected_version + 1
    instance.updated_at = now
