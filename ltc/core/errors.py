"""LTC's error pages (handler403/404/500 in ltc.urls): the site's layout with its navigation for a
signed-in user, a minimal page otherwise, translated, with a way back. Under /api/ the answers stay
RFC 9457 problem documents."""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ltc.core.api import RETRY_AFTER_SECONDS, database_unavailable, problem, service_unavailable

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"


def _back_url(request: HttpRequest) -> str:
    """Where the visitor came from, when that is a page of this site; else the home page."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("web:home")


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {"status": status, "title": title, "message": message}
    try:
        context["back_url"] = _back_url(request)
        return render(request, "web/error.html", context, status=status)
    except Exception:
        # The layout reads the user and the navigation; if that fails, the visitor still gets a page.
        logger.exception("The %s page could not be drawn with the layout", status)
        return HttpResponse(loader.render_to_string("web/error_minimal.html", context), status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return problem(403, _("You are not allowed to do this."))
    return _page(
        request, 403, _("No access"), _("You are not allowed to open this page. Ask its owner or an administrator.")
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return problem(404, _("Not found."))
    return _page(request, 404, _("Page not found"), _("This page does not exist, or it is not shared with you."))


def server_error(request: HttpRequest) -> HttpResponse:
    """Drawn without the database, the session or context processors: any of them may be what failed.

    An error that means the database cannot be reached right now (raised by a view or by any
    middleware: the session, the sign-in, the Idempotency-Key store) answers 503 with Retry-After."""
    if database_unavailable(sys.exc_info()[1]):
        return _database_unavailable(request)
    title = _("Something went wrong on the server")
    if request.path.startswith(API_PREFIX):
        return problem(500, title)
    context = {
        "status": 500,
        "title": title,
        "message": _("The error was logged. Please try again in a moment."),
        "back_url": "",
    }
    return HttpResponse(loader.render_to_string("web/error_minimal.html", context), status=500)


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return service_unavailable()
    context = {
        "status": 503,
        "title": _("The service is temporarily unavailable"),
        "message": _("The database cannot be reached right now. Please try again in a moment."),
        "back_url": "",
    }
    response = HttpResponse(loader.render_to_string("web/error_minimal.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
