"""/api/v1/leads, /api/v1/lead-imports and the public web-form endpoint."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from ltc.core import customfields
from ltc.core.activities import activities_for
from ltc.core.api import Page, etag, if_match_version, paginate, problem
from ltc.core.api_custom_fields import CustomFieldsIn, CustomFilters, WithCustomFields
from ltc.core.models import Activity
from ltc.core.money import Currency
from ltc.core.net import client_address
from ltc.core.panels import ApiLinks, answer_links
from ltc.core.schemas import ActivityIn, ActivityOut, CompleteIn, Money, NoteIn, OneOf, TimelineEventOut, UserRef
from ltc.customers import selectors as customer_selectors
from ltc.customers.choices import CompanySize
from ltc.leads import selectors, services
from ltc.leads.choices import DisqualifyReason, ImportStatus, LeadSource, LeadStatus, Temperature, Timeframe
from ltc.leads.dedupe import lead_matches
from ltc.leads.models import Lead, LeadImport, LeadImportTemplate, WebForm
from ltc.org.choices import Industry, Region
from ltc.org.models import User
from ltc.org.types import AuthedRequest

router = Router(tags=["leads"])
public_router = Router(tags=["public"])


class LeadIn(Schema):
    source: Annotated[str, OneOf(LeadSource)] = "api"
    campaign: str = ""
    utm_source: str = Field("", max_length=100)
    utm_medium: str = Field("", max_length=100)
    utm_campaign: str = Field("", max_length=100, description="A campaign's code: the lead counts as its response.")
    utm_content: str = Field("", max_length=100)
    utm_term: str = Field("", max_length=100)
    company_name: str = ""
    credit_code: str = ""
    contact_name: str = ""
    contact_title: str = ""
    mobile: str = ""
    email: str = ""
    region: Annotated[str, OneOf(Region, blank=True)] = ""
    industry: Annotated[str, OneOf(Industry, blank=True)] = ""
    company_size: Annotated[str, OneOf(CompanySize, blank=True)] = ""
    need: str = ""
    budget_amount: Decimal | None = None
    budget_currency: Annotated[str, OneOf(Currency)] = "CNY"
    timeframe: Annotated[str, OneOf(Timeframe)] = "unknown"
    notes: str = ""
    owner_id: int | None = None
    custom_fields: CustomFieldsIn = None


class LeadPatch(Schema):
    source: Annotated[str, OneOf(LeadSource)] | None = None
    campaign: str | None = None
    company_name: str | None = None
    credit_code: str | None = None
    contact_name: str | None = None
    contact_title: str | None = None
    mobile: str | None = None
    email: str | None = None
    region: Annotated[str, OneOf(Region, blank=True)] | None = None
    industry: Annotated[str, OneOf(Industry, blank=True)] | None = None
    company_size: Annotated[str, OneOf(CompanySize, blank=True)] | None = None
    need: str | None = None
    budget_amount: Decimal | None = None
    budget_currency: Annotated[str, OneOf(Currency)] | None = None
    timeframe: Annotated[str, OneOf(Timeframe)] | None = None
    notes: str | None = None
    temperature: Annotated[str, OneOf(Temperature)] | None = None
    need_confirmed: bool | None = None
    budget_confirmed: bool | None = None
    decision_maker_identified: bool | None = None
    timeframe_known: bool | None = None
    custom_fields: CustomFieldsIn = None


class ScoreLine(Schema):
    rule: str
    kind: str
    points: int


class LeadEngagementLine(Schema):
    kind: str = Field(description="The kind of response (e-mail opened, link clicked, form, event ...).")
    count: int
    points: float


class LeadOut(WithCustomFields):
    id: int
    version: int
    source: Annotated[str, OneOf(LeadSource)]
    campaign: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_content: str
    utm_term: str
    company_name: str
    credit_code: str
    contact_name: str
    contact_title: str
    mobile: str
    email: str
    region: Annotated[str, OneOf(Region, blank=True)]
    industry: Annotated[str, OneOf(Industry, blank=True)]
    company_size: Annotated[str, OneOf(CompanySize, blank=True)]
    need: str
    budget_amount: Money | None
    budget_currency: Annotated[str, OneOf(Currency)]
    timeframe: Annotated[str, OneOf(Timeframe)]
    notes: str
    status: Annotated[str, OneOf(LeadStatus)]
    disqualify_reason: Annotated[str, OneOf(DisqualifyReason, blank=True)]
    temperature: Annotated[str, OneOf(Temperature)]
    score: int
    score_details: list[ScoreLine]
    engagement: int = Field(description="Engagement with marketing, 0–100, decayed over time.")
    engagement_details: list[LeadEngagementLine]
    owner: UserRef | None
    created_by: UserRef | None
    first_contact_due_at: datetime | None
    first_contacted_at: datetime | None
    contact_overdue: bool
    checklist: dict[str, bool]
    account_id: int | None
    contact_id: int | None
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_contact_overdue(obj: Lead) -> bool:
        return obj.is_contact_overdue()

    @staticmethod
    def resolve_checklist(obj: Lead) -> dict[str, bool]:
        return {str(k): v for k, v in obj.checklist().items()}


class MatchOut(Schema):
    kind: str
    id: int
    label: str
    reason: str

    @staticmethod
    def resolve_id(obj: Any) -> int:
        return int(obj.pk)


class LeadCreatedOut(LeadOut):
    possible_duplicates: list[MatchOut]


class LeadQuery(Schema):
    q: str = ""
    status: Annotated[str, OneOf(LeadStatus, blank=True)] = ""
    source: Annotated[str, OneOf(LeadSource, blank=True)] = ""
    owner: str = ""
    created_by: str = Field("", description='"me" for the leads you created, or a user id.')
    temperature: Annotated[str, OneOf(Temperature, blank=True)] = ""
    score_min: int | None = None
    score_max: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool = False
    import_batch: int | None = None
    cf: CustomFilters = ""
    sort: str = "-created"
    limit: int = 50
    offset: int = 0


class QualifyIn(Schema):
    override_reason: str = ""


class DisqualifyIn(Schema):
    reason: str
    note: str = ""


class AssignIn(Schema):
    owner_id: int | None


class MergeIn(Schema):
    other_id: int


class ConvertIn(Schema):
    account_id: int | None = None


class RouteIn(Schema):
    ids: list[int]


class RouteOut(Schema):
    routed: int


class ImportOut(Schema):
    id: int
    original_name: str
    status: str
    encoding: str
    headers: list[str]
    mapping: dict[str, str]
    value_mapping: dict[str, dict[str, str]]
    template_id: int | None
    created_by: UserRef
    duplicate_policy: str
    total_rows: int
    processed_rows: int
    progress_percent: int
    created_count: int
    updated_count: int
    skipped_count: int
    rejected_count: int
    error: str
    created_at: datetime
    finished_at: datetime | None


class ImportListQuery(Schema):
    status: ImportStatus | None = None
    created_by: Literal["me", ""] = ""
    limit: int = 50
    offset: int = 0


class ImportColumnsIn(Schema):
    mapping: dict[str, str]


class MappingIn(ImportColumnsIn):
    value_mapping: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Per choice field: value as written in the file → code."
    )


class ImportTemplateSaveIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    shared: bool = Field(False, description="Offer the template to your team as well.")


class StartIn(MappingIn):
    duplicate_policy: str = "skip"
    save_template: ImportTemplateSaveIn | None = None


class ImportValueSuggestionOut(Schema):
    code: str
    label: str


class ImportValueOut(Schema):
    value: str
    rows: int
    suggestions: list[ImportValueSuggestionOut]
    chosen: str | None


class ImportValueColumnOut(Schema):
    field: str
    header: str
    values: list[ImportValueOut]


class ImportTemplateOut(Schema):
    id: int
    name: str
    owner: UserRef
    shared: bool
    mapping: dict[str, str]
    value_mapping: dict[str, dict[str, str]]
    updated_at: datetime


class PreviewRowOut(Schema):
    number: int
    values: dict[str, str]
    errors: list[str]
    duplicate_of: int | None


class UndoOut(Schema):
    deleted: int
    kept: int
    restored: int


class SourceRow(Schema):
    source: str
    label: str
    total: int
    converted: int
    rate: float


class ReportOut(Schema):
    by_source_and_status: dict[str, dict[str, int]]
    conversion_by_source: list[SourceRow]
    median_hours_to_first_contact: float | None


class WebFormSubmitIn(Schema):
    company_name: str = ""
    contact_name: str = ""
    contact_title: str = ""
    mobile: str = ""
    email: str = ""
    region: str = ""
    industry: str = ""
    need: str = ""
    utm_source: str = Field("", max_length=100)
    utm_medium: str = Field("", max_length=100)
    utm_campaign: str = Field("", max_length=100)
    utm_content: str = Field("", max_length=100)
    utm_term: str = Field("", max_length=100)
    consent: bool = Field(
        False, description="Ticked the form's marketing consent (counts when the form has a consent text)."
    )
    website_url: str = ""


class ThanksOut(Schema):
    message: str


def _lead(request: AuthedRequest, lead_id: int) -> Lead:
    return selectors.lead_get(user=request.user, pk=lead_id)


def _user_or_error(owner_id: int | None, field: str = "owner_id") -> User | None:
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id).first()
    if owner is None:
        raise ValidationError({field: [_("No such user.")]})
    return owner


def _answer(response: HttpResponse, lead: Lead) -> Lead:
    response["ETag"] = etag(lead.version)
    return lead


# --- leads -----------------------------------------------------------------------------------


@router.get("/leads", response=Page[LeadOut])
def lead_list(request: AuthedRequest, query: Query[LeadQuery]) -> dict[str, Any]:
    params = query.model_dump(exclude={"limit", "offset", "cf"})
    filters = selectors.LeadFilters(**params)
    queryset = customfields.filter_records(
        selectors.lead_list(user=request.user, filters=filters), "lead", customfields.api_filters(query.cf)
    )
    page = paginate(queryset, limit=query.limit, offset=query.offset)
    customfields.attach(page["items"])
    return page


@router.post("/leads", response={201: LeadCreatedOut})
def lead_create(request: AuthedRequest, payload: LeadIn, response: HttpResponse) -> Status[Any]:
    data = payload.model_dump(exclude={"owner_id", "custom_fields"})
    with transaction.atomic():
        lead = services.lead_create(actor=request.user, data=data, owner=_user_or_error(payload.owner_id))
        customfields.custom_values_set(actor=request.user, record=lead, data=payload.custom_fields or {}, creating=True)
    lead.possible_duplicates = lead_matches(lead)  # type: ignore[attr-defined]
    response["Location"] = f"/api/v1/leads/{lead.pk}"
    return Status(201, _answer(response, lead))


@router.get("/leads/reports", response=ReportOut)
def lead_reports(request: AuthedRequest, since: date | None = None) -> dict[str, Any]:
    user = request.user
    return {
        "by_source_and_status": selectors.leads_by_source_and_status(user=user, since=since),
        "conversion_by_source": selectors.conversion_by_source(user=user, since=since),
        "median_hours_to_first_contact": selectors.median_hours_to_first_contact(user=user, since=since),
    }


@router.post("/leads/route", response=RouteOut)
def leads_route(request: AuthedRequest, payload: RouteIn) -> dict[str, int]:
    """Apply the assignment rules now to the given unassigned leads."""
    leads = list(selectors.lead_list(user=request.user).filter(pk__in=payload.ids[:5000]))
    return {"routed": services.leads_route(actor=request.user, leads=leads)}


class LeadDetailOut(LeadOut):
    opportunity_id: int | None = Field(description="The deal the lead was converted into, if any.")
    links: ApiLinks

    @staticmethod
    def resolve_opportunity_id(obj: Lead) -> int | None:
        # The reverse side of the deal's source lead (leads do not import opportunities).
        try:
            return int(obj.opportunity.pk)
        except ObjectDoesNotExist:
            return None

    @staticmethod
    def resolve_links(obj: Lead, context: dict[str, Any]) -> dict[str, str]:
        return answer_links(obj, context)


@router.get("/leads/{lead_id}", response=LeadDetailOut)
def lead_get(request: AuthedRequest, lead_id: int, response: HttpResponse) -> Lead:
    return _answer(response, _lead(request, lead_id))


@router.patch("/leads/{lead_id}", response=LeadOut)
def lead_update(request: AuthedRequest, lead_id: int, payload: LeadPatch, response: HttpResponse) -> Lead:
    lead = _lead(request, lead_id)
    expected = if_match_version(request, lead)
    data = payload.model_dump(exclude_unset=True)
    custom = data.pop("custom_fields", None)
    with transaction.atomic():
        lead = services.lead_update(actor=request.user, lead=lead, data=data, expected_version=expected)
        if custom is not None:
            customfields.custom_values_set(actor=request.user, record=lead, data=custom)
    return _answer(response, lead)


@router.delete("/leads/{lead_id}", response={204: None})
def lead_delete(request: AuthedRequest, lead_id: int) -> Status[None]:
    """Delete a lead and its activities into the recycle bin (If-Match required), restorable for
    30 days; refused for a converted lead or one a deal came from."""
    lead = _lead(request, lead_id)
    services.lead_delete(actor=request.user, lead=lead, expected_version=if_match_version(request, lead))
    return Status(204, None)


@router.post("/leads/{lead_id}/qualify", response=LeadOut)
def lead_qualify(request: AuthedRequest, lead_id: int, payload: QualifyIn, response: HttpResponse) -> Lead:
    lead = services.lead_qualify(
        actor=request.user, lead=_lead(request, lead_id), override_reason=payload.override_reason
    )
    return _answer(response, lead)


@router.post("/leads/{lead_id}/disqualify", response=LeadOut)
def lead_disqualify(request: AuthedRequest, lead_id: int, payload: DisqualifyIn, response: HttpResponse) -> Lead:
    lead = services.lead_disqualify(
        actor=request.user, lead=_lead(request, lead_id), reason=payload.reason, note=payload.note
    )
    return _answer(response, lead)


@router.post("/leads/{lead_id}/recycle", response=LeadOut)
def lead_recycle(request: AuthedRequest, lead_id: int, response: HttpResponse) -> Lead:
    return _answer(response, services.lead_recycle(actor=request.user, lead=_lead(request, lead_id)))


@router.post("/leads/{lead_id}/assign", response=LeadOut)
def lead_assign(request: AuthedRequest, lead_id: int, payload: AssignIn, response: HttpResponse) -> Lead:
    lead = services.lead_assign(
        actor=request.user, lead=_lead(request, lead_id), owner=_user_or_error(payload.owner_id)
    )
    return _answer(response, lead)


@router.post("/leads/{lead_id}/merge", response=LeadOut)
def lead_merge(request: AuthedRequest, lead_id: int, payload: MergeIn, response: HttpResponse) -> Lead:
    survivor = _lead(request, lead_id)
    try:
        other = selectors.lead_get(user=request.user, pk=payload.other_id)
    except Http404 as exc:
        raise ValidationError({"other_id": [_("No such lead.")]}) from exc
    return _answer(response, services.lead_merge(actor=request.user, survivor=survivor, other=other))


@router.post("/leads/{lead_id}/convert", response=LeadOut)
def lead_convert(request: AuthedRequest, lead_id: int, payload: ConvertIn, response: HttpResponse) -> Lead:
    lead = _lead(request, lead_id)
    account = None
    if payload.account_id is not None:
        try:
            account = customer_selectors.account_get(user=request.user, pk=payload.account_id)
        except Http404 as exc:
            raise ValidationError({"account_id": [_("No such account.")]}) from exc
    return _answer(response, services.lead_convert(actor=request.user, lead=lead, account=account))


@router.get("/leads/{lead_id}/duplicates", response=list[MatchOut])
def lead_duplicates(request: AuthedRequest, lead_id: int) -> Any:
    return lead_matches(_lead(request, lead_id))


@router.get("/leads/{lead_id}/timeline", response=list[TimelineEventOut])
def lead_timeline(request: AuthedRequest, lead_id: int) -> Any:
    return services.lead_timeline(_lead(request, lead_id))


@router.post("/leads/{lead_id}/notes", response={201: TimelineEventOut})
def lead_note_add(request: AuthedRequest, lead_id: int, payload: NoteIn) -> Status[Any]:
    lead = _lead(request, lead_id)
    return Status(201, services.lead_note_add(actor=request.user, lead=lead, text=payload.text))


@router.get("/leads/{lead_id}/activities", response=list[ActivityOut])
def lead_activities(request: AuthedRequest, lead_id: int) -> Any:
    return activities_for(_lead(request, lead_id))


@router.post("/leads/{lead_id}/activities", response={201: ActivityOut})
def lead_activity_log(request: AuthedRequest, lead_id: int, payload: ActivityIn) -> Status[Any]:
    lead = _lead(request, lead_id)
    activity = services.lead_activity_log(actor=request.user, lead=lead, **payload.model_dump())
    return Status(201, activity)


@router.post("/leads/{lead_id}/activities/{activity_id}/complete", response=ActivityOut)
def lead_activity_complete(request: AuthedRequest, lead_id: int, activity_id: int, payload: CompleteIn) -> Activity:
    lead = _lead(request, lead_id)
    activity = get_object_or_404(activities_for(lead), pk=activity_id)
    return services.lead_activity_complete(actor=request.user, lead=lead, activity=activity, outcome=payload.outcome)


# --- imports ---------------------------------------------------------------------------------


@router.get("/lead-imports", response=Page[ImportOut])
def lead_import_list(request: AuthedRequest, query: Query[ImportListQuery]) -> dict[str, Any]:
    """Imports you ran (admins and marketing: everyone's), newest first, with their total."""
    filters = selectors.ImportFilters(status=query.status or "", created_by=query.created_by)
    imports = selectors.lead_import_list(user=request.user, filters=filters)
    return paginate(imports, limit=query.limit, offset=query.offset)


@router.post("/lead-imports", response={201: ImportOut})
def lead_import_upload(
    request: AuthedRequest,
    file: File[UploadedFile],
    source: Form[str] = "import",
    campaign: Form[str] = "",
    template_id: Form[int | None] = None,
) -> Status[Any]:
    """Upload a CSV (UTF-8 or GBK) or XLSX file; answers its headers and a suggested mapping, or
    the column and value mappings of the import template you pick (`template_id`).
    """
    data = file.read(services.imports.MAX_UPLOAD_BYTES + 1)
    batch = services.lead_import_upload(
        actor=request.user,
        name=file.name or "upload",
        data=data,
        source=source,
        campaign=campaign,
        template_id=template_id,
    )
    return Status(201, batch)


@router.get("/lead-imports/{import_id}", response=ImportOut)
def lead_import_get(request: AuthedRequest, import_id: int) -> LeadImport:
    return selectors.lead_import_get(user=request.user, pk=import_id)


@router.post("/lead-imports/{import_id}/values", response=list[ImportValueColumnOut])
def lead_import_values(request: AuthedRequest, import_id: int, payload: ImportColumnsIn) -> Any:
    """For the column mapping given: each choice column's values that are neither codes nor labels,
    with ranked suggestions, to confirm once as `value_mapping` in preview and start."""
    batch = selectors.lead_import_get(user=request.user, pk=import_id)
    return services.lead_import_values(batch=batch, mapping=payload.mapping)


@router.post("/lead-imports/{import_id}/preview", response=list[PreviewRowOut])
def lead_import_preview(request: AuthedRequest, import_id: int, payload: MappingIn) -> Any:
    batch = selectors.lead_import_get(user=request.user, pk=import_id)
    rows = services.lead_import_preview(batch=batch, mapping=payload.mapping, value_mapping=payload.value_mapping)
    return [{**row.__dict__, "values": {k: str(v) for k, v in row.values.items()}} for row in rows]


@router.post("/lead-imports/{import_id}/start", response={202: ImportOut})
def lead_import_start(request: AuthedRequest, import_id: int, payload: StartIn) -> Status[Any]:
    batch = selectors.lead_import_get(user=request.user, pk=import_id)
    template = payload.save_template
    batch = services.lead_import_start(
        actor=request.user,
        batch=batch,
        mapping=payload.mapping,
        value_mapping=payload.value_mapping,
        duplicate_policy=payload.duplicate_policy,
        template_name=template.name if template else "",
        template_shared=template.shared if template else False,
    )
    return Status(202, batch)


@router.get("/lead-imports/{import_id}/rejected")
def lead_import_rejected(request: AuthedRequest, import_id: int) -> FileResponse:
    """The rejected rows with their reasons, as CSV."""
    batch = selectors.lead_import_get(user=request.user, pk=import_id)
    if not batch.rejected_path or not Path(batch.rejected_path).exists():
        raise Http404
    return FileResponse(open(batch.rejected_path, "rb"), as_attachment=True, filename=f"rejected-{batch.pk}.csv")  # noqa: SIM115


@router.post("/lead-imports/{import_id}/undo", response=UndoOut)
def lead_import_undo(request: AuthedRequest, import_id: int) -> dict[str, int]:
    batch = selectors.lead_import_get(user=request.user, pk=import_id)
    return services.lead_import_undo(actor=request.user, batch=batch)


@router.get("/lead-import-templates", response=list[ImportTemplateOut])
def lead_import_templates(request: AuthedRequest) -> Any:
    """Your import templates and those your team shares."""
    return selectors.lead_import_templates(user=request.user)


@router.delete("/lead-import-templates/{template_id}", response={204: None})
def lead_import_template_delete(request: AuthedRequest, template_id: int) -> Status[None]:
    template: LeadImportTemplate = selectors.lead_import_template_get(user=request.user, pk=template_id)
    services.lead_import_template_delete(actor=request.user, template=template)
    return Status(204, None)


# --- public ----------------------------------------------------------------------------------


@public_router.post("/public/web-forms/{key}", auth=None, response={201: ThanksOut})
def webform_submit(request: HttpRequest, key: str, payload: WebFormSubmitIn) -> Any:
    """Submit a public web-to-lead form (no authentication; protected by key, honeypot and rate limit)."""
    form = get_object_or_404(WebForm, key=key, active=True)
    try:
        services.webform_submit(form=form, data=payload.model_dump(), ip=client_address(request))
    except services.RateLimited:
        return problem(429, _("Too many submissions from your address; please try again later."))
    return Status(201, {"message": form.thank_you or _("Thank you! We will contact you soon.")})
