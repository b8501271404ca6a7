"""The process centre's pipeline pages: every pipeline, one pipeline with its stages in order,
their gate items and guidance, and its history; the forms that change them (administrators —
the pages draw no form or button for anyone else). Thin over opportunities.services.config."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.access import fetch_or_404, has_any_role
from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import StyledFormMixin, add_service_errors, flash_errors, posted_number
from ltc.core.models import ActivityKind
from ltc.core.timeline import timeline_for
from ltc.opportunities import selectors
from ltc.opportunities.access import OPPORTUNITY_WRITE_ROLES
from ltc.opportunities.choices import OpportunityStatus, StageCategory
from ltc.opportunities.models import Opportunity, Pipeline, Stage, StageRequirement, StageTemplate
from ltc.opportunities.services import config
from ltc.org.types import AuthedRequest

TEMPLATES = "process/pipelines"


# --- forms -----------------------------------------------------------------------------------
# Model forms validate a copy of the record (`instance`), so the record the service changes
# still holds the values it had: the timeline's "from" side.


class PipelineForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Pipeline
        fields = [
            "name",
            "description",
            "order",
            "active",
            "quote_from_stage",
            "quote_accepted_stage",
            "contract_signed_requirement",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pipeline = self.instance
        if pipeline.pk is None:
            for name in ("quote_from_stage", "quote_accepted_stage", "contract_signed_requirement"):
                del self.fields[name]
            return
        stages = Stage.objects.filter(pipeline=pipeline, category=StageCategory.OPEN, active=True)
        fields: dict[str, Any] = self.fields
        fields["quote_from_stage"].queryset = stages
        fields["quote_accepted_stage"].queryset = stages
        fields["contract_signed_requirement"].queryset = StageRequirement.objects.filter(
            stage__pipeline=pipeline, active=True
        ).select_related("stage")
        fields["version"].initial = pipeline.version


class StageForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Stage
        fields = list(config.STAGE_FIELDS)
        widgets = {"guidance": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.fields["forecast_category"].required = False  # not posted: the stage keeps its own

    def clean_forecast_category(self) -> str:
        return str(self.cleaned_data.get("forecast_category") or self.instance.forecast_category)


class RequirementForm(StyledFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = StageRequirement
        fields = ["label", "kind", "activity_kind", "field_name", "review_type", "order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.fields["order"].required = False
        if self.instance.pk is None:
            self.initial["order"] = None  # left empty: after the stage's last item
        kind = StageRequirement._meta.get_field("activity_kind")
        self.fields["activity_kind"] = forms.ChoiceField(
            label=capfirst(kind.verbose_name),
            choices=[("", "---------"), *ActivityKind.choices],
            required=False,
            help_text=kind.help_text,
            widget=forms.Select(attrs={"class": "form-select"}),
        )


def _changed(form: forms.ModelForm, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:  # type: ignore[type-arg]
    return {name: form.cleaned_data[name] for name in fields if name in form.changed_data}


def _require_admin(request: AuthedRequest, **at: Any) -> None:
    """Who may change the pipeline, stage or gate item `at` (ltc.opportunities.services.config)."""
    if not config.can_configure(request.user, **at):
        raise PermissionDenied


def _confirm_or_errors(form: forms.BaseForm, exc: ValidationError) -> bool:
    """A refusal for want of confirmation turns into the form's warning (True); any other
    refusal shows on its fields."""
    asked = getattr(exc, "error_dict", {}).get("confirm")
    if asked and len(exc.error_dict) == 1:
        return True
    add_service_errors(form, exc)
    return False


# --- pages -----------------------------------------------------------------------------------


@login_required
def pipeline_list(request: AuthedRequest) -> HttpResponse:
    """Every pipeline (the inactive ones too) with its stages and open deals."""
    pipelines = (
        Pipeline.objects.annotate(
            stage_count=Count("stages", filter=Q(stages__active=True), distinct=True),
        )
        .select_related("quote_from_stage")
        .order_by("order", "id")
    )
    rows = list(pipelines)
    open_deals = dict(
        Opportunity.objects.filter(status=OpportunityStatus.OPEN, pipeline__in=rows)
        .values_list("pipeline")
        .annotate(n=Count("id"))
        .values_list("pipeline", "n")
    )
    for pipeline in rows:
        pipeline.open_deals = open_deals.get(pipeline.pk, 0)  # type: ignore[attr-defined]
    context = {"pipelines": rows, "can_configure": config.can_configure(request.user)}
    return render(request, f"{TEMPLATES}/list.html", context)


def _item_detail(item: StageRequirement) -> str:
    """What the item asks for, in the reader's language: the activity type, field or review."""
    if item.activity_kind:
        return str(dict(ActivityKind.choices).get(item.activity_kind, item.activity_kind))
    if item.field_name:
        return str(item.get_field_name_display())
    return str(item.get_review_type_display()) if item.review_type else ""


