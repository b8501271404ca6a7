"""Text that enters the system: control characters are refused at the edge.

A NUL byte cannot be stored by PostgreSQL (a 500 where it reached the database) and other C0
control characters break spreadsheets and documents made from the data later. Tab, line feed
and carriage return stay allowed: they are ordinary in notes and addresses."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CODE = "control_characters"


def message() -> str:
    return _("Remove the control characters (such as NUL) from this text.")


def validate_text(value: Any) -> None:
    """A Django validator for form fields."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(message(), code=CODE)


def _paths(value: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Where in a parsed JSON document a string holds a control character (keys included)."""
    if isinstance(value, str):
        return [path] if CONTROL_CHARACTERS.search(value) else []
    found: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and CONTROL_CHARACTERS.search(key):
                found.append((*path, CONTROL_CHARACTERS.sub("?", key)))
            found += _paths(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, str(index)))
    return found


def _refuse(locations: list[list[str]]) -> None:
    if locations:
        raise NinjaValidationError([{"loc": loc, "msg": message(), "type": CODE} for loc in locations])


class TextParser(Parser):
    """The API's request parser: JSON bodies and query strings with control characters are a
    422 with the field named, raised where ninja reads input (after authentication). Ninja wraps
    what the body parser raises in a 400 HttpError; the API's error handler answers its cause."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        # Body errors are located under the body parameter's name, which the error handler drops.
        _refuse([["body", "payload", *path] for path in _paths(data, ())])
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        _refuse(
            [
                ["query" if data is request.GET else "form", key]
                for key in data
                if any(CONTROL_CHARACTERS.search(v) for v in data.getlist(key) if isinstance(v, str))
            ]
        )
        return super().parse_querydict(data, list_fields, request)
