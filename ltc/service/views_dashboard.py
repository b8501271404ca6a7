"""The service dashboard (服务概览, /service/): the KPIs of a period for one team or all, with
charts (ECharts, installed with the product) and, for managers, the figures by agent."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.forms import is_id
from ltc.org.choices import RoleCode
from ltc.org.models import Team, User
from ltc.service.access import sees_service
from ltc.service.kpis import Period, period_errors, service_kpis


def service_teams() -> list[tuple[str, str]]:
    """The teams of the active service staff (one query on users and roles, never the cases)."""
    members = User.objects.filter(is_active=True, roles__code=RoleCode.SERVICE, team__isnull=False)
    teams = Team.objects.filter(pk__in=members.values("team_id")).order_by("name")
    return [(str(pk), name) for pk, name in teams.values_list("pk", "name")]


class KpiFilter(forms.Form):
    since = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    team = forms.ChoiceField(
        label=gettext_lazy("Team"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args: Any, teams: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)  # noqa: S101 - declared above
        team.choices = [("", _("All teams")), *teams]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            for field, messages in period_errors(since, until).items():
                for message in messages:
                    self.add_error(field, message)
        return data


def kpi_period(query: Any, teams: list[tuple[str, str]]) -> tuple[KpiFilter, date, date, int | None]:
    """The period and team asked for; the last 30 days and every team when the filter is missing
    or wrong (the form then carries the errors)."""
    default = Period.default()
    given = {k: query.get(k) for k in ("since", "until", "team") if query.get(k)}
    form = KpiFilter({"since": default.since, "until": default.until, **given}, teams=teams)
    if form.is_valid():
        team = form.cleaned_data["team"]
        return form, form.cleaned_data["since"], form.cleaned_data["until"], int(team) if is_id(team) else None
    return form, default.since, default.until, None


def _chart(kpis: dict[str, Any]) -> dict[str, Any]:
    return {
        "backlog": [{"name": b["label"], "value": b["cases"]} for b in kpis["backlog"]],
        "priority": [{"name": p["label"], "value": p["cases"]} for p in kpis["by_priority"] if p["cases"]],
        "category": [{"name": c["label"], "value": c["cases"]} for c in kpis["by_category"] if c["cases"]],
        "products": [{"name": p["name"], "value": p["cases"]} for p in kpis["assets"]["top_products"]],
        "sla": {
            "labels": [str(_("First response")), str(_("Resolution"))],
            "met": [kpis["sla"]["response"]["met"], kpis["sla"]["resolution"]["met"]],
            "missed": [
                kpis["sla"]["response"]["missed"] + kpis["sla"]["response"]["breached"],
                kpis["sla"]["resolution"]["missed"] + kpis["sla"]["resolution"]["breached"],
            ],
            "met_label": str(_("Met")),
            "missed_label": str(_("Missed or breached")),
        },
    }


def hours(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    return f"{minutes // 60}:{minutes % 60:02d}"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not sees_service(request.user):
        raise PermissionDenied(_("You may not read the service figures."))
    teams = service_teams()
    form, since, until, team = kpi_period(request.GET, teams)
    kpis = service_kpis(request.user, since=since, until=until, team_id=team)
    return render(
        request,
        "service/dashboard.html",
        {
            "form": form,
            "kpis": kpis,
            "chart": _chart(kpis),
            "response_hours": hours(kpis["first_response"]["average_minutes"]),
            "resolution_hours": hours(kpis["resolution"]["average_minutes"]),
        },
    )
