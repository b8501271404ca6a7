"""/api/v1/config/custom-fields: the custom fields of accounts, contacts, leads and deals
(everyone signed in reads them; administrators define and change them, with If-Match). A
record's values travel in its own answers as `custom_fields`. Thin over ltc.core.customfields."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from ltc.core import customfields
from ltc.core.access import fetch_or_404
from ltc.core.api import etag, if_match_version
from ltc.core.models import CustomField, CustomFieldType, CustomRecordType
from ltc.core.schemas import OneOf
from ltc.org.types import AuthedRequest

router = Router(tags=["custom fields"])

CUSTOM_FIELDS_DESCRIPTION = (
    "The record's custom fields as {code: value}; their codes, types and options are listed by "
    "GET /api/v1/config/custom-fields. Values: text and choice codes as strings, number and money "
    "as decimal strings, dates as YYYY-MM-DD, user as a user id, checkbox as a boolean; null empties."
)


class WithCustomFields(Schema):
    """A record's answer with its custom values (see ltc.core.customfields.attach for lists)."""

    custom_fields: dict[str, Any] = Field(..., description=CUSTOM_FIELDS_DESCRIPTION)

    @staticmethod
    def resolve_custom_fields(obj: Any) -> dict[str, Any]:
        return customfields.api_values(obj)


CUSTOM_FILTER_DESCRIPTION = (
    "Filter by custom fields as code:value (text contains the value; other types equal it); "
    "several as code:value;code:value. Codes: GET /api/v1/config/custom-fields."
)
# The `cf` query parameter of a record list (see ltc.core.customfields.api_filters).
CustomFilters = Annotated[str, Field(description=CUSTOM_FILTER_DESCRIPTION)]


# A create or update body's custom values: only the codes given change (see custom_values_set).
CustomFieldsIn = Annotated[dict[str, Any] | None, Field(description=CUSTOM_FIELDS_DESCRIPTION)]


class CustomFieldChoiceSchema(Schema):
    code: str
    label_zh: str = ""
    label_en: str = ""


class CustomFieldOut(Schema):
    id: int
    version: int
    record_type: Annotated[str, OneOf(CustomRecordType)]
    code: str
    label: str
    label_zh: str
    label_en: str
    field_type: Annotated[str, OneOf(CustomFieldType)]
    choices: list[CustomFieldChoiceSchema]
    required: bool
    order: int
    active: bool


class CustomFieldQuery(Schema):
    record_type: Annotated[str, OneOf(CustomRecordType, blank=True)] = ""
    include_inactive: bool = False


class CustomFieldIn(Schema):
    record_type: Annotated[str, OneOf(CustomRecordType)]
    code: str
    field_type: Annotated[str, OneOf(CustomFieldType)]
    label_zh: str = ""
    label_en: str = ""
    choices: list[CustomFieldChoiceSchema] = []
    required: bool = False
    order: int = 0


class CustomFieldPatch(Schema):
    label_zh: str | None = None
    label_en: str | None = None
    choices: list[CustomFieldChoiceSchema] | None = None
    required: bool | None = None
    order: int | None = None
    active: bool | None = None


def _field(field_id: int) -> CustomField:
    return fetch_or_404(CustomField.objects.all(), pk=field_id)


def _with_etag(response: HttpResponse, field: CustomField) -> CustomField:
    response["ETag"] = etag(field.version)
    return field


@router.get("/config/custom-fields", response=list[CustomFieldOut])
def custom_field_list(request: AuthedRequest, query: Query[CustomFieldQuery]) -> Any:
    """The custom fields per record type, in order (`include_inactive`: also the deactivated)."""
    qs = CustomField.objects.order_by("record_type", "order", "id")
    if query.record_type:
        qs = qs.filter(record_type=query.record_type)
    if not query.include_inactive:
        qs = qs.filter(active=True)
    return list(qs)


@router.post("/config/custom-fields", response={201: CustomFieldOut})
def custom_field_create(request: AuthedRequest, payload: CustomFieldIn, response: HttpResponse) -> Any:
    """Define a custom field (administrators); its code, record type and type never change."""
    field = customfields.custom_field_create(actor=request.user, data=payload.model_dump())
    return Status(201, _with_etag(response, field))


@router.get("/config/custom-fields/{field_id}", response=CustomFieldOut)
def custom_field_get(request: AuthedRequest, field_id: int, response: HttpResponse) -> CustomField:
    """One field; its ETag is the version a PATCH or DELETE names in If-Match."""
    return _with_etag(response, _field(field_id))


@router.patch("/config/custom-fields/{field_id}", response=CustomFieldOut)
def custom_field_update(
    request: AuthedRequest, field_id: int, payload: CustomFieldPatch, response: HttpResponse
) -> CustomField:
    """Change labels, options (those records use stay), required, order or `active` (If-Match)."""
    field = _field(field_id)
    expected = if_match_version(request, field)
    field = customfields.custom_field_update(
        actor=request.user, field=field, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    return _with_etag(response, field)


@router.delete("/config/custom-fields/{field_id}", response=CustomFieldOut)
def custom_field_deactivate(request: AuthedRequest, field_id: int, response: HttpResponse) -> CustomField:
    """Deactivate a field (If-Match): it leaves forms, pages and answers; its values are kept."""
    field = _field(field_id)
    field = customfields.custom_field_deactivate(
        actor=request.user, field=field, expected_version=if_match_version(request, field)
    )
    return _with_etag(response, field)
