"""The process map pages: the whole tree (printable), one node with what implements it, and the
forms to edit a node, add L4–L6 below it, bind and unbind, deactivate — drawn only for those
allowed (administrators; the node's process owner). Thin over process.services and .selectors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ltc.core.concurrency import StaleVersionError
from ltc.core.forms import StyledFormMixin, add_service_errors, flash_errors, posted_number
from ltc.core.timeline import timeline_for
from ltc.leads.choices import CheckItem
from ltc.leads.models import QualificationPolicy
from ltc.opportunities.choices import AssessorRole, ReviewType
from ltc.opportunities.models import ReviewCriterion, StageRequirement
from ltc.org.models import Role, User
from ltc.org.types import AuthedRequest
from ltc.process import selectors, services
from ltc.process.metrics import map_figures
from ltc.process.models import BindingKind, ProcessBinding, ProcessNode
from ltc.process.stewardship import may_bind

FIGURES_TEMPLATE = "process/_figures.html"

# The step whose lead verification the qualification policy implements (验证和分发线索).
QUALIFICATION_NODE = "ML.2"


class NodeForm(StyledFormMixin, forms.Form):
    """A node's own fields; `version` is the one the page was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40)
    name_zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=100)
    order = forms.IntegerField(label=gettext_lazy("Sort order"), min_value=0, max_value=32767, initial=0)
    owner_role = forms.ModelChoiceField(label=gettext_lazy("Owner role"), queryset=Role.objects.all(), required=False)
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Process owner"), queryset=User.objects.filter(is_active=True), required=False
    )
    description_zh = forms.CharField(
        label=gettext_lazy("Description (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=gettext_lazy("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    purpose_zh = forms.CharField(
        label=gettext_lazy("Purpose (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    purpose_en = forms.CharField(
        label=gettext_lazy("Purpose (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    inputs_zh = forms.CharField(
        label=gettext_lazy("Inputs (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    inputs_en = forms.CharField(
        label=gettext_lazy("Inputs (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outputs_zh = forms.CharField(
        label=gettext_lazy("Outputs (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outputs_en = forms.CharField(
        label=gettext_lazy("Outputs (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    services = forms.CharField(
        label=gettext_lazy("Services"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The services that perform this step, one dotted name per line."),
    )

    def __init__(self, *args: Any, node: ProcessNode | None = None, **kwargs: Any) -> None:
        if node is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(node, name) for name in services.NODE_FIELDS},
                    "owner_role": node.owner_role_id,
                    "owner": node.owner_id,
                    "version": node.version,
                },
            )
        super().__init__(*args, **kwargs)
        if node is not None and node.shipped:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("A shipped node keeps its code.")

    def node_data(self, *, changed_only: bool) -> dict[str, Any]:
        names = [n for n in services.NODE_FIELDS if not self.fields[n].disabled]
        if changed_only:
            names = [n for n in names if n in self.changed_data]
        return {name: self.cleaned_data[name] for name in names}


class BindingForm(StyledFormMixin, forms.Form):
    """What to bind, as one choice "kind:key" grouped by kind (statuses, stages, gate items ...)."""

    target = forms.ChoiceField(label=gettext_lazy("Bind"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = set(ProcessBinding.objects.values_list("kind", "key"))
        # Gate items fall to whoever configures their stage: one query, not one per item.
        stage_of = {str(pk): stage for pk, stage in StageRequirement.objects.values_list("pk", "stage_id")}
        groups: list[tuple[str, list[tuple[str, str]]]] = [("", [("", "—")])]
        for kind, label in BindingKind.choices:
            options = [
                (f"{kind}:{key}", name)
                for key, name in selectors.binding_choices(kind)
                if (kind, key) not in taken and may_bind(user, kind, key, stage_of=stage_of)
            ]
            if options:
                groups.append((str(label), options))
        self.fields["target"].choices = groups  # type: ignore[attr-defined]

    def kind_and_key(self) -> tuple[str, str]:
        kind, _sep, key = self.cleaned_data["target"].partition(":")
        return kind, key


def _figures_template() -> str | None:
    """The metrics' template for a node's figures, once the metrics draw one."""
    try:
        get_template(FIGURES_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return FIGURES_TEMPLATE


@login_required
def process_map(request: AuthedRequest) -> HttpResponse:
    """The whole map, L1 → L6, each node with its code, name, owner and figures."""
    context = {
        "tree": selectors.map_tree(user=request.user),
        "figures": map_figures(),
        "figures_template": _figures_template(),
        "can_configure": selectors.may_configure(request.user),
    }
    return render(request, "process/map.html", context)


def _review_criteria(bindings: list[ProcessBinding]) -> list[dict[str, Any]]:
    """For each review bound to the node, the criteria each role scores in it (one query)."""
    types = [b.key for b in bindings if b.kind == BindingKind.REVIEW and b.key in ReviewType.values]
    if not types:
        return []
    rows = list(ReviewCriterion.objects.active().filter(review_type__in=types).order_by("order", "id"))
    return [
        {
            "code": review_type,
            "label": ReviewType(review_type).label,
            "roles": [
                (role.label, [c for c in rows if c.review_type == review_type and c.role == role])
                for role in AssessorRole
            ],
        }
        for review_type in sorted(set(types))
    ]


def _qualification_items(node: ProcessNode) -> list[str] | None:
    """On the lead verification step (ML.2): the checklist items the qualification policy requires."""
    if node.code != QUALIFICATION_NODE:
        return None
    return [str(CheckItem(item).label) for item in QualificationPolicy.current().required_items]


def _node_page(
    request: AuthedRequest, node: ProcessNode, *, binding_form: BindingForm | None = None, status: int = 200
) -> HttpResponse:
    can_edit = selectors.may_edit_node(request.user, node)
    children = selectors.node_children(node)
    bindings = list(node.bindings.all())
    context = {
        "node": node,
        "trail": selectors.trail(node),
        "children": children,
        "bindings": selectors.bindings_resolved(bindings),
        "review_criteria": _review_criteria(bindings),
        "qualification_items": _qualification_items(node),
        "can_deactivate": selectors.may_deactivate_node(
            request.user, node, active_children=sum(1 for c in children if c.active), bindings=len(bindings)
        ),
        "events": timeline_for(node),
        "can_edit": can_edit,
        "can_add_child": selectors.may_add_child(request.user, node),
        "binding_form": (binding_form or BindingForm(user=request.user)) if can_edit and node.active else None,
        "f": map_figures().get(node.pk),  # the step's figures, each drilling down to its records
    }
    return render(request, "process/node_detail.html", context, status=status)


@login_required
def node_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _node_page(request, selectors.node_get(user=request.user, pk=pk))


@login_required
def node_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    node = selectors.node_get(user=request.user, pk=pk)
    if not selectors.may_edit_node(request.user, node):
        raise PermissionDenied
    form = NodeForm(request.POST or None, node=node)
    if request.method == "POST" and form.is_valid():
        try:
            services.node_update(
                actor=request.user,
                node=node,
                data=form.node_data(changed_only=True),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Node saved."))
            return redirect("process:node_detail", node.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "process/node_form.html", {"form": form, "node": node, "parent": None}, status=status)


@login_required
def node_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add an L4–L6 node below this one."""
    parent = selectors.node_get(user=request.user, pk=pk)
    if not selectors.may_add_child(request.user, parent):
        raise PermissionDenied
    form = NodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.node_create(actor=request.user, parent=parent, data=form.node_data(changed_only=False))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Node %(code)s added.") % {"code": child.code})
            return redirect("process:node_detail", child.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "process/node_form.html", {"form": form, "node": None, "parent": parent}, status=status)


@login_required
@require_POST
def node_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    node = selectors.node_get(user=request.user, pk=pk)
    if not selectors.may_edit_node(request.user, node):
        raise PermissionDenied
    try:
        services.node_deactivate(actor=request.user, node=node, expected_version=posted_number(request.POST, "version"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except StaleVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Node deactivated."))
    return redirect("process:node_detail", node.pk)


@login_required
@require_POST
def binding_add(request: AuthedRequest, pk: int) -> HttpResponse:
    node = selectors.node_get(user=request.user, pk=pk)
    if not selectors.may_edit_node(request.user, node):
        raise PermissionDenied
    kind, _sep, key = request.POST.get("target", "").partition(":")
    if not may_bind(request.user, kind, key):
        raise PermissionDenied
    form = BindingForm(request.POST, user=request.user)
    if form.is_valid():
        kind, key = form.kind_and_key()
        try:
            services.binding_add(actor=request.user, node=node, kind=kind, key=key)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Binding added."))
            return redirect(reverse("process:node_detail", args=[node.pk]) + "#bindings")
    return _node_page(request, node, binding_form=form, status=422)


@login_required
@require_POST
def binding_remove(request: AuthedRequest, pk: int, binding_pk: int) -> HttpResponse:
    node = selectors.node_get(user=request.user, pk=pk)
    binding = selectors.binding_get(user=request.user, node=node, pk=binding_pk)
    if not selectors.may_edit_node(request.user, node):
        raise PermissionDenied
    services.binding_remove(actor=request.user, binding=binding)
    messages.success(request, _("Binding removed."))
    return redirect(reverse("process:node_detail", args=[node.pk]) + "#bindings")


urlpatterns = [
    path("", process_map, name="map"),
    path("nodes/<int:pk>/", node_detail, name="node_detail"),
    path("nodes/<int:pk>/edit/", node_edit, name="node_edit"),
    path("nodes/<int:pk>/add/", node_add, name="node_add"),
    path("nodes/<int:pk>/deactivate/", node_deactivate, name="node_deactivate"),
    path("nodes/<int:pk>/bindings/", binding_add, name="binding_add"),
    path("nodes/<int:pk>/bindings/<int:binding_pk>/remove/", binding_remove, name="binding_remove"),
]
