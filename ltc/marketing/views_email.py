"""Marketing e-mail pages: templates with a live preview, mailings with their progress, and the
two public tracking routes (open pixel, click redirect) a recipient's mail program calls."""

from __future__ import annotations

import base64
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import ListParams, StyledFormMixin, add_service_errors, is_htmx, posted_number
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.models import Campaign
from ltc.marketing.models.email import EmailTemplate, Mailing
from ltc.marketing.models.segments import Segment
from ltc.marketing.services import mailing as service
from ltc.org.types import AuthedRequest

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


class TemplateForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    subject_zh = forms.CharField(label=gettext_lazy("Subject (Chinese)"), max_length=200)
    body_zh = forms.CharField(
        label=gettext_lazy("Body (Chinese)"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )
    subject_en = forms.CharField(label=gettext_lazy("Subject (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=gettext_lazy("Body (English)"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MailingForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    template = forms.ModelChoiceField(label=gettext_lazy("Template"), queryset=EmailTemplate.objects.none())
    campaign = forms.ModelChoiceField(label=gettext_lazy("Campaign"), queryset=Campaign.objects.none())
    segment = forms.ModelChoiceField(label=gettext_lazy("Segment"), queryset=Segment.objects.none())
    rate_per_minute = forms.IntegerField(
        label=gettext_lazy("Messages per minute"), min_value=1, max_value=1_000_000, initial=600
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = EmailTemplate.objects.all()  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = Campaign.objects.exclude(status="cancelled")  # type: ignore[attr-defined]
        self.fields["segment"].queryset = Segment.objects.filter(archived_at__isnull=True)  # type: ignore[attr-defined]


def _readers_only(request: AuthedRequest) -> None:
    if not sees_marketing(request.user):
        raise PermissionDenied


def _managers_only(request: AuthedRequest) -> None:
    if not can_manage_marketing(request.user):
        raise PermissionDenied


def _template(request: AuthedRequest, pk: int) -> EmailTemplate:
    template = EmailTemplate.objects.filter(pk=pk).first() if sees_marketing(request.user) else None
    if template is None:
        raise Http404
    return template


def _mailing(request: AuthedRequest, pk: int) -> Mailing:
    visible = Mailing.objects.select_related("template", "campaign", "segment", "created_by")
    mailing = visible.filter(pk=pk).first() if sees_marketing(request.user) else None
    if mailing is None:
        raise Http404
    return mailing


@login_required
@require_GET
def email_home(request: AuthedRequest) -> HttpResponse:
    """Templates and mailings, with each mailing's counts (one query for all)."""
    _readers_only(request)
    mailing_params = ListParams(_prefixed(request.GET, "m_"), default_limit=50)
    mailings = mailing_params.page(
        paginate(
            Mailing.objects.select_related("campaign", "template").order_by("-created_at", "-pk"),
            limit=mailing_params.limit,
            offset=mailing_params.offset,
        )
    )
    _prefix_links(mailings, "m_")
    counts = service.mailing_counts([m.pk for m in mailings["items"]])
    for m in mailings["items"]:
        m.counts = counts.get(m.pk) or service.empty_counts()
    template_params = ListParams(_prefixed(request.GET, "t_"), default_limit=50)
    templates = template_params.page(
        paginate(
            EmailTemplate.objects.order_by("name", "pk"), limit=template_params.limit, offset=template_params.offset
        )
    )
    _prefix_links(templates, "t_")
    return render(
        request,
        "marketing/email_home.html",
        {"templates": templates, "mailings": mailings, "manages": can_manage_marketing(request.user)},
    )


def _prefixed(query: QueryDict, prefix: str) -> QueryDict:
    """The page's query with one list's own `offset`/`limit` (sent as `<prefix>offset`...) under
    their plain names: two lists on one page page independently."""
    mine: QueryDict = query.copy()
    for name in ("offset", "limit"):
        mine.pop(name, None)
        if f"{prefix}{name}" in query:
            mine[name] = query.get(f"{prefix}{name}", "")
    return mine


def _prefix_links(page: dict[str, Any], prefix: str) -> None:
    """Give the list's Previous/Next links back their prefixed `offset`/`limit`."""
    for key in ("next_url", "prev_url"):
        if page[key]:
            query = QueryDict(page[key].lstrip("?"), mutable=True)
            for name in ("offset", "limit"):
                if name in query:
                    query[f"{prefix}{name}"] = query.get(name, "")
                    del query[name]
            page[key] = "?" + query.urlencode()


def _template_page(request: AuthedRequest, template: EmailTemplate | None) -> HttpResponse:
    initial = (
        {
            "name": template.name,
            "subject_zh": template.subject_zh,
            "body_zh": template.body_zh,
            "subject_en": template.subject_en,
            "body_en": template.body_en,
            "version": template.version,
        }
        if template is not None
        else None
    )
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version") or 0
        try:
            if template is None:
                template = service.template_create(actor=request.user, data=data)
            else:
                service.template_update(actor=request.user, template=template, data=data, expected_version=version)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Template saved."))
            return redirect("marketing:email_template_edit", template.pk)
    previews = _previews(request, form.data if form.is_bound else initial or {})
    return render(
        request, "marketing/email_template_form.html", {"form": form, "template": template, "previews": previews}
    )


def _previews(request: AuthedRequest, data: Any) -> list[dict[str, Any]]:
    """The Chinese and English renderings of what the form holds now (unsaved), or its errors."""
    draft = EmailTemplate(
        name=data.get("name") or "",
        subject_zh=data.get("subject_zh") or "",
        body_zh=data.get("body_zh") or "",
        subject_en=data.get("subject_en") or "",
        body_en=data.get("body_en") or "",
    )
    shown = []
    for language, label, subject, body in (
        ("zh-hans", _("Chinese"), draft.subject_zh, draft.body_zh),
        ("en", _("English"), draft.subject_en, draft.body_en),
    ):
        errors = service.markup_errors(subject) + service.markup_errors(body)
        rendered = None
        if not errors and body:
            rendered = service.render(
                draft, language=language, recipient=service.sample_recipient(request.user), track=False
            )
        shown.append({"language": language, "label": label, "errors": errors, "rendered": rendered})
    return shown


@login_required
def email_template_create(request: AuthedRequest) -> HttpResponse:
    _managers_only(request)
    return _template_page(request, None)


@login_required
def email_template_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    _managers_only(request)
    return _template_page(request, template)


@login_required
@require_POST
def email_template_preview(request: AuthedRequest) -> HttpResponse:
    """The live preview (htmx) of the editor's unsaved content, in Chinese and English."""
    _managers_only(request)
    return render(
        request,
        "marketing/email_preview.html",
        {"previews": _previews(request, request.POST), "partial": is_htmx(request)},
    )


@login_required
@require_POST
def email_template_test_send(request: AuthedRequest, pk: int) -> HttpResponse:
    template = _template(request, pk)
    _managers_only(request)
    language = "en" if request.POST.get("language") == "en" else "zh-hans"
    try:
        service.template_test_send(actor=request.user, template=template, language=language)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("A test e-mail was queued to %(address)s.") % {"address": request.user.email})
    return redirect("marketing:email_template_edit", template.pk)


@login_required
def email_mailing_create(request: AuthedRequest) -> HttpResponse:
    _managers_only(request)
    form = MailingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mailing = service.mailing_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Mailing created."))
            return redirect("marketing:email_mailing_detail", mailing.pk)
    return render(request, "marketing/email_mailing_form.html", {"form": form})


@login_required
@require_GET
def email_mailing_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A mailing's progress: counts by status, opens and clicks, the latest messages."""
    mailing = _mailing(request, pk)
    counts = service.mailing_counts([mailing.pk]).get(mailing.pk) or service.empty_counts()
    done = counts["total"] - counts["queued"]
    progress = round(100 * done / counts["total"]) if counts["total"] else 0
    latest = service.message_list(user=request.user, mailing=mailing).order_by("-pk")[:50]
    context = {
        "mailing": mailing,
        "counts": counts,
        "progress": progress,
        "latest": latest,
        "manages": can_manage_marketing(request.user),
        "now": timezone.now(),
    }
    template = "marketing/email_mailing_progress.html" if is_htmx(request) else "marketing/email_mailing_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def email_mailing_schedule(request: AuthedRequest, pk: int) -> HttpResponse:
    mailing = _mailing(request, pk)
    _managers_only(request)
    at = None
    if raw := request.POST.get("scheduled_at", "").strip():
        try:
            at = forms.DateTimeField().clean(raw)
        except ValidationError:
            messages.error(request, _("Enter a valid date and time."))
            return redirect("marketing:email_mailing_detail", mailing.pk)
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
    try:
        service.mailing_schedule(
            actor=request.user, mailing=mailing, at=at, expected_version=posted_number(request.POST, "version")
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Mailing scheduled."))
    return redirect("marketing:email_mailing_detail", mailing.pk)


@login_required
@require_POST
def email_mailing_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    mailing = _mailing(request, pk)
    _managers_only(request)
    try:
        service.mailing_cancel(
            actor=request.user, mailing=mailing, expected_version=posted_number(request.POST, "version")
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Mailing cancelled."))
    return redirect("marketing:email_mailing_detail", mailing.pk)


# --- public: the recipient's mail program ------------------------------------------------------


@never_cache
@require_GET
def email_open(request: HttpRequest, token: str) -> HttpResponse:
    """The open pixel: records the open of the message named by the token; always the same
    transparent GIF, whatever the token (it tells nothing about which tokens exist)."""
    if len(token) <= 64:
        service.email_opened(token=token)
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_GET
def email_click(request: HttpRequest, token: str, index: int) -> HttpResponse:
    """The click redirect: records the click and goes to the link stored for that message at that
    position — never to a URL taken from the request."""
    target = service.email_clicked(token=token, index=index) if len(token) <= 64 else None
    if not target:
        raise Http404
    return HttpResponseRedirect(target)
