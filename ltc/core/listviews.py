"""Lists the product shows: their declared columns, the columns each user chose, saved views
(named filters, one default per list) and mass actions run record by record through a service.

A list declares its columns once (`ListSpec`); its page loops over the chosen ones and its export
follows them. Apps register their specs here (core never names a later app).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from ltc.core.access import can_change, fetch_or_404
from ltc.core.concurrency import StaleVersionError
from ltc.core.exports import Column
from ltc.core.forms import posted_number
from ltc.core.models import ListPreference, SavedView

MASS_ACTION_LIMIT = 500
VIEWS_PER_LIST = 50
T = TypeVar("T")


@dataclass(frozen=True)
class ListColumn:
    """One column of a list: `value` is what the export writes (numbers stay numbers), `cell` an
    optional template that draws it on the page with the row as `o` (default: the value)."""

    key: str
    label: StrOrPromise
    value: Callable[[Any], Any]
    cell: str = ""
    default: bool = True
    export_with: str = ""  # another column the export needs beside this one (an amount's currency)


@dataclass(frozen=True)
class ListSpec:
    key: str
    url_name: str
    columns: tuple[ListColumn, ...]
    custom_fields: str = ""  # the record type whose custom fields are optional columns (core.customfields)

    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def pick(self, keys: Iterable[str]) -> list[ListColumn]:
        """The declared columns among `keys`, in declaration order; the defaults when none is left."""
        wanted = set(keys)
        chosen = [c for c in self.columns if c.key in wanted]
        return chosen or [c for c in self.columns if c.default]


REGISTRY: dict[str, ListSpec] = {}


def register(spec: ListSpec) -> ListSpec:
    REGISTRY[spec.key] = spec
    return spec


def spec_get(key: str) -> ListSpec:
    if key not in REGISTRY:
        raise Http404
    return with_custom_columns(REGISTRY[key])


def with_custom_columns(spec: ListSpec) -> ListSpec:
    """The list with its record type's active custom fields as optional columns, after the declared ones."""
    if not spec.custom_fields:
        return spec
    from ltc.core.customfields import list_columns

    extra = list_columns(spec.custom_fields)
    return replace(spec, columns=spec.columns + tuple(extra)) if extra else spec


def export_columns(spec: ListSpec, columns: Sequence[ListColumn]) -> list[Column]:
    """The chosen columns as export columns, with the ones they need (an amount's currency)."""
    keys = {c.key for c in columns} | {c.export_with for c in columns if c.export_with}
    declared = (*spec.columns, *(c for c in columns if c not in spec.columns))  # custom fields come last
    return [(c.label, c.value) for c in declared if c.key in keys]


# --- reads -----------------------------------------------------------------------------------


def chosen_columns(*, user: Any, spec: ListSpec) -> list[ListColumn]:
    preference = ListPreference.objects.filter(user=user, list_key=spec.key).first()
    return spec.pick(preference.columns if preference else [])


def saved_views(*, user: Any, list_key: str) -> list[SavedView]:
    return list(SavedView.objects.filter(user=user, list_key=list_key)[:VIEWS_PER_LIST])


def saved_view_get(*, user: Any, pk: Any) -> SavedView:
    """One of the user's own views (another user's is not found)."""
    return fetch_or_404(SavedView.objects.filter(user=user), pk=pk)


@dataclass
class ListState:
    """What a list page needs for its tools: chosen columns, the user's views, the export query."""

    spec: ListSpec
    columns: list[ListColumn]
    views: list[SavedView]
    query: str
    chosen_keys: set[str] = field(default_factory=set)
    bare: bool = False  # opened without parameters

    def default_query(self) -> str | None:
        """The query of the user's default view when the list is opened without parameters."""
        if not self.bare:
            return None
        view = next((v for v in self.views if v.is_default), None)
        return view.query if view is not None and view.query else None


