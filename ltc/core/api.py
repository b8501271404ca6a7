"""API conventions shared by every router: problem+json errors, pagination, ETags, auth."""

from __future__ import annotations

import inspect
import json
import logging
from http import HTTPStatus
from typing import Any, Generic, TypeVar, get_args

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, models, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema
from pydantic_core import ValidationError as PydanticValidationError
from pydantic_core.core_schema import ErrorType

from ltc.core.concurrency import StaleVersionError
from ltc.core.schemas import Problem

T = TypeVar("T")
logger = logging.getLogger(__name__)
PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_PAGE_SIZE = 200
MAX_OFFSET = 10**12


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


# How long a client should wait before retrying when the database cannot be reached (a restart
# or a failover usually takes a few seconds).
RETRY_AFTER_SECONDS = 5


# PostgreSQL error classes that mean "not now" rather than "never": connection exceptions (08),
# the server shutting down or starting (57P), too many connections or no resources (53),
# serialization failures and deadlocks (40001, 40P01).
TRANSIENT_SQLSTATES = ("08", "57P", "53", "40001", "40P01")
# SQLite's words for a statement that will fail again however long one waits.
DETERMINISTIC_SQLITE = ("no such table", "no such column", "too many sql variables", "syntax error")


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether an error means the database cannot serve right now (down, restarting, the
    connection dropped, a serialization failure or deadlock): the request may be retried, and
    Django drops the broken connection when the request ends (a health check at the next one).
    A deterministic database error (a missing table, a statement too large) is not: a 500."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith(TRANSIENT_SQLSTATES)
    # No state: the connection itself failed (refused, closed, timed out) or SQLite is busy,
    # unless SQLite says the statement can never run.
    return not any(words in str(exc).lower() for words in DETERMINISTIC_SQLITE)


def _database_failed_in_answer(exc: PydanticValidationError) -> bool:
    """Whether validating an answer failed because a field read lazily (a related record)
    met an unreachable database: pydantic reports the database error as a failed attribute."""
    return any(
        error.get("type") == "get_attribute_error"
        and str((error.get("ctx") or {}).get("error", "")).startswith(("OperationalError:", "InterfaceError:"))
        for error in exc.errors()
    )


