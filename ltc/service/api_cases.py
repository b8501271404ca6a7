"""/api/v1/service/cases: service cases — the work queues, one case with its messages, and the
steps of its life (assign, reply, note, status, reopen, merge). Staff work cases; executives and
sales managers read them; the AR of an account (and their managers) reads its cases and may add
an internal note."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import OneOf, UserRef
from ltc.customers.access import account_visible_q
from ltc.customers.models import Account, Contact
from ltc.org.models import User
from ltc.org.types import AuthedRequest
from ltc.service import selectors
from ltc.service.access import can_work_service
from ltc.service.models import (
    Asset,
    Case,
    CaseCategory,
    CaseChannel,
    CaseMessage,
    CaseStatus,
    MessageKind,
    Priority,
    SlaState,
)
from ltc.service.services import cases as services

router = Router(tags=["service"])


class CaseRef(Schema):
    id: int
    number: str


class CaseNamedRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)


class CaseOut(Schema):
    id: int
    version: int
    number: str
    subject: str
    account: CaseNamedRef
    contact: CaseNamedRef | None
    asset: CaseNamedRef | None
    entitlement_id: int | None
    category: Annotated[str, OneOf(CaseCategory)]
    priority: Annotated[str, OneOf(Priority)]
    channel: Annotated[str, OneOf(CaseChannel)]
    status: Annotated[str, OneOf(CaseStatus)]
    owner: UserRef | None
    team_id: int | None
    opened_at: datetime
    first_response_due: datetime | None
    first_response_at: datetime | None
    resolution_due: datetime | None
    response_sla: Annotated[str, OneOf(SlaState)]
    resolution_sla: Annotated[str, OneOf(SlaState)]
    paused_at: datetime | None = Field(description="Waiting on the customer since (the SLA clocks are paused).")
    paused_minutes: int = Field(description="Business minutes waited on the customer so far.")
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened: int
    escalated_at: datetime | None
    merged_into: CaseRef | None


class CaseMessageOut(Schema):
    id: int
    kind: Annotated[str, OneOf(MessageKind)] = Field(description="note: internal, never shown to the customer.")
    channel: Annotated[str, OneOf(CaseChannel)]
    author: UserRef | None
    contact_id: int | None
    from_address: str
    body: str
    created_at: datetime


class CaseDetailOut(CaseOut):
    description: str
    resolution: str
    messages: list[CaseMessageOut]

    @staticmethod
    def resolve_messages(obj: Any) -> list[CaseMessage]:
        return list(getattr(obj, "messages_list", []))


class CaseQuery(Schema):
    view: Literal["mine", "team", "unassigned", "all"] = Field(
        "all", description="mine: your open cases; team: your teams' open cases; unassigned: the open queue."
    )
    status: Annotated[str, OneOf(CaseStatus, blank=True)] = ""
    priority: Annotated[str, OneOf(Priority, blank=True)] = ""
    sla: Annotated[str, OneOf(SlaState, blank=True)] = ""
    account_id: int | None = None
    q: str = Field("", max_length=100, description="Part of the number or the subject.")
    limit: int = 50
    offset: int = 0


class CaseIn(Schema):
    account_id: StrictInt
    subject: str = Field(max_length=200)
    description: str = Field("", max_length=20000)
    category: Annotated[str, OneOf(CaseCategory)] = "question"
    priority: Annotated[str, OneOf(Priority)] = "p3"
    channel: Annotated[str, OneOf(CaseChannel)] = "api"
    contact_id: StrictInt | None = None
    asset_id: StrictInt | None = None


class CasePatch(Schema):
    subject: str | None = Field(None, max_length=200)
    category: Annotated[str, OneOf(CaseCategory)] | None = None
    priority: Annotated[str, OneOf(Priority)] | None = Field(None, description="A new priority times the case again.")
    contact_id: StrictInt | None = None
    asset_id: StrictInt | None = None


class CaseAssignIn(Schema):
    owner_id: StrictInt | None = Field(description="An active service user; null puts the case back in the queue.")


class CaseMessageIn(Schema):
    body: str = Field(max_length=50000)


class CaseStatusIn(Schema):
    status: Annotated[str, OneOf(CaseStatus)]
    resolution: str = Field("", max_length=10000, description="What solved it (when resolving or closing).")


class CaseMergeIn(Schema):
    into_id: StrictInt = Field(description="The case of the same account that stays.")


def _case(request: AuthedRequest, case_id: int) -> Case:
    if not request.user.is_authenticated:
        raise PermissionDenied
    return selectors.case_get(request.user, case_id)


def _staff(request: AuthedRequest, case_id: int) -> Case:
    case = _case(request, case_id)
    if not can_work_service(request.user):
        raise PermissionDenied(_("Only service staff work cases."))
    return case


def _detail(case: Case, response: HttpResponse) -> Case:
    case.messages_list = list(case.messages.select_related("author").order_by("created_at", "id"))  # type: ignore[attr-defined]
    response["ETag"] = etag(case.version)
    return case


def _relations(request: AuthedRequest, account_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """contact_id and asset_id as records of the case's account, or a field error."""
    if "contact_id" in data:
        contact_id = data.pop("contact_id")
        contact = None
        if contact_id is not None:
            # An erased contact (personal data removed) takes no new case.
            contact = Contact.objects.filter(pk=contact_id, account_id=account_id, erased_at__isnull=True).first()
            if contact is None:
                raise ValidationError({"contact_id": [_("No such contact of the case's account.")]})
        data["contact"] = contact
    if "asset_id" in data:
        asset_id = data.pop("asset_id")
        asset = None
        if asset_id is not None:
            asset = Asset.objects.filter(pk=asset_id, account_id=account_id).first()
            if asset is None:
                raise ValidationError({"asset_id": [_("No such asset of the case's account.")]})
        data["asset"] = asset
    return data


