"""Segment pages: the list, the editor with its live count (htmx), the detail with a sample of
members, and the static list's entries (ids pasted from a selection, or a CSV file)."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import StyledFormMixin, flash_errors, posted_number
from ltc.customers.choices import AccountStatus, CompanySize
from ltc.leads.choices import LeadStatus
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.api_segments import MAX_CSV_BYTES, member_rows
from ltc.marketing.models import Campaign, MemberStatus
from ltc.marketing.models.segments import Segment, SegmentKind, SegmentTarget
from ltc.marketing.services import segments as services
from ltc.opportunities.choices import OpportunityStatus
from ltc.org.choices import Industry, Region
from ltc.org.models import User

SAMPLE = 20

# Form field -> the condition it writes (field, op); the editor shows one of each.
FORM_CONDITIONS: dict[str, tuple[str, str]] = {
    "industry": ("industry", "in"),
    "region": ("region", "in"),
    "company_size": ("company_size", "in"),
    "lead_status": ("status", "in"),
    "account_status": ("status", "in"),
    "score_min": ("score", "gte"),
    "score_max": ("score", "lte"),
    "deal_status": ("deal_status", "in"),
    "owners": ("owner", "in"),
    "active_days": ("last_activity", "within_days"),
    "quiet_days": ("last_activity", "not_within_days"),
    "campaign": ("campaign", "at_least"),
    "email_consent": ("email_consent", "is"),
}


def _multi(choices: Any, label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )


class SegmentForm(StyledFormMixin, forms.Form):
    """The editor: each condition of the rule language as a field; empty fields add nothing."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    target = forms.ChoiceField(label=gettext_lazy("Who"), choices=SegmentTarget.choices)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=SegmentKind.choices)
    match = forms.ChoiceField(label=gettext_lazy("Match"), choices=services.MatchMode.choices)
    industry = _multi(Industry.choices, gettext_lazy("Industry"))
    region = _multi(Region.choices, gettext_lazy("Region"))
    company_size = _multi(CompanySize.choices, gettext_lazy("Company size"))
    lead_status = _multi(LeadStatus.choices, gettext_lazy("Lead status (leads)"))
    account_status = _multi(AccountStatus.choices, gettext_lazy("Account status (contacts, accounts)"))
    score_min = forms.IntegerField(label=gettext_lazy("Score at least (leads)"), required=False)
    score_max = forms.IntegerField(label=gettext_lazy("Score at most (leads)"), required=False)
    deal_status = _multi(OpportunityStatus.choices, gettext_lazy("Account has a deal that is (contacts, accounts)"))
    owners = forms.MultipleChoiceField(
        label=gettext_lazy("Owner"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    active_days = forms.IntegerField(label=gettext_lazy("Activity done within the last days"), required=False)
    quiet_days = forms.IntegerField(label=gettext_lazy("No activity done within the last days"), required=False)
    campaign = forms.ChoiceField(label=gettext_lazy("Campaign response: campaign"), required=False)
    campaign_status = forms.ChoiceField(
        label=gettext_lazy("Campaign response: reached at least"), choices=MemberStatus.choices, required=False
    )
    email_consent = forms.BooleanField(label=gettext_lazy("E-mail consent granted (leads, contacts)"), required=False)

    def __init__(self, *args: Any, segment: Segment | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.segment = segment
        owners = cast(forms.ChoiceField, self.fields["owners"])
        campaign = cast(forms.ChoiceField, self.fields["campaign"])
        owners.choices = [
            (str(pk), name or username)
            for pk, name, username in User.objects.filter(is_active=True)
            .order_by("display_name", "username")
            .values_list("pk", "display_name", "username")[:500]
        ]
        campaign.choices = [("", "—")] + [
            (str(pk), name) for pk, name in Campaign.objects.order_by("-pk").values_list("pk", "name")[:200]
        ]
        if segment is not None:
            self.fields["target"].disabled = True
            self.fields["kind"].disabled = True
        self.condition_fields: list[str] = []
        self.extra: list[dict[str, Any]] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get("target") or (self.segment.target if self.segment else "")
        if target and target != SegmentTarget.LEADS and data.get("lead_status"):
            self.add_error("lead_status", _("Applies to lead segments only."))
        if target == SegmentTarget.LEADS and data.get("account_status"):
            self.add_error("account_status", _("Applies to contact and account segments only."))
        return data

    def rules(self) -> dict[str, Any]:
        """The rules the filled fields say (plus the saved conditions the editor cannot show)."""
        data = self.cleaned_data
        target = data.get("target") or (self.segment.target if self.segment else "")
        conditions: list[dict[str, Any]] = []
        self.condition_fields = []

        def add(form_field: str, value: Any) -> None:
            name, op = FORM_CONDITIONS[form_field]
            conditions.append({"field": name, "op": op, "value": value})
            self.condition_fields.append(form_field)

        for name in ("industry", "region", "company_size", "deal_status"):
            if data.get(name):
                add(name, data[name])
        status_field = "lead_status" if target == SegmentTarget.LEADS else "account_status"
        if data.get(status_field):
            add(status_field, data[status_field])
        for name in ("score_min", "score_max", "active_days", "quiet_days"):
            if data.get(name) is not None:
                add(name, data[name])
        if data.get("owners"):
            add("owners", [int(v) for v in data["owners"]])
        if data.get("campaign"):
            add("campaign", {"campaign_id": int(data["campaign"]), "status": data.get("campaign_status") or "targeted"})
        if data.get("email_consent"):
            add("email_consent", True)
        return {"match": data.get("match") or "all", "conditions": conditions + self.extra}

    def add_rule_errors(self, exc: ValidationError) -> None:
        """Put "rules.conditions.N..." messages on the field that wrote condition N."""
        for key, messages_ in exc.message_dict.items():
            found = re.match(r"rules\.conditions\.(\d+)", key)
            index = int(found.group(1)) if found else -1
            if 0 <= index < len(self.condition_fields):
                self.add_error(self.condition_fields[index], messages_)
            elif key in self.fields:
                self.add_error(key, messages_)
            else:
                self.add_error(None, messages_)


def _initial(segment: Segment) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The editor's fields from saved rules, and the conditions it has no field for."""
    initial: dict[str, Any] = {
        "name": segment.name,
        "description": segment.description,
        "target": segment.target,
        "kind": segment.kind,
        "match": (segment.rules or {}).get("match", "all"),
    }
    extra: list[dict[str, Any]] = []
    for condition in (segment.rules or {}).get("conditions", []):
        key = (condition["field"], condition["op"])
        form_field = next(
            (
                f
                for f, pair in FORM_CONDITIONS.items()
                if pair == key
                and f not in initial
                and (f != "lead_status" or segment.target == SegmentTarget.LEADS)
                and (f != "account_status" or segment.target != SegmentTarget.LEADS)
            ),
            None,
        )
        if form_field is None:
            extra.append(condition)
        elif form_field == "campaign":
            initial["campaign"] = str(condition["value"]["campaign_id"])
            initial["campaign_status"] = condition["value"]["status"]
        elif form_field == "owners":
            initial["owners"] = [str(v) for v in condition["value"]]
        else:
            initial[form_field] = condition["value"]
    return initial, extra


def _new_initial() -> dict[str, Any]:
    """A new segment's editor: the target and type its selects show first, said explicitly so
    that the first live count counts what the page shows."""
    return {"target": SegmentTarget.values[0], "kind": SegmentKind.values[0], "match": "all"}


def _readers_only(user: Any) -> None:
    if not sees_marketing(user):
        raise PermissionDenied


def _managers_only(user: Any) -> None:
    if not can_manage_marketing(user):
        raise PermissionDenied


@login_required
def segment_list(request: HttpRequest) -> HttpResponse:
    _readers_only(request.user)
    archived = request.GET.get("archived") == "1"
    segments = list(services.segment_list(user=request.user, include_archived=archived)[:500])
    context = {"segments": segments, "archived": archived, "can_manage": can_manage_marketing(request.user)}
    return render(request, "marketing/segment_list.html", context)


def _editor(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    _managers_only(request.user)
    initial, extra = _initial(segment) if segment is not None else (_new_initial(), [])
    form = SegmentForm(request.POST or None, initial=initial, segment=segment)
    form.extra = extra
    count: int | None = None
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("name", "description")}
        data["rules"] = form.rules() if form.cleaned_data["kind"] == SegmentKind.DYNAMIC else {}
        try:
            if segment is None:
                data.update(target=form.cleaned_data["target"], kind=form.cleaned_data["kind"])
                segment = services.segment_create(actor=request.user, data=data)
            else:
                expected = posted_number(request.POST, "version")
                if segment.kind == SegmentKind.STATIC:
                    data.pop("rules")
                segment = services.segment_update(
                    actor=request.user, segment=segment, data=data, expected_version=expected
                )
        except ValidationError as exc:
            form.add_rule_errors(exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            services.segment_count_refresh(segment)
            messages.success(request, _("Segment saved."))
            return redirect(segment.get_absolute_url())
    elif segment is not None and segment.kind == SegmentKind.DYNAMIC:
        count = services.segment_count(segment)
    elif segment is None and initial["kind"] == SegmentKind.DYNAMIC:
        # A new segment's count before any condition: everyone of the preselected target.
        count = services.rules_count(target=initial["target"], rules={"match": "all", "conditions": []})
    kind = segment.kind if segment is not None else (form["kind"].value() or initial["kind"])
    context = {
        "form": form,
        "segment": segment,
        "count": count,
        "extra": extra,
        "static": kind == SegmentKind.STATIC,
    }
    return render(request, "marketing/segment_form.html", context, status=422 if form.errors else 200)


@login_required
def segment_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    segment = services.segment_get(user=request.user, pk=pk)
    _managers_only(request.user)
    if segment.archived_at is not None:
        messages.error(request, _("This segment is archived."))
        return redirect(segment.get_absolute_url())
    return _editor(request, segment)


@login_required
@require_POST
def segment_preview(request: HttpRequest) -> HttpResponse:
    """The editor's live count (htmx): the rules the form says, counted, nothing saved."""
    _readers_only(request.user)
    segment = None
    if posted_number(request.POST, "segment"):
        segment = services.segment_get(user=request.user, pk=posted_number(request.POST, "segment"))
    # The target and type of a saved segment are disabled selects, which a browser does not
    # send: a disabled field takes its value from `initial`, so give it the saved ones.
    initial, extra = _initial(segment) if segment is not None else ({}, [])
    form = SegmentForm(request.POST, initial=initial, segment=segment)
    form.extra = extra
    count: int | None = None
    form.is_valid()  # the name may still be blank while conditions are tried: only conditions count
    target = form.cleaned_data.get("target") or (segment.target if segment else "")
    static = form.cleaned_data.get("kind", SegmentKind.DYNAMIC) == SegmentKind.STATIC
    if not static and not _condition_errors(form):
        try:
            count = services.rules_count(target=target, rules=form.rules())
        except ValidationError as exc:
            form.add_rule_errors(exc)
    errors = [
        f"{form.fields[name].label}: {' '.join(messages_)}" if name in form.fields else " ".join(messages_)
        for name, messages_ in _condition_errors(form).items()
    ]
    context = {"count": count, "errors": errors, "static": static}
    return render(request, "marketing/segment_count.html", context)


def _condition_errors(form: SegmentForm) -> dict[str, Any]:
    return {name: errors for name, errors in form.errors.items() if name not in ("name", "description")}


@login_required
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = services.segment_get(user=request.user, pk=pk)
    count = services.segment_count_refresh(segment)
    members = member_rows(segment, list(services.segment_members(user=request.user, segment=segment)[:SAMPLE]))
    context = {
        "segment": segment,
        "count": count,
        "members": members,
        "conditions": _described(segment),
        "can_manage": can_manage_marketing(request.user) and segment.archived_at is None,
    }
    return render(request, "marketing/segment_detail.html", context)


def _described(segment: Segment) -> list[str]:
    """The segment's conditions in words."""
    fields = dict(services.RuleField.choices)
    ops = dict(services.RuleOp.choices)
    labels: dict[str, Any] = {
        **dict(Industry.choices),
        **dict(Region.choices),
        **dict(CompanySize.choices),
        **dict(OpportunityStatus.choices),
        **dict(MemberStatus.choices),
    }
    status_labels = dict(LeadStatus.choices if segment.target == SegmentTarget.LEADS else AccountStatus.choices)
    lines = []
    for c in (segment.rules or {}).get("conditions", []):
        value = c["value"]
        if c["field"] == "status":
            text = ", ".join(str(status_labels.get(v, v)) for v in value)
        elif c["field"] == "owner":
            text = ", ".join(str(u) for u in User.objects.filter(pk__in=value))
        elif c["field"] == "campaign":
            campaign = Campaign.objects.filter(pk=value["campaign_id"]).first()
            text = f"{campaign or value['campaign_id']} · {labels.get(value['status'], value['status'])}"
        elif isinstance(value, list):
            text = ", ".join(str(labels.get(v, v)) for v in value)
        elif isinstance(value, bool):
            text = _("yes") if value else _("no")
        else:
            text = str(value)
        lines.append(f"{fields.get(c['field'], c['field'])} {ops.get(c['op'], c['op'])}: {text}")
    return lines


@login_required
@require_POST
def segment_entries(request: HttpRequest, pk: int) -> HttpResponse:
    """Add or remove ids pasted from a selection (separated by spaces, commas or new lines)."""
    segment = services.segment_get(user=request.user, pk=pk)
    _managers_only(request.user)
    raw = request.POST.get("ids", "")
    ids: list[Any] = [v for v in re.split(r"[\s,;，；]+", raw) if v]
    try:
        if request.POST.get("action") == "remove":
            result = services.segment_entries_remove(actor=request.user, segment=segment, ids=ids)
            messages.success(request, _("%(n)d removed.") % {"n": result.removed})
        else:
            result = services.segment_entries_add(actor=request.user, segment=segment, ids=ids)
            text = _("%(added)d added, %(already)d already on the list.") % {
                "added": result.added,
                "already": result.already,
            }
            if result.unknown:
                text += " " + _("Not found: %(ids)s.") % {"ids": ", ".join(map(str, result.unknown[:50]))}
            messages.success(request, text)
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect(segment.get_absolute_url())


@login_required
@require_POST
def segment_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill a static list from a CSV file; the page then shows the rows that matched nothing."""
    segment = services.segment_get(user=request.user, pk=pk)
    _managers_only(request.user)
    upload = request.FILES.get("file")
    report = None
    try:
        if upload is None:
            raise ValidationError({"file": [_("Choose a CSV file.")]})
        content = upload.read(MAX_CSV_BYTES + 1)
        if len(content) > MAX_CSV_BYTES:
            raise ValidationError({"file": [_("The file is larger than 5 MB.")]})
        report = services.segment_import(actor=request.user, segment=segment, content=content)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(segment.get_absolute_url())
    context = {"segment": segment, "report": report, "unmatched": report.unmatched[:500]}
    return render(request, "marketing/segment_import.html", context)


@login_required
@require_POST
def segment_archive(request: HttpRequest, pk: int) -> HttpResponse:
    segment = services.segment_get(user=request.user, pk=pk)
    _managers_only(request.user)
    try:
        services.segment_archive(
            actor=request.user, segment=segment, expected_version=posted_number(request.POST, "version")
        )
        messages.success(request, _("Segment archived."))
    except (ValidationError, StaleVersionError) as exc:
        if isinstance(exc, ValidationError):
            flash_errors(request, exc)
        else:
            messages.error(request, str(exc))
    return redirect(segment.get_absolute_url())
