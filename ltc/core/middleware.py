"""Request limits: API bodies over the limits answer problem+json instead of Django's HTML 400
page; a page's query string with control characters is a bad request (the API's are refused
with a field error by its parser, after authentication)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.defaults import bad_request

from ltc.core.idempotency import API_PREFIX, too_large
from ltc.core.text import CONTROL_CHARACTERS

STREAMED_TYPES = frozenset({"multipart/form-data", "message/rfc822"})


class ApiBodyLimitMiddleware:
    """413 for an API body over the limits: a JSON or form body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    any body (file uploads and e-mails included) over LTC_MAX_REQUEST_BYTES. Judged by Content-Length; a body
    sent without one is held to the same limits where Django reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            # A file upload or a whole e-mail (message/rfc822, read as a stream by its endpoint,
            # which holds it to its own limit) may be larger than a JSON or form body.
            streamed = request.content_type in STREAMED_TYPES
            limit = settings.LTC_MAX_REQUEST_BYTES if streamed else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if length > limit:
                return too_large()
        return self.get_response(request)


class QueryTextMiddleware:
    """400 for a page whose query string holds control characters (a NUL in a search box would
    otherwise reach the database)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) and any(
            CONTROL_CHARACTERS.search(value) for values in request.GET.lists() for value in values[1]
        ):
            return bad_request(request, exception=None)  # type: ignore[arg-type]
        return self.get_response(request)
