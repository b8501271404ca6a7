"""API conventions shared by every router: problem+json errors, pagination, ETags, auth."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from ltc.core.concurrency import StaleVersionError

T = TypeVar("T")
PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_PAGE_SIZE = 200


# --- errors ----------------------------------------------------------------------------------


class PreconditionRequired(Exception):
    """An update came without If-Match."""


def problem(status: int, title: str, *, detail: str = "", errors: list[dict[str, str]] | None = None) -> JsonResponse:
    """An RFC 9457 problem document; `errors` lists field-level messages."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": field, "message": str(message), "code": error.code or "invalid"}
            for field, error_list in exc.error_dict.items()
            for error in error_list
            for message in error.messages
        ]
    return [{"field": "__all__", "message": str(m), "code": exc.code or "invalid"} for m in exc.messages]


_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


def _ninja_field(loc: list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
        # Body parameters are nested under the parameter's name (payload).
        if loc[0] == "body" and len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _schema_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {
                "field": _ninja_field(e.get("loc", [])),
                "message": str(e.get("msg", "")),
                "code": str(e.get("type", "invalid")),
            }
            for e in exc.errors
        ]
        return problem(422, _("The request is not valid."), errors=errors)

    @api.exception_handler(ValidationError)
    def _domain_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(422, _("The request is not valid."), errors=validation_errors(exc))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, _("Not found."))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(403, _("You are not allowed to do this."), detail=str(exc))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(401, _("Authentication required."))
        response["WWW-Authenticate"] = 'Bearer realm="ltc"'
        return response

    @api.exception_handler(StaleVersionError)
    def _stale(request: HttpRequest, exc: StaleVersionError) -> HttpResponse:
        response = problem(412, _("The record was changed by someone else."), detail=str(exc))
        response["ETag"] = etag(exc.current_version)
        return response

    @api.exception_handler(PreconditionRequired)
    def _no_if_match(request: HttpRequest, exc: PreconditionRequired) -> HttpResponse:
        return problem(
            428,
            _("If-Match is required."),
            detail=_("Send the ETag you read in an If-Match header to update this record."),
        )

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(exc.status_code, str(exc))


# --- versions and ETags ----------------------------------------------------------------------


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(request: HttpRequest) -> int:
    """The version named by If-Match; 428 when missing, 412 when unreadable."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise StaleVersionError(0)
    return int(value)


# --- pagination ------------------------------------------------------------------------------


class Page(Schema, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    next_offset: int | None


def paginate(queryset: models.QuerySet[Any], *, limit: int, offset: int) -> dict[str, Any]:
    """One page without counting the table: fetch one row more than shown to know if more follow."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    rows = list(queryset[offset : offset + limit + 1])
    has_more = len(rows) > limit
    return {
        "items": rows[:limit],
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if has_more else None,
    }
