"""/api/v1/marketing/email-templates and /mailings: marketing e-mail, thin over services.mailing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from ltc.core.api import Page, etag, if_match_version, paginate
from ltc.core.schemas import OneOf
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.models import Campaign
from ltc.marketing.models.email import EmailTemplate, Mailing, MailingStatus, MessageStatus
from ltc.marketing.models.segments import Segment
from ltc.marketing.services import mailing as service
from ltc.org.types import AuthedRequest

router = Router(tags=["marketing"])

LANGUAGES = ("zh-hans", "en")


class EmailTemplateIn(Schema):
    name: str
    subject_zh: str
    body_zh: str = Field(description="Paragraphs, **bold**, [text](https://...) links and merge fields.")
    subject_en: str = ""
    body_en: str = ""


class EmailTemplatePatch(Schema):
    name: str | None = None
    subject_zh: str | None = None
    body_zh: str | None = None
    subject_en: str | None = None
    body_en: str | None = None


class EmailTemplateOut(Schema):
    id: int
    version: int
    name: str
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str
    created_at: datetime
    updated_at: datetime


class EmailPreviewIn(Schema):
    language: Annotated[str, Field(pattern="^(zh-hans|en)$")] = "zh-hans"
    lead_id: int | None = Field(None, description="Render for this lead instead of the sample recipient.")
    contact_id: int | None = Field(None, description="Render for this contact instead of the sample recipient.")


class EmailPreviewOut(Schema):
    subject: str
    html: str
    text: str
    links: list[str]


class EmailTestSendIn(Schema):
    language: Annotated[str, Field(pattern="^(zh-hans|en)$")] = "zh-hans"


class EmailTestSendOut(Schema):
    id: int
    address: str
    status: Annotated[str, OneOf(MessageStatus)]


class MailingIn(Schema):
    name: str
    template_id: int
    campaign_id: int
    segment_id: int
    rate_per_minute: Annotated[int, Field(ge=1, le=1_000_000)] = 600


class MailingScheduleIn(Schema):
    scheduled_at: AwareDatetime | None = Field(
        None, description="When to send, with its zone (a time without one is a field error); now when empty."
    )


class MailingCountsOut(Schema):
    total: int
    queued: int
    sent: int
    failed: int
    suppressed: int
    bounced: int
    cancelled: int
    opened: int
    clicked: int


class MailingOut(Schema):
    id: int
    version: int
    name: str
    template_id: int
    campaign_id: int
    segment_id: int
    status: Annotated[str, OneOf(MailingStatus)]
    scheduled_at: datetime | None
    rate_per_minute: int
    recipients: int
    finished_at: datetime | None
    created_at: datetime
    counts: MailingCountsOut


class MailingQuery(Schema):
    status: Annotated[str, OneOf(MailingStatus, blank=True)] = ""
    campaign: int | None = None
    limit: int = 50
    offset: int = 0


class EmailMessageOut(Schema):
    id: int
    address: str
    status: Annotated[str, OneOf(MessageStatus)]
    language: str
    lead_id: int | None
    contact_id: int | None
    attempts: int
    last_error: str
    message_id: str
    queued_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None


class EmailMessageQuery(Schema):
    status: Annotated[str, OneOf(MessageStatus, blank=True)] = ""
    limit: int = 50
    offset: int = 0


def _reader(request: AuthedRequest) -> None:
    if not sees_marketing(request.user):
        raise PermissionDenied(_("You may not read marketing e-mail."))


def _manager(request: AuthedRequest) -> None:
    if not can_manage_marketing(request.user):
        raise PermissionDenied(_("Only marketing and administrators manage marketing e-mail."))


def _template(request: AuthedRequest, template_id: int) -> EmailTemplate:
    template = EmailTemplate.objects.filter(pk=template_id).first() if sees_marketing(request.user) else None
    if template is None:
        raise Http404
    return template


def _mailing(request: AuthedRequest, mailing_id: int) -> Mailing:
    mailing = Mailing.objects.filter(pk=mailing_id).first() if sees_marketing(request.user) else None
    if mailing is None:
        raise Http404
    mailing.counts = service.mailing_counts([mailing.pk]).get(mailing.pk) or service.empty_counts()  # type: ignore[attr-defined]
    return mailing


def _api_fields(exc: ValidationError) -> ValidationError:
    """The service names a mailing's records as the form does; the API names them `..._id`."""
    if not hasattr(exc, "error_dict"):
        return exc
    rename = {"template": "template_id", "campaign": "campaign_id", "segment": "segment_id"}
    return ValidationError({rename.get(key, key): value for key, value in exc.message_dict.items()})


