"""Custom fields (#18): fields an administrator adds to accounts, contacts, leads and deals.

Each app registers the model behind a record type (`register`); definitions are `CustomField`
rows, values `CustomValue` rows (one per field and record, in the column the type uses). Writes go
through `custom_field_create/update/deactivate` (administrators) and `custom_values_set` (whoever
may change the record: the caller has checked that), each on a timeline; reads through
`custom_values_of`, one query for a page of records."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ltc.core import timeline
from ltc.core.concurrency import StaleVersionError, save_if_current
from ltc.core.models import CustomField, CustomFieldType, CustomRecordType, CustomValue
from ltc.core.money import DECIMAL_PLACES
from ltc.core.templatetags import numbers
from ltc.core.text import validate_text

CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TEXT_MAX = 1000
LABEL_MAX = 100
MAX_CHOICES = 100
NUMBER_PLACES = 4
NUMBER_WHOLE_DIGITS = 14  # Decimal(18, 4)
FORM_PREFIX = "cf_"
FILTER_PREFIX = "cf_"
DEFINITION_FIELDS = ("label_zh", "label_en", "choices", "required", "order", "active")


# --- the registry ----------------------------------------------------------------------------


_MODELS: dict[str, type[models.Model]] = {}


def register(record_type: str, model: type[models.Model]) -> None:
    """Called by each app from its own module: `model` is the record behind `record_type`."""
    _MODELS[CustomRecordType(record_type).value] = model


def model_for(record_type: str) -> type[models.Model] | None:
    return _MODELS.get(record_type)


def record_type_of(record: models.Model) -> str:
    for key, model in _MODELS.items():
        if isinstance(record, model):
            return key
    raise LookupError(f"{type(record).__name__} has no custom fields")


# --- definitions -----------------------------------------------------------------------------


def can_manage_custom_fields(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role("admin"))


def definitions(record_type: str, *, active_only: bool = True) -> list[CustomField]:
    """The fields of one record type, in their order."""
    queryset = CustomField.objects.filter(record_type=record_type)
    if active_only:
        queryset = queryset.filter(active=True)
    return list(queryset.order_by("order", "id"))


def _clean_choices(raw: Any, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
        errors["choices"] = [_("Give the options as a list of at most %(n)d.") % {"n": MAX_CHOICES}]
        return []
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, Mapping):
            errors["choices"] = [_("Each option has a code and labels.")]
            return []
        code = str(item.get("code") or "").strip()
        label_zh = str(item.get("label_zh") or "").strip()[:LABEL_MAX]
        label_en = str(item.get("label_en") or "").strip()[:LABEL_MAX]
        if not CODE.match(code):
            errors["choices"] = [
                _("An option code is lower-case letters, digits and _, starting with a letter: %(code)s")
                % {"code": code or "—"}
            ]
            return []
        if code in seen:
            errors["choices"] = [_("The option code %(code)s is given twice.") % {"code": code}]
            return []
        seen.add(code)
        cleaned.append(
            {"code": code, "label_zh": label_zh or label_en or code, "label_en": label_en or label_zh or code}
        )
    return cleaned


def _read_definition(field: CustomField, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    """Copy the changeable attributes in `data` onto `field`, collecting field errors."""
    for name in ("label_zh", "label_en"):
        if name in data:
            value = str(data[name] or "").strip()
            if len(value) > LABEL_MAX:
                errors[name] = [_("At most %(n)d characters.") % {"n": LABEL_MAX}]
            setattr(field, name, value)
    if not (field.label_zh or field.label_en):
        errors["label_zh"] = [_("Give the field a label.")]
    if "required" in data:
        field.required = bool(data["required"])
    if "active" in data:
        field.active = bool(data["active"])
    if "order" in data:
        order = data["order"]
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 10_000:
            errors["order"] = [_("Give a whole number from 0 to 10000.")]
        else:
            field.order = order
    if "choices" in data:
        field.choices = _clean_choices(data["choices"], errors)
    if field.field_type == CustomFieldType.CHOICE and not field.choices and "choices" not in errors:
        errors["choices"] = [_("A choice field needs at least one option.")]
    if field.field_type != CustomFieldType.CHOICE:
        field.choices = []


def _require_admin(actor: Any) -> None:
    if not can_manage_custom_fields(actor):
        raise PermissionDenied(_("Only administrators define custom fields."))


def custom_field_create(*, actor: Any, data: Mapping[str, Any]) -> CustomField:
    """Define a field on a record type (administrators). Refuses an unknown type or record type,
    a code that is not a slug or is taken on that record type, a choice field without options."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    record_type = str(data.get("record_type") or "")
    if record_type not in CustomRecordType.values:
        errors["record_type"] = [_("Choose a record type.")]
    field_type = str(data.get("field_type") or "")
    if field_type not in CustomFieldType.values:
        errors["field_type"] = [_("Choose a field type.")]
    code = str(data.get("code") or "").strip()
    if not CODE.match(code):
        errors["code"] = [_("A code is lower-case letters, digits and _, starting with a letter (at most 40).")]
    elif CustomField.objects.filter(record_type=record_type, code=code).exists():
        errors["code"] = [_("This record type has a field with this code already.")]
    field = CustomField(record_type=record_type, code=code, field_type=field_type)
    _read_definition(field, data, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        field.save()
        timeline.record_created(actor=actor, subject=field, text=field.label)
    return field


def custom_field_update(
    *, actor: Any, field: CustomField, data: Mapping[str, Any], expected_version: int
) -> CustomField:
    """Change a field's labels, options, required flag, order or activity (administrators; a stale
    version is refused). Its code, record type and type never change; an option records use
    cannot be removed."""
    _require_admin(actor)
    before = timeline.snapshot(field, DEFINITION_FIELDS)
    errors: dict[str, list[str]] = {}
    for fixed in ("code", "record_type", "field_type"):
        if fixed in data and data[fixed] != getattr(field, fixed):
            errors[fixed] = [_("This cannot change once the field is defined.")]
    _read_definition(field, data, errors)
    if field.field_type == CustomFieldType.CHOICE and "choices" not in errors:
        kept = {c["code"] for c in field.choices}
        used = set(CustomValue.objects.filter(field=field).exclude(text__in=kept).values_list("text", flat=True)[:5])
        if used:
            errors["choices"] = [
                _("Records use the options %(codes)s: keep them.") % {"codes": ", ".join(sorted(used))}
            ]
    if errors:
        field.refresh_from_db()
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            save_if_current(field, expected_version=expected_version, fields=list(DEFINITION_FIELDS))
            timeline.record_changes(actor=actor, subject=field, before=before)
    except StaleVersionError:
        field.refresh_from_db()  # the caller's copy shows what is stored, not the refused change
        raise
    return field


def custom_field_deactivate(*, actor: Any, field: CustomField, expected_version: int) -> CustomField:
    """Hide a field from forms, pages and the API; its values are kept (a field is never deleted)."""
    return custom_field_update(actor=actor, field=field, data={"active": False}, expected_version=expected_version)


# --- values ----------------------------------------------------------------------------------


def _parse(field: CustomField, raw: Any) -> Any:
    """The typed value of `raw` for `field` (None for empty); ValidationError (a message) if bad."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = field.field_type
    if kind == CustomFieldType.TEXT:
        if not isinstance(raw, str):
            raise ValidationError(_("Enter text."))
        text = raw.strip()
        if len(text) > TEXT_MAX:
            raise ValidationError(_("At most %(n)d characters.") % {"n": TEXT_MAX})
        validate_text(text)
        return text
    if kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
        # Amounts travel as text or whole numbers, never through a binary float.
        if isinstance(raw, (bool, float)):
            raise ValidationError(_('Send the number as text, e.g. "12.50".'))
        try:
            number = Decimal(str(raw).strip())
        except (ArithmeticError, ValueError) as exc:
            raise ValidationError(_("Enter a number.")) from exc
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        places = DECIMAL_PLACES if kind == CustomFieldType.MONEY else NUMBER_PLACES
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise ValidationError(_("At most %(n)d decimal places.") % {"n": places})
        # adjusted() reads the exponent without arithmetic: abs() or a comparison would round
        # "1e9999999" to the context and raise Overflow. Zero has no size, whatever its exponent.
        if number and number.adjusted() >= NUMBER_WHOLE_DIGITS:
            raise ValidationError(_("The number is too large."))
        return number
    if kind == CustomFieldType.DATE:
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(str(raw).strip())
        except ValueError as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    if kind == CustomFieldType.CHOICE:
        code = str(raw).strip()
        if code not in {c["code"] for c in field.choices}:
            raise ValidationError(_("%(code)s is not one of the options.") % {"code": code})
        return code
    if kind == CustomFieldType.USER:
        pk = getattr(raw, "pk", raw)
        text = str(pk) if isinstance(pk, int) and not isinstance(pk, bool) else pk
        user_model = get_user_model()
        user = (
            user_model.objects.filter(pk=int(text), is_active=True).first()
            if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) < 19
            else None
        )
        if user is None:
            raise ValidationError(_("No such active user."))
        return user
    if kind == CustomFieldType.CHECKBOX:
        if isinstance(raw, bool):
            return raw
        raise ValidationError(_("Give true or false."))
    raise ValidationError(_("Unknown field type."))


def _plain(number: Decimal) -> Decimal:
    """A number without trailing zeros and without an exponent (100, not 1E+2)."""
    number = number.normalize()
    exponent = number.as_tuple().exponent
    return number.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else number


def _stored(field: CustomField, value: Any) -> str:
    """How a value is written on the timeline (codes, ISO dates, user names at the time)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if field.field_type == CustomFieldType.MONEY:
            return str(value.quantize(Decimal(1).scaleb(-DECIMAL_PLACES)))
        return str(_plain(value))
    return str(value)


def _value_of(row: CustomValue) -> Any:
    kind = row.field.field_type
    if kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
        if row.number is None:
            return None
        if kind == CustomFieldType.MONEY:
            return row.number.quantize(Decimal(1).scaleb(-DECIMAL_PLACES))
        return _plain(row.number)
    if kind == CustomFieldType.DATE:
        return row.date
    if kind == CustomFieldType.CHECKBOX:
        return row.flag
    if kind == CustomFieldType.USER:
        return row.user
    return row.text or None


def _assign(row: CustomValue, field: CustomField, value: Any) -> None:
    row.text, row.number, row.date, row.flag, row.user = "", None, None, None, None
    kind = field.field_type
    if kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
        row.number = value
    elif kind == CustomFieldType.DATE:
        row.date = value
    elif kind == CustomFieldType.CHECKBOX:
        row.flag = value
    elif kind == CustomFieldType.USER:
        row.user = value
    else:
        row.text = value


def _change_meta(field: CustomField) -> dict[str, Any]:
    meta: dict[str, Any] = {"type": field.field_type, "label_zh": field.label_zh, "label_en": field.label_en}
    if field.field_type == CustomFieldType.CHOICE:
        meta["choices"] = {c["code"]: [c["label_en"], c["label_zh"]] for c in field.choices}
    return meta


def custom_values_set(
    *, actor: Any, record: models.Model, data: Mapping[str, Any], creating: bool = False
) -> list[dict[str, Any]]:
    """Write the custom values in `data` ({code: value}) on `record`, listing the changes on its
    timeline in one entry. Refuses (changing nothing) an unknown or inactive code and a value of
    the wrong type, with errors keyed "custom_fields.<code>"; a required field may not be emptied,
    and when `creating` every required field needs a value. The caller has checked that `actor`
    may change `record`."""
    if not isinstance(data, Mapping):
        raise ValidationError({"custom_fields": [_("Give the custom fields as an object of code: value.")]})
    fields = {f.code: f for f in definitions(record_type_of(record))}
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Any] = {}
    for code, raw in data.items():
        key = f"custom_fields.{code}"
        field = fields.get(str(code))
        if field is None:
            errors[key] = [_("There is no custom field with this code.")]
            continue
        try:
            parsed[field.code] = _parse(field, raw)
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        if field.required and parsed[field.code] is None:
            errors[key] = [_("This field is required.")]
    if creating:
        for code, field in fields.items():
            if field.required and code not in data:
                errors[f"custom_fields.{code}"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    content_type = ContentType.objects.get_for_model(record)
    changes: list[dict[str, Any]] = []
    with transaction.atomic():
        existing = {
            row.field.code: row
            for row in CustomValue.objects.select_related("field", "user").filter(
                content_type=content_type, object_id=record.pk, field__code__in=list(parsed), field__in=fields.values()
            )
        }
        created: list[CustomValue] = []
        emptied: list[int] = []
        for code, value in parsed.items():
            field = fields[code]
            row = existing.get(code)
            old = _stored(field, _value_of(row)) if row is not None else ""
            new = _stored(field, value)
            if old == new:
                continue
            changes.append({"field": f"custom.{code}", "old": old, "new": new, "custom": _change_meta(field)})
            if value is None:
                emptied.append(row.pk)  # type: ignore[union-attr]  # old != "" so the row exists
            elif row is None:
                row = CustomValue(field=field, content_type=content_type, object_id=record.pk)
                _assign(row, field, value)
                created.append(row)
            else:
                _assign(row, field, value)
                row.save(update_fields=["text", "number", "date", "flag", "user"])
        if emptied:
            CustomValue.objects.filter(pk__in=emptied).delete()
        if created:
            CustomValue.objects.bulk_create(created)
        if changes and not creating:
            timeline.record_field_changes(actor=actor, subject=record, changes=changes)
    record.__dict__.pop("_custom_values", None)  # what `attach` read is stale now
    record.__dict__.pop("_custom_typed", None)
    return changes


def custom_values_of(records: Iterable[models.Model]) -> dict[int, dict[str, Any]]:
    """{record pk: {code: value}} of the active fields, for a page of records of one model in one
    query. Values are typed: str, Decimal, date, bool, a User."""
    records = list(records)
    result: dict[int, dict[str, Any]] = {r.pk: {} for r in records}
    if not records:
        return result
    meta = records[0]._meta
    rows = CustomValue.objects.filter(  # the content type by a join: one query, warm cache or not
        content_type__app_label=meta.app_label,
        content_type__model=meta.model_name,
        object_id__in=list(result),
        field__active=True,
    ).select_related("field", "user")
    for row in rows:
        result[row.object_id][row.field.code] = _value_of(row)
    return result


def json_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the API answers them: amounts and numbers as text, ISO dates, user ids."""
    out: dict[str, Any] = {}
    for code, value in values.items():
        if isinstance(value, Decimal):
            out[code] = str(value)
        elif isinstance(value, date):
            out[code] = value.isoformat()
        elif isinstance(value, models.Model):
            out[code] = value.pk
        else:
            out[code] = value
    return out


def display(field: CustomField, value: Any) -> str:
    """A value as a person reads it, in the active language."""
    if value is None or value == "":
        return ""
    kind = field.field_type
    if kind == CustomFieldType.MONEY:
        return numbers.money(value)
    if kind == CustomFieldType.NUMBER:
        return numbers.quantity(value)
    if kind == CustomFieldType.DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == CustomFieldType.CHECKBOX:
        return _("Yes") if value else _("No")
    if kind == CustomFieldType.CHOICE:
        return str(field.choice_labels().get(value, value))
    return str(value)


@dataclass(frozen=True)
class Shown:
    field: CustomField
    value: Any
    text: str


def shown_values(record: models.Model) -> list[Shown]:
    """The record's active custom fields with values, as its page lists them (two queries)."""
    fields = definitions(record_type_of(record))
    values = custom_values_of([record])[record.pk]
    return [Shown(f, values.get(f.code), display(f, values.get(f.code))) for f in fields]


def change_display(change: Mapping[str, Any]) -> dict[str, str]:
    """A custom-field change of a timeline entry as the reader's language shows it; the labels
    were written with the change, so reading a timeline asks nothing more of the database."""
    meta = change.get("custom") or {}
    chinese = (get_language() or "").startswith("zh")
    label = (meta.get("label_zh") if chinese else meta.get("label_en")) or meta.get("label_en") or change["field"]

    def readable(value: str) -> str:
        if not value:
            return value
        kind = meta.get("type")
        try:
            if kind == CustomFieldType.CHOICE:
                labels = meta.get("choices", {}).get(value)
                return str(labels[1 if chinese else 0]) if labels else value
            if kind == CustomFieldType.CHECKBOX:
                return str(_("Yes") if value == "True" else _("No"))
            if kind == CustomFieldType.DATE:
                return str(formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT"))
            if kind == CustomFieldType.MONEY:
                return numbers.money(Decimal(value))
            if kind == CustomFieldType.NUMBER:
                return numbers.quantity(Decimal(value))
        except (ValueError, ArithmeticError, IndexError):
            return value
        return value

    return {
        "field": change["field"],
        "label": str(label),
        "old": readable(change["old"]),
        "new": readable(change["new"]),
    }


# --- lists -----------------------------------------------------------------------------------


def filter_records(queryset: Any, record_type: str, params: Mapping[str, Any]) -> Any:
    """Narrow a list by `cf_<code>=value` parameters: text contains, any other type equals. A
    value the field's type cannot hold matches nothing."""
    wanted = {
        key.removeprefix(FILTER_PREFIX): value
        for key, value in params.items()
        if key.startswith(FILTER_PREFIX) and str(value).strip()
    }
    if not wanted:
        return queryset
    fields = {f.code: f for f in definitions(record_type) if f.code in wanted}
    content_type = ContentType.objects.get_for_model(queryset.model)
    for code, raw in wanted.items():
        field = fields.get(code)
        if field is None:
            continue
        rows = CustomValue.objects.filter(field=field, content_type=content_type)
        try:
            if field.field_type == CustomFieldType.TEXT:
                rows = rows.filter(text__icontains=str(raw).strip())
            elif field.field_type == CustomFieldType.CHECKBOX:
                rows = rows.filter(flag=str(raw).strip().lower() in {"1", "true", "yes", "on"})
            else:
                value = _parse(field, str(raw))
                column = {
                    CustomFieldType.NUMBER: "number",
                    CustomFieldType.MONEY: "number",
                    CustomFieldType.DATE: "date",
                    CustomFieldType.USER: "user",
                }.get(CustomFieldType(field.field_type), "text")
                rows = rows.filter(**{column: value})
        except ValidationError:
            return queryset.none()
        queryset = queryset.filter(pk__in=rows.values("object_id"))
    return queryset


def cell_value(field: CustomField, value: Any) -> Any:
    """A value as a list cell and an export write it: amounts and dates stay typed."""
    if value is None:
        return None
    if field.field_type in (CustomFieldType.NUMBER, CustomFieldType.MONEY, CustomFieldType.DATE):
        return value
    return display(field, value)


def list_columns(record_type: str) -> list[Any]:
    """The active custom fields of a record type as optional list columns ("cf_<code>"). A row's
    value is what `attach` read for its page (or export batch); a row not attached shows nothing."""
    from ltc.core.listviews import ListColumn

    def reader(field: CustomField) -> Callable[[Any], Any]:
        return lambda row: cell_value(field, getattr(row, "_custom_typed", {}).get(field.code))

    return [
        ListColumn(f"{FILTER_PREFIX}{field.code}", field.label, reader(field), default=False)
        for field in definitions(record_type)
    ]


def shows_custom(columns: Iterable[Any]) -> bool:
    """Whether a list's chosen columns include a custom field (its rows need `attach`)."""
    return any(column.key.startswith(FILTER_PREFIX) for column in columns)


def with_values(rows: Iterable[models.Model], *, batch: int = 500) -> Iterator[models.Model]:
    """The rows of an export, their custom values read a batch at a time (one query a batch)."""
    chunk: list[models.Model] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            attach(chunk)
            yield from chunk
            chunk = []
    if chunk:
        attach(chunk)
        yield from chunk


def api_filters(text: str) -> dict[str, str]:
    """The API's `cf=code:value;code:value` parameter as the `cf_<code>` filters of `filter_records`."""
    filters = {}
    for pair in filter(None, (part.strip() for part in text.split(";"))):
        code, sep, value = pair.partition(":")
        if not sep or not code:
            raise ValidationError({"cf": [_("Filter a custom field as code:value.")]})
        filters[f"{FILTER_PREFIX}{code}"] = value
    return filters


# --- forms -----------------------------------------------------------------------------------


def _form_field(field: CustomField) -> forms.Field:
    label = field.label
    required = field.required and field.field_type != CustomFieldType.CHECKBOX
    kind = field.field_type
    if kind == CustomFieldType.TEXT:
        return forms.CharField(label=label, required=required, max_length=TEXT_MAX)
    if kind in (CustomFieldType.NUMBER, CustomFieldType.MONEY):
        places = DECIMAL_PLACES if kind == CustomFieldType.MONEY else NUMBER_PLACES
        return forms.DecimalField(
            label=label, required=required, max_digits=NUMBER_WHOLE_DIGITS + places, decimal_places=places
        )
    if kind == CustomFieldType.DATE:
        return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(
            label=label, required=required, choices=[("", "---------"), *field.choice_labels().items()]
        )
    if kind == CustomFieldType.USER:
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        return forms.ModelChoiceField(label=label, required=required, queryset=users)
    return forms.BooleanField(label=label, required=False)


def _css(form_field: forms.Field) -> None:
    widget = form_field.widget
    css = (
        "form-check-input"
        if isinstance(widget, forms.CheckboxInput)
        else "form-select"
        if isinstance(widget, forms.Select)
        else "form-control"
    )
    widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def extend_form(form: forms.BaseForm, record_type: str, record: models.Model | None) -> None:
    """Add a form field per active custom field of `record_type` ("cf_<code>"), filled from
    `record`'s values; `form.custom_field_names` lists them for the template."""
    fields = definitions(record_type)
    values = custom_values_of([record])[record.pk] if record is not None and record.pk else {}
    names = []
    for field in fields:
        name = f"{FORM_PREFIX}{field.code}"
        form_field = _form_field(field)
        _css(form_field)
        form.fields[name] = form_field
        value = values.get(field.code)
        if value is not None:
            form.initial[name] = value.pk if isinstance(value, models.Model) else value
        names.append(name)
    form.custom_field_names = names  # type: ignore[attr-defined]
    form.custom_bound = [form[name] for name in names]  # type: ignore[attr-defined]


def form_data(form: forms.BaseForm) -> dict[str, Any]:
    """The cleaned custom values of a valid form extended by `extend_form`, as {code: value}."""
    data = {}
    for name in getattr(form, "custom_field_names", []):
        value = form.cleaned_data.get(name)
        if (isinstance(value, str) and not value) or (value is False and name not in form.initial):
            value = None  # an unticked box the record never had stays without a value
        data[name.removeprefix(FORM_PREFIX)] = value
    return data


# --- the API ---------------------------------------------------------------------------------


def attach(records: Iterable[models.Model]) -> None:
    """Read the custom values of a page of records in one query, for `api_values` to answer."""
    records = list(records)
    values = custom_values_of(records)
    for record in records:
        record._custom_typed = values[record.pk]  # type: ignore[attr-defined]
        record._custom_values = json_values(values[record.pk])  # type: ignore[attr-defined]


def api_values(record: models.Model) -> dict[str, Any]:
    """A record's custom values as the API answers them (read now unless `attach` did)."""
    cached = getattr(record, "_custom_values", None)
    if cached is None:
        cached = json_values(custom_values_of([record])[record.pk])
        record._custom_values = cached  # type: ignore[attr-defined]
    return dict(cached)


# --- imports ---------------------------------------------------------------------------------

TRUE_WORDS = {"1", "true", "yes", "y", "on", "是", "√", "✓"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "否", "×"}


def import_fields(record_type: str) -> dict[str, CustomField]:
    """{"cf_<code>": field}: the active custom fields a file's column may be mapped to."""
    return {f"{FORM_PREFIX}{field.code}": field for field in definitions(record_type)}


def import_row(
    fields: Mapping[str, CustomField], cells: Mapping[str, str], users: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """One file row's custom values ({code: value}) from its mapped cells, with the errors that
    reject the row. A checkbox reads yes/no words; a user is named by user name or id, looked up
    once per file through `users` (a cache the caller keeps)."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for key, text in cells.items():
        field = fields[key]
        text = (text or "").strip()
        if not text:
            continue
        try:
            if field.field_type == CustomFieldType.CHECKBOX:
                word = text.lower()
                if word not in TRUE_WORDS | FALSE_WORDS:
                    raise ValidationError(_("Give true or false."))
                values[field.code] = word in TRUE_WORDS
            elif field.field_type == CustomFieldType.USER:
                if text not in users:
                    user_model = get_user_model()
                    found = user_model.objects.filter(username=text, is_active=True).first()
                    users[text] = found if found is not None else _parse(field, text)
                values[field.code] = users[text]
            else:
                values[field.code] = _parse(field, text)
        except ValidationError as exc:
            errors.append(f"{field.label}: {' '.join(exc.messages)}")
    return values, errors


def insert_values(model: type[models.Model], rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
    """Write the custom values of newly created records (bulk paths: imports) in one insert."""
    content_type = ContentType.objects.get_for_model(model)
    fields: dict[str, CustomField] = {}
    created = []
    for pk, values in rows:
        for code, value in values.items():
            if value is None:
                continue
            if not fields:
                fields = {f.code: f for f in CustomField.objects.filter(content_type_filter(model))}
            row = CustomValue(field=fields[code], content_type=content_type, object_id=pk)
            _assign(row, fields[code], value)
            created.append(row)
    CustomValue.objects.bulk_create(created, batch_size=1000)
    return len(created)


def content_type_filter(model: type[models.Model]) -> models.Q:
    keys = [key for key, registered in _MODELS.items() if registered is model]
    return models.Q(record_type__in=keys)
