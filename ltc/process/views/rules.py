"""Routing, scoring and the qualification policy in the process centre (验证和分发线索 · 跟踪和
培育线索): every signed-in user reads them; administrators change routing (and try a rule on a
sample lead before saving) and the qualification policy, administrators and marketing change
scoring. Every change goes through ltc.leads.services.rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core.access import fetch_or_404
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import StyledFormMixin, add_service_errors, posted_number
from ltc.core.templatetags.numbers import money
from ltc.core.timeline import timeline_for
from ltc.customers.choices import CompanySize
from ltc.leads import selectors as lead_selectors
from ltc.leads.choices import AssignStrategy, CheckItem, LeadSource, ScoreCriterion, ScoreKind
from ltc.leads.models import AssignmentRule, QualificationPolicy, ScoringRule
from ltc.leads.services import rules
from ltc.leads.services.routing import SELLING_ROLES
from ltc.org.choices import Industry, Region
from ltc.org.models import Team, User
from ltc.org.types import AuthedRequest

ANY = [("", gettext_lazy("Any"))]


class AssignmentRuleForm(StyledFormMixin, forms.Form):
    """A routing rule's values; the service validates them together."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    order = forms.IntegerField(label=gettext_lazy("Rule order"), min_value=0, max_value=1_000_000, initial=100)
    region = forms.ChoiceField(label=gettext_lazy("Region"), choices=ANY + list(Region.choices), required=False)
    industry = forms.ChoiceField(label=gettext_lazy("Industry"), choices=ANY + list(Industry.choices), required=False)
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=ANY + list(LeadSource.choices), required=False)
    company_size = forms.ChoiceField(
        label=gettext_lazy("Company size"), choices=ANY + list(CompanySize.choices), required=False
    )
    min_score = forms.IntegerField(label=gettext_lazy("Minimum score"), min_value=0, max_value=100, required=False)
    max_score = forms.IntegerField(label=gettext_lazy("Maximum score"), min_value=0, max_value=100, required=False)
    strategy = forms.ChoiceField(label=gettext_lazy("Strategy"), choices=AssignStrategy.choices)
    assign_user = forms.ModelChoiceField(
        label=gettext_lazy("Assign to user"),
        queryset=User.objects.filter(is_active=True, roles__code__in=SELLING_ROLES).distinct().order_by("username"),
        required=False,
    )
    assign_team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.order_by("name"), required=False
    )
    first_contact_hours = forms.IntegerField(
        label=gettext_lazy("First contact within (hours)"), min_value=1, max_value=10_000, initial=24
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SampleForm(StyledFormMixin, forms.Form):
    """A sample lead: an existing lead's number, or typed values."""

    sample_lead = forms.IntegerField(
        label=gettext_lazy("Existing lead (number)"), min_value=1, required=False, max_value=2**62
    )
    sample_region = forms.ChoiceField(label=gettext_lazy("Region"), choices=ANY + list(Region.choices), required=False)
    sample_industry = forms.ChoiceField(
        label=gettext_lazy("Industry"), choices=ANY + list(Industry.choices), required=False
    )
    sample_source = forms.ChoiceField(
        label=gettext_lazy("Source"), choices=ANY + list(LeadSource.choices), required=False
    )
    sample_company_size = forms.ChoiceField(
        label=gettext_lazy("Company size"), choices=ANY + list(CompanySize.choices), required=False
    )
    sample_score = forms.IntegerField(
        label=gettext_lazy("Score"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=gettext_lazy("Blank: scored by the scoring rules."),
    )


class ScoringRuleForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    order = forms.IntegerField(label=gettext_lazy("Rule order"), min_value=0, max_value=1_000_000, initial=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ScoreKind.choices)
    criterion = forms.ChoiceField(label=gettext_lazy("Criterion"), choices=ScoreCriterion.choices)
    value = forms.CharField(
        label=gettext_lazy("Value"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("For a budget or an activity criterion: the amount or the number."),
    )
    points = forms.IntegerField(label=gettext_lazy("Points"), min_value=-100, max_value=100)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A criterion whose value is one of a list offers that list (its labels), one select
        # each, named after the criterion; the service checks the value chosen for it.
        for criterion, choices in rules.VALUE_CHOICES.items():
            self.fields[criterion] = forms.ChoiceField(
                label=ScoreCriterion(criterion).label, choices=[("", "—"), *choices.choices], required=False
            )
        self.order_fields([*SCORING_ORDER])


SCORING_ORDER = ("name", "order", "kind", "criterion", *rules.VALUE_CHOICES, "value", "points", "active", "version")


RULE_FIELDS = [name for name in AssignmentRuleForm.base_fields if name != "version"]
SCORING_FIELDS = [name for name in ScoringRuleForm.base_fields if name != "version"]


def _rule_data(form: forms.Form) -> dict[str, Any]:
    data = {name: form.cleaned_data[name] for name in RULE_FIELDS}
    for name in ("region", "industry", "source", "company_size"):
        data[name] = data[name] or ""
    return data


def _rule_initial(rule: AssignmentRule) -> dict[str, Any]:
    return {
        **{name: getattr(rule, name) for name in RULE_FIELDS},
        "assign_user": rule.assign_user_id,
        "assign_team": rule.assign_team_id,
        "version": rule.version,
    }


def _routing_context(request: AuthedRequest, **extra: Any) -> dict[str, Any]:
    return {
        "rules": list(rules.assignment_rule_list()),
        "can_manage": rules.can_manage_routing(request.user),
        "active_tab": "routing",
        **extra,
    }


@login_required
def routing(request: AuthedRequest) -> HttpResponse:
    """The routing rules in order; administrators add one here (POST)."""
    can_manage = rules.can_manage_routing(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = AssignmentRuleForm(request.POST or None) if can_manage else None
    sample_form = SampleForm() if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            rule = rules.assignment_rule_create(actor=request.user, data=_rule_data(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Routing rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("process:routing")
    status = 422 if request.method == "POST" else 200
    context = _routing_context(request, form=form, sample_form=sample_form)
    return render(request, "process/rules/routing.html", context, status=status)


def _managed_rule(request: AuthedRequest, pk: int) -> AssignmentRule:
    return fetch_or_404(rules.assignment_rule_list(), pk=pk)


@login_required
def routing_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """One routing rule: its values, its timeline, and (administrators) the edit form."""
    rule = _managed_rule(request, pk)
    can_manage = rules.can_manage_routing(request.user, rule)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = AssignmentRuleForm(request.POST or None, initial=_rule_initial(rule)) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            rules.assignment_rule_update(
                actor=request.user,
                rule=rule,
                data=_rule_data(form),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Routing rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("process:routing")
        rule.refresh_from_db()
    status = 422 if request.method == "POST" else 200
    context = {
        "rule": rule,
        "form": form,
        "sample_form": SampleForm() if can_manage else None,
        "can_manage": can_manage,
        "events": timeline_for(rule),
        "active_tab": "routing",
    }
    return render(request, "process/rules/routing_edit.html", context, status=status)


@login_required
@require_POST
def routing_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = _managed_rule(request, pk)
    try:
        rules.assignment_rule_deactivate(
            actor=request.user, rule=rule, expected_version=posted_number(request.POST, "version")
        )
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Routing rule “%(name)s” deactivated.") % {"name": rule.name})
    return redirect("process:routing")


@login_required
@require_POST
def routing_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move an active rule one place up or down (direction=up|down)."""
    rule = _managed_rule(request, pk)
    if not rules.can_manage_routing(request.user):
        raise PermissionDenied
    ids = list(AssignmentRule.objects.filter(active=True).order_by("order", "id").values_list("pk", flat=True))
    if rule.pk in ids:
        at = ids.index(rule.pk)
        to = at - 1 if request.POST.get("direction") == "up" else at + 1
        if 0 <= to < len(ids):
            ids[at], ids[to] = ids[to], ids[at]
            try:
                rules.assignment_rules_reorder(actor=request.user, rule_ids=ids)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    return redirect("process:routing")


@login_required
@require_POST
def routing_preview(request: AuthedRequest) -> HttpResponse:
    """Try the rule in the form on a sample lead; answers the result as a partial (htmx)."""
    if not rules.can_manage_routing(request.user):
        raise PermissionDenied
    saved_pk = posted_number(request.POST, "rule_id")
    saved = _managed_rule(request, saved_pk) if saved_pk else None
    form = AssignmentRuleForm(request.POST)
    sample_form = SampleForm(request.POST)
    context: dict[str, Any] = {"form": form, "sample_form": sample_form}
    if form.is_valid() and sample_form.is_valid():
        data = _rule_data(form)
        values = sample_form.cleaned_data
        try:
            if values.get("sample_lead"):
                try:
                    lead = lead_selectors.lead_get(user=request.user, pk=values["sample_lead"])
                except Http404 as exc:
                    raise ValidationError({"sample_lead": [_("No such lead.")]}) from exc
                sample = rules.sample_from_lead(lead)
                context["lead"] = lead
            else:
                sample = rules.sample_from_values(
                    {
                        "region": values.get("sample_region") or "",
                        "industry": values.get("sample_industry") or "",
                        "source": values.get("sample_source") or "",
                        "company_size": values.get("sample_company_size") or "",
                        "score": values.get("sample_score"),
                    }
                )
            context["preview"] = rules.assignment_rule_preview(rule_data=data, sample=sample, rule=saved)
            context["caught_count"], caught = rules.assignment_rule_dry_run(rule_data=data, rule=saved)
            context["caught"] = list(caught)
        except ValidationError as exc:
            context["errors"] = exc.messages
    else:
        context["errors"] = [
            f"{bound.label}: {' '.join(bound.errors)}" for bound in [*form, *sample_form] if bound.errors
        ]
    labels = {name: AssignmentRuleForm.base_fields[name].label for name in RULE_FIELDS}
    if "preview" in context:
        context["mismatch_labels"] = [labels.get(name, name) for name in context["preview"].mismatches]
    return render(request, "process/rules/preview.html", context)


# --- scoring ---------------------------------------------------------------------------------


def _scoring_data(form: forms.Form) -> dict[str, Any]:
    """The rule's fields; a list criterion's value is the one chosen in its select (a typed
    value still reaches the service, which refuses what is not on the list)."""
    data = {name: form.cleaned_data[name] for name in SCORING_FIELDS}
    if chosen := form.cleaned_data.get(data["criterion"]):
        data["value"] = chosen
    return data


def _scoring_errors(form: forms.Form, exc: ValidationError) -> None:
    """The service's errors on the form; a refused list value shown on its criterion's select."""
    criterion = form.cleaned_data.get("criterion")
    if hasattr(exc, "error_dict") and criterion in rules.VALUE_CHOICES and "value" in exc.error_dict:
        form.add_error(criterion, exc.error_dict.pop("value"))
        if not exc.error_dict:
            return
    add_service_errors(form, exc)


def _scoring_initial(rule: ScoringRule) -> dict[str, Any]:
    initial = {**{name: getattr(rule, name) for name in SCORING_FIELDS}, "version": rule.version}
    if rule.criterion in rules.VALUE_CHOICES:
        initial[rule.criterion], initial["value"] = rule.value, ""
    return initial


def _shown_value(rule: ScoringRule) -> str:
    """A rule's value as a reader reads it: the label of a listed value, an amount formatted."""
    if rule.criterion in rules.VALUE_CHOICES:
        return str(dict(rules.VALUE_CHOICES[rule.criterion].choices).get(rule.value, rule.value))
    if rule.criterion == ScoreCriterion.BUDGET_AT_LEAST and rule.value:
        return money(rule.value) or rule.value
    return rule.value


def _with_shown_values(found: Any) -> list[ScoringRule]:
    shown: list[ScoringRule] = list(found)
    for rule in shown:
        rule.shown_value = _shown_value(rule)  # type: ignore[attr-defined]
    return shown


@login_required
def scoring(request: AuthedRequest) -> HttpResponse:
    """The scoring rules; administrators and marketing add one here (POST)."""
    can_manage = rules.can_manage_scoring(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = ScoringRuleForm(request.POST or None) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            rule = rules.scoring_rule_create(actor=request.user, data=_scoring_data(form))
        except ValidationError as exc:
            _scoring_errors(form, exc)
        else:
            messages.success(request, _("Scoring rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("process:scoring")
    status = 422 if request.method == "POST" else 200
    context = {
        "rules": _with_shown_values(rules.scoring_rule_list()),
        "form": form,
        "can_manage": can_manage,
        "active_tab": "scoring",
    }
    return render(request, "process/rules/scoring.html", context, status=status)


def _scoring_rule(pk: int) -> ScoringRule:
    return fetch_or_404(rules.scoring_rule_list(), pk=pk)


@login_required
def scoring_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = _scoring_rule(pk)
    can_manage = rules.can_manage_scoring(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    initial = _scoring_initial(rule)
    form = ScoringRuleForm(request.POST or None, initial=initial) if can_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            rules.scoring_rule_update(
                actor=request.user,
                rule=rule,
                data=_scoring_data(form),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            _scoring_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Scoring rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("process:scoring")
        rule.refresh_from_db()
    status = 422 if request.method == "POST" else 200
    rule.shown_value = _shown_value(rule)  # type: ignore[attr-defined]
    context = {
        "rule": rule,
        "form": form,
        "can_manage": can_manage,
        "events": timeline_for(rule),
        "active_tab": "scoring",
    }
    return render(request, "process/rules/scoring_edit.html", context, status=status)


@login_required
@require_POST
def scoring_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = _scoring_rule(pk)
    try:
        rules.scoring_rule_deactivate(
            actor=request.user, rule=rule, expected_version=posted_number(request.POST, "version")
        )
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Scoring rule “%(name)s” deactivated.") % {"name": rule.name})
    return redirect("process:scoring")


# --- qualification policy ----------------------------------------------------------------------


class QualificationPolicyForm(StyledFormMixin, forms.Form):
    required_items = forms.MultipleChoiceField(
        label=gettext_lazy("Checklist items a lead needs before it may be qualified"),
        choices=CheckItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


@login_required
def qualification_policy(request: AuthedRequest) -> HttpResponse:
    """The lead verification policy (验证线索): which checklist items qualifying a lead needs.
    Everyone signed in reads it; administrators change it (POST, with the version read)."""
    can_manage = rules.can_manage_qualification(request.user)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    policy = QualificationPolicy.current()
    initial = {"required_items": list(policy.required_items), "version": policy.version}
    form = QualificationPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rules.qualification_policy_update(
                actor=request.user,
                data={"required_items": form.cleaned_data["required_items"]},
                expected_version=posted_number(request.POST, "version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Qualification policy saved."))
            return redirect("process:qualification_policy")
        policy.refresh_from_db()
    required = set(policy.required_items)
    context = {
        "policy": policy,
        "items": [(code, label, code in required) for code, label in CheckItem.choices],
        "form": form,
        "can_manage": can_manage,
        "events": timeline_for(policy),
        "active_tab": "qualification",
    }
    return render(request, "process/rules/qualification.html", context, status=422 if form.errors else 200)


urlpatterns = [
    path("qualification/", qualification_policy, name="qualification_policy"),
    path("routing/", routing, name="routing"),
    path("routing/preview/", routing_preview, name="routing_preview"),
    path("routing/<int:pk>/", routing_edit, name="routing_edit"),
    path("routing/<int:pk>/deactivate/", routing_deactivate, name="routing_deactivate"),
    path("routing/<int:pk>/move/", routing_move, name="routing_move"),
    path("scoring/", scoring, name="scoring"),
    path("scoring/<int:pk>/", scoring_edit, name="scoring_edit"),
    path("scoring/<int:pk>/deactivate/", scoring_deactivate, name="scoring_deactivate"),
]