def service_unavailable() -> JsonResponse:
    """503 problem+json with Retry-After, for an API request the database could not serve."""
    response = problem(
        503,
        _("The service is temporarily unavailable."),
        detail=_("The database cannot be reached right now. Please try again in a moment."),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _body_fields(request: HttpRequest) -> set[str]:
    """The top-level fields of the request's body (JSON or a form), for naming errors as sent."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return set()
        return set(data) if isinstance(data, dict) else set()
    return set(request.POST)


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


# Pydantic's messages by error type, in the words pydantic uses, so that they are translated;
# the placeholders are the error's ctx values.
_PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("Field required"),
    "string_type": gettext_noop("Input should be a valid string"),
    "string_too_short": gettext_noop("String should have at least %(min_length)s characters"),
    "string_too_long": gettext_noop("String should have at most %(max_length)s characters"),
    "string_pattern_mismatch": gettext_noop("String should match pattern '%(pattern)s'"),
    "too_short": gettext_noop("List should have at least %(min_length)s items"),
    "too_long": gettext_noop("List should have at most %(max_length)s items"),
    "int_type": gettext_noop("Input should be a valid integer"),
    "int_parsing": gettext_noop("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": gettext_noop("Input should be a valid integer, got a number with a fractional part"),
    "float_type": gettext_noop("Input should be a valid number"),
    "float_parsing": gettext_noop("Input should be a valid number, unable to parse string as a number"),
    "decimal_type": gettext_noop("Decimal input should be an integer, float, string or Decimal object"),
    "decimal_parsing": gettext_noop("Input should be a valid decimal"),
    "decimal_max_digits": gettext_noop("Decimal input should have no more than %(max_digits)s digits in total"),
    "decimal_max_places": gettext_noop("Decimal input should have no more than %(decimal_places)s decimal places"),
    "decimal_whole_digits": gettext_noop(
        "Decimal input should have no more than %(whole_digits)s digits before the decimal point"
    ),
    "bool_type": gettext_noop("Input should be a valid boolean"),
    "bool_parsing": gettext_noop("Input should be a valid boolean, unable to interpret input"),
    "greater_than": gettext_noop("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_noop("Input should be greater than or equal to %(ge)s"),
    "less_than": gettext_noop("Input should be less than %(lt)s"),
    "less_than_equal": gettext_noop("Input should be less than or equal to %(le)s"),
    "literal_error": gettext_noop("Input should be %(expected)s"),
    "enum": gettext_noop("Input should be %(expected)s"),
    "date_type": gettext_noop("Input should be a valid date"),
    "date_parsing": gettext_noop("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": gettext_noop("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_inexact": gettext_noop("Datetimes provided to dates should have zero time"),
    "datetime_type": gettext_noop("Input should be a valid datetime"),
    "datetime_parsing": gettext_noop("Input should be a valid datetime in the format YYYY-MM-DDTHH:MM:SS"),
    "datetime_from_date_parsing": gettext_noop("Input should be a valid datetime in the format YYYY-MM-DDTHH:MM:SS"),
    "timezone_aware": gettext_noop("Input should have timezone info"),
    "list_type": gettext_noop("Input should be a valid list"),
    "dict_type": gettext_noop("Input should be a valid dictionary"),
    "model_type": gettext_noop("Input should be an object"),
    "model_attributes_type": gettext_noop("Input should be an object"),
    "json_invalid": gettext_noop("Invalid JSON"),
    "json_type": gettext_noop("Input should be a valid JSON string"),
    "none_required": gettext_noop("Input should be null"),
    "extra_forbidden": gettext_noop("Extra inputs are not permitted"),
    "uuid_type": gettext_noop("Input should be a valid UUID"),
    "uuid_parsing": gettext_noop("Input should be a valid UUID"),
    "url_type": gettext_noop("Input should be a valid URL"),
    "url_parsing": gettext_noop("Input should be a valid URL"),
}


_PYDANTIC_TYPES = frozenset(get_args(ErrorType))


def _expected(text: str) -> str:
    """pydantic's "'a', 'b' or 'c'" with its English "or" translated."""
    head, separator, last = text.rpartition(" or ")
    return _("%(first)s or %(last)s") % {"first": head, "last": last} if separator else text


def pydantic_message(error: dict[str, Any]) -> str:
    """One pydantic error as a message in the active language (its type decides the words)."""
    kind = str(error.get("type", ""))
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if "expected" in ctx:
        ctx["expected"] = _expected(ctx["expected"])
    template = _PYDANTIC_MESSAGES.get(kind)
    if template is not None:
        try:
            return _(template) % ctx if "%(" in template else _(template)
        except KeyError:  # a ctx value this pydantic version does not give
            return _("This value is not valid.")
    if kind == "value_error" or kind not in _PYDANTIC_TYPES:
        # Raised by our own validators (a ValueError, a custom error type): already translated.
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _("This value is not valid.")


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _schema_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {
                "field": _ninja_field(e.get("loc", [])),
                "message": pydantic_message(e),
                "code": str(e.get("type", "invalid")),
            }
            for e in exc.errors
        ]
        return problem(422, _("The request is not valid."), errors=errors)

    @api.exception_handler(ValidationError)
    def _domain_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = validation_errors(exc)
        sent = _body_fields(request)
        for error in errors:
            # A service names the model's field (owner); the caller sent its id (owner_id).
            field = error["field"]
            if field not in sent and f"{field}_id" in sent:
                error["field"] = f"{field}_id"
        return problem(422, _("The request is not valid."), errors=errors)

    @api.exception_handler(OverflowError)
    def _out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # An id or number beyond what the database stores (SQLite: 64 bits) names nothing.
        return problem(
            422,
            _("The request is not valid."),
            errors=[{"field": "__all__", "message": _("A number is too large."), "code": "out_of_range"}],
        )

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

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def _database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        if not database_unavailable(exc):
            raise exc  # a deterministic database error is a bug: Django's 500
        logger.error("Database unavailable: %s %s", request.method, request.path, exc_info=exc)
        return service_unavailable()

    @api.exception_handler(PydanticValidationError)
    def _answer_invalid(request: HttpRequest, exc: PydanticValidationError) -> HttpResponse:
        if _database_failed_in_answer(exc):
            logger.error("Database unavailable while answering: %s %s", request.method, request.path, exc_info=exc)
            return service_unavailable()
        raise exc  # a bug: Django's 500, as without this handler

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, NinjaValidationError):  # refused by the body parser (ltc.core.text)
            return _schema_invalid(request, exc.__cause__)
        return problem(exc.status_code, str(exc))