@router.get("/service/cases", response=Page[CaseOut])
def case_list(request: AuthedRequest, query: Query[CaseQuery]) -> dict[str, Any]:
    """Cases you may read, soonest resolution due first (service staff, executives, sales
    managers; an AR the cases of their accounts with `view=all`)."""
    qs = selectors.case_list(
        request.user,
        view=query.view,
        status=query.status,
        priority=query.priority,
        sla=query.sla,
        account_id=query.account_id,
        q=query.q,
    ).select_related("asset", "merged_into")
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/service/cases", response={201: CaseDetailOut})
def case_create(request: AuthedRequest, payload: CaseIn, response: HttpResponse) -> Status[Any]:
    """Open a case (service staff): numbered, timed against the account's SLA, routed by the rules."""
    if not can_work_service(request.user):
        raise PermissionDenied(_("Only service staff work cases."))
    data = payload.model_dump()
    accounts = Account.objects.all()
    if not request.user.has_global_scope(area="service"):
        accounts = accounts.filter(account_visible_q(request.user))
    found = accounts.filter(pk=data.pop("account_id")).first()
    if found is None:
        raise ValidationError({"account_id": [_("No such account.")]})
    data = _relations(request, found.pk, data)
    case = services.case_create(actor=request.user, account=found, **data)
    response["Location"] = f"/api/v1/service/cases/{case.pk}"
    return Status(201, _detail(selectors.case_get(request.user, case.pk), response))


@router.get("/service/cases/{case_id}", response=CaseDetailOut)
def case_get(request: AuthedRequest, case_id: int, response: HttpResponse) -> Case:
    """One case with every message, internal notes included (they never reach the customer)."""
    return _detail(_case(request, case_id), response)


