"""/api/v1/accounts and /api/v1/contacts: thin over customers.services and .selectors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from ltc.core import customfields
from ltc.core.api import PROBLEM_CONTENT_TYPE, Page, etag, if_match_version, paginate, validation_errors
from ltc.core.api_custom_fields import CustomFieldsIn, CustomFilters, WithCustomFields
from ltc.core.panels import ApiLinks, answer_links
from ltc.core.schemas import DuplicateOut, NoteIn, OneOf, TimelineEventOut, UserRef
from ltc.core.timeline import timeline_for
from ltc.customers import selectors, services
from ltc.customers.choices import AccountStatus, CompanySize
from ltc.customers.models import Account, Contact
from ltc.org.choices import Industry, Region
from ltc.org.models import User
from ltc.org.types import AuthedRequest

router = Router(tags=["customers"])


class AccountIn(Schema):
    name: str
    credit_code: str = ""
    industry: Annotated[str, OneOf(Industry, blank=True)] = ""
    region: Annotated[str, OneOf(Region, blank=True)] = ""
    size: Annotated[str, OneOf(CompanySize, blank=True)] = ""
    status: Annotated[str, OneOf(AccountStatus)] = "prospect"
    parent_id: int | None = None
    owner_id: int | None = None
    website: str = ""
    phone: str = ""
    address: str = ""
    description: str = ""
    custom_fields: CustomFieldsIn = None


class AccountPatch(Schema):
    name: str | None = None
    credit_code: str | None = None
    industry: Annotated[str, OneOf(Industry, blank=True)] | None = None
    region: Annotated[str, OneOf(Region, blank=True)] | None = None
    size: Annotated[str, OneOf(CompanySize, blank=True)] | None = None
    status: Annotated[str, OneOf(AccountStatus)] | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    website: str | None = None
    phone: str | None = None
    address: str | None = None
    description: str | None = None
    custom_fields: CustomFieldsIn = None


class AccountOut(WithCustomFields):
    id: int
    version: int
    name: str
    credit_code: str
    industry: Annotated[str, OneOf(Industry, blank=True)]
    region: Annotated[str, OneOf(Region, blank=True)]
    size: Annotated[str, OneOf(CompanySize, blank=True)]
    status: Annotated[str, OneOf(AccountStatus)]
    parent_id: int | None
    owner: UserRef
    website: str
    phone: str
    address: str
    description: str
    created_at: datetime
    updated_at: datetime


class AccountDetailOut(AccountOut):
    """The account with the lists later stages keep of it (deals, quotes, contracts, invoices)."""

    links: ApiLinks

    @staticmethod
    def resolve_links(obj: Account, context: dict[str, Any]) -> dict[str, str]:
        return answer_links(obj, context)


class AccountCreatedOut(AccountOut):
    possible_duplicates: list[DuplicateOut]


class AccountQuery(Schema):
    q: str = ""
    region: Annotated[str, OneOf(Region, blank=True)] = ""
    industry: Annotated[str, OneOf(Industry, blank=True)] = ""
    status: Annotated[str, OneOf(AccountStatus, blank=True)] = ""
    size: Annotated[str, OneOf(CompanySize, blank=True)] = ""
    owner: int | None = None
    cf: CustomFilters = ""
    sort: str = "name"
    limit: int = 50
    offset: int = 0


class ContactIn(Schema):
    account_id: int
    name: str
    title: str = ""
    department: str = ""
    mobile: str = ""
    phone: str = ""
    email: str = ""
    notes: str = ""
    custom_fields: CustomFieldsIn = None


class ContactPatch(Schema):
    account_id: int | None = None
    name: str | None = None
    title: str | None = None
    department: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    notes: str | None = None
    custom_fields: CustomFieldsIn = None


class ContactOut(WithCustomFields):
    id: int
    version: int
    account_id: int
    account_name: str
    name: str
    title: str
    department: str
    mobile: str
    phone: str
    email: str
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account_name(obj: Contact) -> str:
        return obj.account.name


class ContactDetailOut(ContactOut):
    """The contact with the lists later stages keep of them (the deals they take part in)."""

    links: ApiLinks

    @staticmethod
    def resolve_links(obj: Contact, context: dict[str, Any]) -> dict[str, str]:
        return answer_links(obj, context)


class ContactCreatedOut(ContactOut):
    possible_duplicates: list[DuplicateOut]


class FieldErrorOut(Schema):
    field: str
    message: str
    code: str


class RecordLinkOut(Schema):
    """Another record the answer points to: its id, name and API URL."""

    id: int
    name: str
    url: str


class CreditCodeConflictOut(Schema):
    """409: the credit code belongs to another account. `existing` names it only for users who may
    see it; for anyone else it is null and the answer says only that the code is registered."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut]
    existing: RecordLinkOut | None


