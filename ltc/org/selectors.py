"""Reads for users and tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ltc.core.access import fetch_or_404
from ltc.org.models import ApiToken, User


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def token_get(*, user: User, pk: Any) -> ApiToken:
    """A token of the user's own; anyone else's is a 404."""
    return fetch_or_404(ApiToken.objects.all(), user=user, pk=pk)


def assignable_users() -> QuerySet[User]:
    """Active users who may own records, for pickers."""
    return User.objects.filter(is_active=True).order_by("display_name", "username")


def user_directory(*, q: str = "", role: str = "", active: bool | None = True) -> QuerySet[User]:
    """The people of the company as pickers show them (any signed-in user may read it): name,
    username, roles and team; ordered by name, then id, so pages are stable."""
    qs = User.objects.select_related("team").prefetch_related("roles")
    if active is not None:
        qs = qs.filter(is_active=active)
    if role:
        qs = qs.filter(roles__code=role)
    if q.strip():
        term = q.strip()
        qs = qs.filter(
            Q(display_name__icontains=term)
            | Q(username__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
        )
    return qs.order_by("display_name", "username", "pk")
