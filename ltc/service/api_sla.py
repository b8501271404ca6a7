"""/api/v1/service/calendars, /service/sla-policies, /service/entitlements: business calendars
and SLA policies (administrators and service team managers configure them; service staff read
the policies) and the accounts' entitlements (service staff change them; whoever may read the
account reads them)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator
from pydantic.config import JsonDict

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.forms import is_id
from ltc.core.schemas import OneOf, UserRef
from ltc.customers import selectors as customer_selectors
from ltc.org.types import AuthedRequest
from ltc.service.access import can_work_service
from ltc.service.models import DayKind, Entitlement, EntitlementStatus, Priority, SupportLevel
from ltc.service.services import calendars, entitlements, policies

router = Router(tags=["service"])


# --- calendars -----------------------------------------------------------------------------------


def _local_time(value: time | None) -> time | None:
    """Working hours are local wall-clock times: one with an offset is refused (422)."""
    if value is not None and value.tzinfo is not None:
        raise ValueError(_("Give a local time without a time zone, e.g. 09:00."))
    return value


# A local wall-clock time as written ("09:00" or "09:00:00"): RFC 3339's "time" needs an offset.
LOCAL_TIME: JsonDict = {"format": "partial-time", "pattern": r"^\d{2}:\d{2}(:\d{2})?$"}


class BusinessCalendarIn(Schema):
    name: str
    day_starts: time = Field(time(9, 0), description="Local time the working day starts.", json_schema_extra=LOCAL_TIME)
    day_ends: time = Field(time(18, 0), description="Local time the working day ends.", json_schema_extra=LOCAL_TIME)

    @field_validator("day_starts", "day_ends")
    @classmethod
    def _local(cls, value: time | None) -> time | None:
        return _local_time(value)


class BusinessCalendarPatch(Schema):
    name: str | None = None
    day_starts: time | None = Field(None, json_schema_extra=LOCAL_TIME)
    day_ends: time | None = Field(None, json_schema_extra=LOCAL_TIME)

    @field_validator("day_starts", "day_ends")
    @classmethod
    def _local(cls, value: time | None) -> time | None:
        return _local_time(value)


class BusinessCalendarOut(Schema):
    id: int
    version: int
    name: str
    # Local wall-clock times without an offset ("09:00"): JSON Schema's "time" format requires one.
    day_starts: str = Field(pattern=r"^\d{2}:\d{2}$", description="Local time the working day starts (HH:MM).")
    day_ends: str = Field(pattern=r"^\d{2}:\d{2}$", description="Local time the working day ends (HH:MM).")
    is_default: bool
    updated_at: datetime

    @staticmethod
    def resolve_day_starts(obj: Any) -> str:
        return f"{obj.day_starts:%H:%M}"

    @staticmethod
    def resolve_day_ends(obj: Any) -> str:
        return f"{obj.day_ends:%H:%M}"


class CalendarDayIn(Schema):
    day: date
    kind: Annotated[str, OneOf(DayKind)] = Field(
        description="holiday: a weekday off; workday: a weekend day worked (调休)."
    )
    name: str = ""


class CalendarDayOut(Schema):
    day: date
    kind: Annotated[str, OneOf(DayKind)]
    name: str


class CalendarYearIn(Schema):
    year: int = Field(
        ge=1900, le=2200, description="A year the holiday library knows; otherwise enter its days one by one."
    )


class CalendarImportOut(Schema):
    year: int
    days: int


class CalendarDayQuery(Schema):
    year: int | None = Field(None, ge=1900, le=2200)


def _answer(response: HttpResponse, record: Any) -> Any:
    response["ETag"] = etag(record.version)
    return record


@router.get("/service/calendars", response=list[BusinessCalendarOut])
def calendar_list(request: AuthedRequest) -> Any:
    """Business calendars, the default first (administrators and service team managers)."""
    return list(calendars.calendar_list(user=request.user))


@router.post("/service/calendars", response={201: BusinessCalendarOut})
def calendar_create(request: AuthedRequest, payload: BusinessCalendarIn, response: HttpResponse) -> Status[Any]:
    calendar = calendars.calendar_create(actor=request.user, data=payload.model_dump())
    response["Location"] = f"/api/v1/service/calendars/{calendar.pk}"
    return Status(201, _answer(response, calendar))


@router.get("/service/calendars/{calendar_id}", response=BusinessCalendarOut)
def calendar_get(request: AuthedRequest, calendar_id: int, response: HttpResponse) -> Any:
    return _answer(response, calendars.calendar_get(user=request.user, pk=calendar_id))


@router.patch("/service/calendars/{calendar_id}", response=BusinessCalendarOut)
def calendar_update(
    request: AuthedRequest, calendar_id: int, payload: BusinessCalendarPatch, response: HttpResponse
) -> Any:
    calendar = calendars.calendar_get(user=request.user, pk=calendar_id)
    expected = if_match_version(request, calendar)
    calendar = calendars.calendar_update(
        actor=request.user, calendar=calendar, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    return _answer(response, calendar)


@router.get("/service/calendars/{calendar_id}/days", response=list[CalendarDayOut])
def calendar_day_list(request: AuthedRequest, calendar_id: int, query: Query[CalendarDayQuery]) -> Any:
    """The calendar's exceptions (of one year when given), by date."""
    calendar = calendars.calendar_get(user=request.user, pk=calendar_id)
    return list(calendars.calendar_days(calendar=calendar, year=query.year))


