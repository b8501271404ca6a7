"""The figures of a step and the records behind each of them (drill-down). Everyone signed in
reads the map's figures; the records listed are those the viewer may open, each through its
stage's own list selector."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from ltc.core.api import paginate
from ltc.core.forms import ListParams
from ltc.org.types import AuthedRequest
from ltc.process import selectors
from ltc.process.metrics import Figure, figure_kinds, figure_records, figure_visits, map_figures


@login_required
def node_records(request: AuthedRequest, pk: int) -> HttpResponse:
    """The records behind one figure of a node (`figure`: in flight, entered, left, slow), one
    kind of record at a time (`kind`), paginated."""
    node = selectors.node_get(user=request.user, pk=pk)
    figure = request.GET.get("figure", "")
    figure = figure if figure in Figure.values else Figure.IN_FLIGHT
    visits = figure_visits(node, figure)
    kinds = figure_kinds(visits)
    kind = next((k for k in kinds if k.code == request.GET.get("kind")), kinds[0] if kinds else None)
    page = None
    rows: list[tuple[str, str, object]] = []
    if kind is not None:
        params = ListParams(request.GET)
        page = params.page(
            paginate(
                figure_records(user=request.user, visits=visits, kind=kind), limit=params.limit, offset=params.offset
            )
        )
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
    }
    return render(request, "process/node_records.html", context)


urlpatterns = [path("nodes/<int:pk>/records/", node_records, name="node_records")]