# --- versions and ETags ----------------------------------------------------------------------


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(request: HttpRequest, record: Any = None) -> int:
    """The version named by If-Match; 428 when missing, 412 when unreadable or, given the record
    just read, when it is not the record's version (before the body is looked at; the service's
    compare-and-swap still catches a writer in between)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise StaleVersionError(record.version if record is not None else 0)
    if record is not None and int(value) != record.version:
        raise StaleVersionError(record.version)
    return int(value)


# --- pagination ------------------------------------------------------------------------------


COUNT_LIMIT = 10_000


class Page(Schema, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last one.")
    total: int | None = Field(
        description=f"How many match the filters; null when more than {COUNT_LIMIT} do (narrow the filters)."
    )


def paginate(queryset: models.QuerySet[Any], *, limit: int, offset: int) -> dict[str, Any]:
    """One page: fetch one row more than shown to know if more follow. The total is known without
    a query on the last page; otherwise it is counted, but never beyond COUNT_LIMIT rows."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, min(offset, MAX_OFFSET))  # beyond any table: an empty page, not an SQL overflow
    rows = list(queryset[offset : offset + limit + 1])
    has_more = len(rows) > limit
    if not has_more and (rows or offset == 0):
        total: int | None = offset + len(rows)
    else:
        counted = queryset.order_by()[: COUNT_LIMIT + 1].count()
        total = counted if counted <= COUNT_LIMIT else None
    return {
        "items": rows[:limit],
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if has_more else None,
        "total": total,
    }


# --- the OpenAPI document ------------------------------------------------------------------


def requires_if_match(view: Any) -> bool:
    """Whether an operation reads If-Match: its view calls if_match_version (read from the
    compiled code, not the source file, which may have changed since it was imported)."""
    code = getattr(view, "__code__", None)
    return code is not None and "if_match_version" in code.co_names


_FILE_ANSWERS = {"HttpResponse", "FileResponse", "StreamingHttpResponse"}


def _answers_a_file(view: Any) -> bool:
    annotation = inspect.signature(view).return_annotation
    return (annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")) in _FILE_ANSWERS


def file_download(media_type: str) -> dict[str, Any]:
    """`openapi_extra` of an operation that answers a file of one media type (default: any type)."""
    return {"responses": {200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}}


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": REF_TEMPLATE.format(model="Problem")}}},
    }


class AnswerJsonSchema(NinjaGenerateJsonSchema):
    """JSON schema of answers: every field the server writes is `required` (a default only
    matters to input; an answer always carries the field, null or not)."""

    def field_is_required(self, field: Any, total: bool) -> bool:
        if self.mode == "serialization":
            return field.get("serialization_exclude_if") is None
        return super().field_is_required(field, total)


