from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's, for this request only: the
    language active before it is active again once the response is made (the thread serves its
    next request — a test its next line — in the language it had, not in this user's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if not (user is not None and user.is_authenticated and user.language):
            return self._respond(request)
        request.LANGUAGE_CODE = user.language
        with translation.override(user.language):
            return self._respond(request)

    def _respond(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or "")
        return response
