"""A contract from an accepted quote, with the people and authority a contract needs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services
from ltc.contracts.models import Contract
from ltc.opportunities import services as deal_services
from ltc.opportunities.models import Opportunity, StageRequirement
from ltc.org.models import Authority, Role, User
from ltc.org.tests.factories import UserFactory
from ltc.quotes import services as quote_services
from ltc.quotes.models import Quote
from ltc.quotes.tests.factories import make_quote, quote_authority

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class Team:
    """The contract's people beside the world's sales users: an SR, an FR and a lawyer."""

    sr: User
    fr: User
    legal: User


def contract_team(world: Any) -> Team:
    sr = UserFactory(username="sr", team=world.owner.team, roles=["sr"])
    fr = UserFactory(username="fr", team=world.owner.team, roles=["fr"])
    legal = UserFactory(username="legal", roles=["legal"])
    # Contract review: the east manager up to 2M, executives any; changes: the manager up to 200k.
    Authority.objects.create(subject="review_atc", user=world.manager, max_amount=Decimal("2000000"))
    Authority.objects.create(subject="review_atc", role=Role.objects.get(code="executive"), max_amount=None)
    Authority.objects.create(subject="contract_change", user=world.manager, max_amount=Decimal("200000"))
    Authority.objects.create(subject="contract_change", role=Role.objects.get(code="executive"), max_amount=None)
    return Team(sr=sr, fr=fr, legal=legal)


def deal_ready_to_win(world: Any, deal: Opportunity) -> None:
    """Do the test pipeline's checklist (the tick and the visit; SR and FR are named), so the
    signature may win the deal."""
    for requirement in StageRequirement.objects.filter(stage__pipeline=deal.pipeline_id, kind="check"):
        deal_services.opportunity_check(actor=world.owner, opportunity=deal, requirement=requirement, done=True)
    deal_services.opportunity_activity_log(actor=world.owner, opportunity=deal, kind="visit", title="拜访", done=True)


def accepted_quote(world: Any, team: Team, catalog: Catalog | None = None) -> Quote:
    catalog = catalog or Catalog()
    quote_authority("ar", discount="5")
    quote = make_quote(world, catalog, sr=team.sr, fr=team.fr)
    deal_ready_to_win(world, quote.opportunity)
    quote_services.quote_version_update(
        actor=world.owner,
        quote=quote,
        expected_version=quote.version,
        data={
            "lines": [
                catalog.bundle_line(licences="20"),
                {"product_id": catalog.service.pk, "quantity": "10"},
            ],
            "delivery_terms": "交货期 8 周",
        },
    )
    quote.refresh_from_db()
    quote_services.quote_submit(actor=world.owner, quote=quote, expected_version=quote.version)
    quote.refresh_from_db()
    quote_services.quote_send(actor=world.owner, quote=quote, to="buyer@jincheng.cn", base_url="http://testserver/")
    quote.refresh_from_db()
    quote_services.quote_record_answer(actor=world.owner, quote=quote, accept=True, name="李采购")
    quote.refresh_from_db()
    return quote


def make_contract(world: Any, team: Team, catalog: Catalog | None = None) -> Contract:
    return services.contract_create(actor=world.owner, quote=accepted_quote(world, team, catalog))


def fresh(contract: Contract) -> Contract:
    return Contract.objects.select_related("owner__team", "fr__team", "current", "opportunity").get(pk=contract.pk)


def signed_contract(world: Any, team: Team, catalog: Catalog | None = None) -> Contract:
    """Reviewed (every item acceptable), approved by the manager, signed."""
    contract = make_contract(world, team, catalog)
    services.contract_submit_review(actor=world.owner, contract=contract, expected_version=contract.version)
    contract = fresh(contract)
    checkers = {"finance": world.finance, "legal": team.legal, "delivery": team.fr}
    review = contract.reviews.get()
    for check in review.checks.all():
        services.review_check(actor=checkers[check.area], contract=contract, item=check.item, result="ok")
    services.review_decide(actor=world.manager, contract=contract, decision="approve")
    contract = fresh(contract)
    services.contract_sign(
        actor=world.owner,
        contract=contract,
        expected_version=contract.version,
        signed_on=timezone.localdate(),
        customer_signatory="王总",
        our_signatory="张经理",
        signed_copy=pdf(),
    )
    return fresh(contract)


def accepted_contract(world: Any, team: Team, catalog: Catalog | None = None) -> Contract:
    contract = signed_contract(world, team, catalog)
    services.contract_accept(
        actor=team.fr,
        contract=contract,
        expected_version=contract.version,
        data={
            "scope_confirmed": True,
            "deliverables_confirmed": True,
            "meeting_on": timezone.localdate(),
            "ar_present": True,
            "sr_present": True,
            "minutes": "范围、交付物和计划已确认。",
            "open_questions": "机房位置待确认\n接口清单待客户提供",
        },
    )
    return fresh(contract)


def team_of(world: Any) -> Team:
    """The world's contract team, made once."""
    if not hasattr(world, "contract_team"):
        world.contract_team = contract_team(world)
    return world.contract_team  # type: ignore[no-any-return]


def in_review(world: Any, team: Team, catalog: Catalog | None = None, *, checked: bool = False) -> Contract:
    contract = make_contract(world, team, catalog)
    services.contract_submit_review(actor=world.owner, contract=contract, expected_version=contract.version)
    contract = fresh(contract)
    if checked:
        checkers = {"finance": world.finance, "legal": team.legal, "delivery": team.fr}
        for check in contract.reviews.get().checks.all():
            services.review_check(actor=checkers[check.area], contract=contract, item=check.item, result="ok")
    return contract


def approved_contract(world: Any, team: Team, catalog: Catalog | None = None) -> Contract:
    contract = in_review(world, team, catalog, checked=True)
    services.review_decide(actor=world.manager, contract=contract, decision="approve")
    return fresh(contract)


def executing_contract(world: Any, team: Team, catalog: Catalog | None = None) -> Contract:
    """Accepted, with one order holding everything."""
    contract = accepted_contract(world, team, catalog)
    services.order_generate(actor=team.fr, contract=contract)
    return fresh(contract)


def delivered_contract(world: Any, team: Team, catalog: Catalog | None = None) -> Contract:
    """Everything delivered and every milestone accepted: ready to complete."""
    contract = executing_contract(world, team, catalog)
    order = contract.orders.get()
    services.delivery_record(
        actor=team.fr,
        order=order,
        kind="goods",
        delivered_on=timezone.localdate(),
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )
    for milestone in contract.milestones.all():
        services.milestone_deliver(actor=team.fr, milestone=milestone, delivered_on=timezone.localdate())
        milestone.refresh_from_db()
        services.milestone_accept(
            actor=team.fr,
            milestone=milestone,
            accepted_on=timezone.localdate(),
            accepted_by_name="李工",
            document=pdf(),
        )
    return fresh(contract)


def completed_contract(world: Any, team: Team, catalog: Catalog | None = None) -> Contract:
    contract = delivered_contract(world, team, catalog)
    services.contract_complete(actor=team.fr, contract=contract, expected_version=contract.version)
    return fresh(contract)
