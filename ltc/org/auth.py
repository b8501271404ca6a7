"""API authentication: personal bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.security import HttpBearer, SessionAuth

from ltc.org.models import ApiToken, User

TOKEN_PREFIX = "ltc_"  # noqa: S105 - a marker, not a secret
LAST_USED_RESOLUTION_SECONDS = 60


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_for_token(raw: str) -> User | None:
    """The active owner of an unrevoked token, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
            # Session users get their language from middleware; token users get it here.
            if user.language and not request.headers.get("Accept-Language"):
                translation.activate(user.language)
        return user


class ActiveSessionAuth(SessionAuth):
    """The browser session of an active user (CSRF-checked by ninja for unsafe methods). A
    request without a signed-in session is not a session request: it gets 401, not a CSRF 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


api_auth = [BearerAuth(), ActiveSessionAuth()]
