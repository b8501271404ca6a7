"""/api/v1/delegations: delegation of authority while away (授权委托). Everyone signed in lists
the delegations they gave or received (administrators: all, with `all=true`), delegates their
own authority, and cancels one they are named in. Thin over ltc.org.delegation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ltc.core.api import Page, paginate
from ltc.core.schemas import OneOf, UserRef
from ltc.org import delegation as services
from ltc.org.choices import AuthoritySubject
from ltc.org.models import Delegation, User
from ltc.org.types import AuthedRequest

router = Router(tags=["delegations"])
IDS = {"principal": "principal_id", "delegate": "delegate_id"}


class DelegationIn(Schema):
    principal_id: int | None = Field(None, description="Whose authority is delegated; default: yours.")
    delegate_id: int
    starts_on: date
    ends_on: date = Field(description="The last day (inclusive, company time zone).")
    subjects: list[Annotated[str, OneOf(AuthoritySubject)]] = Field(
        default_factory=list, description="What the delegate may decide; empty: everything your authority covers."
    )
    reason: str = ""


class DelegationOut(Schema):
    id: int
    principal: UserRef
    delegate: UserRef
    starts_on: date
    ends_on: date
    subjects: list[Annotated[str, OneOf(AuthoritySubject)]]
    reason: str
    running: bool = Field(description="Whether the delegation applies today.")
    created_at: datetime
    cancelled_at: datetime | None
    cancelled_by: UserRef | None

    @staticmethod
    def resolve_running(obj: Delegation) -> bool:
        return obj.is_running()


class DelegationQuery(Schema):
    all: bool = Field(False, description="Administrators: every delegation, not only yours.")
    limit: int = 100
    offset: int = 0


def _user(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("No such user.")]})
    return found


@router.get("/delegations", response=Page[DelegationOut])
def delegation_list(request: AuthedRequest, query: Query[DelegationQuery]) -> dict[str, Any]:
    """The delegations you gave or received, newest first."""
    rows = services.delegation_list(user=request.user, everyone=query.all)
    return paginate(rows, limit=query.limit, offset=query.offset)


@router.post("/delegations", response={201: DelegationOut})
def delegation_create(request: AuthedRequest, payload: DelegationIn) -> Any:
    """Let someone decide in your name while you are away (an administrator: in anyone's)."""
    principal = request.user if payload.principal_id is None else _user(payload.principal_id, "principal_id")
    try:
        delegation = services.delegation_create(
            actor=request.user,
            principal=principal,
            delegate=_user(payload.delegate_id, "delegate_id"),
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            subjects=payload.subjects,
            reason=payload.reason,
        )
    except ValidationError as exc:  # the people are named by id here
        renamed = {IDS.get(name, name): messages for name, messages in exc.message_dict.items()}
        raise ValidationError(renamed) from exc
    return Status(201, delegation)


@router.get("/delegations/{delegation_id}", response=DelegationOut)
def delegation_get(request: AuthedRequest, delegation_id: int) -> Delegation:
    return services.delegation_get(user=request.user, pk=delegation_id)


@router.post("/delegations/{delegation_id}/cancel", response=DelegationOut)
def delegation_cancel(request: AuthedRequest, delegation_id: int) -> Delegation:
    """End the delegation now; decisions already taken under it stay as they are."""
    delegation = services.delegation_get(user=request.user, pk=delegation_id)
    return services.delegation_cancel(actor=request.user, delegation=delegation)
