"""Writes for users, their language, and personal API tokens."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.org.auth import TOKEN_PREFIX, token_digest
from ltc.org.choices import Language
from ltc.org.models import ApiToken, User

TOKEN_NAME_MAX = 100


def token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with the raw secret, which is never stored.

    Refuses an empty or over-long name, and creating tokens for someone else unless admin.
    """
    name = (name or "").strip()
    if actor.pk != user.pk and not actor.has_role("admin"):
        raise ValidationError({"user": [_("You may only create tokens for yourself.")]})
    if not name:
        raise ValidationError({"name": [_("Give the token a name, e.g. the script that uses it.")]})
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": TOKEN_NAME_MAX}]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=token_digest(raw))
    return token, raw


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token (kept for the record). Revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_set_language(*, user: User, language: str) -> User:
    if language not in Language.values:
        raise ValidationError({"language": [_("Choose one of the offered languages.")]})
    user.language = language
    user.save(update_fields=["language"])
    return user
