from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from ltc.org.models import User


def account_for(typed: str) -> User | None:
    """The account a typed sign-in name means: a username or an e-mail address, any letter case,
    surrounding spaces ignored."""
    typed = (typed or "").strip()
    if not typed:
        return None
    field = "email__iexact" if "@" in typed else "username__iexact"
    return User.objects.filter(**{field: typed}).first()


def lockout_key(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """What failed sign-ins are counted against (django-axes' AXES_USERNAME_CALLABLE): the
    resolved account, so that another spelling of the same name or its e-mail address counts
    towards the same lockout; an unknown name is counted in its folded form."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username", "")
    user = account_for(str(typed or ""))
    return f"user:{user.pk}" if user is not None else str(typed or "").strip().casefold()


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with the username or the email address (case-insensitive)."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        user = account_for(username)
        if user is None:
            User().set_password(password)  # same work as a real check, against timing probes
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
