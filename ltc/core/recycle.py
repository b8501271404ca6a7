"""The recycle bin (#18): records without financial meaning (leads, contacts, accounts,
activities) are deleted into it and may be restored, with the same primary keys, for
`RETENTION` after the deletion; the daily housekeeping then purges what is left.

Each app registers its kinds from its AppConfig.ready (core never names a later app): the
model, the rows a record owns (deleted and restored with it), and who may delete and restore it
— the record's change rights. Money documents (quotes sent, contracts, invoices, payments) are
never registered: they are cancelled, never deleted.

The timeline of a deleted record stays (it is append-only): a "deleted" entry on deletion, a
"restored" entry on restore, and the record's page shows its whole history again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.admin.utils import NestedObjects
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.base import DeserializedObject
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core import timeline
from ltc.core.access import fetch_or_404, has_any_role
from ltc.core.models import Activity, RecycledRecord

RETENTION = timedelta(days=30)
BIN_LIMIT = 200


class BinKind(models.TextChoices):
    """The kinds of record the bin takes (each registered by its app)."""

    ACCOUNT = "account", gettext_lazy("Account")
    CONTACT = "contact", gettext_lazy("Contact")
    LEAD = "lead", gettext_lazy("Lead")
    ACTIVITY = "activity", gettext_lazy("Activity")


@dataclass(frozen=True)
class RecycleKind:
    """How one model goes into the bin. `owned(record)` lists the rows deleted and restored with
    it (besides what Django cascades); `may_change(user, record)` decides both deleting and
    restoring (on restore the record is rebuilt from the snapshot, not saved)."""

    key: str
    model: type[models.Model]
    may_change: Callable[[Any, Any], bool]
    owned: Callable[[Any], Iterable[models.Model]] | None = None
    refuse: Callable[[Any], None] | None = None  # raises ValidationError for a record that must stay
    prefetch: tuple[str, ...] = ()  # what `may_change` reads, fetched at once for a list of records


REGISTRY: dict[str, RecycleKind] = {}


def register(kind: RecycleKind) -> RecycleKind:
    if kind.key not in BinKind.values:
        raise ValueError(f"{kind.key} is not a recycle bin kind")
    REGISTRY[kind.key] = kind
    return kind


def kind_for(record: models.Model) -> RecycleKind | None:
    model = type(record)._meta.concrete_model
    return next((k for k in REGISTRY.values() if k.model is model), None)


def activities_owned(record: models.Model) -> QuerySet[Activity]:
    """The activities of a record: every kind with a timeline owns them."""
    return Activity.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


def may_recycle(user: Any, record: models.Model) -> bool:
    """Whether `user` may delete `record` into the bin (it is registered and theirs to change)."""
    kind = kind_for(record)
    return kind is not None and bool(user.is_authenticated and user.is_active) and kind.may_change(user, record)


def may_delete(user: Any, record: models.Model) -> bool:
    """Whether a delete of `record` by `user` would be taken (rights, and not a record its kind
    keeps); what still refers to it is found only when deleting."""
    if not may_recycle(user, record):
        return False
    kind = kind_for(record)
    if kind is not None and kind.refuse is not None:
        try:
            kind.refuse(record)
        except ValidationError:
            return False
    return True


def _is_admin(user: Any) -> bool:
    return has_any_role(user, ("admin",))


# --- delete ------------------------------------------------------------------------------------


def _refused_by_references(protected: Iterable[models.Model]) -> ValidationError:
    kinds = sorted({str(obj._meta.verbose_name_plural) for obj in protected})
    return ValidationError(
        {
            "__all__": [
                ValidationError(
                    _("This record is still referred to by %(kinds)s; it cannot be deleted.")
                    % {"kinds": ", ".join(kinds)},
                    code="protected",
                )
            ]
        }
    )


def record_recycle(*, actor: Any, record: models.Model, protected_message: str = "") -> RecycledRecord:
    """Delete `record` and the rows it owns into the bin, in one transaction: their serialised
    rows are kept for `RETENTION` and the timeline gets a "deleted" entry.

    Refuses (PermissionDenied) a kind that is not registered (money documents) and an actor who
    may not change the record; refuses (field error, nothing changed) a record something still
    refers to, or one its kind keeps (`refuse`). `protected_message` (with %(kinds)s) says what
    to do instead of deleting."""
    kind = kind_for(record)
    if kind is None:
        raise PermissionDenied(_("This record cannot be deleted; cancel it instead."))
    if not may_recycle(actor, record):
        raise PermissionDenied(_("You may not delete this record."))
    if kind.refuse is not None:
        kind.refuse(record)
    with transaction.atomic():
        owned = list(kind.owned(record)) if kind.owned is not None else []
        owned += [a for a in activities_owned(record) if a not in owned]
        collector = NestedObjects(using=DEFAULT_DB_ALIAS)
        groups: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        for obj in [record, *owned]:
            groups[type(obj)].append(obj)
        for group in groups.values():
            collector.collect(group)
        if collector.protected:
            if protected_message:
                kinds = sorted({str(obj._meta.verbose_name_plural) for obj in collector.protected})
                raise ValidationError(
                    {"__all__": [ValidationError(protected_message % {"kinds": ", ".join(kinds)}, code="protected")]}
                )
            raise _refused_by_references(collector.protected)
        rows = [record, *[obj for objs in collector.data.values() for obj in objs if obj != record]]
        snapshot = json.loads(serializers.serialize("json", rows))
        item = RecycledRecord.objects.create(
            kind=kind.key,
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            label=str(record)[:300],
            snapshot=snapshot,
            deleted_by=actor,
        )
        timeline.record_deleted(actor=actor, subject=record)
        for obj in owned:
            obj.delete()
        record.delete()
    return item


# --- reading the bin ---------------------------------------------------------------------------


def bin_scope(user: Any) -> QuerySet[RecycledRecord]:
    """The deleted records `user` sees: those they deleted; an administrator sees all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return RecycledRecord.objects.none()
    items = RecycledRecord.objects.in_bin()
    return items if _is_admin(user) else items.filter(deleted_by_id=user.pk)


