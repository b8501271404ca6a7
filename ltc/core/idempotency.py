"""Idempotency-Key for API POSTs: a retried request gets the first answer, never a second effect.

Keys are kept only for authenticated callers (a made-up token stores nothing); the body is hashed
as a stream, so an upload with a key is held to the upload limit and not to the memory limit of
ordinary bodies."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.api import database_unavailable, problem, service_unavailable
from ltc.core.models import IdempotencyRecord

API_PREFIX = "/api/"
REPLAYED_HEADERS = ("ETag", "Location")
CHUNK = 64 * 1024

# The user behind a bearer token (None for an unknown or revoked one), registered by the app
# that owns tokens (org) when it is ready: core does not import it.
token_user: Callable[[str], Any] | None = None


def _principal(request: HttpRequest) -> str | None:
    """Who the key belongs to: the user of a valid bearer token, or the session's user; None for
    anyone else (their request is answered 401 by the API and leaves no record here)."""
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        user = token_user(auth[7:].strip()) if token_user is not None else None
        return f"u:{user.pk}" if user is not None else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return None


class BodyTooLarge(Exception):
    pass


def _fingerprint(request: HttpRequest) -> str:
    """A digest of method, path and body. The body is read in chunks into a spooled file (memory
    up to FILE_UPLOAD_MAX_MEMORY_SIZE, then disk) that the view reads afterwards as if untouched."""
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    limit = settings.LTC_MAX_REQUEST_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0  # unreadable: the body is still held to the limit while it is read
    if declared > limit:
        raise BodyTooLarge
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115 - lives with the request
    total = 0
    while chunk := request.read(CHUNK):
        total += len(chunk)
        if total > limit:
            spool.close()
            raise BodyTooLarge
        digest.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    # Hand the body back to Django as an unread stream (its request reads `_stream`).
    request._stream = spool  # type: ignore[assignment]
    request._read_started = False  # type: ignore[attr-defined]
    return digest.hexdigest()


def too_large() -> HttpResponse:
    return problem(
        413,
        _("The request is too large."),
        detail=_("At most %(mb)d MB may be sent in one request.") % {"mb": settings.LTC_MAX_REQUEST_BYTES // 2**20},
    )


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code or 200, content_type=record.content_type)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(principal: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Record the key for this request, or None when it is taken. A key older than the TTL is
    free again: its record is replaced (checked only on a clash, so a new key costs one insert)."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(principal=principal, key=key, request_fingerprint=fingerprint)
        except IntegrityError:
            cutoff = timezone.now() - settings.LTC_IDEMPOTENCY_TTL
            if not IdempotencyRecord.objects.filter(principal=principal, key=key, created_at__lt=cutoff).delete()[0]:
                return None
    return None


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        principal = _principal(request)
        if principal is None:
            return self.get_response(request)
        if not key or len(key) > 255:
            return problem(
                422,
                _("The request is not valid."),
                errors=[
                    {"field": "Idempotency-Key", "message": _("Use a key of 1 to 255 characters."), "code": "invalid"}
                ],
            )
        try:
            fingerprint = _fingerprint(request)
        except BodyTooLarge:
            return too_large()
        # The claim, the request's effect and the answer kept for retries commit together: a
        # request that fails (a 5xx, the database gone, the worker killed) leaves no claim behind,
        # so its retry runs; a request that succeeded is replayed. A retry sent while the first is
        # still running waits on the claim's row and then gets its answer (PostgreSQL).
        response: HttpResponse | None = None
        try:
            with transaction.atomic():
                record = _claim(principal, key, fingerprint)
                if record is None:
                    return _answer_taken(principal, key, fingerprint)
                response = self.get_response(request)
                if response.status_code >= 500 or getattr(response, "streaming", False):
                    transaction.set_rollback(True)
                    return response
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.body = response.content
                record.headers = {h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)}
                record.save(update_fields=["status_code", "content_type", "body", "headers"])
                return response
        except DatabaseError as error:
            if response is not None and response.status_code >= 500:
                return response  # the rollback met the same failure the request did
            if database_unavailable(error):
                return service_unavailable()
            raise


def _answer_taken(principal: str, key: str, fingerprint: str) -> HttpResponse:
    """The answer to a request whose key another request holds: that request's answer when it is
    the same request, a field error when it is another."""
    existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
    if existing is None:  # replaced meanwhile by a request after the TTL
        return problem(409, _("A request with this Idempotency-Key is still being processed."))
    if existing.request_fingerprint != fingerprint:
        return problem(
            422,
            _("This Idempotency-Key was already used for a different request."),
            errors=[
                {"field": "Idempotency-Key", "message": _("Use a new key for a new request."), "code": "key_reused"}
            ],
        )
    if existing.status_code is None:  # still running (SQLite reads the claim before it commits)
        return problem(409, _("A request with this Idempotency-Key is still being processed."))
    return _replay(existing)
