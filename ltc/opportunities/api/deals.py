"""/api/v1/opportunities: the deals, their checklist, stage moves, win/lose, timeline and activities."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Status

from ltc.core import customfields
from ltc.core.activities import activities_for
from ltc.core.api import Page, if_match_version, paginate
from ltc.core.models import Activity
from ltc.core.panels import ApiLinks, answer_links
from ltc.core.schemas import ActivityIn, ActivityOut, CompleteIn, NoteIn, TimelineEventOut
from ltc.core.timeline import timeline_for
from ltc.customers import selectors as customer_selectors
from ltc.customers.models import Contact
from ltc.leads import selectors as lead_selectors
from ltc.opportunities import selectors, services
from ltc.opportunities.api.common import _answer, _opportunity, _pipeline, _stage, router
from ltc.opportunities.api.schemas import (
    AdvanceIn,
    ChecklistOut,
    FromLeadIn,
    LoseIn,
    OpportunityCheckIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    OpportunityQuery,
    WinIn,
)
from ltc.opportunities.models import Opportunity, StageRequirement
from ltc.org.models import User
from ltc.org.types import AuthedRequest


def _resolve(request: AuthedRequest, data: dict[str, Any], *, account_id: int | None = None) -> dict[str, Any]:
    """Turn *_id fields into records the requester may use; unknown ones are field errors. Contacts
    are looked up among the deal's account's (`account_id` for an existing deal), so a contact of
    another customer reads exactly like one that does not exist."""
    for field in ("owner", "sr", "fr", "sponsor"):
        if f"{field}_id" in data:
            pk = data.pop(f"{field}_id")
            if pk is None and field == "owner":
                continue
            user = None if pk is None else User.objects.filter(pk=pk).first()
            if pk is not None and user is None:
                raise ValidationError({f"{field}_id": [_("No such user.")]})
            data[field] = user
    if "account_id" in data:
        pk = data.pop("account_id")
        if pk is not None:
            try:
                data["account"] = customer_selectors.account_get(user=request.user, pk=pk)
            except Http404 as exc:
                raise ValidationError({"account_id": [_("No such account.")]}) from exc
    if "contact_ids" in data:
        ids = data.pop("contact_ids")
        if ids is not None:
            account = data.get("account")
            owner_account = account.pk if account is not None else account_id
            candidates = (
                Contact.objects.none() if owner_account is None else Contact.objects.filter(account_id=owner_account)
            )
            contacts = list(candidates.filter(pk__in=ids))
            if len(contacts) != len(set(ids)):
                raise ValidationError({"contact_ids": [_("No such contact of the deal's account.")]})
            data["contacts"] = contacts
    return data


@router.get("/opportunities", response=Page[OpportunityOut])
def opportunity_list(request: AuthedRequest, query: Query[OpportunityQuery]) -> dict[str, Any]:
    related = {"account": "account_id", "contact": "contacts", "lead": "source_lead_id"}
    filters = selectors.OpportunityFilters(**query.model_dump(exclude={"limit", "offset", "cf", *related}))
    qs = selectors.opportunity_list(user=request.user, filters=filters).prefetch_related("contacts")
    # The earlier records a deal belongs to (the lists their answers link, ltc.core.panels.api_links).
    for name, lookup in related.items():
        if (pk := getattr(query, name)) is not None:
            qs = qs.filter(**{lookup: pk})
    qs = customfields.filter_records(qs, "deal", customfields.api_filters(query.cf))
    page = paginate(qs, limit=query.limit, offset=query.offset)
    customfields.attach(page["items"])
    return page


@router.post("/opportunities", response={201: OpportunityOut})
def opportunity_create(request: AuthedRequest, payload: OpportunityIn, response: HttpResponse) -> Status[Any]:
    services.require_writer(request.user)  # roles first: a non-seller learns nothing from the body
    data = payload.model_dump()
    custom = data.pop("custom_fields", None) or {}
    pipeline = _pipeline(data.pop("pipeline_id"))
    data["stage"] = _stage(pipeline, data.pop("stage_id"))
    data["pipeline"] = pipeline
    if data["probability"] is None:
        data.pop("probability")
    with transaction.atomic():
        opportunity = services.opportunity_create(actor=request.user, data=_resolve(request, data))
        customfields.custom_values_set(actor=request.user, record=opportunity, data=custom, creating=True)
    response["Location"] = f"/api/v1/opportunities/{opportunity.pk}"
    return Status(201, _answer(response, opportunity))


@router.post("/opportunities/from-lead", response={201: OpportunityOut})
def opportunity_from_lead(request: AuthedRequest, payload: FromLeadIn, response: HttpResponse) -> Status[Any]:
    """Convert a qualified lead and open a deal for it in a pipeline, at a chosen stage."""
    services.require_writer(request.user)
    try:
        lead = lead_selectors.lead_get(user=request.user, pk=payload.lead_id)
    except Http404 as exc:
        raise ValidationError({"lead_id": [_("No such lead.")]}) from exc
    pipeline = _pipeline(payload.pipeline_id)
    opportunity = services.opportunity_from_lead(
        actor=request.user,
        lead=lead,
        pipeline=pipeline,
        stage=_stage(pipeline, payload.stage_id),
        name=payload.name,
        amount=payload.amount,
        expected_close_date=payload.expected_close_date,  # type: ignore[arg-type]
    )
    response["Location"] = f"/api/v1/opportunities/{opportunity.pk}"
    return Status(201, _answer(response, opportunity))


class OpportunityDetailOut(OpportunityOut):
    """A deal with the documents later stages made for it (read through the reverse relations:
    deals do not import quotes or contracts); the `*_url` links are the filtered API lists."""

    quote_ids: list[int]
    contract_ids: list[int]
    quotes_url: str
    contracts_url: str
    links: ApiLinks

    @staticmethod
    def resolve_quote_ids(obj: Opportunity) -> list[int]:
        return sorted(obj.quotes.values_list("pk", flat=True))

    @staticmethod
    def resolve_contract_ids(obj: Opportunity) -> list[int]:
        return sorted(obj.contracts.values_list("pk", flat=True))

    @staticmethod
    def resolve_quotes_url(obj: Opportunity) -> str:
        return f"/api/v1/quotes?opportunity={obj.pk}"

    @staticmethod
    def resolve_contracts_url(obj: Opportunity) -> str:
        return f"/api/v1/contracts?opportunity={obj.pk}"

    @staticmethod
    def resolve_links(obj: Opportunity, context: dict[str, Any]) -> dict[str, str]:
        return answer_links(obj, context)


@router.get("/opportunities/{opportunity_id}", response=OpportunityDetailOut)
def opportunity_get(request: AuthedRequest, opportunity_id: int, response: HttpResponse) -> Opportunity:
    return _answer(response, _opportunity(request, opportunity_id))


@router.patch("/opportunities/{opportunity_id}", response=OpportunityOut)
def opportunity_update(
    request: AuthedRequest, opportunity_id: int, payload: OpportunityPatch, response: HttpResponse
) -> Opportunity:
    opportunity = _opportunity(request, opportunity_id)
    expected = if_match_version(request, opportunity)
    data = payload.model_dump(exclude_unset=True)
    custom = data.pop("custom_fields", None)
    data = _resolve(request, data, account_id=opportunity.account_id)
    with transaction.atomic():
        opportunity = services.opportunity_update(
            actor=request.user, opportunity=opportunity, data=data, expected_version=expected
        )
        if custom is not None:
            customfields.custom_values_set(actor=request.user, record=opportunity, data=custom)
    return _answer(response, opportunity)


@router.get("/opportunities/{opportunity_id}/checklist", response=ChecklistOut)
def opportunity_checklist(request: AuthedRequest, opportunity_id: int) -> dict[str, Any]:
    opportunity = _opportunity(request, opportunity_id)
    following = services.next_stage(opportunity) if opportunity.is_open else None
    return {
        "stage_id": opportunity.stage_id,
        "items": services.checklist(opportunity),
        "next_stage_id": following.pk if following else None,
        "missing_to_advance": services.missing_to_move(opportunity, following) if following else [],
    }


@router.post("/opportunities/{opportunity_id}/checklist/{requirement_id}", response=ChecklistOut)
def opportunity_check(
    request: AuthedRequest, opportunity_id: int, requirement_id: int, payload: OpportunityCheckIn
) -> dict[str, Any]:
    """Confirm (done=true) or withdraw (done=false) a "check" item of the deal's pipeline."""
    opportunity = _opportunity(request, opportunity_id)
    requirement = get_object_or_404(StageRequirement.objects.select_related("stage"), pk=requirement_id)
    services.opportunity_check(actor=request.user, opportunity=opportunity, requirement=requirement, done=payload.done)
    return opportunity_checklist(request, opportunity_id)