def bin_queryset(*, user: Any, now: datetime | None = None) -> QuerySet[RecycledRecord]:
    """The restorable deleted records `user` sees, newest first."""
    now = now or timezone.now()
    return bin_scope(user).filter(deleted_at__gte=now - RETENTION).select_related("deleted_by__team")


def bin_list(*, user: Any, now: datetime | None = None) -> list[RecycledRecord]:
    """The restorable deleted records `user` sees, newest first (at most BIN_LIMIT), each with
    `days_left`, `kind_label` and `may_restore` set."""
    now = now or timezone.now()
    items = list(bin_queryset(user=user, now=now)[:BIN_LIMIT])
    mark_restorable(user, items)
    for item in items:
        item.days_left = days_left(item, now=now)  # type: ignore[attr-defined]
        item.kind_label = BinKind(item.kind).label if item.kind in BinKind.values else item.kind  # type: ignore[attr-defined]
    return items


def mark_restorable(user: Any, items: list[RecycledRecord]) -> None:
    """Set `may_restore` on each item, reading what the rights depend on in a query per kind."""
    records: dict[int, models.Model] = {}
    for item in items:
        try:
            main = _main_object(item) if item.kind in REGISTRY and item.snapshot else None
        except serializers.base.DeserializationError:
            main = None
        if main is not None:
            records[item.pk] = main.object
    for key, kind in REGISTRY.items():
        group = [records[i.pk] for i in items if i.kind == key and i.pk in records]
        if group and kind.prefetch:
            prefetch_related_objects(group, *kind.prefetch)
    for item in items:
        record = records.get(item.pk)
        try:
            allowed = record is not None and bool(REGISTRY[item.kind].may_change(user, record))
        except models.ObjectDoesNotExist:
            allowed = False
        item.may_restore = allowed  # type: ignore[attr-defined]


def bin_get(*, user: Any, pk: Any) -> RecycledRecord:
    """One deleted record of the user's bin, or 404 (another user's answers the same as none)."""
    return fetch_or_404(bin_scope(user).select_related("deleted_by"), pk=pk)


def days_left(item: RecycledRecord, *, now: datetime | None = None) -> int:
    """Whole days left to restore (0 on the last day, and after)."""
    left = item.deleted_at + RETENTION - (now or timezone.now())
    return max(left.days, 0)


def _main_object(item: RecycledRecord) -> DeserializedObject | None:
    objects = list(serializers.deserialize("json", json.dumps(item.snapshot)))
    return objects[0] if objects else None


def may_restore(user: Any, item: RecycledRecord) -> bool:
    """Whether `user` may restore `item` (the record's change rights, read from its snapshot)."""
    kind = REGISTRY.get(item.kind)
    if kind is None or not item.snapshot:
        return False
    try:
        main = _main_object(item)
        return main is not None and bool(kind.may_change(user, main.object))
    except (serializers.base.DeserializationError, models.ObjectDoesNotExist):
        return False