@router.patch("/service/cases/{case_id}", response=CaseDetailOut)
def case_update(request: AuthedRequest, case_id: int, payload: CasePatch, response: HttpResponse) -> Case:
    case = _staff(request, case_id)
    expected = if_match_version(request, case)
    data = _relations(request, case.account_id, payload.model_dump(exclude_unset=True))
    for name in ("subject", "category", "priority"):
        if name in data and data[name] is None:
            raise ValidationError({name: [_("This field cannot be empty.")]})
    services.case_update(actor=request.user, case=case, version=expected, data=data)
    return _detail(selectors.case_get(request.user, case.pk), response)


@router.post("/service/cases/{case_id}/assign", response=CaseDetailOut)
def case_assign(request: AuthedRequest, case_id: int, payload: CaseAssignIn, response: HttpResponse) -> Case:
    """Give the case to a service user, or back to the queue (If-Match)."""
    case = _staff(request, case_id)
    expected = if_match_version(request, case)
    owner = None
    if payload.owner_id is not None:
        owner = User.objects.filter(pk=payload.owner_id, is_active=True).first()
        if owner is None:
            raise ValidationError({"owner_id": [_("No such user.")]})
    try:
        services.case_assign(actor=request.user, case=case, owner=owner, version=expected)
    except ValidationError as exc:
        raise ValidationError({"owner_id": exc.message_dict.get("owner", exc.messages)}) from exc
    return _detail(selectors.case_get(request.user, case.pk), response)


@router.post("/service/cases/{case_id}/replies", response={201: CaseMessageOut})
def case_reply(request: AuthedRequest, case_id: int, payload: CaseMessageIn) -> Status[Any]:
    """A reply to the customer (service staff; sent by e-mail, shown in the portal). The first
    reply stops the first-response clock."""
    case = _staff(request, case_id)
    return Status(201, services.case_reply(actor=request.user, case=case, body=payload.body))


@router.post("/service/cases/{case_id}/notes", response={201: CaseMessageOut})
def case_note(request: AuthedRequest, case_id: int, payload: CaseMessageIn) -> Status[Any]:
    """An internal note (service staff, and whoever reads the case's account); never sent."""
    case = _case(request, case_id)
    return Status(201, services.case_reply(actor=request.user, case=case, body=payload.body, internal=True))


@router.post("/service/cases/{case_id}/status", response=CaseDetailOut)
def case_set_status(request: AuthedRequest, case_id: int, payload: CaseStatusIn, response: HttpResponse) -> Case:
    """Move the case (If-Match): waiting pauses the SLA clocks; resolving stops them and makes the
    satisfaction survey; back to in progress from resolved or closed is a reopen."""
    case = _staff(request, case_id)
    expected = if_match_version(request, case)
    services.case_set_status(
        actor=request.user, case=case, status=payload.status, version=expected, resolution=payload.resolution
    )
    return _detail(selectors.case_get(request.user, case.pk), response)


@router.post("/service/cases/{case_id}/reopen", response=CaseDetailOut)
def case_reopen(request: AuthedRequest, case_id: int, response: HttpResponse) -> Case:
    """Reopen a case resolved within the reopen window (If-Match)."""
    case = _staff(request, case_id)
    expected = if_match_version(request, case)
    services.case_reopen(actor=request.user, case=case, version=expected)
    return _detail(selectors.case_get(request.user, case.pk), response)


@router.post("/service/cases/{case_id}/merge", response=CaseDetailOut)
def case_merge(request: AuthedRequest, case_id: int, payload: CaseMergeIn, response: HttpResponse) -> Case:
    """Merge this duplicate into another case of the same account (If-Match on the duplicate):
    its messages move there and it is closed."""
    case = _staff(request, case_id)
    if_match_version(request, case)
    into = selectors.case_list(request.user).filter(pk=payload.into_id).first()
    if into is None:
        raise ValidationError({"into_id": [_("No such case.")]})
    try:
        services.case_merge(actor=request.user, duplicate=case, into=into)
    except ValidationError as exc:
        raise ValidationError({"into_id": exc.message_dict.get("into", exc.messages)}) from exc
    return _detail(selectors.case_get(request.user, case.pk), response)
