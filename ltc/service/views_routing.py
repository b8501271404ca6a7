"""Case routing rule pages: the list in the order rules are tried, a form to add or change one,
and deactivating one (administrators and service team managers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.access import fetch_or_404
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import add_service_errors, flash_errors, posted_number
from ltc.org.types import AuthedRequest
from ltc.service import selectors
from ltc.service.access import can_configure_service
from ltc.service.forms_routing import RoutingRuleForm
from ltc.service.models import CaseRoutingRule
from ltc.service.services import routing as services


def _require(request: AuthedRequest) -> None:
    if not can_configure_service(request.user):
        raise PermissionDenied


@login_required
def routing_list(request: AuthedRequest) -> HttpResponse:
    _require(request)
    return render(request, "service/routing_list.html", {"rules": list(selectors.routing_rule_list())})


def _form_page(request: AuthedRequest, form: RoutingRuleForm, rule: CaseRoutingRule | None) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    return render(request, "service/routing_form.html", {"form": form, "rule": rule}, status=status)


@login_required
def routing_create(request: AuthedRequest) -> HttpResponse:
    _require(request)
    form = RoutingRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.routing_rule_create(actor=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Routing rule saved."))
            return redirect("service:routing_list")
    return _form_page(request, form, None)


@login_required
def routing_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    rule = fetch_or_404(selectors.routing_rule_list(), pk=pk)
    initial = {
        "name": rule.name,
        "order": rule.order,
        "active": rule.active,
        "category": rule.category,
        "priority": rule.priority,
        "channel": rule.channel,
        "region": rule.region,
        "product": rule.product_id,
        "strategy": rule.strategy,
        "assign_user": rule.assign_user_id,
        "assign_team": rule.assign_team_id,
        "version": rule.version,
    }
    form = RoutingRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.routing_rule_update(
                actor=request.user,
                rule=rule,
                data=form.data_for_service(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Routing rule saved."))
            return redirect("service:routing_list")
    return _form_page(request, form, rule)


@login_required
@require_POST
def routing_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    _require(request)
    rule = fetch_or_404(selectors.routing_rule_list(), pk=pk)
    try:
        services.routing_rule_deactivate(
            actor=request.user, rule=rule, expected_version=posted_number(request.POST, "version")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Routing rule deactivated."))
    return redirect("service:routing_list")