@router.post("/service/calendars/{calendar_id}/days", response=CalendarDayOut)
def calendar_day_set(request: AuthedRequest, calendar_id: int, payload: CalendarDayIn, response: HttpResponse) -> Any:
    """Make a date a holiday (a weekday off) or a working day (a weekend day worked); replaces
    what the date was. If-Match: the calendar's version."""
    calendar = calendars.calendar_get(user=request.user, pk=calendar_id)
    expected = if_match_version(request, calendar)
    day = calendars.calendar_day_set(
        actor=request.user, calendar=calendar, expected_version=expected, **payload.model_dump()
    )
    response["ETag"] = etag(calendar.version)
    return day


@router.delete("/service/calendars/{calendar_id}/days/{day}", response={204: None})
def calendar_day_remove(request: AuthedRequest, calendar_id: int, day: date) -> Status[None]:
    """The date follows Monday–Friday again. If-Match: the calendar's version."""
    calendar = calendars.calendar_get(user=request.user, pk=calendar_id)
    expected = if_match_version(request, calendar)
    calendars.calendar_day_remove(actor=request.user, calendar=calendar, day=day, expected_version=expected)
    return Status(204, None)


@router.post("/service/calendars/{calendar_id}/import", response=CalendarImportOut)
def calendar_import_year(
    request: AuthedRequest, calendar_id: int, payload: CalendarYearIn, response: HttpResponse
) -> Any:
    """Store a year's public holidays and adjusted working days (调休) from the holiday library;
    a year it does not know is refused on `year` (enter its days one by one). If-Match: the
    calendar's version."""
    calendar = calendars.calendar_get(user=request.user, pk=calendar_id)
    expected = if_match_version(request, calendar)
    days = calendars.calendar_import_year(
        actor=request.user, calendar=calendar, year=payload.year, expected_version=expected
    )
    response["ETag"] = etag(calendar.version)
    return {"year": payload.year, "days": days}


# --- policies ------------------------------------------------------------------------------------


class SlaTargetIn(Schema):
    priority: Annotated[str, OneOf(Priority)]
    first_response_minutes: int = Field(description="Business minutes, above zero.")
    resolution_minutes: int = Field(description="Business minutes, no fewer than the first response.")


class SlaTargetOut(Schema):
    priority: Annotated[str, OneOf(Priority)]
    first_response_minutes: int
    resolution_minutes: int


class SlaPolicyIn(Schema):
    name: str
    calendar_id: int | None = Field(None, description="Defaults to the default business calendar.")
    warn_at_pct: int = Field(80, description="Warn when this share of a target has elapsed (1–99).")
    active: bool = True
    targets: list[SlaTargetIn] = Field(description="One for each of the four priorities.")


