"""Quotes: pricing, configuration, versions, approval by authority, sending and answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from ltc.catalog.models import ContractPrice
from ltc.catalog.tests.factories import Catalog
from ltc.core.models import Activity
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import Opportunity
from ltc.opportunities.tests.factories import make_opportunity, make_pipeline
from ltc.org.tests.factories import UserFactory
from ltc.quotes import services
from ltc.quotes.choices import ApprovalStatus, QuoteStatus
from ltc.quotes.models import Quote, QuoteLine
from ltc.quotes.tests.factories import make_quote, standard_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(world: Any) -> Catalog:
    return Catalog()


def _update(world: Any, quote: Quote, actor: Any = None, **data: Any) -> Quote:
    quote.refresh_from_db()
    services.quote_version_update(actor=actor or world.owner, quote=quote, expected_version=quote.version, data=data)
    quote.refresh_from_db()
    return quote


def test_create_starts_from_products_of_interest(world: Any, catalog: Catalog) -> None:
    deal = make_opportunity(world, make_pipeline(), products_of_interest="MES-SUITE，实施服务, 不存在的产品")
    quote, unmatched = services.quote_create(actor=world.owner, opportunity=deal)
    version = quote.current
    assert quote.number.startswith("Q2026-") or quote.number[1:5].isdigit()
    assert unmatched == ["不存在的产品"]
    assert version.price_book == catalog.book  # the only valid CNY book
    codes = list(version.lines.order_by("position").values_list("code", flat=True))
    # The bundle brings its required components at their default quantities.
    assert codes == ["MES-SUITE", "SRV-01", "MES-LIC", "SVC-IMP"]
    assert [t.percent for t in version.terms.all()] == [Decimal(30), Decimal(60), Decimal(10)]


def test_pricing_tiers_discounts_tax_and_margin(world: Any, catalog: Catalog) -> None:
    quote = make_quote(world, catalog)
    quote = _update(
        world,
        quote,
        lines=[
            catalog.bundle_line(licences="60"),  # tier 1,800 from 50 users
            {"product_id": catalog.service.pk, "quantity": "10", "discount_pct": "10"},
        ],
        document_discount_pct="5",
    )
    version = quote.current
    lic = version.lines.get(code="MES-LIC")
    assert (lic.unit_price, lic.list_price, lic.price_source) == (Decimal("1800"), Decimal("2000"), "tier")
    assert lic.base_amount == Decimal("108000.00")
    assert lic.net_amount == Decimal("102600.00")  # 5% document discount
    assert lic.tax_amount == Decimal("13338.00")  # 13%
    svc = version.lines.get(code="SVC-IMP")
    assert svc.net_amount == Decimal("12825.00")  # 15,000 − 10% − 5%
    assert svc.tax_amount == Decimal("769.50")  # 6%
    server = version.lines.get(code="SRV-01")
    assert server.net_amount == Decimal("47500.00")
    assert version.net_total == Decimal("162925.00")
    assert version.base_total == Decimal("173000.00")
    assert version.discount_pct == Decimal("5.82")
    assert version.tax_total == Decimal("13338.00") + Decimal("769.50") + Decimal("6175.00")
    assert version.grand_total == version.net_total + version.tax_total
    assert version.cost_total == Decimal("30000") + Decimal("12000") + Decimal("9000")
    assert quote.total == version.grand_total
    amounts = [t.amount for t in version.terms.all()]
    assert sum(amounts) == version.grand_total


def test_contracted_price_wins_over_the_list(world: Any, catalog: Catalog) -> None:
    ContractPrice.objects.create(
        account=world.account, product=catalog.service, unit_price=Decimal("1200"), valid_from=catalog.book.valid_from
    )
    quote = _update(world, make_quote(world, catalog), lines=[{"product_id": catalog.service.pk, "quantity": "100"}])
    line = quote.current.lines.get()
    assert (line.unit_price, line.price_source) == (Decimal("1200"), "contract")


@pytest.mark.parametrize(
    ("extra", "licences", "message"),
    [
        ([{"product_id": "ai"}], "20", "requires"),
        ([{"product_id": "onprem"}, {"product_id": "cloud"}], "20", "excludes"),
        ([], "600", "outside"),
        ([{"product_id": "service"}], "20", "not an option"),
    ],
)
def test_an_invalid_configuration_is_refused_with_its_rule(
    world: Any, catalog: Catalog, extra: list[dict[str, str]], licences: str, message: str
) -> None:
    quote = make_quote(world, catalog)
    before = list(quote.current.lines.values_list("pk", flat=True))
    parts = [{"product_id": getattr(catalog, e["product_id"]).pk, "quantity": "1"} for e in extra]
    with pytest.raises(ValidationError) as caught:
        _update(world, quote, lines=[catalog.bundle_line(licences=licences, extra=parts)])
    assert message in " ".join(caught.value.message_dict["lines.0.components"])
    assert list(quote.current.lines.values_list("pk", flat=True)) == before


def test_a_bundle_missing_a_required_component_is_refused(world: Any, catalog: Catalog) -> None:
    quote = make_quote(world, catalog)
    line = {
        "product_id": catalog.bundle.pk,
        "quantity": "1",
        "components": [{"product_id": catalog.server.pk, "quantity": "1"}],
    }
    with pytest.raises(ValidationError) as caught:
        _update(world, quote, lines=[line])
    assert "MES 用户许可" in caught.value.message_dict["lines.0.components"][0]


def test_bad_lines_and_terms_get_field_errors_and_change_nothing(world: Any, catalog: Catalog) -> None:
    quote = make_quote(world, catalog)
    catalog.cloud.active = False
    catalog.cloud.save(update_fields=["active"])
    version_before = quote.version
    with pytest.raises(ValidationError) as caught:
        _update(
            world,
            quote,
            lines=[
                {"product_id": catalog.service.pk, "quantity": "0"},
                {"product_id": catalog.service.pk, "quantity": "1", "discount_pct": "101"},
                {"product_id": catalog.cloud.pk, "quantity": "1"},
            ],
            terms=[
                {"label": "预付款", "percent": "30", "trigger": "signing"},
                {"label": "验收", "percent": "60", "trigger": "acceptance"},
            ],
        )
    errors = caught.value.message_dict
    assert set(errors) == {"lines.0.quantity", "lines.1.discount_pct", "lines.2.product_id", "terms"}
    assert "90" in errors["terms"][0]
    quote.refresh_from_db()
    assert quote.version == version_before


def test_a_price_book_in_another_currency_is_refused(world: Any, catalog: Catalog) -> None:
    from ltc.catalog.models import PriceBook

    usd = PriceBook.objects.create(name="USD list", currency="USD", valid_from=catalog.book.valid_from)
    quote = make_quote(world, catalog)
    with pytest.raises(ValidationError) as caught:
        _update(world, quote, price_book=usd)
    assert "USD" in caught.value.message_dict["price_book"][0]


def test_stale_edit_is_refused(world: Any, catalog: Catalog) -> None:
    from ltc.core.concurrency import StaleVersionError

    quote = make_quote(world, catalog)
    with pytest.raises(StaleVersionError):
        services.quote_version_update(
            actor=world.owner, quote=quote, expected_version=quote.version - 1, data={"notes": "x"}
        )


def _priced(world: Any, catalog: Catalog, discount: str) -> Quote:
    return _update(world, make_quote(world, catalog), lines=[catalog.bundle_line()], document_discount_pct=discount)


def test_within_own_authority_submit_approves(world: Any, catalog: Catalog) -> None:
    standard_matrix(world)
    quote = _priced(world, catalog, "5")
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    assert quote.current.status == QuoteStatus.APPROVED
    assert not quote.current.approvals.exists()


def test_approval_escalates_level_by_level(world: Any, catalog: Catalog) -> None:
    standard_matrix(world)
    quote = _priced(world, catalog, "15")
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    version = quote.current
    assert version.status == QuoteStatus.IN_APPROVAL
    step = version.approvals.get()
    assert (step.level, step.approver, step.status) == (1, world.manager, ApprovalStatus.PENDING)
    assert step.task.owner == world.manager
    # Locked while in approval.
    with pytest.raises(ValidationError):
        _update(world, quote, notes="改")
    # Nobody but the pending approver approves.
    with pytest.raises(PermissionDenied):
        services.quote_approve(actor=world.boss, quote=quote)
    services.quote_approve(actor=world.manager, quote=quote, comment="同意，上报")
    steps = list(version.approvals.order_by("level"))
    assert [(s.approver, s.status) for s in steps] == [
        (world.manager, ApprovalStatus.ESCALATED),
        (world.boss, ApprovalStatus.PENDING),
    ]
    assert steps[0].task.done_at is not None
    services.quote_approve(actor=world.boss, quote=quote, comment="批准")
    version.refresh_from_db()
    quote.refresh_from_db()
    assert version.status == quote.status == QuoteStatus.APPROVED


def test_rejection_needs_a_comment_and_keeps_history(world: Any, catalog: Catalog) -> None:
    standard_matrix(world)
    quote = _priced(world, catalog, "8")
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    with pytest.raises(ValidationError):
        services.quote_reject(actor=world.manager, quote=quote, comment=" ")
    services.quote_reject(actor=world.manager, quote=quote, comment="折扣过高")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REJECTED
    revised = services.quote_revise(actor=world.owner, quote=quote, expected_version=quote.version)
    assert revised.number == 2
    assert revised.status == QuoteStatus.DRAFT
    first = quote.versions.get(number=1)
    assert first.status == QuoteStatus.REJECTED
    assert first.approvals.get().comment == "折扣过高"
    assert revised.lines.count() == first.lines.count()
    assert revised.lines.filter(parent__isnull=False).count() == 2


def test_nobody_with_authority_refuses_submit(world: Any, catalog: Catalog) -> None:
    quote = _priced(world, catalog, "15")
    with pytest.raises(ValidationError) as caught:
        services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    assert "authority" in caught.value.message_dict["version"][0]
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


def _sent(world: Any, catalog: Catalog) -> tuple[Quote, str]:
    standard_matrix(world)
    quote = _priced(world, catalog, "0")
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    link = services.quote_send(actor=world.owner, quote=quote, to="buyer@jincheng.cn", base_url="http://testserver/")
    return quote, link.rstrip("/").rsplit("/", 1)[1]


def test_send_mails_a_private_link(world: Any, catalog: Catalog, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        quote, token = _sent(world, catalog)
    assert quote.current.status == QuoteStatus.SENT
    assert len(mail.outbox) == 1
    assert f"/q/{token}/" in mail.outbox[0].body
    assert token not in quote.current.link_digest  # only the digest is kept
    assert services.version_by_link(token) == quote.current


def _ready_for(deal: Any, world: Any) -> None:
    """Do the test pipeline's checklist (a tick, a visit, an SR) and name an FR, as the AR would."""
    sr = UserFactory(username="sr", team=world.east, roles=["sr"])
    fr = UserFactory(username="fr", team=world.east, roles=["fr"])
    Opportunity.objects.filter(pk=deal.pk).update(sr=sr, fr=fr)
    deal.refresh_from_db()
    requirement = deal.pipeline.stages.get(name="确认").requirements.get()
    deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=requirement, done=True)
    deal_services.opportunity_activity_log(actor=world.owner, opportunity=deal, kind="visit", title="拜访", done=True)


