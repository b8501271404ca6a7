"""Record-page panels: how a later stage shows itself on an earlier stage's page.

An earlier stage's template never names a later stage — not its URL names, its templates, nor the
reverse relations its models add (DESIGN.md §2: imports flow upstream only; a test scans the
templates). It draws *slots* instead, and knows nothing of who fills them:

    {% load panels %}
    {% panels opportunity %}                       the cards of the main column (slot "main")
    {% panels contract slot="actions" %}           buttons in a card's header
    {% for s in sections %}{% panels bid slot="section" row=s %}{% endfor %}   one row each

A later stage registers what it contributes from its AppConfig.ready (an import of
`<app>/panels.py`, which calls `register`). A panel declares:

- `record`: the model whose page it attaches to (Account, Contact, Lead, Opportunity, Bid, Quote,
  Contract);
- `key`: unique per record, also the HTML id of the panel's card;
- `slot` and `order`: where on the page, and its place among the slot's panels;
- `title`: translated (gettext_lazy), given to the template as `panel.title`;
- `template`: rendered in the page's context (request, csrf_token, the page's language) with the
  selector's answer added;
- `selector(user, record) -> dict | None`: the panel's reads, with the viewer's access applied —
  only what the viewer may open is listed or linked, an action the viewer may not take is not
  drawn; None leaves the panel out;
- `max_queries`: the most queries the selector and the template may run together, whatever the
  number of related records. Each panel's budget is asserted in
  ltc/web/tests/test_panels.py; beyond it the page still renders and a warning is logged.

Next to its panels a later stage registers the **API links** it offers on the earlier record's
single-record answer (`GET /api/v1/accounts/{id}` answers `"links": {"quotes":
"/api/v1/quotes?account=12", ...}`) with `register_link(ApiLink(...))`. A link names a list
endpoint of the later stage, filtered by the record; `offered(user, record)` answers whether the
viewer may use it — whether that list shows them any row of this record, read through the stage's
own list selector, so a link never leads to what the viewer may not open. The earlier stage's API
asks `api_links(record, user)` and imports nothing later. Budgets as for panels (`max_queries`,
asserted in ltc/web/tests/test_panel_links.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model
from django_stubs_ext import StrOrPromise
from pydantic import Field

log = logging.getLogger(__name__)

MAIN = "main"

Selector = Callable[[Any, Any], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    """What a later stage contributes to an earlier stage's record page."""

    record: type[Model]
    key: str
    title: StrOrPromise
    template: str
    selector: Selector
    max_queries: int
    slot: str = MAIN
    order: int = 100

    @property
    def record_label(self) -> str:
        return self.record._meta.label_lower


@dataclass(frozen=True)
class Shown:
    """A panel with its selector's answer for one viewer and one record."""

    panel: Panel
    context: Mapping[str, Any]
    queries: int


_REGISTRY: dict[str, dict[str, Panel]] = defaultdict(dict)  # record label -> key -> panel


def register(panel: Panel) -> Panel:
    """Add a panel to its record's page. A key is given once per record (a second, different
    panel under the same key is a configuration error, not a silent replacement)."""
    known = _REGISTRY[panel.record_label].get(panel.key)
    if known is not None and known != panel:
        raise ImproperlyConfigured(f"Two panels named {panel.key!r} on {panel.record_label} pages.")
    _REGISTRY[panel.record_label][panel.key] = panel
    return panel


def panels_of(record: type[Model] | Model, slot: str | None = None) -> list[Panel]:
    """The panels registered on a record's page (in one slot, or all), in their order."""
    found = _REGISTRY.get(record._meta.label_lower, {}).values()
    return sorted((p for p in found if slot is None or p.slot == slot), key=lambda p: (p.order, p.key))


def registered() -> list[Panel]:
    """Every registered panel, for the tests and the docs."""
    return sorted((p for by_key in _REGISTRY.values() for p in by_key.values()), key=lambda p: (p.record_label, p.key))


class QueryCounter:
    """Counts the queries run on the default connection while it is installed."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def over_budget(panel: Panel, queries: int) -> None:
    if queries > panel.max_queries:
        log.warning(
            "Panel %s on %s pages ran %d queries (budget %d).",
            panel.key,
            panel.record_label,
            queries,
            panel.max_queries,
        )


def panels_for(record: Model, user: Any, slot: str = MAIN) -> list[Shown]:
    """Run the selectors of a slot's panels for this viewer; panels answering None are left out."""
    shown = []
    for panel in panels_of(record, slot):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            context = panel.selector(user, record)
        if context is not None:
            shown.append(Shown(panel, context, counter.count))
        else:
            over_budget(panel, counter.count)
    return shown


@dataclass(frozen=True)
class ApiLink:
    """An API list a later stage offers on an earlier record's answer: `links[name]`."""

    record: type[Model]
    name: str
    path: str  # the list endpoint filtered by the record: "/api/v1/quotes?account={pk}"
    offered: Callable[[Any, Any], bool]
    max_queries: int = 1

    @property
    def record_label(self) -> str:
        return self.record._meta.label_lower

    def url(self, record: Model) -> str:
        return self.path.format(pk=record.pk)


_LINKS: dict[str, dict[str, ApiLink]] = defaultdict(dict)  # record label -> name -> link


def register_link(link: ApiLink) -> ApiLink:
    """Offer an API link on a record's answer. A name is given once per record, as a panel's key."""
    known = _LINKS[link.record_label].get(link.name)
    if known is not None and known != link:
        raise ImproperlyConfigured(f"Two API links named {link.name!r} on {link.record_label} answers.")
    _LINKS[link.record_label][link.name] = link
    return link


def links_of(record: type[Model] | Model) -> list[ApiLink]:
    """The API links registered on a record's answer, by name."""
    return sorted(_LINKS.get(record._meta.label_lower, {}).values(), key=lambda link: link.name)


def registered_links() -> list[ApiLink]:
    """Every registered API link, for the tests."""
    return sorted((x for by_name in _LINKS.values() for x in by_name.values()), key=lambda x: (x.record_label, x.name))


def api_links(record: Model, user: Any) -> dict[str, str]:
    """The links of the record's answer this viewer may use: name -> URL of the filtered list. The
    viewer's scope (the people of the teams they manage) is read once for all of them, at most one
    query; each link's budget counts its own queries beyond it."""
    links: dict[str, str] = {}
    registered = links_of(record)
    if registered and user is not None and user.is_authenticated:
        user.people_in_view()
    for link in registered:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            offered = link.offered(user, record)
        if counter.count > link.max_queries:
            log.warning(
                "API link %s on %s answers ran %d queries (budget %d).",
                link.name,
                link.record_label,
                counter.count,
                link.max_queries,
            )
        if offered:
            links[link.name] = link.url(record)
    return links


# The `links` field of a record's answer: declared by the earlier stage's schema, filled by its
# `resolve_links` resolver through `answer_links`.
ApiLinks = Annotated[
    dict[str, str],
    Field(
        description="Lists of later stages' records for this record that the viewer may open: "
        'name -> API path of the filtered list, e.g. {"quotes": "/api/v1/quotes?account=12"}. '
        "A list that would show the viewer nothing of this record is not linked."
    ),
]


def answer_links(record: Model, context: Mapping[str, Any] | None) -> dict[str, str]:
    """`api_links` for a schema resolver: the viewer is the request's user (no request, no viewer:
    no links)."""
    request = (context or {}).get("request")
    return api_links(record, request.user) if request is not None else {}
