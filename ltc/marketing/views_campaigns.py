"""Campaign pages: the list with its filters, a campaign's page (figures, costs, members,
sub-campaigns), the create and edit form, and the "add to campaign" mass action of the lead and
contact lists. Thin over ltc.marketing.services.campaigns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core.access import visible_ids
from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import ListParams, StyledFormMixin, add_service_errors, flash_errors, posted_number
from ltc.core.timeline import timeline_for
from ltc.customers.models import Contact
from ltc.leads.models import Lead
from ltc.marketing.access import can_manage_marketing, sees_marketing
from ltc.marketing.models import (
    Campaign,
    CampaignCost,
    CampaignKind,
    CampaignStatus,
    MemberSource,
    MemberStatus,
    TouchKind,
)
from ltc.marketing.services import campaigns as services
from ltc.org.models import User
from ltc.org.types import AuthedRequest

EDITED_FIELDS = list(services.CAMPAIGN_FIELDS)


class CampaignFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, label=gettext_lazy("Search"))
    status = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *CampaignStatus.choices],
    )
    kind = forms.ChoiceField(
        required=False, label=gettext_lazy("Type"), choices=[("", gettext_lazy("Any type")), *CampaignKind.choices]
    )
    owner = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Owner"),
        choices=[("", gettext_lazy("Anyone")), ("me", gettext_lazy("Mine"))],
    )

    def filters(self) -> services.CampaignFilters:
        if not self.is_valid():
            return services.CampaignFilters()
        return services.CampaignFilters(**self.cleaned_data)


class CampaignForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Campaign
        fields = EDITED_FIELDS
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = Campaign.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            self.fields["version"].initial = self.instance.version
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        """The service validates (and says so field by field); the form only parses."""

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITED_FIELDS if name in self.cleaned_data}


class CostForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CampaignCost
        fields = ["spent_on", "description", "amount"]
        widgets = {"spent_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def _openable(user: Any, members: list[Any]) -> set[tuple[str, int]]:
    """The member records on the page the viewer may open ("lead"/"contact", id): two queries;
    only those are drawn as links."""
    lead_ids = visible_ids(user, Lead, [m.lead_id for m in members if m.lead_id])
    contact_ids = visible_ids(user, Contact, [m.contact_id for m in members if m.contact_id])
    return {("lead", pk) for pk in lead_ids} | {("contact", pk) for pk in contact_ids}


def _require_reader(user: Any) -> None:
    if not sees_marketing(user):
        raise PermissionDenied


def _require_manager(user: Any) -> None:
    if not can_manage_marketing(user):
        raise PermissionDenied


@login_required
def campaign_list(request: AuthedRequest) -> HttpResponse:
    _require_reader(request.user)
    form = CampaignFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else services.CampaignFilters()
    params = ListParams(request.GET)
    page = params.page(
        paginate(services.campaign_list(user=request.user, filters=filters), limit=params.limit, offset=params.offset)
    )
    context = {"filter_form": form, "page": page, "can_manage": can_manage_marketing(request.user)}
    return render(request, "marketing/campaign_list.html", context)


@login_required
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_get(user=request.user, pk=pk)
    status = request.GET.get("status", "")
    if status not in MemberStatus.values:
        status = ""
    params = ListParams(request.GET, default_limit=50)
    members = params.page(
        paginate(
            services.member_list(user=request.user, campaign=campaign, status=status),
            limit=params.limit,
            offset=params.offset,
        )
    )
    stats = services.campaign_stats(campaign=campaign)
    openable = _openable(request.user, list(members["items"]))
    member_rows = [
        (m, ("lead", m.lead_id) in openable if m.lead_id else ("contact", m.contact_id) in openable)
        for m in members["items"]
    ]
    context = {
        "campaign": campaign,
        "stats": stats,
        "status_rows": [(code, label, stats.members_by_status.get(code, 0)) for code, label in MemberStatus.choices],
        "touch_rows": [
            (label, stats.touches_by_kind[code]) for code, label in TouchKind.choices if code in stats.touches_by_kind
        ],
        "costs": services.cost_list(campaign=campaign),
        "cost_form": CostForm(),
        "members": members,
        "member_rows": member_rows,
        "members_not_shown": services.members_not_shown(user=request.user, campaign=campaign, status=status),
        "member_status": status,
        "member_statuses": MemberStatus.choices,
        "targeted": MemberStatus.TARGETED,
        "events": timeline_for(campaign, limit=20),
        "can_manage": can_manage_marketing(request.user),
    }
    return render(request, "marketing/campaign_detail.html", context)


def _form_page(request: AuthedRequest, form: CampaignForm, campaign: Campaign | None, status: int) -> HttpResponse:
    return render(request, "marketing/campaign_form.html", {"form": form, "campaign": campaign}, status=status)


@login_required
def campaign_create(request: AuthedRequest) -> HttpResponse:
    _require_manager(request.user)
    form = CampaignForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign created."))
            return redirect(campaign)
    return _form_page(request, form, None, 422 if request.method == "POST" else 200)


@login_required
def campaign_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_get(user=request.user, pk=pk)
    _require_manager(request.user)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(
                actor=request.user,
                campaign=services.campaign_get(user=request.user, pk=pk),
                data=form.data_for_service(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Campaign saved."))
            return redirect(campaign)
    return _form_page(request, form, campaign, 422 if request.method == "POST" else 200)


@login_required
@require_POST
def campaign_cost_add(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = services.campaign_get(user=request.user, pk=pk)
    _require_manager(request.user)
    form = CostForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(campaign)
    try:
        services.cost_add(actor=request.user, campaign=campaign, **form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Cost booked."))
    return redirect(campaign)


@login_required
@require_POST
def campaign_member_remove(request: AuthedRequest, pk: int, member_id: int) -> HttpResponse:
    campaign = services.campaign_get(user=request.user, pk=pk)
    _require_manager(request.user)
    member = services.member_get(campaign=campaign, pk=member_id)
    try:
        services.member_remove(actor=request.user, member=member)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Member removed."))
    return redirect(campaign)


@login_required
@require_POST
def campaign_members_add(request: AuthedRequest) -> HttpResponse:
    """The "add to campaign" mass action of the lead and contact lists: the selected records
    (`ids`, of `kind` lead or contact) join the chosen campaign as targeted members."""
    _require_manager(request.user)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""  # no page to go back to (or not ours): the campaign's page
    campaign = services.campaign_list(user=request.user).filter(pk=posted_number(request.POST, "campaign")).first()
    if campaign is None:
        messages.error(request, _("Choose a campaign."))
        return redirect(back or reverse("marketing:campaign_list"))
    ids = request.POST.getlist("ids")
    kind = request.POST.get("kind")
    try:
        added = services.members_add(
            actor=request.user,
            campaign=campaign,
            lead_ids=ids if kind == "lead" else (),
            contact_ids=ids if kind == "contact" else (),
            source=MemberSource.LIST,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("%(n)d added to the campaign “%(campaign)s”.") % {"n": added, "campaign": campaign})
    return redirect(back or campaign.get_absolute_url())
