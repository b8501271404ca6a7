from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Query, Router, Schema, Status

from ltc.core.api import Page, paginate
from ltc.core.schemas import OneOf
from ltc.org import selectors, services
from ltc.org.choices import Language, RoleCode
from ltc.org.models import User
from ltc.org.types import AuthedRequest

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    language: Annotated[str, OneOf(Language)]
    roles: list[Annotated[str, OneOf(RoleCode)]]
    team: str | None


class TeamRef(Schema):
    id: int
    name: str


class UserOut(Schema):
    """A colleague as owner, SR/FR and approver pickers show them (no contact details)."""

    id: int
    username: str
    name: str
    roles: list[Annotated[str, OneOf(RoleCode)]]
    team: TeamRef | None
    active: bool

    @staticmethod
    def resolve_name(obj: User) -> str:
        return str(obj)

    @staticmethod
    def resolve_roles(obj: User) -> list[str]:
        return sorted(role.code for role in obj.roles.all())

    @staticmethod
    def resolve_active(obj: User) -> bool:
        return obj.is_active


class UserQuery(Schema):
    q: str = ""
    role: Annotated[str, OneOf(RoleCode, blank=True)] = ""
    active: bool | None = True
    limit: int = 50
    offset: int = 0


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/me", response=MeOut)
def me(request: AuthedRequest) -> dict[str, object]:
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": str(user),
        "email": user.email,
        "language": user.language,
        "roles": sorted(user.role_codes()),
        "team": user.team.name if user.team else None,
    }


@router.get("/me/tokens", response=list[TokenOut])
def token_list(request: AuthedRequest) -> object:
    return selectors.token_list(user=request.user)


@router.post("/me/tokens", response={201: TokenCreatedOut})
def token_create(request: AuthedRequest, payload: TokenIn) -> Status[Any]:
    token, raw = services.token_create(actor=request.user, user=request.user, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "token": raw})


@router.post("/me/tokens/{token_id}/revoke", response=TokenOut)
def token_revoke(request: AuthedRequest, token_id: int) -> object:
    token = selectors.token_get(user=request.user, pk=token_id)
    return services.token_revoke(actor=request.user, token=token)


@router.get("/users", response=Page[UserOut], tags=["users"])
def user_list(request: AuthedRequest, query: Query[UserQuery]) -> dict[str, Any]:
    """The user directory behind owner, SR/FR and approver pickers; any signed-in user may read
    it. `active` defaults to true (`active=false` lists those who left); `role` takes a role code;
    `q` searches names and usernames."""
    users = selectors.user_directory(q=query.q, role=query.role, active=query.active)
    return paginate(users, limit=query.limit, offset=query.offset)
