"""The tools every list shares: columns shown, saved views (save, open, delete). The list itself
lives in its app; these pages redirect back to it (core.listviews holds the rules)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core import listviews
from ltc.org.types import AuthedRequest


def _back(spec: listviews.ListSpec, query: str) -> HttpResponse:
    url = reverse(spec.url_name)
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def list_columns(request: AuthedRequest, key: str) -> HttpResponse:
    spec = listviews.spec_get(key)
    listviews.list_columns_set(actor=request.user, spec=spec, keys=request.POST.getlist("columns"))
    return _back(spec, request.POST.get("query", "")[:1000])


@login_required
@require_POST
def saved_view_save(request: AuthedRequest, key: str) -> HttpResponse:
    spec = listviews.spec_get(key)
    query = request.POST.get("query", "")
    try:
        view = listviews.saved_view_save(
            actor=request.user,
            spec=spec,
            name=request.POST.get("name", ""),
            query=query,
            is_default=request.POST.get("is_default") == "on",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _back(spec, query[:1000])


@login_required
def saved_view_open(request: AuthedRequest, pk: int) -> HttpResponse:
    view = listviews.saved_view_get(user=request.user, pk=pk)
    spec = listviews.spec_get(view.list_key)
    listviews.saved_view_open(actor=request.user, view=view)
    # A view without filters still needs a parameter, or the list would apply the default view.
    return _back(spec, view.query or "view=all")


@login_required
@require_POST
def saved_view_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    view = listviews.saved_view_get(user=request.user, pk=pk)
    spec = listviews.spec_get(view.list_key)
    listviews.saved_view_delete(actor=request.user, view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return _back(spec, "view=all")