@router.post("/opportunities/{opportunity_id}/advance", response=OpportunityOut)
def opportunity_advance(
    request: AuthedRequest, opportunity_id: int, payload: AdvanceIn, response: HttpResponse
) -> Opportunity:
    """Move to `stage_id` (default: the next stage); If-Match required. A gate refuses with the
    missing items (422); a manager passes it with `override_reason`."""
    opportunity = _opportunity(request, opportunity_id)
    expected = if_match_version(request, opportunity)
    opportunity = services.opportunity_advance(
        actor=request.user,
        opportunity=opportunity,
        expected_version=expected,
        to_stage=_stage(opportunity.pipeline, payload.stage_id),
        override_reason=payload.override_reason,
    )
    return _answer(response, opportunity)


@router.post("/opportunities/{opportunity_id}/win", response=OpportunityOut)
def opportunity_win(request: AuthedRequest, opportunity_id: int, payload: WinIn, response: HttpResponse) -> Opportunity:
    opportunity = _opportunity(request, opportunity_id)
    opportunity = services.opportunity_win(
        actor=request.user,
        opportunity=opportunity,
        expected_version=if_match_version(request, opportunity),
        **payload.model_dump(),
    )
    return _answer(response, opportunity)


@router.post("/opportunities/{opportunity_id}/lose", response=OpportunityOut)
def opportunity_lose(
    request: AuthedRequest, opportunity_id: int, payload: LoseIn, response: HttpResponse
) -> Opportunity:
    opportunity = _opportunity(request, opportunity_id)
    opportunity = services.opportunity_lose(
        actor=request.user,
        opportunity=opportunity,
        expected_version=if_match_version(request, opportunity),
        **payload.model_dump(),
    )
    return _answer(response, opportunity)


