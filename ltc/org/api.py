from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.money import Currency
from ltc.core.schemas import Money, OneOf, UserRef
from ltc.org import selectors, services
from ltc.org.choices import AuthoritySubject, Language, RoleCode
from ltc.org.models import Authority, Role, User
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


# --- the authority matrix (授权) ----------------------------------------------------------------


class AuthorityRoleRef(Schema):
    code: Annotated[str, OneOf(RoleCode)]
    name: str


class AuthorityIn(Schema):
    subject: Annotated[str, OneOf(AuthoritySubject)]
    role: Annotated[str, OneOf(RoleCode)] | None = Field(None, description="A role's code; or give `user_id`.")
    user_id: int | None = None
    max_amount: Decimal | None = Field(None, description="Blank: no limit.")
    currency: Annotated[str, OneOf(Currency)] = "CNY"
    max_discount_pct: Decimal | None = Field(None, description="Quote discounts only. Blank: no limit.")
    min_margin_pct: Decimal | None = Field(None, description="Quote discounts only. Blank: any margin.")


class AuthorityPatch(Schema):
    subject: Annotated[str, OneOf(AuthoritySubject)] | None = None
    role: Annotated[str, OneOf(RoleCode)] | None = None
    user_id: int | None = None
    max_amount: Decimal | None = None
    currency: Annotated[str, OneOf(Currency)] | None = None
    max_discount_pct: Decimal | None = None
    min_margin_pct: Decimal | None = None


class AuthorityOut(Schema):
    id: int
    version: int
    subject: Annotated[str, OneOf(AuthoritySubject)]
    role: AuthorityRoleRef | None
    user: UserRef | None
    max_amount: Money | None
    currency: Annotated[str, OneOf(Currency)]
    max_discount_pct: Money | None
    min_margin_pct: Money | None
    updated_at: datetime

    @staticmethod
    def resolve_role(obj: Authority) -> dict[str, str] | None:
        return {"code": obj.role.code, "name": str(obj.role)} if obj.role is not None else None


class AuthorityQuery(Schema):
    subject: Annotated[str, OneOf(AuthoritySubject, blank=True)] = ""
    limit: int = 100
    offset: int = 0


def _authority_refs(data: dict[str, Any]) -> dict[str, Any]:
    """`role` (a code) and `user_id` as the records they name."""
    if "role" in data:
        code = data.pop("role")
        data["role"] = None if code is None else Role.objects.filter(code=code).first()
        if code is not None and data["role"] is None:
            raise ValidationError({"role": [_("No such role.")]})
    if "user_id" in data:
        pk = data.pop("user_id")
        data["user"] = None if pk is None else User.objects.filter(pk=pk).first()
        if pk is not None and data["user"] is None:
            raise ValidationError({"user_id": [_("No such user.")]})
    return data


def _require_authority_admin(request: AuthedRequest, subject: str) -> None:
    if not services.can_manage_authority(request.user, subject):
        raise PermissionDenied(_("Only administrators change the authority matrix."))


@router.get("/authority", response=Page[AuthorityOut], tags=["authority"])
def authority_list(request: AuthedRequest, query: Query[AuthorityQuery]) -> dict[str, Any]:
    """The authority matrix: who may decide which subject up to which amount (blank: no limit)."""
    lines = services.authority_list()
    if query.subject:
        lines = lines.filter(subject=query.subject)
    return paginate(lines, limit=query.limit, offset=query.offset)


@router.post("/authority", response={201: AuthorityOut}, tags=["authority"])
def authority_create(request: AuthedRequest, payload: AuthorityIn, response: HttpResponse) -> Any:
    """Add a line (administrators); it applies to decisions routed from now on."""
    _require_authority_admin(request, payload.subject)
    line = services.authority_create(actor=request.user, data=_authority_refs(payload.model_dump()))
    response["ETag"] = etag(line.version)
    response["Location"] = f"/api/v1/authority/{line.pk}"
    return Status(201, line)


@router.get("/authority/{line_id}", response=AuthorityOut, tags=["authority"])
def authority_get(request: AuthedRequest, line_id: int, response: HttpResponse) -> Any:
    line = services.authority_get(pk=line_id)
    response["ETag"] = etag(line.version)
    return line


@router.patch("/authority/{line_id}", response=AuthorityOut, tags=["authority"])
def authority_update(request: AuthedRequest, line_id: int, payload: AuthorityPatch, response: HttpResponse) -> Any:
    """Change a line (If-Match: its ETag); old → new on its timeline. Decisions already routed
    keep their decider."""
    line = services.authority_get(pk=line_id)
    _require_authority_admin(request, line.subject)
    expected = if_match_version(request, line)
    data = _authority_refs(payload.model_dump(exclude_unset=True))
    line = services.authority_update(actor=request.user, line=line, data=data, expected_version=expected)
    response["ETag"] = etag(line.version)
    return line


@router.delete("/authority/{line_id}", response={204: None}, tags=["authority"])
def authority_remove(request: AuthedRequest, line_id: int) -> Status[None]:
    """Remove a line (If-Match); its timeline keeps the last values."""
    line = services.authority_get(pk=line_id)
    _require_authority_admin(request, line.subject)
    services.authority_remove(actor=request.user, line=line, expected_version=if_match_version(request, line))
    return Status(204, None)
