"""The marketing dashboard (市场仪表板) and the attribution report (归因到回款): thin pages over
ltc.marketing.attribution, read by marketing, sales managers, executives and administrators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.exports import export_response
from ltc.core.forms import StyledFormMixin
from ltc.marketing.access import sees_marketing
from ltc.marketing.attribution import Report, attribution_report, model_of
from ltc.marketing.models import CampaignKind
from ltc.marketing.models.attribution import AttributionModel
from ltc.org.types import AuthedRequest


class AttributionFilter(StyledFormMixin, forms.Form):
    model = forms.ChoiceField(label=gettext_lazy("Attribution model"), choices=AttributionModel.choices, required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=gettext_lazy("Campaign type"),
        choices=[("", gettext_lazy("All types")), *CampaignKind.choices],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end date must not be before the start date."))
        return data


def _report(request: AuthedRequest) -> tuple[AttributionFilter, Report | None]:
    if not sees_marketing(request.user):
        raise PermissionDenied
    # The model the figures use is the one the dropdown shows: without one asked for, the default.
    query = request.GET.copy()
    if not query.get("model"):
        query["model"] = model_of(None)
    form = AttributionFilter(query)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        report = attribution_report(
            user=request.user,
            model=data["model"],
            start=data.get("start"),
            end=data.get("end"),
            kind=data.get("kind") or None,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        return form, None
    return form, report


def _count(value: Decimal | int) -> int | float:
    """A count for the chart: 17.00 → 17; a linear split keeps its fraction (1.25)."""
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number.normalize())


def _query(report: Report) -> str:
    return f"model={report.model}&start={report.period.start}&end={report.period.end}&kind={report.kind or ''}"


@login_required
def marketing_dashboard(request: AuthedRequest) -> HttpResponse:
    form, report = _report(request)
    context: dict[str, Any] = {"form": form, "report": report}
    if report is not None:
        totals = report.totals
        steps = [
            (_("Members"), totals["members"]),
            (_("Responded"), totals["responded"]),
            (_("Leads"), totals["leads"]),
            (_("MQL"), totals["mql"]),
            (_("SQL"), totals["sql"]),
            (_("Won deals"), totals["won"]),
        ]
        context.update(
            totals=totals,
            steps=steps,
            conversion=report.conversion,
            query=_query(report),
            chart={
                "funnel": [{"name": str(label), "value": _count(value)} for label, value in steps],
                "cash": [{"name": row.name, "value": str(row.cash)} for row in report.campaigns if row.cash],
            },
        )
    return render(request, "marketing/dashboard.html", context)


@login_required
def marketing_attribution(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    form, report = _report(request)
    export = request.GET.get("export")
    if report is not None and export in ("csv", "xlsx"):
        return export_response(report.campaigns, COLUMNS, fmt=export, basename=f"attribution-{report.model}")
    context: dict[str, Any] = {"form": form, "report": report}
    if report is not None:
        context.update(totals=report.totals, query=_query(report))
    return render(request, "marketing/attribution.html", context)


COLUMNS = (
    (gettext_lazy("Campaign"), lambda row: row.name),
    (gettext_lazy("Code"), lambda row: row.code),
    (gettext_lazy("Type"), lambda row: row.kind_label),
    (gettext_lazy("Leads"), lambda row: row.leads),
    (gettext_lazy("MQL"), lambda row: row.mql),
    (gettext_lazy("SQL"), lambda row: row.sql),
    (gettext_lazy("Deals"), lambda row: row.deals),
    (gettext_lazy("Won deals"), lambda row: row.won),
    (gettext_lazy("Won amount"), lambda row: row.won_amount),
    (gettext_lazy("Cash collected"), lambda row: row.cash),
    (gettext_lazy("Cost"), lambda row: row.cost),
    (gettext_lazy("ROI"), lambda row: row.roi),
)