def list_state(request: HttpRequest, spec: ListSpec) -> ListState:
    query = request.GET.copy()
    for name in ("offset", "export"):
        query.pop(name, None)
    spec = with_custom_columns(spec)
    columns = chosen_columns(user=request.user, spec=spec)
    return ListState(
        spec=spec,
        columns=columns,
        views=saved_views(user=request.user, list_key=spec.key),
        query=query.urlencode(),
        chosen_keys={c.key for c in columns},
        bare=not request.GET,
    )


# --- writes (a user's own preferences: no timeline) ------------------------------------------


def list_columns_set(*, actor: Any, spec: ListSpec, keys: Iterable[str]) -> list[ListColumn]:
    """Remember the columns `actor` shows on the list (unknown keys ignored; none left: defaults)."""
    columns = spec.pick(keys)
    ListPreference.objects.update_or_create(
        user=actor, list_key=spec.key, defaults={"columns": [c.key for c in columns]}
    )
    return columns


def saved_view_save(*, actor: Any, spec: ListSpec, name: str, query: str, is_default: bool = False) -> SavedView:
    """Save (or overwrite by name) a view of the actor's own with the columns they show now.
    Making it the default takes the default from the actor's other view of that list."""
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError({"name": [_("Name the view (at most 60 characters).")]})
    if len(query) > 1000:
        raise ValidationError({"query": [_("Too many filters to save.")]})
    columns = [c.key for c in chosen_columns(user=actor, spec=spec)]
    with transaction.atomic():
        if is_default:
            SavedView.objects.filter(user=actor, list_key=spec.key, is_default=True).exclude(name=name).update(
                is_default=False
            )
        elif SavedView.objects.filter(user=actor, list_key=spec.key).count() >= VIEWS_PER_LIST:
            raise ValidationError({"name": [_("You have too many saved views on this list; delete one first.")]})
        view, _created = SavedView.objects.update_or_create(
            user=actor,
            list_key=spec.key,
            name=name,
            defaults={"query": query, "columns": columns, "is_default": is_default},
        )
    return view


def saved_view_open(*, actor: Any, view: SavedView) -> None:
    """Opening a view shows its columns (they become the actor's columns of that list)."""
    if view.user_id != actor.pk:
        raise PermissionDenied
    if view.columns and view.list_key in REGISTRY:
        list_columns_set(actor=actor, spec=with_custom_columns(REGISTRY[view.list_key]), keys=view.columns)


def saved_view_delete(*, actor: Any, view: SavedView) -> None:
    """Only the view's owner deletes it (it is a personal preference, not an audited record)."""
    if view.user_id != actor.pk:
        raise PermissionDenied
    view.delete()


# --- mass actions ----------------------------------------------------------------------------


@dataclass
class MassResult:
    done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (record, reason)


def _reason(exc: Exception) -> str:
    if isinstance(exc, StaleVersionError):
        return _("Someone changed it after you opened the list; reload and try again.")
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not change it.")


def reassign_targets(user: Any, users: Iterable[Any]) -> list[Any]:
    """Whom `user` may hand records to: themself, or someone in a team they manage (an
    administrator: anyone) — the rule the owners' services apply (core.access.can_change)."""
    return [u for u in users if u.pk == user.pk or can_change(user, u.pk, u.team_id)]


def may_reassign(user: Any, record: Any) -> bool:
    """Whether `user` may hand `record` (with an `owner`, loaded) to someone else."""
    owner = record.owner if record.owner_id else None
    return can_change(user, record.owner_id, owner.team_id if owner is not None else None)


def mass_context(user: Any, users: Iterable[Any]) -> dict[str, Any]:
    """The mass "reassign" controls of a list: drawn only when the user may hand a record to
    someone other than themself; the new-owner menu offers only whom they may."""
    targets = reassign_targets(user, users)
    return {
        "users": targets,
        "mass_on": any(u.pk != user.pk for u in targets),
        "mass_limit": MASS_ACTION_LIMIT,
    }


