"""Form and page helpers shared by every app's UI."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ltc.core.models import ActivityKind
from ltc.core.text import validate_text


class StyledFormMixin:
    """Give widgets the UI kit's classes and an accessible name, and mark invalid fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.CharField):
                field.validators.append(validate_text)
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            # Every field is named for screen readers, also where a page draws it without its
            # <label> (filters in a row, inline forms): by its label, else by its placeholder.
            name = field.label or widget.attrs.get("placeholder")
            if name and "aria-label" not in widget.attrs and not isinstance(widget, forms.RadioSelect):
                widget.attrs["aria-label"] = name
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


def is_htmx(request: Any) -> bool:
    """Whether htmx sent the request (the view answers with a partial)."""
    return bool(request.headers.get("HX-Request") == "true")


def errors_as_text(form: forms.BaseForm) -> str:
    """A bound form's errors as one line, "Label: message", for a flash message."""
    return " ".join(f"{form.fields[f].label}: {' '.join(str(m) for m in e)}" for f, e in form.errors.items())


def flash_errors(request: Any, exc: ValidationError) -> None:
    """A service's refusal as error messages on the next page (for actions without a form)."""
    for text in exc.messages:
        messages.error(request, text)


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form's fields (or on top when not a field)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            if field.startswith("custom_fields."):  # ltc.core.customfields: the form's "cf_<code>"
                field = "cf_" + field.removeprefix("custom_fields.")
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


MAX_OFFSET = 2**31 - 1  # beyond what any database takes as an OFFSET


class ListParams:
    """Offset pagination for HTML lists, building Previous/Next links that keep the filters."""

    def __init__(self, query: Any, *, default_limit: int = 25) -> None:
        self.query = query.copy()
        self.offset = _to_int(query.get("offset"), 0, minimum=0, maximum=MAX_OFFSET)
        self.limit = _to_int(query.get("limit"), default_limit, minimum=1, maximum=200)

    def link(self, offset: int | None) -> str | None:
        if offset is None or offset < 0:
            return None
        query = self.query.copy()
        query["offset"] = str(offset)
        return "?" + str(query.urlencode())

    def page(self, result: dict[str, Any]) -> dict[str, Any]:
        return {
            **result,
            "end": result["offset"] + len(result["items"]),
            "next_url": self.link(result["next_offset"]),
            "prev_url": self.link(result["offset"] - result["limit"]) if result["offset"] > 0 else None,
        }


def is_id(value: Any) -> bool:
    """Whether `value` reads as a record's id: ASCII digits ("²" is a digit to str.isdigit() but
    not to int()) short enough for any column (a longer one overflows the database's integer)."""
    raw = str(value)
    return raw.isascii() and raw.isdigit() and len(raw) < 19


def posted_number(data: Any, name: str) -> int:
    """A whole number a form posted — a record's id, the version a page was read at — or 0,
    which names nothing, for anything else: text, a sign, a digit of another script, a number
    beyond any column (which the database would refuse with an error)."""
    raw = data.get(name, "")
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 19 else 0


def _to_int(value: Any, default: int, *, minimum: int, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    number = max(minimum, number)
    return min(number, maximum) if maximum is not None else number


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ActivityForm(StyledFormMixin, forms.Form):
    """Plan or log an activity on any record (leads, deals, ...)."""

    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("What"), max_length=200)
    done = forms.BooleanField(label=_("Already done"), required=False)
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DATETIME_WIDGET)
    remind_at = forms.DateTimeField(label=_("Remind me at"), required=False, widget=DATETIME_WIDGET)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
