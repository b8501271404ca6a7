"""Writes for users, their language, personal API tokens, and the authority matrix."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.access import fetch_or_404, has_any_role
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.models import TimelineEvent, TimelineKind
from ltc.core.stewardship import ConfigArea, may_configure
from ltc.org.auth import TOKEN_PREFIX, token_digest
from ltc.org.choices import AuthoritySubject, Language, RoleCode
from ltc.org.models import ApiToken, Authority, User

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


def user_set_display(*, actor: User, amounts_in_wan: bool) -> User:
    """The actor's own display preferences; they change how pages show amounts, never the amounts."""
    actor.amounts_in_wan = amounts_in_wan
    actor.save(update_fields=["amounts_in_wan"])
    return actor


# --- the authority matrix (授权) ----------------------------------------------------------------

AUTHORITY_FIELDS = ("subject", "role", "user", "max_amount", "currency", "max_discount_pct", "min_margin_pct")
QUOTE_ONLY = ("max_discount_pct", "min_margin_pct")


def can_manage_authority(user: Any, subject: str | None = None) -> bool:
    """Administrators change every line; the steward of a subject (its process owner, see
    ltc.core.stewardship) the lines of that subject. Without a subject: administrators only."""
    if subject is None:
        return has_any_role(user, (RoleCode.ADMIN,))
    return may_configure(user, ConfigArea.AUTHORITY, subject)


def authority_subjects_managed(user: Any) -> list[str]:
    """The subjects whose lines `user` may change (every one for an administrator)."""
    return [code for code in AuthoritySubject.values if can_manage_authority(user, code)]


def _require_authority_admin(actor: User, *subjects: str) -> None:
    if not subjects or not all(can_manage_authority(actor, subject) for subject in subjects):
        raise PermissionDenied(_("Only administrators change the authority matrix."))


def _check_authority(line: Authority) -> None:
    """A role or a user (not both), a known subject and currency, limits of 0 or more, and a
    discount and margin only on quote discount lines."""
    errors: dict[str, list[str]] = {}
    if (line.role_id is None) == (line.user_id is None):
        errors["role"] = [_("Give either a role or a user.")]
    if line.user is not None and not line.user.is_active:
        errors["user"] = [_("Authority is given to an active user.")]
    if line.max_amount is not None and line.max_amount < 0:
        errors["max_amount"] = [_("A limit is 0 or more (blank: no limit).")]
    if line.subject != AuthoritySubject.QUOTE_DISCOUNT:
        for name in QUOTE_ONLY:
            if getattr(line, name) is not None:
                errors[name] = [_("Only quote discount lines bound the discount and the margin.")]
    elif line.max_discount_pct is not None and not 0 <= line.max_discount_pct <= 100:
        errors["max_discount_pct"] = [_("A discount is between 0 and 100%.")]
    if errors:
        raise ValidationError(errors)
    line.full_clean()


def _check_not_own_authority(actor: User, *lines: Authority) -> None:
    """A steward who is not an administrator sets no line that names them or a role they hold:
    they would be raising their own authority."""
    if has_any_role(actor, (RoleCode.ADMIN,)):
        return
    for line in lines:
        if line.user_id is not None and line.user_id == actor.pk:
            raise ValidationError({"user": [_("You cannot set authority for yourself.")]}, code="own_authority")
        if line.role_id is not None and line.role is not None and actor.has_role(line.role.code):
            raise ValidationError({"role": [_("You cannot set authority for a role you hold.")]}, code="own_authority")


def _unknown_authority_fields(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(AUTHORITY_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})


def _authority_values(line: Authority, fields: Any = AUTHORITY_FIELDS) -> dict[str, str]:
    """A line's values as its timeline keeps them: codes (subject, role, currency), the user's
    name and plain numbers, which each reader's page labels and formats in the reader's
    language (never the line's text, which would stay in the writer's language)."""
    values = timeline.snapshot(line, [name for name in fields if name != "role"])
    if "role" in fields:
        values["role"] = line.role.code if line.role is not None else ""
    return {name: values[name] for name in fields}


def _authority_event(*, actor: User, line: Authority, kind: str, before: dict[str, str], after: dict[str, str]) -> None:
    changes = [
        {"field": name, "old": before.get(name, ""), "new": after.get(name, "")}
        for name in AUTHORITY_FIELDS
        if before.get(name, "") != after.get(name, "")
    ]
    if kind == TimelineKind.CHANGED and not changes:
        return
    TimelineEvent.objects.create(
        content_type=ContentType.objects.get_for_model(Authority),
        object_id=line.pk,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        changes=changes,
    )


def authority_create(*, actor: User, data: dict[str, Any]) -> Authority:
    """Add a line to the authority matrix (administrators; a subject's steward for its lines, but
    never one naming the steward or a role they hold). Decisions already routed keep their
    decider; the line applies to what is routed from now on. Refuses invalid lines (422)."""
    _require_authority_admin(actor, str(data.get("subject", "")))
    _unknown_authority_fields(data)
    line = Authority(**data)
    _check_authority(line)
    _check_not_own_authority(actor, line)
    with transaction.atomic():
        line.save()
        _authority_event(actor=actor, line=line, kind=TimelineKind.CREATED, before={}, after=_authority_values(line))
    return line


def authority_update(*, actor: User, line: Authority, data: dict[str, Any], expected_version: int) -> Authority:
    """Change a line if `expected_version` is still current (else StaleVersionError); old → new
    on its timeline. A steward who is not an administrator may not change a line naming them or
    a role they hold, nor move a line onto one (a field error on user or role)."""
    _require_authority_admin(actor, line.subject, str(data.get("subject", line.subject)))
    _unknown_authority_fields(data)
    if line.version != expected_version:
        raise StaleVersionError(line.version)
    _check_not_own_authority(actor, line)
    before = _authority_values(line, list(data))
    for name, value in data.items():
        setattr(line, name, value)
    _check_authority(line)
    _check_not_own_authority(actor, line)
    with transaction.atomic():
        save_if_current(line, expected_version=expected_version, fields=list(data))
        after = _authority_values(line, list(data))
        _authority_event(actor=actor, line=line, kind=TimelineKind.CHANGED, before=before, after=after)
    return line


def authority_remove(*, actor: User, line: Authority, expected_version: int) -> None:
    """Remove a line. Its timeline keeps a `deleted` entry with its last values; decisions it
    routed keep their recorded decider."""
    _require_authority_admin(actor, line.subject)
    with transaction.atomic():
        locked = Authority.objects.select_for_update().filter(pk=line.pk).first()
        if locked is None or locked.version != expected_version:
            raise StaleVersionError(locked.version if locked is not None else 0)
        values = _authority_values(locked)
        _authority_event(actor=actor, line=locked, kind=TimelineKind.DELETED, before=values, after={})
        locked.delete()


def authority_list() -> QuerySet[Authority]:
    """The matrix as every signed-in user may read it: subject, then the largest limits last."""
    return Authority.objects.select_related("role", "user").order_by(
        "subject", "currency", F("max_amount").asc(nulls_last=True), "pk"
    )


def authority_get(*, pk: Any) -> Authority:
    return fetch_or_404(Authority.objects.select_related("role", "user"), pk=pk)