class ContractOpenAPISchema(OpenAPISchema):
    """Ninja's document plus what every operation shares: the problem+json refusals it may answer,
    and the If-Match and Idempotency-Key headers where the server reads them."""

    def _create_schema_from_model(
        self, model: Any, by_alias: bool = True, remove_level: bool = True, mode: Any = "validation"
    ) -> tuple[dict[str, Any], bool]:
        if mode != "serialization" or hasattr(model, "__ninja_flatten_map__"):
            return super()._create_schema_from_model(model, by_alias, remove_level, mode)
        # As ninja does, with the generator that marks every answered field required.
        schema = model.model_json_schema(
            ref_template=REF_TEMPLATE, by_alias=by_alias, schema_generator=AnswerJsonSchema, mode=mode
        ).copy()
        if schema.get("$defs"):
            self.add_schema_definitions(schema.pop("$defs"))
        if remove_level and len(schema["properties"]) == 1:
            name, details = next(iter(schema["properties"].items()))
            return details, name in schema.get("required", {})
        return schema, True

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details = super().operation_details(operation)
        if "Problem" not in self.schemas:
            definition = Problem.model_json_schema(ref_template=REF_TEMPLATE)
            self.schemas.update(definition.pop("$defs", {}))
            self.schemas["Problem"] = definition
        authenticated = bool(operation.auth_callbacks)
        methods = set(operation.methods)
        parameters = details.setdefault("parameters", [])
        statuses: set[int] = {503}  # the database may be unreachable for a moment
        if authenticated:
            statuses |= {401, 403}
        if any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        if "requestBody" in details:
            statuses |= {400, 413, 422}
        if parameters or methods - {"GET"}:
            statuses.add(422)
        if requires_if_match(operation.view_func):
            statuses |= {412, 428}
            parameters.append(
                {
                    "in": "header",
                    "name": "If-Match",
                    "required": True,
                    "description": "The ETag of the version you read; a stale one answers 412.",
                    "schema": {"type": "string"},
                }
            )
        if authenticated and "POST" in methods:
            statuses |= {409, 422}
            parameters.append(
                {
                    "in": "header",
                    "name": "Idempotency-Key",
                    "required": False,
                    "description": "A retry with the same key gets the first answer, never a second effect.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            )
        responses = details["responses"]
        if 200 in responses and "content" not in responses[200] and _answers_a_file(operation.view_func):
            responses[200].update(file_download("*/*")["responses"][200])
        for status in sorted(statuses):
            responses.setdefault(status, _problem_response(status))
        return details


# --- one order of preconditions --------------------------------------------------------------


class InvalidBody:
    """Stands in for a request body that failed validation until the view first uses it.

    Ninja validates the body before the view runs, so a bad body would be answered 422 before the
    view had asked whether the caller may see the record (404) or sent If-Match (428/412). The
    view receives this instead: its first use of the body raises the validation error, after the
    checks the view makes before it."""

    __slots__ = ("error",)

    def __init__(self, error: NinjaValidationError) -> None:
        object.__setattr__(self, "error", error)

    def __getattribute__(self, name: str) -> Any:
        raise object.__getattribute__(self, "error")

    def __setattr__(self, name: str, value: Any) -> None:
        raise object.__getattribute__(self, "error")

    def __iter__(self) -> Any:
        raise object.__getattribute__(self, "error")

    def __bool__(self) -> bool:
        raise object.__getattribute__(self, "error")

    def __getitem__(self, key: Any) -> Any:
        raise object.__getattribute__(self, "error")


class PreconditionsFirstOperation(Operation):
    """An operation that answers in one order: authentication (401), record access (404/403),
    If-Match (428/412), then validation (422), then business rules (422/409)."""

    def _get_values(self, request: HttpRequest, path_params: Any, temporal_response: HttpResponse) -> dict[str, Any]:
        try:
            return super()._get_values(request, path_params, temporal_response)
        except NinjaValidationError as exc:
            if not exc.errors or any(tuple(e.get("loc", ("",)))[0] != "body" for e in exc.errors):
                raise
            values: dict[str, Any] = {}
            for model in self.models:
                if model.__ninja_param_source__ == "body":
                    values.update(dict.fromkeys(model.model_fields, InvalidBody(exc)))
                else:
                    values.update(model.resolve(request, self.api, path_params))
            if self.signature.response_arg:
                values[self.signature.response_arg] = temporal_response
            return values

    def run(self, request: HttpRequest, **kw: Any) -> HttpResponseBase:
        if self.stream_format:
            return super().run(request, **kw)
        error = self._run_checks(request)
        if error:
            return error
        try:
            temporal_response = self.api.create_temporal_response(request)
            values = self._get_values(request, kw, temporal_response)
            invalid = next((v for v in values.values() if type(v) is InvalidBody), None)
            if invalid is not None:
                # Whatever the view does before it reaches the body is undone: a request with an
                # invalid body changes nothing, even if the view never reads it.
                with transaction.atomic():
                    self.view_func(request, **values)
                    raise object.__getattribute__(invalid, "error")
            result = self.view_func(request, **values)
            return self._result_to_response(request, result, temporal_response)
        except Exception as e:  # as ninja does: every error goes to the API's handlers
            return self.api.on_exception(request, e)
