"""Idempotency-Key for API POSTs: a retried request gets the first answer, never a second effect."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ltc.core.api import problem
from ltc.core.models import IdempotencyRecord

API_PREFIX = "/api/"
REPLAYED_HEADERS = ("ETag", "Location")


def _principal(request: HttpRequest) -> str | None:
    """Who the key belongs to: the bearer token, or the session's user."""
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return "t:" + hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


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
        fingerprint = _fingerprint(request)
        record = _claim(principal, key, fingerprint)
        if record is None:
            existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if existing is None:  # replaced meanwhile by a request after the TTL
                return problem(409, _("A request with this Idempotency-Key is still being processed."))
            if existing.request_fingerprint != fingerprint:
                return problem(
                    422,
                    _("This Idempotency-Key was already used for a different request."),
                    errors=[
                        {
                            "field": "Idempotency-Key",
                            "message": _("Use a new key for a new request."),
                            "code": "key_reused",
                        }
                    ],
                )
            if existing.status_code is None:
                return problem(409, _("A request with this Idempotency-Key is still being processed."))
            return _replay(existing)

        response = self.get_response(request)
        if response.status_code >= 500 or getattr(response, "streaming", False):
            record.delete()
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = response.content
        record.headers = {h: response[h] for h in REPLAYED_HEADERS if response.has_header(h)}
        record.save(update_fields=["status_code", "content_type", "body", "headers"])
        return response