@login_required
def pipeline_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The pipeline's stages in order with their gate items and guidance, and its history."""
    pipeline = selectors.pipeline_configuration(pk=pk)
    stages = list(pipeline.stages.all())
    in_stage = dict(
        Opportunity.objects.filter(pipeline=pipeline, status=OpportunityStatus.OPEN)
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    open_ids = [s.pk for s in stages if s.category == StageCategory.OPEN]
    rows = []
    for stage in stages:
        index = open_ids.index(stage.pk) if stage.pk in open_ids else -1
        rows.append(
            {
                "stage": stage,
                "items": [
                    (r, _item_detail(r), config.can_configure(request.user, requirement=r))
                    for r in stage.requirements.all()
                    if r.active
                ],
                "can_configure": config.can_configure(request.user, stage=stage),
                "removed": [r for r in stage.requirements.all() if not r.active],
                "open_deals": in_stage.get(stage.pk, 0),
                "up": index > 0,
                "down": 0 <= index < len(open_ids) - 1,
            }
        )
    context = {
        "pipeline": pipeline,
        "rows": rows,
        "events": timeline_for(pipeline),
        "can_configure": config.can_configure(request.user, pipeline=pipeline),
        # Templates download for who works on deals (opportunities:stage_template_download).
        "can_download": has_any_role(request.user, (*OPPORTUNITY_WRITE_ROLES, "fr", "executive")),
    }
    return render(request, f"{TEMPLATES}/detail.html", context)


@login_required
def pipeline_create(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    form = PipelineForm(request.POST or None, instance=Pipeline())
    if request.method == "POST" and form.is_valid():
        try:
            data = {name: form.cleaned_data[name] for name in config.PIPELINE_CREATE_FIELDS}
            pipeline = config.pipeline_create(actor=request.user, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pipeline saved."))
            return redirect("process:pipeline_detail", pk=pipeline.pk)
    context = {"form": form, "title": _("New pipeline"), "back": "process:pipeline_list"}
    return render(request, f"{TEMPLATES}/form.html", context, status=422 if request.method == "POST" else 200)


@login_required
def pipeline_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    pipeline = selectors.pipeline_get(pk=pk)
    _require_admin(request, pipeline=pipeline)
    form = PipelineForm(request.POST or None, instance=Pipeline.objects.get(pk=pipeline.pk))
    if request.method == "POST" and form.is_valid():
        try:
            config.pipeline_update(
                actor=request.user,
                pipeline=pipeline,
                data=_changed(form, config.PIPELINE_FIELDS),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Pipeline saved."))
            return redirect("process:pipeline_detail", pk=pipeline.pk)
    context = {"form": form, "title": _("Edit pipeline"), "pipeline": pipeline}
    return render(request, f"{TEMPLATES}/form.html", context, status=422 if request.method == "POST" else 200)


@login_required
@require_POST
def stages_reorder(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move one open stage a place up or down (the page's arrows)."""
    pipeline = selectors.pipeline_get(pk=pk)
    _require_admin(request, pipeline=pipeline)
    ids = [s.pk for s in pipeline.stages.all() if s.category == StageCategory.OPEN]
    moved = posted_number(request.POST, "stage")
    if moved in ids:
        at = ids.index(moved)
        to = at - 1 if request.POST.get("direction") == "up" else at + 1
        if 0 <= to < len(ids):
            ids[at], ids[to] = ids[to], ids[at]
    try:
        config.stages_reorder(
            actor=request.user,
            pipeline=pipeline,
            stage_ids=ids,
            expected_version=posted_number(request.POST, "version"),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    return redirect("process:pipeline_detail", pk=pipeline.pk)


@login_required
def stage_create(request: AuthedRequest, pk: int) -> HttpResponse:
    pipeline = selectors.pipeline_get(pk=pk)
    _require_admin(request, pipeline=pipeline)
    form = StageForm(request.POST or None, instance=Stage(pipeline=pipeline))
    if request.method == "POST" and form.is_valid():
        try:
            data = {name: form.cleaned_data[name] for name in config.STAGE_FIELDS}
            config.stage_create(actor=request.user, pipeline=pipeline, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Stage saved."))
            return redirect("process:pipeline_detail", pk=pipeline.pk)
    context = {"form": form, "title": _("New stage"), "pipeline": pipeline}
    return render(request, f"{TEMPLATES}/form.html", context, status=422 if request.method == "POST" else 200)


def _stage(pk: int) -> Stage:
    return fetch_or_404(Stage.objects.select_related("pipeline"), pk=pk)


@login_required
def stage_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change a stage; needing an FR when open deals would enter without one is shown first and
    saved once confirmed."""
    stage = _stage(pk)
    _require_admin(request, stage=stage)
    form = StageForm(request.POST or None, instance=Stage.objects.get(pk=stage.pk))
    impact = None
    if request.method == "POST" and form.is_valid():
        try:
            config.stage_update(
                actor=request.user,
                stage=stage,
                data=_changed(form, config.STAGE_FIELDS),
                expected_version=form.cleaned_data.get("version") or 0,
                confirm_impact=form.cleaned_data["confirm"],
            )
        except ValidationError as exc:
            if _confirm_or_errors(form, exc):
                impact = config.gate_dry_run(stage=stage, needs_fr=True)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Stage saved."))
            return redirect("process:pipeline_detail", pk=stage.pipeline_id)
    context = {"form": form, "title": _("Edit stage %(stage)s") % {"stage": stage.name}, "pipeline": stage.pipeline}
    context["impact"] = impact
    return render(request, f"{TEMPLATES}/form.html", context, status=422 if request.method == "POST" else 200)


@login_required
@require_POST
def stage_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    stage = _stage(pk)
    _require_admin(request, stage=stage)
    try:
        config.stage_deactivate(
            actor=request.user, stage=stage, expected_version=posted_number(request.POST, "version")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Stage %(stage)s deactivated.") % {"stage": stage.name})
    return redirect("process:pipeline_detail", pk=stage.pipeline_id)


@login_required
def requirement_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """A new gate item: when open deals in the stage would now miss it, the page shows them
    (the dry run) and asks for confirmation before saving."""
    stage = _stage(pk)
    _require_admin(request, stage=stage)
    form = RequirementForm(request.POST or None, instance=StageRequirement(stage=stage))
    impact = None
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in config.REQUIREMENT_FIELDS}
        if data["order"] is None:
            data.pop("order")
        try:
            config.requirement_add(
                actor=request.user, stage=stage, data=data, confirm_impact=form.cleaned_data["confirm"]
            )
        except ValidationError as exc:
            if _confirm_or_errors(form, exc):
                impact = config.gate_dry_run(stage=stage, add=[data])
        else:
            messages.success(request, _("Checklist item saved."))
            return redirect("process:pipeline_detail", pk=stage.pipeline_id)
    context = {
        "form": form,
        "title": _("New checklist item of %(stage)s") % {"stage": stage.name},
        "pipeline": stage.pipeline,
        "impact": impact,
    }
    return render(request, f"{TEMPLATES}/form.html", context, status=422 if request.method == "POST" else 200)


def _requirement(pk: int) -> StageRequirement:
    return fetch_or_404(StageRequirement.objects.select_related("stage__pipeline"), pk=pk)


@login_required
def requirement_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _requirement(pk)
    _require_admin(request, requirement=item)
    if not item.active:
        raise PermissionDenied
    form = RequirementForm(request.POST or None, instance=StageRequirement.objects.get(pk=item.pk))
    impact = None
    if request.method == "POST" and form.is_valid():
        data = _changed(form, config.REQUIREMENT_FIELDS)
        if data.get("order", 0) is None:
            data.pop("order")
        try:
            config.requirement_update(
                actor=request.user,
                requirement=item,
                data=data,
                expected_version=form.cleaned_data.get("version") or 0,
                confirm_impact=form.cleaned_data["confirm"],
            )
        except ValidationError as exc:
            if _confirm_or_errors(form, exc):
                new = {n: form.cleaned_data[n] for n in ("label", "kind", "activity_kind", "field_name", "review_type")}
                impact = config.gate_dry_run(stage=item.stage, add=[new], remove=[item.pk])
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Checklist item saved."))
            return redirect("process:pipeline_detail", pk=item.stage.pipeline_id)
    context = {
        "form": form,
        "title": _("Edit checklist item of %(stage)s") % {"stage": item.stage.name},
        "pipeline": item.stage.pipeline,
        "impact": impact,
    }
    return render(request, f"{TEMPLATES}/form.html", context, status=422 if request.method == "POST" else 200)


@login_required
@require_POST
def requirement_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _requirement(pk)
    _require_admin(request, requirement=item)
    try:
        outcome = config.requirement_remove(
            actor=request.user, requirement=item, expected_version=posted_number(request.POST, "version")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Checklist item '%(item)s': %(outcome)s.") % {"item": item.label, "outcome": outcome.label}
        )
    return redirect("process:pipeline_detail", pk=item.stage.pipeline_id)


@login_required
@require_POST
def stage_template_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Attach a template (a title and a file) to a stage."""
    stage = _stage(pk)
    _require_admin(request, stage=stage)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": [_("Choose a file.")]})
        config.stage_template_add(actor=request.user, stage=stage, title=request.POST.get("title", ""), upload=upload)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Template saved."))
    return redirect("process:pipeline_detail", pk=stage.pipeline_id)


@login_required
@require_POST
def stage_template_revise(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload a new version of a template (it becomes the one deals download)."""
    template = fetch_or_404(StageTemplate.objects.select_related("stage__pipeline"), pk=pk)
    _require_admin(request, stage=template.stage)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": [_("Choose a file.")]})
        version = config.stage_template_revise(
            actor=request.user, template=template, upload=upload, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request, _("Template '%(title)s': version %(n)d saved.") % {"title": template.title, "n": version.number}
        )
    return redirect("process:pipeline_detail", pk=template.stage.pipeline_id)


@login_required
@require_POST
def stage_template_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    template = fetch_or_404(StageTemplate.objects.select_related("stage__pipeline"), pk=pk)
    _require_admin(request, stage=template.stage)
    try:
        config.stage_template_remove(actor=request.user, template=template)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Template removed."))
    return redirect("process:pipeline_detail", pk=template.stage.pipeline_id)


urlpatterns: list[URLPattern] = [
    path("pipelines/", pipeline_list, name="pipeline_list"),
    path("pipelines/new/", pipeline_create, name="pipeline_create"),
    path("pipelines/<int:pk>/", pipeline_detail, name="pipeline_detail"),
    path("pipelines/<int:pk>/edit/", pipeline_edit, name="pipeline_edit"),
    path("pipelines/<int:pk>/reorder/", stages_reorder, name="pipeline_stages_reorder"),
    path("pipelines/<int:pk>/stages/new/", stage_create, name="pipeline_stage_create"),
    path("pipelines/stages/<int:pk>/edit/", stage_edit, name="pipeline_stage_edit"),
    path("pipelines/stages/<int:pk>/deactivate/", stage_deactivate, name="pipeline_stage_deactivate"),
    path("pipelines/stages/<int:pk>/items/new/", requirement_add, name="pipeline_requirement_add"),
    path("pipelines/items/<int:pk>/edit/", requirement_edit, name="pipeline_requirement_edit"),
    path("pipelines/items/<int:pk>/remove/", requirement_remove, name="pipeline_requirement_remove"),
    path("pipelines/stages/<int:pk>/templates/new/", stage_template_add, name="pipeline_stage_template_add"),
    path("pipelines/templates/<int:pk>/remove/", stage_template_remove, name="pipeline_stage_template_remove"),
    path("pipelines/templates/<int:pk>/revise/", stage_template_revise, name="pipeline_stage_template_revise"),
]
