"""Journey pages: the list, a journey's page (members per step, members with their position,
one member's history), the journey form, the step editor (an ordered list of steps, a form per
step) and the activate / pause / archive actions. Thin over ltc.marketing.services.journeys."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core.api import paginate
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import ListParams, StyledFormMixin, add_service_errors, flash_errors, posted_number
from ltc.leads.choices import LeadSource
from ltc.marketing import selectors_journeys as selectors
from ltc.marketing.access import can_manage_marketing, marketing_scope, sees_marketing
from ltc.marketing.models import Campaign, TouchKind
from ltc.marketing.models.journeys import (
    BranchField,
    BranchOn,
    Journey,
    JourneyEntry,
    JourneyStatus,
    MemberState,
    StepKind,
)
from ltc.marketing.services import journeys as services
from ltc.org.types import AuthedRequest


class JourneyForm(StyledFormMixin, forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=gettext_lazy("Campaign"), required=False)
    entry = forms.ChoiceField(label=gettext_lazy("Entry"), choices=JourneyEntry.choices)
    segment = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=gettext_lazy("Segment"), required=False)
    entry_lead_source = forms.ChoiceField(
        label=gettext_lazy("Lead source"),
        choices=[("", gettext_lazy("Any source")), *LeadSource.choices],
        required=False,
    )
    entry_lead_campaign = forms.CharField(label=gettext_lazy("Lead campaign code"), max_length=100, required=False)
    entry_touch_kind = forms.ChoiceField(
        label=gettext_lazy("Response kind"), choices=[("", "—"), *TouchKind.choices], required=False
    )
    exit_on_qualified = forms.BooleanField(label=gettext_lazy("Exit when qualified"), required=False)
    exit_on_converted = forms.BooleanField(label=gettext_lazy("Exit when converted"), required=False)
    exit_on_disqualified = forms.BooleanField(label=gettext_lazy("Exit when disqualified"), required=False)
    exit_on_unsubscribed = forms.BooleanField(label=gettext_lazy("Exit when unsubscribed"), required=False)
    exit_score = forms.IntegerField(label=gettext_lazy("Exit at score"), min_value=0, max_value=100, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from ltc.marketing.services.segments import segment_list

        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = marketing_scope(Campaign.objects.order_by("name"), user)  # type: ignore[attr-defined]
        self.fields["segment"].queryset = segment_list(user=user).filter(target__in=["leads", "contacts"])  # type: ignore[attr-defined]


class StepForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Step"), choices=[("", "—"), *StepKind.choices], required=False)
    template = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), label=gettext_lazy("E-mail template"), required=False
    )
    wait_hours = forms.IntegerField(label=gettext_lazy("Wait (hours)"), min_value=1, max_value=24 * 365, required=False)
    branch_on = forms.ChoiceField(
        label=gettext_lazy("Branch on"), choices=[("", "—"), *BranchOn.choices], required=False
    )
    branch_score = forms.IntegerField(label=gettext_lazy("Score at least"), min_value=0, max_value=100, required=False)
    branch_field = forms.ChoiceField(
        label=gettext_lazy("Field"), choices=[("", "—"), *BranchField.choices], required=False
    )
    branch_value = forms.CharField(label=gettext_lazy("Value"), max_length=100, required=False)
    yes_goto = forms.IntegerField(label=gettext_lazy("If yes, go to step"), min_value=1, max_value=100, required=False)
    no_goto = forms.IntegerField(label=gettext_lazy("If no, go to step"), min_value=1, max_value=100, required=False)
    target_campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), label=gettext_lazy("Campaign to add to"), required=False
    )
    task_title = forms.CharField(label=gettext_lazy("Task"), max_length=200, required=False)
    task_due_days = forms.IntegerField(label=gettext_lazy("Due in (days)"), min_value=0, max_value=365, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from ltc.marketing.models.email import EmailTemplate

        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = EmailTemplate.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["target_campaign"].queryset = marketing_scope(Campaign.objects.order_by("name"), user)  # type: ignore[attr-defined]


StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True, can_order=True, max_num=50, absolute_max=60)


def _require_reader(user: Any) -> None:
    if not sees_marketing(user):
        raise PermissionDenied


def _require_manager(user: Any) -> None:
    if not can_manage_marketing(user):
        raise PermissionDenied


@login_required
def journey_list(request: AuthedRequest) -> HttpResponse:
    _require_reader(request.user)
    status = request.GET.get("status", "")
    status = status if status in JourneyStatus.values else ""
    params = ListParams(request.GET)
    page = params.page(
        paginate(selectors.journey_list(user=request.user, status=status), limit=params.limit, offset=params.offset)
    )
    context = {
        "page": page,
        "status": status,
        "statuses": JourneyStatus.choices,
        "can_manage": can_manage_marketing(request.user),
    }
    return render(request, "marketing/journey_list.html", context)


@login_required
def journey_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    journey = selectors.journey_get(user=request.user, pk=pk)
    steps = selectors.journey_steps(journey)
    counts = services.step_counts(journey)
    status = request.GET.get("status", "")
    status = status if status in MemberState.values else ""
    position = posted_number(request.GET, "step") or None
    params = ListParams(request.GET, default_limit=50)
    members = params.page(
        paginate(
            selectors.journey_members(journey, user=request.user, status=status, position=position),
            limit=params.limit,
            offset=params.offset,
        )
    )
    step_positions = {s.position for s in steps}
    step_rows = [(step, counts.get(step.position, {})) for step in steps]
    # Members past the last step (a branch's "go to" beyond it, or finished) sit at a position no
    # step has: their own "end" row, so the finished column is not empty.
    beyond: dict[str, int] = {}
    for at, by_state in counts.items():
        if at not in step_positions:
            for state, n in by_state.items():
                beyond[state] = beyond.get(state, 0) + n
    context = {
        "journey": journey,
        "step_rows": step_rows,
        "beyond": beyond,
        "end_position": max(step_positions, default=0) + 1,
        "states": MemberState.choices,
        "members": members,
        "members_not_shown": selectors.journey_members_not_shown(
            journey, user=request.user, status=status, position=position
        ),
        "entry_source_label": LeadSource(journey.entry_lead_source).label
        if journey.entry_lead_source in LeadSource.values
        else journey.entry_lead_source,
        "entry_touch_label": TouchKind(journey.entry_touch_kind).label
        if journey.entry_touch_kind in TouchKind.values
        else journey.entry_touch_kind,
        "member_status": status,
        "member_step": position,
        "can_manage": can_manage_marketing(request.user),
    }
    return render(request, "marketing/journey_detail.html", context)


@login_required
def journey_member(request: AuthedRequest, pk: int, member_id: int) -> HttpResponse:
    journey = selectors.journey_get(user=request.user, pk=pk)
    member = selectors.journey_member_get(journey, member_id, user=request.user)
    context = {
        "journey": journey,
        "member": member,
        "history": list(selectors.member_history(member)[:500]),
        "exit_reason": services.exit_reason_label(member.exit_reason) if member.exit_reason else "",
    }
    return render(request, "marketing/journey_member.html", context)


def _journey_data(form: JourneyForm) -> dict[str, Any]:
    return {name: form.cleaned_data.get(name) for name in services.JOURNEY_FIELDS}


@login_required
def journey_create(request: AuthedRequest) -> HttpResponse:
    _require_manager(request.user)
    initial = {"exit_on_qualified": True, "exit_on_converted": True, "exit_on_disqualified": True}
    form = JourneyForm(request.POST or None, user=request.user, initial=initial | {"exit_on_unsubscribed": True})
    if request.method == "POST" and form.is_valid():
        try:
            journey = services.journey_create(actor=request.user, data=_journey_data(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Journey created. Now add its steps."))
            return redirect("marketing:journey_steps", pk=journey.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "marketing/journey_form.html", {"form": form, "journey": None}, status=status)


@login_required
def journey_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    journey = selectors.journey_get(user=request.user, pk=pk)
    _require_manager(request.user)
    initial = {name: getattr(journey, name) for name in services.JOURNEY_FIELDS} | {"version": journey.version}
    form = JourneyForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.journey_update(
                actor=request.user,
                journey=journey,
                data=_journey_data(form),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc) or _("The journey was changed by someone else; reload it."))
        else:
            messages.success(request, _("Journey saved."))
            return redirect(journey)
    status = 422 if request.method == "POST" else 200
    return render(request, "marketing/journey_form.html", {"form": form, "journey": journey}, status=status)


def _step_initial(journey: Journey) -> list[dict[str, Any]]:
    return [
        {name: getattr(step, name) for name in services.STEP_FIELDS} | {"ORDER": step.position}
        for step in selectors.journey_steps(journey)
    ]


def _ordered_steps(formset: Any) -> list[dict[str, Any]]:
    """The kept, filled steps in the order asked for (ORDER, then as listed)."""
    kept = [
        (form.cleaned_data.get("ORDER") or 10_000 + index, index, form.cleaned_data)
        for index, form in enumerate(formset.forms)
        if form.cleaned_data and form.cleaned_data.get("kind") and not form.cleaned_data.get("DELETE")
    ]
    return [data for _order, _index, data in sorted(kept, key=lambda row: (row[0], row[1]))]


@login_required
def journey_steps(request: AuthedRequest, pk: int) -> HttpResponse:
    """The step editor: one form per step, in order; blank forms add steps, a ticked box removes
    one, the order numbers reorder them. Saved whole (the journey's version guards it)."""
    journey = selectors.journey_get(user=request.user, pk=pk)
    _require_manager(request.user)
    formset = StepFormSet(
        request.POST or None, initial=_step_initial(journey), form_kwargs={"user": request.user}, prefix="steps"
    )
    error = ""
    if request.method == "POST":
        if formset.is_valid():
            try:
                services.journey_steps_set(
                    actor=request.user,
                    journey=journey,
                    steps=_ordered_steps(formset),
                    expected_version=posted_number(request.POST, "version"),
                )
            except ValidationError as exc:
                error = _steps_error(formset, exc)
            except StaleVersionError:
                error = _("The journey was changed by someone else; reload it.")
            else:
                messages.success(request, _("Steps saved."))
                return redirect(journey)
        else:
            error = _("Correct the steps marked below.")
    context = {
        "journey": journey,
        "formset": formset,
        "error": error,
        "kinds": StepKind.choices,
    }
    return render(request, "marketing/journey_steps.html", context, status=422 if request.method == "POST" else 200)


def _steps_error(formset: Any, exc: ValidationError) -> str:
    """Put `steps.<i>.<field>` errors on the i-th kept form's field; the rest is said on top."""
    kept = [
        form
        for form in sorted(
            formset.forms,
            key=lambda f: (
                (f.cleaned_data or {}).get("ORDER") or 10_000 + formset.forms.index(f),
                formset.forms.index(f),
            ),
        )
        if form.cleaned_data and form.cleaned_data.get("kind") and not form.cleaned_data.get("DELETE")
    ]
    left: list[str] = []
    for key, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]:
        parts = key.split(".")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(kept) and parts[2] in kept[0].fields:
            kept[int(parts[1])].add_error(parts[2], errors)
        else:
            left.extend(errors)
    return " ".join(left) or _("Correct the steps marked below.")


def _action(request: AuthedRequest, pk: int, service: Any, done: str) -> HttpResponse:
    journey = selectors.journey_get(user=request.user, pk=pk)
    _require_manager(request.user)
    try:
        service(actor=request.user, journey=journey, expected_version=posted_number(request.POST, "version"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError:
        messages.error(request, _("The journey was changed by someone else; reload it."))
    else:
        messages.success(request, done)
    return redirect(journey)


@login_required
@require_POST
def journey_activate(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.journey_activate, _("Journey activated."))


@login_required
@require_POST
def journey_pause(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.journey_pause, _("Journey paused."))


@login_required
@require_POST
def journey_archive(request: AuthedRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.journey_archive, _("Journey archived."))