# --- restore -----------------------------------------------------------------------------------


def _check_references(objects: list[DeserializedObject]) -> None:
    """Refuse when a row points at a record that is gone (outside the rows restored with it)."""
    restoring = {(type(d.object)._meta.concrete_model, d.object.pk) for d in objects}
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    pointers: list[tuple[models.Model, models.ForeignKey[Any, Any], type[models.Model], Any]] = []
    for d in objects:
        for field in d.object._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target_id = getattr(d.object, field.attname)
            target = field.related_model._meta.concrete_model  # type: ignore[union-attr]
            if target_id is None or (target, target_id) in restoring:
                continue
            wanted[target].add(target_id)  # type: ignore[index]
            pointers.append((d.object, field, target, target_id))  # type: ignore[arg-type]
    present = {
        model: set(model._base_manager.filter(pk__in=ids).values_list("pk", flat=True)) for model, ids in wanted.items()
    }
    for _obj, field, target, target_id in pointers:
        if target_id not in present[target]:
            raise ValidationError(
                {
                    "__all__": [
                        ValidationError(
                            _("It cannot be restored: the %(field)s it belonged to (#%(id)s) no longer exists.")
                            % {"field": field.verbose_name, "id": target_id},
                            code="reference_gone",
                        )
                    ]
                }
            )


def _check_unique(objects: list[DeserializedObject]) -> None:
    """Refuse when a row's primary key or a unique value was taken meanwhile."""
    for d in objects:
        try:
            d.object.validate_unique()
            d.object.validate_constraints()
        except ValidationError as exc:
            messages = " ".join(str(m) for m in exc.messages)
            raise ValidationError(
                {
                    "__all__": [
                        ValidationError(
                            _("It cannot be restored: %(reason)s") % {"reason": messages}, code="unique_taken"
                        )
                    ]
                }
            ) from exc


def record_restore(*, actor: Any, item: RecycledRecord, now: datetime | None = None) -> models.Model:
    """Recreate a deleted record and the rows it owned with their primary keys; its timeline
    gets a "restored" entry. Refuses (field error, nothing changed) one restored or purged
    already, one past `RETENTION`, one that pointed at a record now gone, and one whose unique
    value (or primary key) is taken; PermissionDenied for who may not change the record."""
    now = now or timezone.now()
    kind = REGISTRY.get(item.kind)
    with transaction.atomic():
        locked = RecycledRecord.objects.select_for_update().get(pk=item.pk)
        if locked.restored_at is not None or locked.purged_at is not None or not locked.snapshot:
            raise ValidationError({"__all__": [_("This record was restored or purged already.")]})
        if locked.deleted_at + RETENTION < now:
            raise ValidationError(
                {"__all__": [_("Deleted records can be restored for %(days)d days only.") % {"days": RETENTION.days}]}
            )
        if kind is None:
            raise PermissionDenied(_("This record cannot be restored."))
        objects = list(serializers.deserialize("json", json.dumps(locked.snapshot)))
        # The bin shows an item to its deleter (and administrators) only: saying first that what
        # it belonged to is gone tells them nothing new, and the rights check needs it present.
        _check_references(objects)
        if not objects or not kind.may_change(actor, objects[0].object):
            raise PermissionDenied(_("You may not restore this record."))
        _check_unique(objects)
        for d in objects:
            d.save()
        record = objects[0].object
        locked.restored_at, locked.restored_by = now, actor
        locked.save(update_fields=["restored_at", "restored_by"])
        item.restored_at, item.restored_by = now, actor
        timeline.record_restored(actor=actor, subject=record)
    return record


# --- purge -------------------------------------------------------------------------------------


def bin_purge(*, now: datetime | None = None) -> int:
    """Drop the kept rows of records deleted more than `RETENTION` ago; returns how many. The
    trace (who deleted what, when) stays. Idempotent: a purged record is not purged again."""
    now = now or timezone.now()
    return RecycledRecord.objects.in_bin().filter(deleted_at__lt=now - RETENTION).update(snapshot=[], purged_at=now)


# --- activities (core's own kind) --------------------------------------------------------------


def _activity_may_change(user: Any, activity: Activity) -> bool:
    from ltc.core.activities import activity_may_move

    return activity_may_move(user, activity)


register(RecycleKind(key=BinKind.ACTIVITY, model=Activity, may_change=_activity_may_change, prefetch=("owner",)))
