"""Earlier stages' templates never name a later stage (DESIGN.md §2, "The stage contract"): not its
URL names, its templates or template tags, nor the reverse relations its models add to earlier
models. A later stage shows itself on an earlier page through a panel (ltc.core.panels)."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.db.models import ForeignObjectRel

# DESIGN.md's import order: an app may name only apps before it.
ORDER = (
    "core",
    "org",
    "customers",
    "catalog",
    "leads",
    "opportunities",
    "quotes",
    "contracts",
    "billing",
    "process",
    "web",
)
ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
# `web` holds the shared layout and template parts (base.html, field.html, timeline.html) that
# every page uses; it is last in the import order for its views, not for these parts.
SHARED = ("web",)
TEMPLATE_TAG_LIBRARIES = {"billing": ("billing",), "contracts": ("contract_lines",), "leads": ("lead_access",)}


def _field_names(app: str) -> set[str]:
    names: set[str] = set()
    for model in apps.get_app_config(app).get_models():
        names |= {f.name for f in model._meta.get_fields() if not isinstance(f, ForeignObjectRel)}
    return names


def _reverse_accessors(earlier: str, later: str) -> set[str]:
    """The names a later app's relations add to the earlier app's models (`o.quotes`,
    `lead.opportunity`), leaving out names that are also fields of the earlier app's own models
    (`bid.quote_reference` is the bid's text field; the link it would lead to is caught by URL name)."""
    accessors = set()
    for model in apps.get_app_config(earlier).get_models():
        for rel in model._meta.related_objects:
            if rel.related_model._meta.app_label == later and not rel.hidden:
                accessors.add(rel.get_accessor_name())
    return {a for a in accessors if a} - _field_names(earlier)


def _later_names(position: int) -> list[tuple[str, re.Pattern[str]]]:
    earlier = ORDER[position]
    found = []
    for later in ORDER[position + 1 :]:
        if later in SHARED:
            continue
        words = [rf"['\"]{later}:", rf"['\"]{later}/"]  # URL names; templates included or extended
        words += [rf"\{{%\s*load\b[^%]*\b{lib}\b" for lib in TEMPLATE_TAG_LIBRARIES.get(later, ())]
        if apps.is_installed(f"ltc.{earlier}") and earlier not in ("core", "web"):
            words += [rf"\.{name}\b" for name in sorted(_reverse_accessors(earlier, later))]
        found += [(later, re.compile(word)) for word in words]
    return found


def upward_references() -> list[str]:
    found = []
    for position, app in enumerate(ORDER):
        later_names = _later_names(position)
        for source in sorted((ROOT / app / "templates").rglob("*.html")):
            text = source.read_text(encoding="utf-8")
            for tag in TAG.finditer(text):
                line = text.count("\n", 0, tag.start()) + 1
                for later, pattern in later_names:
                    if pattern.search(tag.group(0)):
                        found.append(f"{source.relative_to(ROOT)}:{line} names {later}: {tag.group(0)[:80]}")
    return found


def test_no_earlier_template_names_a_later_stage() -> None:
    assert upward_references() == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The patterns catch each kind of upward reference (a scan that finds nothing proves nothing)."""
    samples = {
        "url": ("opportunities", "{% url 'quotes:quote_detail' q.pk %}"),
        "relation": ("opportunities", "{% for c in o.contracts.all %}"),
        "one-to-one": ("leads", "{% with deal=lead.opportunity %}"),
        "include": ("contracts", '{% include "billing/status_badge.html" %}'),
        "load": ("opportunities", "{% load contract_lines %}"),
    }
    for kind, (app, tag) in samples.items():
        patterns = _later_names(ORDER.index(app))
        assert any(p.search(tag) for _later, p in patterns), kind
    # Its own names, and an earlier app's, are allowed.
    assert not any(p.search("{% url 'opportunities:opportunity_detail' o.pk %}") for _l, p in _later_names(5))
    assert not any(p.search("{{ contract.opportunity.get_absolute_url }}") for _l, p in _later_names(7))
