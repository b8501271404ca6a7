"""The figures of a step and the records behind each of them (drill-down). Everyone signed in
reads the map's figures; the records listed are those the viewer may open, each through its
stage's own list selector."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from ltc.core.api import paginate
from ltc.core.forms import ListParams, posted_number
from ltc.org.types import AuthedRequest
from ltc.process import selectors
from ltc.process.metrics import (
    FR_ITEM,
    OUTCOME_FIGURES,
    Figure,
    RecordKind,
    evaluated_records,
    figure_kinds,
    figure_records,
    figure_visits,
    gate_records,
    map_figures,
    record_kinds,
)


@login_required
def node_records(request: AuthedRequest, pk: int) -> HttpResponse:
    """The records behind one figure of a node (`figure`: in flight, entered, left, slow — one
    kind of record at a time, `kind` —; refused, overridden — the deals, optionally for one gate
    `item` ("fr": the missing FR) or one `person` —; evaluated — the contracts), paginated."""
    node = selectors.node_get(user=request.user, pk=pk)
    figure = request.GET.get("figure", "")
    figure = figure if figure in Figure.values else Figure.IN_FLIGHT
    records: QuerySet[Any] | None = None
    kinds: list[RecordKind]
    if figure in OUTCOME_FIGURES or figure == Figure.EVALUATED:
        code = "contract" if figure == Figure.EVALUATED else "opportunity"
        kinds = [k for k in record_kinds() if k.code == code]
        kind: RecordKind | None = kinds[0]
        if figure == Figure.EVALUATED:
            records = evaluated_records(user=request.user, node=node)
        else:
            item = request.GET.get("item", "")
            records = gate_records(
                user=request.user,
                node=node,
                figure=figure,
                item=FR_ITEM if item == "fr" else posted_number(request.GET, "item") or None,
                person=posted_number(request.GET, "person") or None,
            )
    else:
        visits = figure_visits(node, figure)
        kinds = figure_kinds(visits)
        kind = next((k for k in kinds if k.code == request.GET.get("kind")), kinds[0] if kinds else None)
        if kind is not None:
            records = figure_records(user=request.user, visits=visits, kind=kind)
    page = None
    rows: list[tuple[str, str, object]] = []
    if kind is not None and records is not None:
        params = ListParams(request.GET)
        page = params.page(paginate(records, limit=params.limit, offset=params.offset))
        rows = [(str(r), reverse(kind.url_name, args=[r.pk]), r.step_entered_at) for r in page["items"]]
    context = {
        "node": node,
        "trail": selectors.trail(node),
        "f": map_figures().get(node.pk),
        "figure": figure,
        "figures": Figure.choices,
        "kinds": kinds,
        "kind": kind,
        "rows": rows,
        "page": page,
        "filtered": request.GET.get("item") or request.GET.get("person"),
    }
    return render(request, "process/node_records.html", context)


urlpatterns = [path("nodes/<int:pk>/records/", node_records, name="node_records")]