def mass_apply(records: Sequence[T], action: Callable[[T], Any]) -> MassResult:
    """Run `action` (one service call) on each record in its own transaction: a refused record is
    reported with its reason and left unchanged; the others are done."""
    result = MassResult()
    for record in records:
        try:
            with transaction.atomic():
                action(record)
        except (ValidationError, PermissionDenied, StaleVersionError, IntegrityError) as exc:
            result.failed.append((str(record), _reason(exc)))
        else:
            result.done += 1
    return result


def selected_ids(data: Any) -> list[int] | None:
    """The ticked row ids of a mass-action form; None when more than the cap were sent."""
    ids = list(dict.fromkeys(int(i) for i in data.getlist("ids") if i.isascii() and i.isdigit() and len(i) < 19))
    return None if len(ids) > MASS_ACTION_LIMIT else ids


def posted_version(data: Any, pk: int) -> int:
    """The version the row was drawn with (0, i.e. stale, when missing or not a number)."""
    return posted_number(data, f"version_{pk}")


def mass_reassign(
    request: HttpRequest, *, spec: ListSpec, records: QuerySet[Any], reassign: Callable[[Any, Any, int], Any]
) -> HttpResponse:
    """The mass "reassign owner" of a list: the ticked rows (at most MASS_ACTION_LIMIT) among
    `records` (the list's own scoped selector), each handed to `reassign(record, owner, version)` —
    the record's own service — with the version its row was drawn with. Reports per record."""
    back = request.POST.get("next", "")
    back = back if back.startswith("/") and not back.startswith("//") else reverse(spec.url_name)
    ids = selected_ids(request.POST)
    if ids is None:
        messages.error(request, _("Select at most %(n)d records at a time.") % {"n": MASS_ACTION_LIMIT})
        return redirect(back)
    owner = get_user_model().objects.filter(pk=posted_number(request.POST, "owner"), is_active=True).first()
    if request.POST.get("action") != "reassign" or owner is None or not ids:
        messages.error(request, _("Tick the records and choose the new owner."))
        return redirect(back)
    chosen = list(records.filter(pk__in=ids))
    result = mass_apply(chosen, lambda record: reassign(record, owner, posted_version(request.POST, record.pk)))
    if result.done:
        messages.success(request, _("%(n)d records reassigned.") % {"n": result.done})
    for record, reason in result.failed:
        messages.error(request, _("“%(record)s” not changed: %(reason)s") % {"record": record, "reason": reason})
    if len(ids) > len(chosen):
        messages.error(request, _("%(n)d selected records are not visible to you.") % {"n": len(ids) - len(chosen)})
    return redirect(back)


def mass_delete(
    request: HttpRequest, *, back_to: str, records: QuerySet[Any], delete: Callable[[Any, int], Any]
) -> HttpResponse:
    """The mass "delete" of a list: the ticked rows (at most MASS_ACTION_LIMIT) among `records`
    (the list's own scoped selector), each moved to the recycle bin by `delete(record, version)` —
    the record's own service — in its own transaction. Reports per record."""
    back = request.POST.get("next", "")
    back = back if back.startswith("/") and not back.startswith("//") else reverse(back_to)
    ids = selected_ids(request.POST)
    if ids is None:
        messages.error(request, _("Select at most %(n)d records at a time.") % {"n": MASS_ACTION_LIMIT})
        return redirect(back)
    if not ids:
        messages.error(request, _("Tick the records to delete."))
        return redirect(back)
    chosen = list(records.filter(pk__in=ids))
    result = mass_apply(chosen, lambda record: delete(record, posted_version(request.POST, record.pk)))
    if result.done:
        messages.success(
            request,
            _("%(n)d records moved to the recycle bin; you can restore them within 30 days.") % {"n": result.done},
        )
    for record, reason in result.failed:
        messages.error(request, _("“%(record)s” not deleted: %(reason)s") % {"record": record, "reason": reason})
    if len(ids) > len(chosen):
        messages.error(request, _("%(n)d selected records are not visible to you.") % {"n": len(ids) - len(chosen)})
    return redirect(back)
