"""The signed-in reader's display preferences, for the pages of one request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ltc.core.templatetags.numbers import amounts_in_wan


class AmountDisplayMiddleware:
    """Pages show large amounts in 万 / 亿 for a reader who chose it (User.amounts_in_wan); the
    API answers exact amounts whoever asks. The choice holds for this request only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        on = bool(
            user is not None
            and user.is_authenticated
            and getattr(user, "amounts_in_wan", False)
            and not request.path.startswith("/api/")
        )
        with amounts_in_wan(on):
            return self.get_response(request)