class SlaPolicyPatch(Schema):
    name: str | None = None
    calendar_id: int | None = None
    warn_at_pct: int | None = None
    active: bool | None = None
    targets: list[SlaTargetIn] | None = Field(None, description="All four priorities when given.")


class SlaCalendarRef(Schema):
    id: int
    name: str


class SlaPolicyOut(Schema):
    id: int
    version: int
    name: str
    calendar: SlaCalendarRef
    warn_at_pct: int
    active: bool
    targets: list[SlaTargetOut]
    updated_at: datetime

    @staticmethod
    def resolve_targets(obj: Any) -> list[Any]:
        return list(obj.targets.all())


class SlaPolicyQuery(Schema):
    active: bool | None = None


def _policy_data(data: dict[str, Any]) -> dict[str, Any]:
    if "calendar_id" in data:
        calendar_id = data.pop("calendar_id")
        if calendar_id is not None:
            data["calendar"] = calendar_id
    if data.get("targets") is not None:
        data["targets"] = [dict(t) for t in data["targets"]]
    elif "targets" in data:
        del data["targets"]
    return data


@router.get("/service/sla-policies", response=list[SlaPolicyOut])
def policy_list(request: AuthedRequest, query: Query[SlaPolicyQuery]) -> Any:
    """SLA policies, active first (service staff, administrators, service team managers)."""
    return list(policies.policy_list(user=request.user, active=query.active))


@router.post("/service/sla-policies", response={201: SlaPolicyOut})
def policy_create(request: AuthedRequest, payload: SlaPolicyIn, response: HttpResponse) -> Status[Any]:
    policy = policies.policy_create(actor=request.user, data=_policy_data(payload.model_dump()))
    policy = policies.policy_get(user=request.user, pk=policy.pk)
    response["Location"] = f"/api/v1/service/sla-policies/{policy.pk}"
    return Status(201, _answer(response, policy))


@router.get("/service/sla-policies/{policy_id}", response=SlaPolicyOut)
def policy_get(request: AuthedRequest, policy_id: int, response: HttpResponse) -> Any:
    return _answer(response, policies.policy_get(user=request.user, pk=policy_id))


@router.patch("/service/sla-policies/{policy_id}", response=SlaPolicyOut)
def policy_update(request: AuthedRequest, policy_id: int, payload: SlaPolicyPatch, response: HttpResponse) -> Any:
    policy = policies.policy_get(user=request.user, pk=policy_id)
    expected = if_match_version(request, policy)
    policies.policy_update(
        actor=request.user,
        policy=policy,
        data=_policy_data(payload.model_dump(exclude_unset=True)),
        expected_version=expected,
    )
    return _answer(response, policies.policy_get(user=request.user, pk=policy_id))


# --- entitlements --------------------------------------------------------------------------------


class EntitlementIn(Schema):
    account_id: int
    name: str
    level: Annotated[str, OneOf(SupportLevel)] = "standard"
    policy_id: int | None = Field(None, description="Defaults to the standard policy.")
    starts_on: date
    ends_on: date
    product_ids: list[int] = Field(default_factory=list, max_length=500, description="None: every product.")


class EntitlementPatch(Schema):
    name: str | None = None
    level: Annotated[str, OneOf(SupportLevel)] | None = None
    policy_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    product_ids: list[int] | None = Field(None, max_length=500, description="The whole list; empty: every product.")


class EntitlementCancelIn(Schema):
    reason: str = Field("", max_length=2000)


class EntitlementProductOut(Schema):
    id: int
    code: str
    name: str


class EntitlementRefOut(Schema):
    id: int
    name: str


class EntitlementContractOut(Schema):
    id: int
    number: str


class EntitlementOut(Schema):
    id: int
    version: int
    account: EntitlementRefOut
    contract: EntitlementContractOut | None
    name: str
    level: Annotated[str, OneOf(SupportLevel)]
    policy: EntitlementRefOut
    starts_on: date
    ends_on: date
    status: Annotated[str, OneOf(EntitlementStatus)]
    products: list[EntitlementProductOut]
    created_by: UserRef | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_products(obj: Any) -> list[Any]:
        return list(obj.products.all())


