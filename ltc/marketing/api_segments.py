"""/api/v1/marketing/segments: segments (细分人群) — dynamic rules with a live count, static lists
filled by id or from a CSV file. Marketing readers (marketing, administrators, executives, sales
managers) read them; marketing and administrators change them. Another user answers 404."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import OneOf, UserRef
from ltc.marketing.access import sees_marketing
from ltc.marketing.models.segments import Segment, SegmentKind, SegmentTarget
from ltc.marketing.services import segments as services
from ltc.org.types import AuthedRequest

router = Router(tags=["marketing segments"])
MAX_CSV_BYTES = 5 * 1024 * 1024


class SegmentConditionIn(Schema):
    field: Annotated[str, OneOf(services.RuleField)]
    op: Annotated[str, OneOf(services.RuleOp)]
    value: Any = Field(
        description="A list of codes (in/not_in), a list of ids (owner, deal_stage), a whole number "
        "(score, last_activity days), true/false (email_consent) or {campaign_id, status} (campaign)."
    )


class SegmentRulesIn(Schema):
    match: Annotated[str, OneOf(services.MatchMode)] = "all"
    conditions: list[SegmentConditionIn] = Field(default_factory=list, max_length=services.MAX_CONDITIONS)


class SegmentRulesOut(Schema):
    match: Annotated[str, OneOf(services.MatchMode)] = "all"
    conditions: list[dict[str, Any]] = Field(default_factory=list)


class SegmentIn(Schema):
    name: str = Field(max_length=200)
    description: str = Field("", max_length=2000)
    target: Annotated[str, OneOf(SegmentTarget)]
    kind: Annotated[str, OneOf(SegmentKind)] = "dynamic"
    rules: SegmentRulesIn | None = None


class SegmentPatch(Schema):
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    rules: SegmentRulesIn | None = None


class SegmentOut(Schema):
    id: int
    version: int
    name: str
    description: str
    target: Annotated[str, OneOf(SegmentTarget)]
    kind: Annotated[str, OneOf(SegmentKind)]
    rules: SegmentRulesOut
    owner: UserRef
    member_count: int | None = Field(description="Members when last counted (the detail counts them now).")
    counted_at: datetime | None
    archived_at: datetime | None
    updated_at: datetime

    @staticmethod
    def resolve_rules(obj: Segment) -> dict[str, Any]:
        return obj.rules or {"match": "all", "conditions": []}


class SegmentListQuery(Schema):
    limit: int = 50
    offset: int = 0
    archived: bool = Field(False, description="Include archived segments.")


class SegmentPreviewIn(Schema):
    target: Annotated[str, OneOf(SegmentTarget)]
    rules: SegmentRulesIn


class SegmentCountOut(Schema):
    count: int


class SegmentMemberOut(Schema):
    kind: Literal["lead", "contact", "account"]
    id: int
    name: str
    email: str
    company: str


class SegmentMemberQuery(Schema):
    limit: int = 25
    offset: int = 0


class SegmentIdsIn(Schema):
    ids: list[int] = Field(min_length=1, max_length=services.MAX_IDS)


class SegmentEntriesOut(Schema):
    added: int
    already: int
    removed: int
    unknown: list[int] = Field(description="Ids that name no record of the segment's target; not added.")


class SegmentUnmatchedRowOut(Schema):
    row: int
    value: str


class SegmentImportOut(Schema):
    rows: int
    matched: int
    added: int
    already: int
    unmatched: list[SegmentUnmatchedRowOut]


def _tagged(response: HttpResponse, segment: Segment) -> Segment:
    response["ETag"] = etag(segment.version)
    return segment


def _readers_only(request: AuthedRequest) -> None:
    if not sees_marketing(request.user):
        raise PermissionDenied(_("Only marketing, managers and executives read segments."))


def _rules(rules: SegmentRulesIn | None) -> dict[str, Any]:
    return rules.model_dump() if rules is not None else {}


@router.get("/marketing/segments", response=Page[SegmentOut])
def segment_list(request: AuthedRequest, query: Query[SegmentListQuery]) -> dict[str, Any]:
    """Segments by name (archived ones only when asked), with their last count."""
    _readers_only(request)
    segments = services.segment_list(user=request.user, include_archived=query.archived)
    return paginate(segments, limit=query.limit, offset=query.offset)


@router.post("/marketing/segments", response={201: SegmentOut})
def segment_create(request: AuthedRequest, payload: SegmentIn, response: HttpResponse) -> Status[Any]:
    """Create a dynamic segment (rules) or a static list (entries added afterwards)."""
    _readers_only(request)
    data = payload.model_dump(exclude={"rules"})
    data["rules"] = _rules(payload.rules)
    segment = services.segment_create(actor=request.user, data=data)
    services.segment_count_refresh(segment)
    response["Location"] = f"/api/v1/marketing/segments/{segment.pk}"
    return Status(201, _tagged(response, segment))


@router.post("/marketing/segments/preview", response=SegmentCountOut)
def segment_preview(request: AuthedRequest, payload: SegmentPreviewIn) -> dict[str, int]:
    """Count what rules would select, saving nothing (the editor's live count). Bad rules
    answer 422 naming the condition's part (rules.conditions.N.value)."""
    _readers_only(request)
    return {"count": services.rules_count(target=payload.target, rules=_rules(payload.rules))}


@router.get("/marketing/segments/{segment_id}", response=SegmentOut)
def segment_get(request: AuthedRequest, segment_id: int, response: HttpResponse) -> Segment:
    """One segment, counted now."""
    segment = services.segment_get(user=request.user, pk=segment_id)
    services.segment_count_refresh(segment)
    return _tagged(response, segment)


@router.patch("/marketing/segments/{segment_id}", response=SegmentOut)
def segment_update(request: AuthedRequest, segment_id: int, payload: SegmentPatch, response: HttpResponse) -> Segment:
    """Rename, describe or change the rules (If-Match: the segment's ETag)."""
    segment = services.segment_get(user=request.user, pk=segment_id)
    expected = if_match_version(request, segment)
    data = payload.model_dump(exclude_unset=True, exclude={"rules"})
    if payload.rules is not None:
        data["rules"] = _rules(payload.rules)
    segment = services.segment_update(actor=request.user, segment=segment, data=data, expected_version=expected)
    services.segment_count_refresh(segment)
    return _tagged(response, segment)


@router.post("/marketing/segments/{segment_id}/archive", response=SegmentOut)
def segment_archive(request: AuthedRequest, segment_id: int, response: HttpResponse) -> Segment:
    """Archive a segment (If-Match): kept for the mailings and journeys that name it, offered no
    more. Segments are never deleted."""
    segment = services.segment_get(user=request.user, pk=segment_id)
    expected = if_match_version(request, segment)
    segment = services.segment_archive(actor=request.user, segment=segment, expected_version=expected)
    return _tagged(response, segment)


def member_rows(segment: Segment, records: list[Any]) -> list[dict[str, Any]]:
    """Records of a segment as the member list shows them."""
    if segment.target == SegmentTarget.LEADS:
        return [
            {"kind": "lead", "id": r.pk, "name": r.contact_name or str(r), "email": r.email, "company": r.company_name}
            for r in records
        ]
    if segment.target == SegmentTarget.CONTACTS:
        return [
            {"kind": "contact", "id": r.pk, "name": r.name, "email": r.email, "company": r.account.name}
            for r in records
        ]
    return [{"kind": "account", "id": r.pk, "name": r.name, "email": "", "company": r.name} for r in records]


@router.get("/marketing/segments/{segment_id}/members", response=Page[SegmentMemberOut])
def segment_member_list(request: AuthedRequest, segment_id: int, query: Query[SegmentMemberQuery]) -> dict[str, Any]:
    """A page of the segment's members — those you may open yourself — by id."""
    segment = services.segment_get(user=request.user, pk=segment_id)
    page = paginate(
        services.segment_members(user=request.user, segment=segment), limit=query.limit, offset=query.offset
    )
    page["items"] = member_rows(segment, page["items"])
    return page


@router.post("/marketing/segments/{segment_id}/entries", response=SegmentEntriesOut)
def segment_entries_add(request: AuthedRequest, segment_id: int, payload: SegmentIdsIn) -> Any:
    """Put leads, contacts or accounts (the segment's target) on a static segment by id."""
    segment = services.segment_get(user=request.user, pk=segment_id)
    return services.segment_entries_add(actor=request.user, segment=segment, ids=payload.ids)


@router.post("/marketing/segments/{segment_id}/entries/remove", response=SegmentEntriesOut)
def segment_entries_remove(request: AuthedRequest, segment_id: int, payload: SegmentIdsIn) -> Any:
    """Take records off a static segment by id."""
    segment = services.segment_get(user=request.user, pk=segment_id)
    return services.segment_entries_remove(actor=request.user, segment=segment, ids=payload.ids)


@router.post("/marketing/segments/{segment_id}/import", response=SegmentImportOut)
def segment_import(request: AuthedRequest, segment_id: int, file: File[UploadedFile]) -> dict[str, Any]:
    """Fill a static segment from a CSV file (UTF-8 or GB18030) of e-mail addresses or mobiles,
    matched to leads or contacts; the rows that match nothing come back with their number."""
    segment = services.segment_get(user=request.user, pk=segment_id)
    content = file.read(MAX_CSV_BYTES + 1)
    if len(content) > MAX_CSV_BYTES:
        raise ValidationError({"file": [_("The file is larger than 5 MB.")]})
    report = services.segment_import(actor=request.user, segment=segment, content=content)
    return {
        "rows": report.rows,
        "matched": report.matched,
        "added": report.added,
        "already": report.already,
        "unmatched": [{"row": n, "value": v} for n, v in report.unmatched[:1000]],
    }
