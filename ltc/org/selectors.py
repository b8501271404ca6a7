"""Reads for users and tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from ltc.org.models import ApiToken, User


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def token_get(*, user: User, pk: Any) -> ApiToken:
    """A token of the user's own; anyone else's is a 404."""
    try:
        return ApiToken.objects.get(user=user, pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def assignable_users() -> QuerySet[User]:
    """Active users who may own records, for pickers."""
    return User.objects.filter(is_active=True).order_by("display_name", "username")
