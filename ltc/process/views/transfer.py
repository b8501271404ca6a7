"""Moving a configuration (配置迁移), administrators only: download this installation's
configuration as a file; upload one to see what importing it would create and change, then apply
it. Thin over ltc.process.transfer."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ltc.core.forms import StyledFormMixin
from ltc.org.types import AuthedRequest
from ltc.process import transfer
from ltc.process.transfer import Action, ImportPlan, Section

MAX_FILE_BYTES = 5 * 1024 * 1024


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("Configuration file (JSON)"))


def _read(request: AuthedRequest, form: UploadForm) -> Any:
    """The posted document: the uploaded file, or (when applying a preview) the hidden copy of it.
    A file that is not JSON is a form error, and None is answered."""
    text = request.POST.get("document")
    if text is None:
        if not form.is_valid():
            return None
        upload = form.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than 5 MB."))
            return None
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8 text."))
            return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        form.add_error("file", _("The file is not JSON."))
        return None


def _rows(plan: ImportPlan) -> dict[str, Any]:
    labels = dict(Section.choices)
    shown = [
        {"section": labels.get(item.section, item.section), "item": item}
        for item in plan.items
        if item.action in (Action.CREATE, Action.UPDATE)
    ]
    kept = [
        {"section": labels.get(item.section, item.section), "item": item}
        for item in plan.items
        if item.action == Action.KEPT
    ]
    return {"plan": plan, "changed_rows": shown, "kept_rows": kept, "counts": plan.counts}


@login_required
def transfer_page(request: AuthedRequest) -> HttpResponse:
    """GET: download and upload. POST a file: the preview (a dry run). POST `apply` with the
    previewed document: import it and come back here."""
    transfer.require_transfer(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method != "POST":
        return render(request, "process/transfer/page.html", context)
    document = _read(request, form)
    if document is None:
        return render(request, "process/transfer/page.html", context, status=422)
    apply = "apply" in request.POST
    try:
        plan = transfer.configuration_import(actor=request.user, document=document, dry_run=not apply)
    except ValidationError as error:
        context["errors"] = list(transfer.iter_errors(error))
        return render(request, "process/transfer/page.html", context, status=422)
    if apply:
        messages.success(
            request,
            _("Configuration imported: %(create)s created, %(update)s updated, %(unchanged)s unchanged.") % plan.counts,
        )
        return redirect("process:transfer")
    context |= _rows(plan)
    context["document"] = json.dumps(document, ensure_ascii=False)
    return render(request, "process/transfer/page.html", context)


@login_required
@require_GET
def transfer_download(request: AuthedRequest) -> HttpResponse:
    """This installation's configuration as a JSON file."""
    transfer.require_transfer(request.user)
    document = transfer.configuration_export()
    response = HttpResponse(transfer.configuration_json(document), content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ltc-configuration-{stamp}.json"'
    return response


urlpatterns = [
    path("transfer/", transfer_page, name="transfer"),
    path("transfer/download/", transfer_download, name="transfer_download"),
]