@router.post("/opportunities/{opportunity_id}/reopen", response=OpportunityOut)
def opportunity_reopen(request: AuthedRequest, opportunity_id: int, response: HttpResponse) -> Opportunity:
    opportunity = _opportunity(request, opportunity_id)
    opportunity = services.opportunity_reopen(
        actor=request.user, opportunity=opportunity, expected_version=if_match_version(request, opportunity)
    )
    return _answer(response, opportunity)


@router.get("/opportunities/{opportunity_id}/timeline", response=list[TimelineEventOut])
def opportunity_timeline(request: AuthedRequest, opportunity_id: int) -> Any:
    return timeline_for(_opportunity(request, opportunity_id))


@router.post("/opportunities/{opportunity_id}/notes", response={201: TimelineEventOut})
def opportunity_note_add(request: AuthedRequest, opportunity_id: int, payload: NoteIn) -> Status[Any]:
    opportunity = _opportunity(request, opportunity_id)
    return Status(201, services.opportunity_note_add(actor=request.user, opportunity=opportunity, text=payload.text))


@router.get("/opportunities/{opportunity_id}/activities", response=list[ActivityOut])
def opportunity_activities(request: AuthedRequest, opportunity_id: int) -> Any:
    return activities_for(_opportunity(request, opportunity_id))


@router.post("/opportunities/{opportunity_id}/activities", response={201: ActivityOut})
def opportunity_activity_log(request: AuthedRequest, opportunity_id: int, payload: ActivityIn) -> Status[Any]:
    opportunity = _opportunity(request, opportunity_id)
    activity = services.opportunity_activity_log(actor=request.user, opportunity=opportunity, **payload.model_dump())
    return Status(201, activity)


@router.post("/opportunities/{opportunity_id}/activities/{activity_id}/complete", response=ActivityOut)
def opportunity_activity_complete(
    request: AuthedRequest, opportunity_id: int, activity_id: int, payload: CompleteIn
) -> Activity:
    opportunity = _opportunity(request, opportunity_id)
    activity = get_object_or_404(activities_for(opportunity), pk=activity_id)
    return services.opportunity_activity_complete(
        actor=request.user, opportunity=opportunity, activity=activity, outcome=payload.outcome
    )