class MergedRecordOut(Schema):
    """404 for a merged account or contact: `merged_into` names the record it now lives on, when the
    user may see that one (else null)."""

    type: str
    title: str
    status: int
    merged_into: RecordLinkOut | None = None


def _problem_doc(schema: type[Schema], description: str) -> dict[str, Any]:
    """A problem+json answer with its own fields, declared on one operation."""
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": schema.model_json_schema()}}}


CREDIT_CODE_CONFLICT = {"responses": {409: _problem_doc(CreditCodeConflictOut, "Credit code already registered")}}
MERGED_RECORD = {"responses": {404: _problem_doc(MergedRecordOut, "Not found, or merged into another record")}}


class CustomerMergeIn(Schema):
    source_id: int


class ContactQuery(Schema):
    q: str = ""
    account: int | None = None
    cf: CustomFilters = ""
    sort: str = "name"
    limit: int = 50
    offset: int = 0


def _resolve_refs(request: AuthedRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Turn *_id fields into records the requester may use; unknown ones are field errors."""
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        if owner_id is not None:
            owner = User.objects.filter(pk=owner_id).first()
            if owner is None:
                raise ValidationError({"owner_id": [_("No such user.")]})
            data["owner"] = owner
    for field in ("parent_id", "account_id"):
        if field in data:
            pk = data.pop(field)
            name = field.removesuffix("_id")
            if pk is None:
                data[name] = None
                continue
            try:
                data[name] = selectors.account_get(user=request.user, pk=pk)
            except Http404 as exc:
                raise ValidationError({field: [_("No such account.")]}) from exc
    return data


def _with_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = etag(version)


def _problem(status: int, body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "status": status, **body},
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def _link(record: Account | Contact, kind: str) -> dict[str, Any]:
    return {"id": record.pk, "name": record.name, "url": f"/api/v1/{kind}/{record.pk}"}


def _credit_code_conflict(request: AuthedRequest, exc: services.CreditCodeTaken) -> JsonResponse:
    """409 naming the existing account only to a user who may see it (deny by default)."""
    visible = selectors.account_visible_to(user=request.user, account=exc.existing)
    return _problem(
        409,
        {
            "title": _("This unified social credit code is already registered."),
            "detail": _("Open the existing account instead of creating a second one.")
            if visible
            else _("Another account holds this code; ask your manager or an administrator."),
            "errors": validation_errors(exc),
            "existing": _link(exc.existing, "accounts") if visible else None,
        },
    )


def _merged(exc: selectors.MergedRecord, kind: str) -> JsonResponse:
    target = exc.target
    return _problem(
        404,
        {
            "title": _("This record was merged into another one."),
            "merged_into": _link(target, kind) if target is not None else None,
        },
    )


def _merge_source(request: AuthedRequest, get: Any, source_id: int) -> Any:
    """The record named in the body; one the user may not see (or a merged one) is a field error."""
    try:
        return get(user=request.user, pk=source_id)
    except Http404 as exc:
        raise ValidationError({"source_id": [_("No such record.")]}) from exc


# --- accounts --------------------------------------------------------------------------------


@router.get("/accounts", response=Page[AccountOut])
def account_list(request: AuthedRequest, query: Query[AccountQuery]) -> dict[str, Any]:
    filters = selectors.AccountFilters(
        q=query.q,
        region=query.region,
        industry=query.industry,
        status=query.status,
        size=query.size,
        owner=query.owner,
        sort=query.sort,
    )
    queryset = customfields.filter_records(
        selectors.account_list(user=request.user, filters=filters), "account", customfields.api_filters(query.cf)
    )
    page = paginate(queryset, limit=query.limit, offset=query.offset)
    customfields.attach(page["items"])
    return page


@router.post("/accounts", response={201: AccountCreatedOut}, openapi_extra=CREDIT_CODE_CONFLICT)
def account_create(request: AuthedRequest, payload: AccountIn, response: HttpResponse) -> Any:
    """Create an account; a credit code another account holds answers 409 (see CreditCodeConflictOut)."""
    data = _resolve_refs(request, payload.dict())
    custom = data.pop("custom_fields", None) or {}
    try:
        with transaction.atomic():
            account = services.account_create(actor=request.user, data=data)
            customfields.custom_values_set(actor=request.user, record=account, data=custom, creating=True)
    except services.CreditCodeTaken as exc:
        return _credit_code_conflict(request, exc)
    duplicates = selectors.account_duplicates(
        user=request.user, name=account.name, credit_code=account.credit_code, exclude_pk=account.pk
    )
    _with_etag(response, account.version)
    response["Location"] = f"/api/v1/accounts/{account.pk}"
    account.possible_duplicates = duplicates  # type: ignore[attr-defined]
    return Status(201, account)


@router.get("/accounts/{account_id}", response=AccountDetailOut, openapi_extra=MERGED_RECORD)
def account_get(request: AuthedRequest, account_id: int, response: HttpResponse) -> Any:
    """The account; a merged one answers 404 with `merged_into` (when the user may see the target)."""
    try:
        account = selectors.account_get(user=request.user, pk=account_id)
    except selectors.MergedRecord as exc:
        return _merged(exc, "accounts")
    _with_etag(response, account.version)
    return account


@router.patch("/accounts/{account_id}", response=AccountOut, openapi_extra=CREDIT_CODE_CONFLICT)
def account_update(request: AuthedRequest, account_id: int, payload: AccountPatch, response: HttpResponse) -> Any:
    account = selectors.account_get(user=request.user, pk=account_id)
    expected = if_match_version(request, account)
    data = _resolve_refs(request, payload.dict(exclude_unset=True))
    custom = data.pop("custom_fields", None)
    try:
        with transaction.atomic():
            account = services.account_update(actor=request.user, account=account, data=data, expected_version=expected)
            if custom is not None:
                customfields.custom_values_set(actor=request.user, record=account, data=custom)
    except services.CreditCodeTaken as exc:
        return _credit_code_conflict(request, exc)
    _with_etag(response, account.version)
    return account


@router.post("/accounts/{account_id}/merge", response=AccountOut)
def account_merge(request: AuthedRequest, account_id: int, payload: CustomerMergeIn, response: HttpResponse) -> Account:
    """Merge the duplicate `source_id` into this account (If-Match: this account's ETag).

    Admins and managers above both owners; everything pointing at the source moves here; the
    source is kept and answers 404 with `merged_into` from then on."""
    target = selectors.account_get(user=request.user, pk=account_id)
    expected = if_match_version(request, target)
    source = _merge_source(request, selectors.account_get, payload.source_id)
    account = services.account_merge(actor=request.user, target=target, source=source, expected_version=expected)
    _with_etag(response, account.version)
    return account


@router.delete("/accounts/{account_id}", response={204: None})
def account_delete(request: AuthedRequest, account_id: int) -> Status[None]:
    """Delete an account entered by mistake (If-Match required); refused while anything refers to it."""
    account = selectors.account_get(user=request.user, pk=account_id)
    services.account_delete(actor=request.user, account=account, expected_version=if_match_version(request, account))
    return Status(204, None)


@router.get("/accounts/{account_id}/duplicates", response=list[DuplicateOut])
def account_duplicates(request: AuthedRequest, account_id: int) -> Any:
    account = selectors.account_get(user=request.user, pk=account_id)
    return selectors.account_duplicates(
        user=request.user, name=account.name, credit_code=account.credit_code, exclude_pk=account.pk
    )


@router.get("/accounts/{account_id}/timeline", response=list[TimelineEventOut])
def account_timeline(request: AuthedRequest, account_id: int) -> Any:
    return timeline_for(selectors.account_get(user=request.user, pk=account_id))


@router.post("/accounts/{account_id}/notes", response={201: TimelineEventOut})
def account_note_add(request: AuthedRequest, account_id: int, payload: NoteIn) -> Status[Any]:
    account = selectors.account_get(user=request.user, pk=account_id)
    return Status(201, services.account_note_add(actor=request.user, account=account, text=payload.text))


# --- contacts --------------------------------------------------------------------------------


@router.get("/contacts", response=Page[ContactOut])
def contact_list(request: AuthedRequest, query: Query[ContactQuery]) -> dict[str, Any]:
    filters = selectors.ContactFilters(q=query.q, account=query.account, sort=query.sort)
    queryset = customfields.filter_records(
        selectors.contact_list(user=request.user, filters=filters), "contact", customfields.api_filters(query.cf)
    )
    page = paginate(queryset, limit=query.limit, offset=query.offset)
    customfields.attach(page["items"])
    return page


@router.post("/contacts", response={201: ContactCreatedOut})
def contact_create(request: AuthedRequest, payload: ContactIn, response: HttpResponse) -> Status[Any]:
    data = _resolve_refs(request, payload.dict())
    custom = data.pop("custom_fields", None) or {}
    with transaction.atomic():
        contact = services.contact_create(actor=request.user, data=data)
        customfields.custom_values_set(actor=request.user, record=contact, data=custom, creating=True)
    duplicates = selectors.contact_duplicates(
        user=request.user, email=contact.email, mobile=contact.mobile, exclude_pk=contact.pk
    )
    _with_etag(response, contact.version)
    response["Location"] = f"/api/v1/contacts/{contact.pk}"
    contact.possible_duplicates = duplicates  # type: ignore[attr-defined]
    return Status(201, contact)


@router.get("/contacts/{contact_id}", response=ContactDetailOut, openapi_extra=MERGED_RECORD)
def contact_get(request: AuthedRequest, contact_id: int, response: HttpResponse) -> Any:
    """The contact; a merged one answers 404 with `merged_into` (when the user may see the target)."""
    try:
        contact = selectors.contact_get(user=request.user, pk=contact_id)
    except selectors.MergedRecord as exc:
        return _merged(exc, "contacts")
    _with_etag(response, contact.version)
    return contact


@router.post("/contacts/{contact_id}/merge", response=ContactOut)
def contact_merge(request: AuthedRequest, contact_id: int, payload: CustomerMergeIn, response: HttpResponse) -> Contact:
    """Merge the duplicate contact `source_id` into this one (If-Match: this contact's ETag)."""
    target = selectors.contact_get(user=request.user, pk=contact_id)
    expected = if_match_version(request, target)
    source = _merge_source(request, selectors.contact_get, payload.source_id)
    contact = services.contact_merge(actor=request.user, target=target, source=source, expected_version=expected)
    _with_etag(response, contact.version)
    return contact


@router.patch("/contacts/{contact_id}", response=ContactOut)
def contact_update(request: AuthedRequest, contact_id: int, payload: ContactPatch, response: HttpResponse) -> Contact:
    contact = selectors.contact_get(user=request.user, pk=contact_id)
    expected = if_match_version(request, contact)
    data = _resolve_refs(request, payload.dict(exclude_unset=True))
    custom = data.pop("custom_fields", None)
    with transaction.atomic():
        contact = services.contact_update(actor=request.user, contact=contact, data=data, expected_version=expected)
        if custom is not None:
            customfields.custom_values_set(actor=request.user, record=contact, data=custom)
    _with_etag(response, contact.version)
    return contact


@router.delete("/contacts/{contact_id}", response={204: None})
def contact_delete(request: AuthedRequest, contact_id: int) -> Status[None]:
    """Delete a contact and its activities into the recycle bin (If-Match required), restorable
    for 30 days; refused while anything refers to it."""
    contact = selectors.contact_get(user=request.user, pk=contact_id)
    services.contact_delete(actor=request.user, contact=contact, expected_version=if_match_version(request, contact))
    return Status(204, None)


@router.get("/contacts/{contact_id}/timeline", response=list[TimelineEventOut])
def contact_timeline(request: AuthedRequest, contact_id: int) -> Any:
    return timeline_for(selectors.contact_get(user=request.user, pk=contact_id))


@router.post("/contacts/{contact_id}/notes", response={201: TimelineEventOut})
def contact_note_add(request: AuthedRequest, contact_id: int, payload: NoteIn) -> Status[Any]:
    contact = selectors.contact_get(user=request.user, pk=contact_id)
    return Status(201, services.contact_note_add(actor=request.user, contact=contact, text=payload.text))
