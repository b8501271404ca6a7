"""/api/v1/recycle-bin: the caller's deleted records (an administrator's: everyone's) that may
still be restored, and their restore. Thin over ltc.core.recycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema

from ltc.core import recycle
from ltc.core.api import Page, paginate
from ltc.core.schemas import OneOf
from ltc.org.types import AuthedRequest

router = Router(tags=["recycle-bin"])


class RecycledOut(Schema):
    id: int
    kind: Annotated[str, OneOf(recycle.BinKind)]
    record_id: int = Field(description="The deleted record's id; it keeps it when restored.")
    label: str = Field(description="The record's name when deleted.")
    deleted_by: str
    deleted_at: datetime
    days_left: int = Field(description="Whole days left to restore it.")
    may_restore: bool = Field(description="Whether the caller may restore it.")


class RecycleBinQuery(Schema):
    limit: int = 50
    offset: int = 0


class RestoredOut(Schema):
    kind: Annotated[str, OneOf(recycle.BinKind)]
    record_id: int
    label: str
    url: str | None = Field(description="The restored record's page; null for a record without one.")


def _shape(item: Any) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "record_id": item.object_id,
        "label": item.label,
        "deleted_by": str(item.deleted_by),
        "deleted_at": item.deleted_at,
        "days_left": recycle.days_left(item),
        "may_restore": item.may_restore,
    }


@router.get("/recycle-bin", response=Page[RecycledOut])
def recycle_bin_list(request: AuthedRequest, query: Query[RecycleBinQuery]) -> Any:
    """Deleted records that may still be restored, newest first: the caller's own (an
    administrator sees everyone's)."""
    page = paginate(recycle.bin_queryset(user=request.user), limit=query.limit, offset=query.offset)
    recycle.mark_restorable(request.user, page["items"])
    page["items"] = [_shape(item) for item in page["items"]]
    return page


@router.post("/recycle-bin/{item_id}/restore", response=RestoredOut)
def recycle_bin_restore(request: AuthedRequest, item_id: int) -> Any:
    """Restore a deleted record (and what it owned) with its id, within 30 days of the deletion.
    Refused (422) when it is too late, when what it belonged to is gone or a unique value it had
    is taken meanwhile; another user's deleted record is not found (404)."""
    item = recycle.bin_get(user=request.user, pk=item_id)
    record = recycle.record_restore(actor=request.user, item=item)
    url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else None
    return {"kind": item.kind, "record_id": item.object_id, "label": item.label, "url": url}
