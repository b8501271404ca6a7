"""Renewal and upsell pages: the renewals list (续约) and the "flag an upsell" form of a case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.catalog.models import Product
from ltc.core.access import fetch_or_404
from ltc.core.api import paginate
from ltc.core.forms import ListParams, add_service_errors, is_id
from ltc.opportunities.access import opportunity_scope
from ltc.opportunities.choices import OpportunityStatus
from ltc.opportunities.models import Opportunity
from ltc.org.types import AuthedRequest
from ltc.service.access import can_work_service, sees_service, service_scope
from ltc.service.models import Case, RenewalKind, UpsellKind
from ltc.service.panels_service import url_of
from ltc.service.services.renewals import renewal_days, renewal_list
from ltc.service.services.upsell import NOTE_MAX, case_upsell_flag, upsells_of_case

PAGE_SIZE = 50


@login_required
def renewal_page(request: AuthedRequest) -> HttpResponse:
    if not sees_service(request.user):
        raise PermissionDenied(_("You may not read service records."))
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    kind = kind if kind in RenewalKind.values else ""
    status = status if status in OpportunityStatus.values else ""
    params = ListParams(request.GET, default_limit=PAGE_SIZE)
    deal_visible = Exists(opportunity_scope(Opportunity.objects.filter(pk=OuterRef("opportunity_id")), request.user))
    rows = renewal_list(request.user, kind=kind, status=status).annotate(deal_visible=deal_visible)
    page = params.page(paginate(rows, limit=params.limit, offset=params.offset))
    for renewal in page["items"]:
        renewal.renewed_url = (
            url_of("service:asset_detail", renewal.asset_id)
            if renewal.asset_id
            else url_of("service:entitlement_detail", renewal.entitlement_id)
        )
    return render(
        request,
        "service/renewal_list.html",
        {
            "page": page,
            "kind": kind,
            "status": status,
            "kinds": RenewalKind.choices,
            "statuses": OpportunityStatus.choices,
            "days": renewal_days(),
        },
    )


class ProductChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not is_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class UpsellForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=UpsellKind.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=gettext_lazy("What the customer needs"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )
    product = ProductChoice(
        label=gettext_lazy("Product"),
        queryset=Product.objects.filter(active=True).order_by("code"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def _workable_case(request: AuthedRequest, pk: int) -> Case:
    """A case the viewer may read (404 otherwise), for service staff only (403)."""
    case: Case = fetch_or_404(service_scope(Case.objects.select_related("account", "contact"), request.user), pk=pk)
    if not can_work_service(request.user):
        raise PermissionDenied(_("Only service staff may flag upsell opportunities."))
    return case


@login_required
def case_upsell(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    form = UpsellForm(request.POST or None, initial={"kind": UpsellKind.UPSELL})
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            upsell = case_upsell_flag(
                actor=request.user, case=case, kind=data["kind"], note=data["note"], product=data["product"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lead %(lead)s sent to sales.") % {"lead": upsell.lead})
            return redirect(url_of("service:case_detail", case.pk) or url_of("service:dashboard"))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "service/upsell_form.html",
        {
            "form": form,
            "case": case,
            "case_url": url_of("service:case_detail", case.pk),
            "upsells": list(upsells_of_case(request.user, case)),
        },
        status=status,
    )