def test_acceptance_freezes_the_version_and_moves_the_deal(world: Any, catalog: Catalog) -> None:
    quote, token = _sent(world, catalog)
    deal = quote.opportunity
    target = deal.pipeline.stages.get(name="签约")
    deal.pipeline.quote_accepted_stage = target
    deal.pipeline.save(update_fields=["quote_accepted_stage"])
    _ready_for(deal, world)
    version = services.version_by_link(token)
    services.quote_answer(version=version, accept=True, name="李采购", title="采购经理", address="10.0.0.9")
    version.refresh_from_db()
    assert (version.status, version.answer_name, version.answer_address) == (QuoteStatus.ACCEPTED, "李采购", "10.0.0.9")
    deal.refresh_from_db()
    assert deal.stage == target
    assert deal.amount == version.grand_total
    with pytest.raises(ValidationError):
        services.quote_answer(version=version, accept=False, name="李采购")
    with pytest.raises(ValidationError):
        services.quote_revise(
            actor=world.owner, quote=Quote.objects.get(pk=quote.pk), expected_version=quote.version + 5
        )


def test_acceptance_does_not_move_the_deal_past_its_gates(world: Any, catalog: Catalog) -> None:
    quote, token = _sent(world, catalog)
    deal = quote.opportunity
    deal.pipeline.quote_accepted_stage = deal.pipeline.stages.get(name="签约")
    deal.pipeline.save(update_fields=["quote_accepted_stage"])
    version = services.version_by_link(token)
    services.quote_answer(version=version, accept=True, name="李采购", address="10.0.0.9")
    version.refresh_from_db()
    assert version.status == QuoteStatus.ACCEPTED  # the acceptance is recorded all the same
    deal.refresh_from_db()
    assert (deal.stage.name, deal.amount) == ("确认", version.grand_total)
    task = Activity.objects.get(object_id=deal.pk, content_type__model="opportunity", kind="task")
    assert task.owner == world.owner
    assert task.title.startswith(f"To move “{deal.name}” to 签约: 确认: 需求已确认; 方案: 现场拜访")


