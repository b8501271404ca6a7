from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Router, Schema, Status

from ltc.org import selectors, services
from ltc.org.types import AuthedRequest

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    language: str
    roles: list[str]
    team: str | None


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
