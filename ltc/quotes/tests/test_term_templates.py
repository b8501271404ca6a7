"""Payment-term templates: configured by administrators with a timeline diff, applied to a draft
quote version's terms (amounts split from its total), refused on any other version."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.catalog.tests.factories import Catalog
from ltc.core.concurrency import StaleVersionError
from ltc.core.timeline import timeline_for
from ltc.quotes import services
from ltc.quotes.models import PaymentTermTemplate, Quote
from ltc.quotes.services import terms
from ltc.quotes.tests.factories import make_quote, standard_matrix

pytestmark = pytest.mark.django_db

THIRTY_SIXTY_TEN = [
    {"label": "签约", "percent": "30", "trigger": "signing", "days": 15},
    {"label": "验收", "percent": "60", "trigger": "acceptance", "days": 30},
    {"label": "质保", "percent": "10", "trigger": "warranty", "days": 365},
]


def _template(world: Any, name: str = "30/60/10", lines: list[dict[str, Any]] | None = None) -> PaymentTermTemplate:
    return terms.term_template_create(actor=world.admin, data={"name": name, "lines": lines or THIRTY_SIXTY_TEN})


def _terms(quote: Quote) -> list[tuple[str, Decimal, str, int, Decimal]]:
    quote.refresh_from_db()
    assert quote.current is not None
    return [(t.label, t.percent, t.trigger, t.days, t.amount) for t in quote.current.terms.all()]


@pytest.fixture
def draft(world: Any) -> Quote:
    catalog = Catalog()
    quote = make_quote(world, catalog)
    services.quote_version_update(
        actor=world.owner, quote=quote, expected_version=quote.version, data={"lines": [catalog.bundle_line()]}
    )
    quote.refresh_from_db()
    return quote


def test_an_administrator_creates_a_template_with_its_lines_and_a_timeline_entry(world: Any) -> None:
    template = _template(world)
    assert [(line.position, line.label, line.percent, line.trigger, line.days) for line in template.lines.all()] == [
        (1, "签约", Decimal("30.00"), "signing", 15),
        (2, "验收", Decimal("60.00"), "acceptance", 30),
        (3, "质保", Decimal("10.00"), "warranty", 365),
    ]
    assert template.summary == "签约 30% signing +15; 验收 60% acceptance +30; 质保 10% warranty +365"
    assert [(e.kind, e.actor) for e in timeline_for(template)] == [("created", world.admin)]


def test_only_administrators_configure_templates(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        terms.term_template_create(actor=world.owner, data={"name": "x", "lines": THIRTY_SIXTY_TEN})
    template = _template(world)
    with pytest.raises(PermissionDenied):
        terms.term_template_update(actor=world.boss, template=template, data={"name": "y"}, expected_version=1)
    assert PaymentTermTemplate.objects.get().name == "30/60/10"


@pytest.mark.parametrize(
    ("lines", "errors"),
    [
        (
            [
                {"label": "签约", "percent": "30", "trigger": "signing"},
                {"label": "验收", "percent": "60", "trigger": "acceptance"},
            ],
            {"lines": ["The payment milestones add up to 90%, not 100%."]},
        ),
        (
            [{"label": "", "percent": "100", "trigger": "date", "days": -1}],
            {
                "lines.0.label": ["Name the milestone (at most 100 characters)."],
                "lines.0.trigger": ["Choose when the milestone falls due."],
                "lines.0.days": ["Enter 0 to 3650 days."],
            },
        ),
        ([], {"lines": ["Give at least one payment milestone."]}),
        # A digit of another script and a number beyond int()'s reach, as a form posts them.
        (
            [{"label": "货到", "percent": "100", "trigger": "delivery", "days": "²"}],
            {"lines.0.days": ["Enter 0 to 3650 days."]},
        ),
        (
            [{"label": "货到", "percent": "100", "trigger": "delivery", "days": "9" * 5000}],
            {"lines.0.days": ["Enter 0 to 3650 days."]},
        ),
        (
            [{"label": "货到", "percent": "100", "trigger": "delivery", "days": 3651}],
            {"lines.0.days": ["Enter 0 to 3650 days."]},
        ),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_saved(world: Any, lines: Any, errors: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError) as refused:
        terms.term_template_create(actor=world.admin, data={"name": "坏模板", "lines": lines})
    assert refused.value.message_dict == errors
    assert not PaymentTermTemplate.objects.exists()


def test_a_change_is_a_field_diff_and_a_stale_version_changes_nothing(world: Any) -> None:
    template = _template(world)
    new_lines = [{"label": "发货", "percent": "100", "trigger": "delivery", "days": 0}]
    terms.term_template_update(
        actor=world.admin, template=template, data={"name": "货到付款", "lines": new_lines}, expected_version=1
    )
    template.refresh_from_db()
    assert (template.name, template.version, template.summary) == ("货到付款", 2, "发货 100% delivery +0")
    changed = timeline_for(template)[0]
    assert changed.changes == [
        {"field": "name", "old": "30/60/10", "new": "货到付款"},
        {
            "field": "summary",
            "old": "签约 30% signing +15; 验收 60% acceptance +30; 质保 10% warranty +365",
            "new": "发货 100% delivery +0",
        },
    ]
    with pytest.raises(StaleVersionError):
        terms.term_template_update(actor=world.admin, template=template, data={"name": "旧"}, expected_version=1)
    template.refresh_from_db()
    assert (template.name, template.version, template.lines.count()) == ("货到付款", 2, 1)


def test_applying_a_template_fills_the_draft_versions_terms_with_amounts(world: Any, draft: Quote) -> None:
    template = _template(world)
    total = draft.current.grand_total  # type: ignore[union-attr]
    assert total == Decimal("101700.00")
    version = terms.quote_apply_term_template(
        actor=world.owner, quote=draft, template=template, expected_version=draft.version
    )
    assert version.pk == draft.current_id
    assert _terms(draft) == [
        ("签约", Decimal("30.00"), "signing", 15, Decimal("30510.00")),
        ("验收", Decimal("60.00"), "acceptance", 30, Decimal("61020.00")),
        ("质保", Decimal("10.00"), "warranty", 365, Decimal("10170.00")),
    ]
    note = timeline_for(draft)[0]
    assert note.kind == "note"
    assert note.text.startswith("Version 1: payment terms from the template 30/60/10")
    # a later change of the template leaves the quote's terms as they are
    terms.term_template_update(
        actor=world.admin,
        template=template,
        data={"lines": [{"label": "全款", "percent": "100", "trigger": "signing"}]},
        expected_version=template.version,
    )
    assert [t[0] for t in _terms(draft)] == ["签约", "验收", "质保"]


def test_a_version_that_is_not_a_draft_is_refused_and_keeps_its_terms(world: Any, draft: Quote) -> None:
    template = _template(world, lines=[{"label": "全款", "percent": "100", "trigger": "delivery"}])
    standard_matrix(world)
    services.quote_submit(actor=world.owner, quote=draft, expected_version=draft.version)
    draft.refresh_from_db()
    before = _terms(draft)
    with pytest.raises(ValidationError) as refused:
        terms.quote_apply_term_template(
            actor=world.owner, quote=draft, template=template, expected_version=draft.version
        )
    assert list(refused.value.message_dict) == ["version"]
    assert _terms(draft) == before


def test_an_inactive_template_a_stranger_and_a_stale_quote_are_refused(world: Any, draft: Quote) -> None:
    template = _template(world)
    before = _terms(draft)
    with pytest.raises(PermissionDenied):
        terms.quote_apply_term_template(
            actor=world.other, quote=draft, template=template, expected_version=draft.version
        )
    with pytest.raises(StaleVersionError):
        terms.quote_apply_term_template(actor=world.owner, quote=draft, template=template, expected_version=1)
    terms.term_template_deactivate(actor=world.admin, template=template, expected_version=1)
    with pytest.raises(ValidationError) as refused:
        terms.quote_apply_term_template(
            actor=world.owner, quote=draft, template=template, expected_version=draft.version
        )
    assert refused.value.message_dict == {"template_id": ["This template is no longer offered."]}
    assert _terms(draft) == before


def test_the_api_configures_templates_and_applies_one(world: Any, draft: Quote, api_as: Any) -> None:
    admin, owner = api_as(world.admin), api_as(world.owner)
    body = {"name": "30/60/10", "lines": THIRTY_SIXTY_TEN}
    assert owner.post("/payment-term-templates", body).status_code == 403
    created = admin.post("/payment-term-templates", body)
    assert created.status_code == 201, created.json()
    template_id = created.json()["id"]
    assert created.json()["lines"][0] == {
        "position": 1,
        "label": "签约",
        "percent": "30.00",
        "trigger": "signing",
        "days": 15,
    }
    assert admin.patch(f"/payment-term-templates/{template_id}", {"name": "标准"}).status_code == 428
    stale = admin.patch(f"/payment-term-templates/{template_id}", {"name": "标准"}, **{"If-Match": '"9"'})
    assert stale.status_code == 412
    refused = admin.patch(
        f"/payment-term-templates/{template_id}",
        {"lines": [{"label": "签约", "percent": "50", "trigger": "signing"}]},
        **{"If-Match": created["ETag"]},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "lines", "message": "The payment milestones add up to 50%, not 100%.", "code": "invalid"}
    ]
    renamed = admin.patch(f"/payment-term-templates/{template_id}", {"name": "标准"}, **{"If-Match": created["ETag"]})
    assert (renamed.status_code, renamed.json()["name"], renamed["ETag"]) == (200, "标准", '"2"')
    assert [t["name"] for t in owner.get("/payment-term-templates").json()] == ["标准"]
    applied = owner.post(
        f"/quotes/{draft.pk}/apply-term-template", {"template_id": template_id}, **{"If-Match": f'"{draft.version}"'}
    )
    assert applied.status_code == 200, applied.json()
    assert [(t["label"], t["amount"]) for t in applied.json()["current"]["terms"]] == [
        ("签约", "30510.00"),
        ("验收", "61020.00"),
        ("质保", "10170.00"),
    ]
    missing = owner.post(
        f"/quotes/{draft.pk}/apply-term-template", {"template_id": 999999}, **{"If-Match": applied["ETag"]}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "template_id"


def test_the_quote_editor_applies_a_template(world: Any, draft: Quote, web_as: Any) -> None:
    template = _template(world)
    page = web_as(world.owner)
    editor = page.get(f"/quotes/{draft.pk}/edit/")
    assert editor.status_code == 200
    assert 'id="apply-template"' in editor.content.decode()
    response = page.post(f"/quotes/{draft.pk}/apply_terms/", {"template": template.pk, "version": draft.version})
    assert (response.status_code, response["Location"]) == (302, f"/quotes/{draft.pk}/edit/")
    assert [t[0] for t in _terms(draft)] == ["签约", "验收", "质保"]
    stale = page.post(f"/quotes/{draft.pk}/apply_terms/", {"template": template.pk, "version": 1})
    assert stale.status_code == 302
    assert draft.version == Quote.objects.get(pk=draft.pk).version


def test_the_demo_seeds_two_templates_once(world: Any) -> None:
    from ltc.web.demo_quotes import seed_term_templates

    seed_term_templates()
    seed_term_templates()
    assert [(t.name, t.summary) for t in PaymentTermTemplate.objects.order_by("name")] == [
        ("30/60/10 签约/验收/质保", "签约预付款 30% signing +15; 验收款 60% acceptance +30; 质保金 10% warranty +365"),
        ("货到全款", "到货付款 100% delivery +30"),
    ]
