"""The published OpenAPI document as the tests see it: schema-name clashes, and every request the
tests send and every answer they get checked against it (used by the shared ApiClient)."""

from __future__ import annotations

import enum
import json
import re
import typing
from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel

API_PREFIX = "/api/v1"


# --- one class per component name ------------------------------------------------------------


def _nested_types(annotation: Any, found: set[type]) -> None:
    """Every pydantic model and enum reachable from an annotation (each becomes a named component)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _nested_types(field.annotation, found)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    for argument in typing.get_args(annotation):
        _nested_types(argument, found)


def _operations() -> Iterator[tuple[str, Any]]:
    from ltc.api.root import api

    for router in api._get_bound_routers():
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                yield f"{'/'.join(sorted(operation.methods))} {router.prefix}{path}", operation


def schema_name_clashes() -> dict[str, list[str]]:
    """Component names that two different classes would publish (ninja keeps only the last one)."""
    owners: dict[str, dict[type, str]] = {}
    for label, operation in _operations():
        found: set[type] = set()
        models = list(operation.models) + [m for m in operation.response_models.values() if m is not None]
        for model in models:
            for field in getattr(model, "model_fields", {}).values():
                _nested_types(field.annotation, found)
        for cls in found:
            owners.setdefault(cls.__name__, {}).setdefault(cls, label)
    return {
        name: sorted(f"{cls.__module__}.{cls.__qualname__} ({label})" for cls, label in classes.items())
        for name, classes in owners.items()
        if len(classes) > 1
    }


# --- requests and answers against the document -----------------------------------------------


@cache
def openapi() -> dict[str, Any]:
    """The document exactly as /api/v1/openapi.json serves it."""
    from ltc.api.root import api

    return json.loads(json.dumps(api.get_openapi_schema(path_prefix=API_PREFIX + "/")))


@cache
def _routes() -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    routes = []
    for template, item in openapi()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        routes.append((pattern, template, item))
    # A literal segment wins over a parameter: /leads/import before /leads/{lead_id}.
    routes.sort(key=lambda route: route[1].count("{"))
    return routes


def find_operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for pattern, template, item in _routes():
        if pattern.match(path) and method.lower() in item:
            return template, item[method.lower()]
    return None


_validators: dict[str, Draft202012Validator] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    key = json.dumps(schema, sort_keys=True)
    if key not in _validators:
        # References point at #/components/...: validate inside a document that carries them.
        document = {**schema, "components": openapi()["components"]}
        _validators[key] = Draft202012Validator(document, format_checker=FormatChecker())
    return _validators[key]


def _violations(schema: dict[str, Any], instance: Any) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in _validator(schema).iter_errors(instance)
    ]


def _query_value(raw: str, schema: dict[str, Any]) -> Any:
    """A query string value as the type its parameter declares (what the server parses)."""
    types = {schema.get("type")} | {option.get("type") for option in schema.get("anyOf", [])}
    if types & {"integer", "number", "boolean"}:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def request_problems(
    method: str, url: str, body: Any, headers: dict[str, str]
) -> tuple[str, dict[str, Any], list[str]]:
    """(operation, its description, what in this request the document does not allow)."""
    split = urlsplit(url)
    path = split.path if split.path.startswith(API_PREFIX) else API_PREFIX + split.path
    found = find_operation(method, path)
    if found is None:
        raise AssertionError(f"{method} {path}: no such operation in the OpenAPI document")
    template, operation = found
    problems: list[str] = []
    parameters = {
        (p["in"], p["name"].lower() if p["in"] == "header" else p["name"]): p for p in operation.get("parameters", [])
    }
    sent_query = parse_qsl(split.query, keep_blank_values=True)
    for name, value in sent_query:
        declared = parameters.get(("query", name))
        if declared is None:
            raise AssertionError(f"{method} {template}: the query parameter {name!r} is not in the document")
        problems += [
            f"query {name}: {v}" for v in _violations(declared["schema"], _query_value(value, declared["schema"]))
        ]
    sent_names = {name for name, _value in sent_query}
    lowered = {name.lower(): value for name, value in headers.items()}
    for (where, name), declared in parameters.items():
        if not declared.get("required"):
            continue
        if (where == "query" and name not in sent_names) or (where == "header" and name not in lowered):
            problems.append(f"{where} parameter {name} is required")
    request_body = operation.get("requestBody")
    if request_body is None:
        if body not in (None, {}):
            raise AssertionError(f"{method} {template}: sends a body, but the operation takes none")
    elif body is None:
        if request_body.get("required"):
            problems.append("the request body is required")
    else:
        schema = request_body["content"].get("application/json", {}).get("schema")
        if schema is None:
            raise AssertionError(
                f"{method} {template}: sends JSON, but the operation takes {list(request_body['content'])}"
            )
        problems += [f"body {v}" for v in _violations(schema, body)]
    return f"{method} {template}", operation, problems


def response_problems(operation: dict[str, Any], response: Any) -> list[str]:
    """What in this answer the document does not declare."""
    declared = operation["responses"].get(str(response.status_code))
    if declared is None:
        return [f"status {response.status_code} is not declared (declared: {sorted(operation['responses'])})"]
    content = declared.get("content")
    body = b"" if getattr(response, "streaming", False) else response.content
    if not content:
        return [f"status {response.status_code} declares no body, the answer has one"] if body else []
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    declared_type = next(
        (t for t in (media_type, media_type.split("/")[0] + "/*", "*/*") if t in content),
        None,
    )
    if declared_type is None:
        return [f"status {response.status_code} answered {media_type!r}, declared {sorted(content)}"]
    schema = content[declared_type].get("schema")
    if schema is None or not media_type.endswith("json"):
        return []
    return [f"response {v}" for v in _violations(schema, json.loads(body))]


def check_exchange(method: str, url: str, body: Any, headers: dict[str, str], response: Any) -> None:
    """Fail unless the request and its answer keep to the published document.

    A request the document does not allow must be refused (4xx): a test may send bad input on
    purpose, but the server accepting what the document forbids means one of them is wrong."""
    label, operation, sent_wrong = request_problems(method, url, body, headers)
    failures = response_problems(operation, response)
    if sent_wrong and not 400 <= response.status_code < 500:
        failures.append(
            f"the request breaks the document ({'; '.join(sent_wrong)}) but was answered {response.status_code}"
        )
    if failures:
        raise AssertionError(
            f"{label} -> {response.status_code}: " + "; ".join(failures) + f"\n{response.content[:500]!r}"
        )
