"""The recycle bin page: the viewer's deleted records (an administrator's: everyone's) with who
deleted them, when and the days left, and their restore. Thin over ltc.core.recycle."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core import recycle
from ltc.core.actions import flash_refusal
from ltc.org.types import AuthedRequest


@login_required
def recycle_bin(request: AuthedRequest) -> HttpResponse:
    context = {
        "items": recycle.bin_list(user=request.user),
        "retention_days": recycle.RETENTION.days,
        "sees_all": request.user.has_role("admin"),
    }
    return render(request, "web/recycle_bin.html", context)


@login_required
@require_POST
def recycle_restore(request: AuthedRequest, pk: int) -> HttpResponse:
    item = recycle.bin_get(user=request.user, pk=pk)
    try:
        record = recycle.record_restore(actor=request.user, item=item)
    except ValidationError as exc:
        flash_refusal(request, exc)
        return redirect("web:recycle_bin")
    messages.success(request, _("“%(record)s” restored.") % {"record": item.label})
    if hasattr(record, "get_absolute_url"):
        return redirect(record)
    return redirect("web:recycle_bin")