def _one(model: Any, pk: int, field: str, message: str) -> Any:
    record = model.objects.filter(pk=pk).first()
    if record is None:
        raise ValidationError({field: [message]})
    return record


@router.get("/marketing/email-templates", response=Page[EmailTemplateOut])
def email_template_list(request: AuthedRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """E-mail templates by name (marketing, administrators, executives and sales managers)."""
    _reader(request)
    return paginate(EmailTemplate.objects.order_by("name", "pk"), limit=limit, offset=offset)


@router.post("/marketing/email-templates", response={201: EmailTemplateOut})
def email_template_create(request: AuthedRequest, payload: EmailTemplateIn, response: HttpResponse) -> Status[Any]:
    """A new template; an unknown merge field or a template tag is a field error."""
    _manager(request)
    template = service.template_create(actor=request.user, data=payload.model_dump())
    response["ETag"] = etag(template.version)
    response["Location"] = f"/api/v1/marketing/email-templates/{template.pk}"
    return Status(201, template)


@router.get("/marketing/email-templates/{template_id}", response=EmailTemplateOut)
def email_template_get(request: AuthedRequest, template_id: int, response: HttpResponse) -> EmailTemplate:
    template = _template(request, template_id)
    response["ETag"] = etag(template.version)
    return template


@router.patch("/marketing/email-templates/{template_id}", response=EmailTemplateOut)
def email_template_update(
    request: AuthedRequest, template_id: int, payload: EmailTemplatePatch, response: HttpResponse
) -> EmailTemplate:
    """Change a template (If-Match)."""
    template = _template(request, template_id)
    _manager(request)
    expected = if_match_version(request, template)
    template = service.template_update(
        actor=request.user, template=template, data=payload.model_dump(exclude_unset=True), expected_version=expected
    )
    response["ETag"] = etag(template.version)
    return template


@router.delete("/marketing/email-templates/{template_id}", response={204: None})
def email_template_delete(request: AuthedRequest, template_id: int) -> Status[None]:
    """Remove a template no mailing or message used (a used one is kept: a field error)."""
    template = _template(request, template_id)
    service.template_delete(actor=request.user, template=template)
    return Status(204, None)


@router.post("/marketing/email-templates/{template_id}/preview", response=EmailPreviewOut)
def email_template_preview(request: AuthedRequest, template_id: int, payload: EmailPreviewIn) -> Any:
    """The template rendered for the sample recipient, or for a lead or contact you may see."""
    template = _template(request, template_id)
    return service.template_preview(
        actor=request.user,
        template=template,
        language=payload.language,
        lead_id=payload.lead_id,
        contact_id=payload.contact_id,
    )


@router.post("/marketing/email-templates/{template_id}/test-send", response={202: EmailTestSendOut})
def email_template_test_send(request: AuthedRequest, template_id: int, payload: EmailTestSendIn) -> Status[Any]:
    """Queue the template to your own address (sample merge values, nothing tracked)."""
    template = _template(request, template_id)
    message = service.template_test_send(actor=request.user, template=template, language=payload.language)
    return Status(202, message)


@router.get("/marketing/mailings", response=Page[MailingOut])
def mailing_list(request: AuthedRequest, query: Query[MailingQuery]) -> dict[str, Any]:
    """Mailings, newest first, each with its counts by status (one query for the page's counts)."""
    _reader(request)
    mailings = Mailing.objects.order_by("-created_at", "-pk")
    if query.status:
        mailings = mailings.filter(status=query.status)
    if query.campaign is not None:
        mailings = mailings.filter(campaign_id=query.campaign)
    page = paginate(mailings, limit=query.limit, offset=query.offset)
    counts = service.mailing_counts([m.pk for m in page["items"]])
    for m in page["items"]:
        m.counts = counts.get(m.pk) or service.empty_counts()
    return page


@router.post("/marketing/mailings", response={201: MailingOut})
def mailing_create(request: AuthedRequest, payload: MailingIn, response: HttpResponse) -> Status[Any]:
    """A draft mailing of a template to a segment for a campaign."""
    _manager(request)
    data = {
        "name": payload.name,
        "rate_per_minute": payload.rate_per_minute,
        "template": _one(EmailTemplate, payload.template_id, "template_id", _("No such template.")),
        "campaign": _one(Campaign, payload.campaign_id, "campaign_id", _("No such campaign.")),
        "segment": _one(Segment, payload.segment_id, "segment_id", _("No such segment.")),
    }
    try:
        mailing = service.mailing_create(actor=request.user, data=data)
    except ValidationError as exc:
        raise _api_fields(exc) from exc
    response["ETag"] = etag(mailing.version)
    response["Location"] = f"/api/v1/marketing/mailings/{mailing.pk}"
    return Status(201, _mailing(request, mailing.pk))


@router.get("/marketing/mailings/{mailing_id}", response=MailingOut)
def mailing_get(request: AuthedRequest, mailing_id: int, response: HttpResponse) -> Mailing:
    mailing = _mailing(request, mailing_id)
    response["ETag"] = etag(mailing.version)
    return mailing


@router.post("/marketing/mailings/{mailing_id}/schedule", response=MailingOut)
def mailing_schedule(
    request: AuthedRequest, mailing_id: int, payload: MailingScheduleIn, response: HttpResponse
) -> Mailing:
    """Expand the segment into messages, due at `scheduled_at` (If-Match). Addresses without
    e-mail consent are counted as suppressed and never sent."""
    mailing = _mailing(request, mailing_id)
    _manager(request)
    expected = if_match_version(request, mailing)
    try:
        service.mailing_schedule(
            actor=request.user, mailing=mailing, at=payload.scheduled_at, expected_version=expected
        )
    except ValidationError as exc:
        raise _api_fields(exc) from exc
    mailing = _mailing(request, mailing_id)
    response["ETag"] = etag(mailing.version)
    return mailing


@router.post("/marketing/mailings/{mailing_id}/cancel", response=MailingOut)
def mailing_cancel(request: AuthedRequest, mailing_id: int, response: HttpResponse) -> Mailing:
    """Stop the mailing (If-Match): queued messages are cancelled, sent ones stay sent."""
    mailing = _mailing(request, mailing_id)
    _manager(request)
    expected = if_match_version(request, mailing)
    service.mailing_cancel(actor=request.user, mailing=mailing, expected_version=expected)
    mailing = _mailing(request, mailing_id)
    response["ETag"] = etag(mailing.version)
    return mailing


@router.get("/marketing/mailings/{mailing_id}/messages", response=Page[EmailMessageOut])
def mailing_message_list(request: AuthedRequest, mailing_id: int, query: Query[EmailMessageQuery]) -> dict[str, Any]:
    """The mailing's messages, in queue order. Addresses are person-level: only marketing and
    administrators read them; other readers get an empty page (the mailing's `counts` are theirs)."""
    mailing = _mailing(request, mailing_id)
    messages = service.message_list(user=request.user, mailing=mailing)
    if query.status:
        messages = messages.filter(status=query.status)
    return paginate(messages, limit=query.limit, offset=query.offset)