def test_a_quote_is_sent_only_from_the_pipelines_quote_stage(world: Any, catalog: Catalog) -> None:
    standard_matrix(world)
    quote = _priced(world, catalog, "0")
    services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    pipeline = quote.opportunity.pipeline
    pipeline.quote_from_stage = pipeline.stages.get(name="方案")
    pipeline.save(update_fields=["quote_from_stage"])
    quote = Quote.objects.get(pk=quote.pk)
    with pytest.raises(ValidationError) as refused:
        services.quote_send(actor=world.owner, quote=quote, to="buyer@jincheng.cn", base_url="http://testserver/")
    assert refused.value.message_dict == {"stage": ["The deal is in 确认: quotes are sent from 方案 on."]}
    quote.refresh_from_db()
    assert (quote.current.status, quote.current.sent_to, len(mail.outbox)) == (QuoteStatus.APPROVED, "", 0)
    Opportunity.objects.filter(pk=quote.opportunity_id).update(stage=pipeline.stages.get(name="方案"))
    quote = Quote.objects.get(pk=quote.pk)
    services.quote_send(actor=world.owner, quote=quote, to="buyer@jincheng.cn", base_url="http://testserver/")
    assert quote.current.status == QuoteStatus.SENT


def test_an_expired_quote_cannot_be_accepted(world: Any, catalog: Catalog) -> None:
    from datetime import timedelta

    from django.utils import timezone

    quote, token = _sent(world, catalog)
    quote.current.__class__.objects.filter(pk=quote.current.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    version = services.version_by_link(token)
    with pytest.raises(ValidationError) as caught:
        services.quote_answer(version=version, accept=True, name="李采购")
    assert "expired" in caught.value.message_dict["version"][0]
    version.refresh_from_db()
    assert version.status == QuoteStatus.SENT


def test_revising_a_sent_quote_supersedes_its_link(world: Any, catalog: Catalog) -> None:
    quote, token = _sent(world, catalog)
    quote.refresh_from_db()
    services.quote_revise(actor=world.owner, quote=quote, expected_version=quote.version)
    assert services.version_by_link(token) is None
    assert quote.versions.get(number=1).status == QuoteStatus.SUPERSEDED


def test_only_the_deal_team_writes_quotes(world: Any, catalog: Catalog) -> None:
    quote = make_quote(world, catalog)
    with pytest.raises(PermissionDenied):
        _update(world, quote, actor=world.other, notes="x")
    with pytest.raises(PermissionDenied):
        _update(world, quote, actor=world.teammate, notes="x")
    assert QuoteLine.objects.filter(version=quote.current).count() == 0