class EntitlementQuery(Schema):
    account_id: int | None = None
    status: Annotated[str, OneOf(EntitlementStatus, blank=True)] = ""
    q: str = ""
    limit: int = 50
    offset: int = 0


def _require_worker(request: AuthedRequest) -> None:
    if not can_work_service(request.user):
        raise PermissionDenied(_("Only service staff and administrators manage entitlements."))


def _policy(request: AuthedRequest, policy_id: int | None) -> Any:
    if policy_id is None:
        return policies.default_policy()
    policy = policies.policy_list(user=request.user).filter(pk=policy_id).first() if is_id(policy_id) else None
    if policy is None:
        raise ValidationError({"policy_id": [_("No such SLA policy.")]})
    return policy


def _entitlement(request: AuthedRequest, entitlement_id: int) -> Entitlement:
    return entitlements.entitlement_get(user=request.user, pk=entitlement_id)


@router.get("/service/entitlements", response=Page[EntitlementOut])
def entitlement_list(request: AuthedRequest, query: Query[EntitlementQuery]) -> Any:
    """Entitlements of the accounts you may read, latest end first."""
    found = entitlements.entitlement_list(
        user=request.user, account_id=query.account_id, status=query.status, q=query.q
    ).prefetch_related("products")
    return paginate(found, limit=query.limit, offset=query.offset)


@router.post("/service/entitlements", response={201: EntitlementOut})
def entitlement_create(request: AuthedRequest, payload: EntitlementIn, response: HttpResponse) -> Status[Any]:
    _require_worker(request)
    accounts = customer_selectors.account_list(user=request.user)
    account = accounts.filter(pk=payload.account_id).first() if is_id(payload.account_id) else None
    if account is None:
        raise ValidationError({"account_id": [_("No such account.")]})
    entitlement = entitlements.entitlement_create(
        actor=request.user,
        account=account,
        name=payload.name,
        level=payload.level,
        policy=_policy(request, payload.policy_id),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        products=payload.product_ids,
    )
    response["Location"] = f"/api/v1/service/entitlements/{entitlement.pk}"
    return Status(201, _answer(response, _entitlement(request, entitlement.pk)))


@router.get("/service/entitlements/{entitlement_id}", response=EntitlementOut)
def entitlement_get(request: AuthedRequest, entitlement_id: int, response: HttpResponse) -> Any:
    return _answer(response, _entitlement(request, entitlement_id))


@router.patch("/service/entitlements/{entitlement_id}", response=EntitlementOut)
def entitlement_update(
    request: AuthedRequest, entitlement_id: int, payload: EntitlementPatch, response: HttpResponse
) -> Any:
    entitlement = _entitlement(request, entitlement_id)
    _require_worker(request)
    expected = if_match_version(request, entitlement)
    data = payload.model_dump(exclude_unset=True)
    if "policy_id" in data:
        data["policy"] = _policy(request, data.pop("policy_id"))
    if "product_ids" in data:
        data["products"] = data.pop("product_ids") or []
    for name in ("name", "level", "starts_on", "ends_on"):
        if name in data and data[name] is None:
            raise ValidationError({name: [_("This field cannot be empty.")]})
    entitlements.entitlement_update(actor=request.user, entitlement=entitlement, data=data, expected_version=expected)
    return _answer(response, _entitlement(request, entitlement_id))


@router.post("/service/entitlements/{entitlement_id}/cancel", response=EntitlementOut)
def entitlement_cancel(
    request: AuthedRequest, entitlement_id: int, payload: EntitlementCancelIn, response: HttpResponse
) -> Any:
    """Cancel the entitlement (never deleted). If-Match: its version."""
    entitlement = _entitlement(request, entitlement_id)
    _require_worker(request)
    expected = if_match_version(request, entitlement)
    entitlements.entitlement_cancel(
        actor=request.user, entitlement=entitlement, expected_version=expected, reason=payload.reason
    )
    return _answer(response, _entitlement(request, entitlement_id))
