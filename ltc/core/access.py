"""The one access layer: which records a user may see and change.

Deny by default. A record is visible to its owner, to the members named on it (the iron
triangle, later), to the managers above its owner in the team tree, and to users whose role
has a global scope. Selectors filter with `visible_q`; single records are fetched with
`get_visible_or_404` so another user's record answers 404, never 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

M = TypeVar("M", bound=models.Model)


class ScopedUser(Protocol):
    """What the access layer needs from a user (ltc.org.models.User provides it)."""

    pk: Any
    is_authenticated: bool

    def has_global_scope(self, *, area: str = ...) -> bool: ...

    def managed_team_ids(self) -> frozenset[int]: ...

    def people_in_view(self) -> list[int]: ...


NOTHING = Q(pk__in=[])


def visible_q(
    user: Any,
    *,
    owner_path: str = "owner",
    member_paths: Sequence[str] = (),
    area: str = "sales",
) -> Q:
    """A filter for the records `user` may see; `area` names the global roles that see all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.has_global_scope(area=area):
        return Q()
    q = Q(**{f"{owner_path}_id": user.pk})
    for path in member_paths:
        q |= Q(**{path: user.pk})
    team_ids = user.managed_team_ids()
    if team_ids:
        q |= Q(**{f"{owner_path}__team_id__in": team_ids})
    return q


def scope(
    queryset: models.QuerySet[M],
    user: Any,
    *,
    owner_path: str = "owner",
    member_paths: Sequence[str] = (),
    area: str = "sales",
) -> models.QuerySet[M]:
    q = visible_q(user, owner_path=owner_path, member_paths=member_paths, area=area)
    queryset = queryset.filter(q)
    # Member paths cross to-many relations, which can repeat rows.
    return queryset.distinct() if member_paths and q != Q() else queryset


def fetch_or_404(queryset: models.QuerySet[M], **lookup: Any) -> M:
    """The one record of `queryset` matching `lookup`, or 404: a record outside the viewer's
    scope, a missing one and an id that is no id at all (text, a number beyond the column) all
    read the same. Selectors fetch single records through it."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def get_visible_or_404(
    queryset: models.QuerySet[M], user: Any, pk: Any, *, visible: Q | None = None, **scope_kwargs: Any
) -> M:
    """Fetch and authorise in one call: a record the user may not see does not exist for them.

    `visible` replaces the default rule with an app's own (e.g. customers.access.account_visible_q).
    """
    if visible is not None:
        return fetch_or_404(queryset.filter(visible), pk=pk)
    return fetch_or_404(scope(queryset, user, **scope_kwargs), pk=pk)


def can_change(user: Any, owner_id: int | None, owner_team_id: int | None) -> bool:
    """Write scope: the owner, a manager above the owner, or an administrator."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_role("admin"):
        return True
    if owner_id is not None and owner_id == user.pk:
        return True
    return owner_team_id is not None and owner_team_id in user.managed_team_ids()


def has_any_role(user: Any, roles: Iterable[str]) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(*roles))


# Which records of a model a user may see, as a filter: each app registers its models from its
# AppConfig.ready, so core (notifications, mentions) can ask without importing later apps.
VisibilityRule = Callable[[Any], Q]
_VISIBILITY: dict[type[models.Model], VisibilityRule] = {}


def register_visibility(model: type[models.Model], q_fn: VisibilityRule) -> None:
    """Declare who may see records of `model`: `q_fn(user)` is the filter of those they may see."""
    _VISIBILITY[model] = q_fn


def may_see(user: Any, record: models.Model | None) -> bool:
    """Whether `user` may open `record`; a model without a registered rule is seen by nobody
    (deny by default)."""
    if record is None or user is None or not user.is_authenticated or not user.is_active:
        return False
    q_fn = _VISIBILITY.get(type(record)._meta.concrete_model)  # type: ignore[arg-type]
    if q_fn is None:
        return False
    return type(record)._default_manager.filter(q_fn(user), pk=record.pk).exists()


def visible_ids(user: Any, model: type[models.Model], ids: Iterable[int]) -> set[int]:
    """The ids among `ids` of records of `model` that `user` may open, in one query."""
    q_fn = _VISIBILITY.get(model)
    wanted = set(ids)
    if q_fn is None or not wanted or user is None or not user.is_authenticated or not user.is_active:
        return set()
    return set(model._default_manager.filter(q_fn(user), pk__in=wanted).values_list("pk", flat=True))
