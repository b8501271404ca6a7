"""The shared permission suite: every API operation and every page, against every kind of user.

Each later endpoint or page joins CASES; `test_every_endpoint_and_page_is_covered` fails until it does.
Actors (see ltc.conftest.World): the owner; a teammate in the owner's team (not on the record);
the owner's manager and the manager above; a rep of another team; executive, finance, admin; anonymous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from ltc.api.root import api
from ltc.billing import services as billing_services
from ltc.billing.models import Invoice, StatementLine
from ltc.billing.tests.factories import issue_drafts, settle
from ltc.catalog.models import ContractPrice, PriceBook, PriceTier, Product
from ltc.catalog.tests.factories import Catalog
from ltc.contracts import services as contract_services
from ltc.contracts.models import ChangeRequest, Contract, Delivery, Milestone, Order
from ltc.contracts.tests import factories as contract_factories
from ltc.core.activities import activity_create
from ltc.core.models import SavedView as CoreSavedView
from ltc.customers.models import Account, Contact
from ltc.customers.tests.factories import AccountFactory, ContactFactory
from ltc.leads import services as lead_services
from ltc.leads.models import Lead, LeadImport, LeadImportTemplate, SavedView
from ltc.leads.tests.factories import LeadFactory
from ltc.opportunities import services
from ltc.opportunities.models import (
    Bid,
    DecisionReview,
    Opportunity,
    Pipeline,
    RequirementCheck,
    ReviewCriterion,
    StageTemplate,
    StageTemplateVersion,
    Stakeholder,
)
from ltc.opportunities.tests.factories import grant, make_opportunity, make_pipeline, require_review
from ltc.org.models import Delegation
from ltc.org.services import token_create
from ltc.org.tests.factories import UserFactory
from ltc.quotes import services as quote_services
from ltc.quotes.models import BidQuote, Quote
from ltc.quotes.tests.factories import quote_authority

ACTORS = [
    "owner",
    "teammate",
    "manager",
    "boss",
    "other",
    "executive",
    "finance",
    "admin",
    "marketing",
    "service",
    "anonymous",
]
SIGNED_IN = set(ACTORS) - {"anonymous"}
SEES_RECORD = {"owner", "manager", "boss", "executive", "admin"}
# Finance reads the customers it bills (customers.access), not the prospect world.account is.
SEES_CUSTOMER = SEES_RECORD
CHANGES_RECORD = {"owner", "manager", "boss", "admin"}
WRITES_CUSTOMERS = {"owner", "teammate", "manager", "boss", "other", "admin", "marketing", "service"}
WRITES_LEADS = WRITES_CUSTOMERS
SEES_LEAD = {"owner", "manager", "boss", "executive", "admin", "marketing"}
CHANGES_LEAD = {"owner", "manager", "boss", "admin", "marketing"}
ROUTES_LEADS = {"manager", "boss", "admin", "marketing"}
SEES_IMPORT = {"owner", "admin", "marketing"}
RUNS_IMPORT = {"owner", "admin"}
MANAGES_FORMS = {"manager", "boss", "admin", "marketing"}


def record_rule(
    ok: int, *, who: set[str] = SEES_RECORD, sees: set[str] = SEES_RECORD, api: bool = True
) -> Callable[[str], int]:
    """ok for `who`; an actor who `sees` the record but may not act 403; anyone else 404; anonymous 401/302."""

    def expect(actor: str) -> int:
        if actor == "anonymous":
            return 401 if api else 302
        if actor in who:
            return ok
        return 403 if actor in sees else 404

    return expect


def signed_in(ok: int, *, api: bool = True, who: set[str] = SIGNED_IN) -> Callable[[str], int]:
    def expect(actor: str) -> int:
        if actor == "anonymous":
            return 401 if api else 302
        return ok if actor in who else 403

    return expect


Body = dict[str, Any] | Callable[[Any, str], dict[str, Any]] | None
Headers = dict[str, str] | Callable[[Any, str], dict[str, str]]


@dataclass
class Case:
    """One operation or page, declared whole: what to call, with what, and who gets which answer.

    `body` and `headers` are given as they are, or as builders called with the world and the path once
    the path's records exist (ids made then, the record's current version for If-Match). `files` makes
    the request a multipart upload (the body joins it as form fields). An actor whose expected answer
    is 404 gets `refused_as` instead: a record one may not even name in a body is a field error.
    """

    key: str  # "METHOD /api/v1/path/{param}" for the API, "METHOD url-name" for pages
    path: Callable[[Any], str]
    expect: Callable[[str], int]
    body: Body = None
    headers: Headers = field(default_factory=dict)
    files: Callable[[], dict[str, SimpleUploadedFile]] | None = None
    refused_as: int = 404


def path_id(path: str) -> str:
    """The id of the record a path names: /api/v1/<records>/<id>/... or /<app>/<id>/..."""
    return path.split("/")[4 if path.startswith("/api/") else 2]


def current_version(model: Any) -> Callable[[Any, str], dict[str, str]]:
    """If-Match with the version the path's record has when the request is sent."""
    return lambda w, path: {"If-Match": f'"{model.objects.get(pk=path_id(path)).version}"'}


def pdf_upload() -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("报价单.pdf", b"%PDF-1.4")}


def csv_upload(content: bytes) -> Callable[[], dict[str, SimpleUploadedFile]]:
    return lambda: {"file": SimpleUploadedFile("upload.csv", content)}


def account(w: Any) -> int:
    return w.account.pk


def contact(w: Any) -> int:
    return ContactFactory(account=w.account).pk


def duplicate_account(w: Any) -> int:
    return AccountFactory(owner=w.owner, name="锦程智能制造股份有限公司").pk


MERGES_CUSTOMERS = {"manager", "boss", "admin"}


def owners_token(w: Any) -> int:
    token, _raw = token_create(actor=w.owner, user=w.owner, name="owner's")
    return token.pk


def owners_notification(w: Any) -> int:
    """The owner told of a deal (each user sees only their own notifications)."""
    from ltc.core.models import NotificationKind
    from ltc.core.notifications import notify

    return notify([w.owner], NotificationKind.MENTION, subject=_deal(w), actor=w.manager)[0].pk


NAMED_IN_DELEGATION = {"owner", "teammate", "admin"}


def owners_delegation(w: Any) -> int:
    """The owner away for a week, the teammate deciding for them."""
    today = timezone.localdate()
    return Delegation.objects.create(
        principal=w.owner, delegate=w.teammate, starts_on=today, ends_on=today + timedelta(days=7), created_by=w.owner
    ).pk


def delegation_body(w: Any, path: str) -> dict[str, Any]:
    today = timezone.localdate()
    return {"delegate_id": UserFactory().pk, "starts_on": str(today), "ends_on": str(today + timedelta(days=3))}


def lead(w: Any) -> int:
    return w.lead.pk


def other_lead(w: Any) -> int:
    return LeadFactory(owner=w.owner).pk


def planned_activity(w: Any) -> str:
    activity = lead_services.lead_activity_log(
        actor=w.owner, lead=w.lead, kind="visit", title="拜访", done=False, due_at=timezone.now() + timedelta(days=1)
    )
    return f"{w.lead.pk}/activities/{activity.pk}"


def uploaded_import(w: Any) -> int:
    data = "公司名称,邮箱\n甲公司,a@x.cn\n,\n".encode("gbk")
    return lead_services.lead_import_upload(actor=w.owner, name="l.csv", data=data).pk


def finished_import(w: Any) -> int:
    batch_id = uploaded_import(w)
    batch = LeadImport.objects.get(pk=batch_id)
    lead_services.lead_import_start(
        actor=w.owner, batch=batch, mapping={"公司名称": "company_name", "邮箱": "email"}, duplicate_policy="skip"
    )
    lead_services.lead_import_run(batch_id)
    return batch_id


def owners_import_template(w: Any) -> int:
    return LeadImportTemplate.objects.create(name="展会名单", owner=w.owner, mapping={"公司名称": "company_name"}).pk


def owners_view(w: Any) -> int:
    return SavedView.objects.create(user=w.owner, name="mine", query="status=new").pk


def owners_list_view(w: Any) -> int:
    return CoreSavedView.objects.create(user=w.owner, list_key="deals", name="mine", query="status=open").pk


# --- deals -----------------------------------------------------------------------------------
WRITES_DEALS = {"owner", "teammate", "manager", "boss", "other", "admin"}


def _deal(w: Any, **fields: Any) -> Opportunity:
    pipeline = Pipeline.objects.filter(name="项目销售").first() or make_pipeline()
    return make_opportunity(w, pipeline, **fields)


def deal(w: Any) -> int:
    return _deal(w).pk


def pipeline_id(w: Any) -> int:
    return (Pipeline.objects.filter(name="项目销售").first() or make_pipeline()).pk


def config_stage_id(w: Any) -> int:
    """The first stage of the pipeline (no deal in it): what the process centre configures."""
    return Pipeline.objects.get(pk=pipeline_id(w)).stages.get(name="确认").pk


def config_requirement_id(w: Any) -> int:
    return Pipeline.objects.get(pk=pipeline_id(w)).stages.get(name="确认").requirements.get().pk


def reversed_open_stages(w: Any, path: str) -> dict[str, Any]:
    return {"stage_ids": [s.pk for s in reversed(Pipeline.objects.get(pk=path_id(path)).open_stages())]}


def ready_deal(w: Any) -> int:
    """A deal whose first stage's checklist is done: it may move on."""
    opportunity = _deal(w)
    requirement = opportunity.stage.requirements.get()
    RequirementCheck.objects.create(
        opportunity=opportunity, requirement=requirement, done_by=w.owner, done_at=timezone.now()
    )
    return opportunity.pk


def signing_deal(w: Any) -> int:
    fr = UserFactory(username="fr-user", team=w.east, roles=["fr"])
    pipeline = Pipeline.objects.filter(name="项目销售").first() or make_pipeline()
    return _deal(w, stage=pipeline.stages.get(name="签约"), fr=fr).pk


def lost_deal(w: Any) -> int:
    pipeline = Pipeline.objects.filter(name="项目销售").first() or make_pipeline()
    first = pipeline.stages.get(name="确认")
    return _deal(w, stage=pipeline.stages.get(name="输单"), status="lost", stage_before_close=first).pk


def deal_requirement(w: Any) -> str:
    opportunity = _deal(w)
    return f"{opportunity.pk}/checklist/{opportunity.stage.requirements.get().pk}"


def stage_named(path: str, name: str) -> int:
    """A stage of the pipeline of the deal the path names."""
    return Opportunity.objects.get(pk=path_id(path)).pipeline.stages.get(name=name).pk


def stage_requirement(path: str) -> int:
    """The checklist item of the current stage of the deal the path names."""
    return Opportunity.objects.get(pk=path_id(path)).stage.requirements.get().pk


def deal_activity(w: Any) -> str:
    opportunity = _deal(w)
    activity = activity_create(actor=w.owner, subject=opportunity, kind="call", title="电话", due_at=timezone.now())
    return f"{opportunity.pk}/activities/{activity.pk}"


def qualified_lead(w: Any) -> int:
    lead_services.lead_qualify(actor=w.admin, lead=w.lead, override_reason="测试")
    return w.lead.pk


def creates_deal(ok: int, *, api: bool = True) -> Callable[[str], int]:
    """Writers who can see the account (or lead) in the body: ok; writers who cannot: a field
    error (API) or 404 (page); everyone else 403."""

    def expect(actor: str) -> int:
        if actor == "anonymous":
            return 401 if api else 302
        if actor in CHANGES_RECORD:
            return ok
        if actor in WRITES_DEALS:
            return 422 if api else 404
        return 403

    return expect


def _review_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(name="项目销售").first() or make_pipeline()
    if not pipeline.stages.filter(requirements__kind="review").exists():
        require_review(pipeline, "确认", "ATI")
        grant("review_ati", role="sales_manager", up_to="5000000")
        grant("review_ati", role="executive")
    return pipeline


def review_deal(w: Any) -> int:
    return make_opportunity(w, _review_pipeline()).pk


def assessed_review(w: Any) -> int:
    """An open ATI review on the owner's deal, assessed by its AR (the deal has no SR or FR)."""
    opportunity = Opportunity.objects.get(pk=review_deal(w))
    review = services.review_open(actor=w.owner, opportunity=opportunity, review_type="ATI")
    services.review_assess(actor=w.owner, review=review, role="ar", scores={"relationship": 4, "decision_chain": 4})
    return review.pk


def opens_review(ok: int) -> Callable[[str], int]:
    """The AR side opens reviews; the executive sees the deal but may not (403); anyone who
    cannot see the deal names an unknown one in the body (422)."""

    def expect(actor: str) -> int:
        if actor == "anonymous":
            return 401
        if actor in CHANGES_RECORD:
            return ok
        return 403 if actor in SEES_RECORD else 422

    return expect


DECIDES = {"manager", "boss", "executive"}  # sales managers up to 5M, executives without limit


def decides_on_page(actor: str) -> int:
    """The review page's decide form: who sees the deal but holds no authority for the decision
    gets the page back saying so and naming who decides (422); anyone else 404."""
    if actor == "anonymous":
        return 302
    if actor in DECIDES:
        return 302
    return 422 if actor in SEES_RECORD else 404


def chain_entry(w: Any) -> str:
    opportunity = _deal(w)
    stakeholder = Stakeholder.objects.create(
        opportunity=opportunity, contact=ContactFactory(account=w.account), role="decision_maker"
    )
    return f"{opportunity.pk}/decision-chain/{stakeholder.pk}"


def _a_bid(w: Any) -> Bid:
    deadline = timezone.now() + timedelta(days=10)
    return services.bid_create(
        actor=w.owner,
        opportunity=_deal(w),
        data={"tender_number": "ZB-1", "issuer": "采购中心", "submission_deadline": deadline},
    )


def bid_id(w: Any) -> int:
    return _a_bid(w).pk


def bid_section(w: Any) -> str:
    bid = _a_bid(w)
    section = services.bid_section_set(
        actor=w.owner, bid=bid, kind="technical", owner=w.owner, due_at=timezone.now() + timedelta(days=2)
    )
    return f"{bid.pk}/sections/{section.pk}"


def bid_document(w: Any) -> str:
    bid = _a_bid(w)
    return f"{bid.pk}/documents/{services.bid_document_add(actor=w.owner, bid=bid, title='投标函').pk}"


def bid_version(w: Any) -> tuple[int, int, int]:
    bid = _a_bid(w)
    document = services.bid_document_add(actor=w.owner, bid=bid, title="投标函")
    version = services.bid_document_upload(
        actor=w.owner, document=document, upload=SimpleUploadedFile("投标函.pdf", b"%PDF-1.4")
    )
    return bid.pk, document.pk, version.pk


def deal_document(w: Any) -> str:
    opportunity = _deal(w)
    document = services.opportunity_document_add(
        actor=w.owner, opportunity=opportunity, upload=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4")
    )
    return f"{opportunity.pk}/documents/{document.pk}"


def review_criterion(w: Any) -> int:
    """A criterion no assessment scored (the migration seeds it): removing it deletes it."""
    return ReviewCriterion.objects.get(review_type="ATI", role="ar", code="relationship").pk


def custom_field(w: Any) -> int:
    """A lead's custom text field (ltc.core.customfields), defined directly."""
    from ltc.core.models import CustomField

    field, _created = CustomField.objects.get_or_create(
        record_type="lead", code="region_code", defaults={"field_type": "text", "label_en": "Region code"}
    )
    return field.pk


def stage_template(w: Any) -> int:
    pipeline = Pipeline.objects.filter(name="项目销售").first() or make_pipeline()
    template = StageTemplate.objects.create(stage=pipeline.stages.first(), title="模板")
    StageTemplateVersion(template=template, number=1).file.save("模板.docx", ContentFile(b"template"))
    return template.pk


# --- quotes and the catalog ------------------------------------------------------------------
WRITES_QUOTE = CHANGES_RECORD
APPROVER = {"manager"}


def _catalog(w: Any) -> Catalog:
    if not hasattr(w, "catalog"):
        w.catalog = Catalog()
        for role in ("ar", "sales_manager", "admin"):
            quote_authority(role, discount="5")
        quote_authority("executive", discount=None)
    return w.catalog


def _quote(w: Any, *, discount: str = "0") -> Quote:
    catalog = _catalog(w)
    quote, _unmatched = quote_services.quote_create(actor=w.owner, opportunity=_deal(w), price_book=catalog.book)
    quote_services.quote_version_update(
        actor=w.owner,
        quote=quote,
        expected_version=quote.version,
        data={"lines": [catalog.bundle_line()], "document_discount_pct": discount},
    )
    return quote


def draft_quote(w: Any) -> int:
    return _quote(w).pk


def approved_quote(w: Any) -> int:
    quote = _quote(w)
    quote_services.quote_submit(actor=w.owner, quote=quote, expected_version=quote.version)
    return quote.pk


def pending_quote(w: Any) -> int:
    quote = _quote(w, discount="8")  # above the AR's 5%; the manager (10%) approves
    quote_authority(user=w.manager, discount="10")
    quote_services.quote_submit(actor=w.owner, quote=quote, expected_version=quote.version)
    return quote.pk


def sent_quote(w: Any) -> int:
    quote = Quote.objects.get(pk=approved_quote(w))
    quote_services.quote_send(actor=w.owner, quote=quote, to="buyer@jincheng.cn", base_url="http://testserver/")
    return quote.pk


def product_id(w: Any) -> int:
    return _catalog(w).server.pk


def price_book_id(w: Any) -> int:
    return _catalog(w).book.pk


def bundle_id(w: Any) -> int:
    return _catalog(w).bundle.pk


def bundle_rule(w: Any) -> str:
    """bundle id/rules/rule id: the bundle's "on-premise excludes cloud" rule."""
    catalog = _catalog(w)
    return f"{catalog.bundle.pk}/rules/{catalog.bundle.rules.get(product=catalog.onprem).pk}"


def licence_entry(w: Any) -> str:
    """price book id/entries/product id: the licence's entry, which has volume tiers."""
    catalog = _catalog(w)
    return f"{catalog.book.pk}/entries/{catalog.licence.pk}"


def licence_tier(w: Any) -> str:
    catalog = _catalog(w)
    tier = PriceTier.objects.get(entry__price_book=catalog.book, entry__product=catalog.licence, min_quantity=50)
    return f"{licence_entry(w)}/tiers/{tier.pk}"


def licence_tier_form(w: Any, **fields: str) -> dict[str, str]:
    """The price book page's volume-price form of the licence's entry (its fields carry the entry's id)."""
    catalog = _catalog(w)
    entry = catalog.book.entries.get(product=catalog.licence)
    return {f"tier{entry.pk}-{name}": value for name, value in fields.items()}


def catalog_part_form(w: Any, **fields: str) -> dict[str, str]:
    """The product page's edit form of the bundle's server component (its fields carry the part's id)."""
    catalog = _catalog(w)
    part = catalog.bundle.components.get(component=catalog.server)
    return {f"part{part.pk}-{name}": value for name, value in fields.items()}


def catalog_tier_edit_form(w: Any, **fields: str) -> dict[str, str]:
    """The price book page's edit form of the licence's volume price from 50 (its fields carry its id)."""
    tier_id = licence_tier(w).rsplit("/", 1)[1]
    return {f"tieredit{tier_id}-{name}": value for name, value in fields.items()}


def catalog_page_version(model: Any, fields: Callable[[Any], dict[str, Any]] | None = None) -> Body:
    """A catalog page's form with the version of the bundle or price book its path names
    (/catalog/<records>/<id>/...), which changes to their parts are made from."""
    return lambda w, path: {
        "version": str(model.objects.get(pk=path.split("/")[3]).version),
        **(fields(w) if fields else {}),
    }


def contract_price_id(w: Any) -> int:
    catalog = _catalog(w)
    price = ContractPrice.objects.create(
        account=w.account, product=catalog.service, unit_price=Decimal(1200), valid_from=catalog.book.valid_from
    )
    return price.pk


def quote_opening(actor: str) -> int:
    """A deal the actor cannot see is refused as a field error; seeing without writing is 403."""
    if actor == "anonymous":
        return 401
    if actor in WRITES_QUOTE:
        return 201
    return 403 if actor in SEES_RECORD else 422


def quote_page_rule(ok: int) -> Callable[[str], int]:
    return record_rule(ok, who=WRITES_QUOTE, api=False)


def priced_deal(w: Any) -> dict[str, Any]:
    """A deal to quote on, and the catalog its quote is priced from."""
    opportunity = deal(w)
    _catalog(w)
    return {"opportunity_id": opportunity}


def catalog_only(w: Any) -> dict[str, Any]:
    """No fields: the new quote is priced from the catalog, which must exist."""
    _catalog(w)
    return {}


def commercial_section(w: Any, opportunity: Opportunity) -> int:
    """The commercial section of a new bid on the deal: where a quote is offered."""
    bid = services.bid_create(
        actor=w.owner,
        opportunity=opportunity,
        data={"tender_number": "ZB-9", "issuer": "采购中心", "submission_deadline": timezone.now() + timedelta(days=5)},
    )
    section = services.bid_section_set(
        actor=w.owner, bid=bid, kind="commercial", owner=w.owner, due_at=timezone.now() + timedelta(days=2)
    )
    return section.pk


def quote_edit_form(quote: Quote) -> dict[str, str]:
    """The edit form as the page fills it for the quote's current version, one full payment term."""
    version = quote.current
    return {
        "version": str(quote.version),
        "title": quote.title,
        "price_book": str(version.price_book_id),
        "valid_until": version.valid_until.isoformat(),
        "document_discount_pct": "0",
        "term-0-label": "全款",
        "term-0-percent": "100",
        "term-0-trigger": "signing",
        "term-0-days": "0",
    }


# --- contracts -------------------------------------------------------------------------------
SEES_CONTRACT = SEES_RECORD | {"finance"}
DELIVERS = {"manager", "boss", "admin"}  # the contract's FR works in the owner's team
WORKS_CONTRACT = CHANGES_RECORD | DELIVERS
DECIDES_CONTRACT = {"manager", "executive"}
TERMINATES = {"manager", "boss", "admin"}  # a signed contract: a manager above the AR


def _contract_id(w: Any, build: Callable[..., Contract]) -> int:
    return build(w, contract_factories.team_of(w), _catalog(w)).pk


def accepted_quote_id(w: Any) -> int:
    return contract_factories.accepted_quote(w, contract_factories.team_of(w), _catalog(w)).pk


def draft_contract(w: Any) -> int:
    return _contract_id(w, contract_factories.make_contract)


def review_contract(w: Any) -> int:
    return _contract_id(w, contract_factories.in_review)


def checked_contract(w: Any) -> int:
    return _contract_id(w, lambda *a: contract_factories.in_review(*a, checked=True))


def approved_contract(w: Any) -> int:
    return _contract_id(w, contract_factories.approved_contract)


def signed_contract(w: Any) -> int:
    return _contract_id(w, contract_factories.signed_contract)


def accepted_contract(w: Any) -> int:
    return _contract_id(w, contract_factories.accepted_contract)


def delivered_contract(w: Any) -> int:
    return _contract_id(w, contract_factories.delivered_contract)


def completed_contract(w: Any) -> int:
    return _contract_id(w, contract_factories.completed_contract)


def settled_contract(w: Any) -> int:
    """Completed, and everything invoiced and paid (billing's close check)."""
    pk = completed_contract(w)
    settle(Contract.objects.get(pk=pk), w.finance)
    return pk


def contracted_deal(w: Any) -> int:
    """The deal a signed contract was won on: whoever reads the contract reads it (issue #14)."""
    return Contract.objects.get(pk=signed_contract(w)).opportunity_id


def contracted_quote_page(w: Any) -> str:
    contract = Contract.objects.select_related("quote_version").get(pk=signed_contract(w))
    return f"/quotes/{contract.quote_id}/?v={contract.quote_version.number}"


def contract_order(w: Any) -> int:
    contract = Contract.objects.get(pk=_contract_id(w, contract_factories.executing_contract))
    return contract.orders.get().pk


def executing_milestone(w: Any) -> int:
    """A planned milestone of a contract in execution, with no order of its own."""
    contract = Contract.objects.get(pk=_contract_id(w, contract_factories.executing_contract))
    return contract.milestones.order_by("position").first().pk


def delivered_milestone(w: Any) -> int:
    milestone = Milestone.objects.get(pk=executing_milestone(w))
    contract_services.milestone_deliver(
        actor=contract_factories.team_of(w).fr, milestone=milestone, delivered_on=timezone.localdate()
    )
    return milestone.pk


def accepted_milestone(w: Any) -> int:
    contract = Contract.objects.get(pk=delivered_contract(w))
    return contract.milestones.order_by("position").first().pk


def draft_milestone(w: Any) -> int:
    return Contract.objects.get(pk=draft_contract(w)).milestones.order_by("position").first().pk


def contract_risk(w: Any) -> int:
    contract = Contract.objects.get(pk=draft_contract(w))
    return contract_services.risk_add(actor=w.owner, contract=contract, data={"title": "交期风险"}).pk


def implementation_line(contract_id: int | str) -> str:
    """The key of the contract's implementation service line (a change adds a day to it)."""
    return Contract.objects.get(pk=contract_id).current.lines.get(code="SVC-IMP").key


def change_proposal(contract_id: int) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "origin": "customer",
        "title": "加一人天",
        "reason": "客户要求",
        "proposal": {"lines": [{"key": implementation_line(contract_id), "quantity": "11"}]},
    }


def contract_edit_form(contract: Contract) -> dict[str, str]:
    return {
        "version": str(contract.version),
        "title": contract.title,
        "start_date": "2026-12-01",
        "end_date": "2027-11-30",
        "warranty_months": "12",
    }


def goods_delivery(order_id: int) -> dict[str, Any]:
    """One unit of the order's first line, delivered."""
    order = Order.objects.get(pk=order_id)
    line = order.lines.first()
    return {"order_id": order.pk, "kind": "goods", "delivered_on": "2026-01-05", "lines": {str(line.pk): "1"}}


def change_request(w: Any) -> int:
    contract = Contract.objects.get(pk=accepted_contract(w))
    key = implementation_line(contract.pk)
    change = contract_services.change_create(
        actor=w.owner,
        contract=contract,
        origin="customer",
        title="加一人天",
        reason="客户要求",
        proposal={"lines": [{"key": key, "quantity": "11"}]},
    )
    return change.pk


# --- billing ---------------------------------------------------------------------------------

SEES_BILLING = {"owner", "manager", "boss", "executive", "finance", "admin"}
MONEY = {"finance", "admin"}
PROMISES = {"owner", "manager", "boss", "finance", "admin"}
LEADS_CSV = "公司名称\n甲公司\n".encode("gbk")
STATEMENT_CSV = b"date,amount\n2026-01-05,100.00\n"


def billing_rule(
    ok: int, who: set[str] = SEES_BILLING, *, sees: set[str] = SEES_BILLING, api: bool = True
) -> Callable[[str], int]:
    return record_rule(ok, who=who, sees=sees, api=api)


def billed_contract(w: Any) -> int:
    """Signed: its schedule is planned and the advance is a draft invoice."""
    return _contract_id(w, contract_factories.signed_contract)


def draft_invoice(w: Any) -> int:
    return Invoice.objects.get(contract_id=billed_contract(w), status="draft").pk


def issued_invoice(w: Any) -> int:
    (invoice,) = issue_drafts(Contract.objects.get(pk=billed_contract(w)), w.finance)
    return invoice.pk


def due_line(w: Any) -> int:
    invoice = Invoice.objects.get(pk=issued_invoice(w))
    billing_services.invoice_cancel(actor=w.finance, invoice=invoice, reason="抬头错误")
    return invoice.billing_line_id  # type: ignore[return-value]


def receipt(w: Any) -> int:
    issued_invoice(w)
    return billing_services.payment_record(
        actor=w.finance, data={"account_id": w.account.pk, "amount": "500.00", "received_on": timezone.localdate()}
    ).pk


def statement(w: Any) -> int:
    content = f"date,amount,payer,reference\n{timezone.localdate()},100.00,{w.account.name},货款\n".encode()
    return billing_services.statement_import(actor=w.finance, filename="bank.csv", content=content).pk


def statement_line(w: Any) -> int:
    return StatementLine.objects.get(statement_id=statement(w)).pk


def open_invoice() -> int:
    invoice = Invoice.objects.filter(status="issued", open_amount__gt=0).first()
    assert invoice is not None
    return invoice.pk


def contract_rule(ok: int, who: set[str], *, api: bool = True) -> Callable[[str], int]:
    return record_rule(ok, who=who, sees=SEES_CONTRACT, api=api)


def named_in_body(ok: int, who: set[str]) -> Callable[[str], int]:
    """A record named in the body: unseen is a field error (422), seen without the right 403."""

    def expect(actor: str) -> int:
        if actor == "anonymous":
            return 401
        if actor in who:
            return ok
        return 403 if actor in SEES_CONTRACT else 422

    return expect


def contract_opening(actor: str) -> int:
    if actor == "anonymous":
        return 401
    if actor in CHANGES_RECORD:
        return 201
    return 403 if actor in SEES_RECORD else 422


IF_MATCH = {"If-Match": '"1"'}


def process_node(w: Any) -> int:
    """A node of the shipped process map (the step figures' drill-down)."""
    from ltc.process.models import ProcessNode

    return ProcessNode.objects.order_by("pk").values_list("pk", flat=True)[0]


def evaluated_contract(w: Any) -> int:
    """A signed contract with its evaluation (the steps it names: process:evaluation_step_rate)."""
    from ltc.contracts.services.evaluation import evaluate

    pk = signed_contract(w)
    evaluate(Contract.objects.get(pk=pk), satisfaction=4, lessons="", actor=w.owner)
    return pk


# --- process centre: routing, scoring, authority (p17 C) ---------------------------------------
ADMIN_ONLY = {"admin"}
MANAGES_SCORING = {"admin", "marketing"}


def routing_rule(w: Any) -> int:
    from ltc.leads.models import AssignmentRule

    rule = AssignmentRule.objects.create(name="华东", region="east", assign_user=w.manager)
    return rule.pk


def scoring_rule(w: Any) -> int:
    from ltc.leads.models import ScoringRule

    return ScoringRule.objects.create(name="有邮箱", criterion="has_email", points=10).pk


def authority_line(w: Any) -> int:
    return grant("review_atb", role="sales_manager", up_to="5000000").pk


def active_rule_ids(w: Any, path: str) -> dict[str, Any]:
    from ltc.leads.models import AssignmentRule

    routing_rule(w)
    return {"rule_ids": list(AssignmentRule.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))}


def version_of(model_path: str) -> Callable[[Any, str], dict[str, str]]:
    """If-Match with the current version of the record whose id is the path's last number."""

    def headers(w: Any, path: str) -> dict[str, str]:
        from django.apps import apps

        pk = [part for part in path.split("/") if part.isdigit()][-1]
        return {"If-Match": f'"{apps.get_model(model_path).objects.get(pk=pk).version}"'}

    return headers


def qualification_policy_version() -> int:
    from ltc.leads.models import QualificationPolicy

    return QualificationPolicy.current().version


def posted_version(model_path: str, **extra: Any) -> Callable[[Any, str], dict[str, Any]]:
    def body(w: Any, path: str) -> dict[str, Any]:
        return {"version": version_of(model_path)(w, path)["If-Match"].strip('"'), **extra}

    return body


def routing_form(w: Any, path: str) -> dict[str, Any]:
    return {
        "name": "华北",
        "order": "20",
        "region": "north",
        "strategy": "user",
        "assign_user": str(w.manager.pk),
        "first_contact_hours": "24",
        "active": "on",
        **(
            {"version": version_of("leads.AssignmentRule")(w, path)["If-Match"].strip('"')}
            if path[-2].isdigit()
            else {}
        ),
    }


def scoring_form(w: Any, path: str) -> dict[str, Any]:
    body = {"name": "制造业", "order": "100", "kind": "fit", "criterion": "industry_is", "value": "manufacturing"}
    body.update({"points": "20", "active": "on"})
    if path[-2].isdigit():
        body["version"] = version_of("leads.ScoringRule")(w, path)["If-Match"].strip('"')
    return body


def authority_form(w: Any, path: str) -> dict[str, Any]:
    from ltc.org.models import Role

    body = {"subject": "review_ati", "role": str(Role.objects.get(code="sales_manager").pk), "currency": "CNY"}
    body.update({"max_amount": "3000000", "action": "save"})
    if path[-2].isdigit():
        body["version"] = version_of("org.Authority")(w, path)["If-Match"].strip('"')
    return body


# --- process-centre settings: payment-term templates, numbering formats, the company profile ---
TEMPLATE_LINES = [
    {"label": "签约", "percent": "30", "trigger": "signing"},
    {"label": "验收", "percent": "70", "trigger": "acceptance"},
]
TEMPLATE_FORM = {
    "line-0-label": "签约",
    "line-0-percent": "30",
    "line-0-trigger": "signing",
    "line-1-label": "验收",
    "line-1-percent": "70",
    "line-1-trigger": "acceptance",
}


def term_template(w: Any) -> int:
    from ltc.quotes.models import PaymentTermTemplate
    from ltc.quotes.services import terms

    found = PaymentTermTemplate.objects.filter(name="30/70").first()
    return (found or terms.term_template_create(actor=w.admin, data={"name": "30/70", "lines": TEMPLATE_LINES})).pk


def png_upload() -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n0000")}


def term_template_body(w: Any, path: str) -> dict[str, Any]:
    return {"template_id": term_template(w)}


CASES = [
    # API
    Case("GET /api/v1/me", lambda w: "/api/v1/me", signed_in(200)),
    Case("GET /api/v1/me/tokens", lambda w: "/api/v1/me/tokens", signed_in(200)),
    Case("GET /api/v1/users", lambda w: "/api/v1/users", signed_in(200)),  # the directory behind pickers
    Case("POST /api/v1/me/tokens", lambda w: "/api/v1/me/tokens", signed_in(201), {"name": "x"}),
    Case(
        "POST /api/v1/me/tokens/{token_id}/revoke",
        lambda w: f"/api/v1/me/tokens/{owners_token(w)}/revoke",
        record_rule(200, who={"owner"}, sees={"owner"}),
        {},
    ),
    Case("GET /api/v1/accounts", lambda w: "/api/v1/accounts", signed_in(200)),
    Case(
        "POST /api/v1/accounts", lambda w: "/api/v1/accounts", signed_in(201, who=WRITES_CUSTOMERS), {"name": "新客户"}
    ),
    Case(
        "GET /api/v1/accounts/{account_id}",
        lambda w: f"/api/v1/accounts/{account(w)}",
        record_rule(200, who=SEES_CUSTOMER),
    ),
    Case(
        "PATCH /api/v1/accounts/{account_id}",
        lambda w: f"/api/v1/accounts/{account(w)}",
        record_rule(200, who=CHANGES_RECORD, sees=SEES_CUSTOMER),
        {"status": "customer"},
        IF_MATCH,
    ),
    Case(
        "DELETE /api/v1/accounts/{account_id}",
        lambda w: f"/api/v1/accounts/{account(w)}",
        record_rule(204, who=CHANGES_RECORD, sees=SEES_CUSTOMER),
        None,
        IF_MATCH,
    ),
    Case(
        "GET /api/v1/accounts/{account_id}/summary",
        lambda w: f"/api/v1/accounts/{account(w)}/summary",
        record_rule(200, who=SEES_CUSTOMER),
    ),
    Case(
        "GET /api/v1/accounts/{account_id}/duplicates",
        lambda w: f"/api/v1/accounts/{account(w)}/duplicates",
        record_rule(200, who=SEES_CUSTOMER),
    ),
    Case(
        "GET /api/v1/accounts/{account_id}/timeline",
        lambda w: f"/api/v1/accounts/{account(w)}/timeline",
        record_rule(200, who=SEES_CUSTOMER),
    ),
    Case(
        "POST /api/v1/accounts/{account_id}/notes",
        lambda w: f"/api/v1/accounts/{account(w)}/notes",
        record_rule(201, who=SEES_CUSTOMER),
        {"text": "拜访"},
    ),
    Case(
        "POST /api/v1/accounts/{account_id}/merge",
        lambda w: f"/api/v1/accounts/{account(w)}/merge",
        record_rule(200, who=MERGES_CUSTOMERS, sees=SEES_CUSTOMER),
        lambda w, _: {"source_id": duplicate_account(w)},
        IF_MATCH,
    ),
    Case(
        "POST /api/v1/contacts/{contact_id}/merge",
        lambda w: f"/api/v1/contacts/{contact(w)}/merge",
        record_rule(200, who=MERGES_CUSTOMERS, sees=SEES_CUSTOMER),
        lambda w, _: {"source_id": contact(w)},
        IF_MATCH,
    ),
    Case("GET /api/v1/contacts", lambda w: "/api/v1/contacts", signed_in(200)),
    Case(
        "POST /api/v1/contacts",
        lambda w: "/api/v1/contacts",
        record_rule(201, who=CHANGES_RECORD, sees=SEES_CUSTOMER),
        lambda w, _: {"account_id": w.account.pk, "name": "新联系人"},
        refused_as=422,  # an account the actor may not see is named in the body
    ),
    Case(
        "GET /api/v1/contacts/{contact_id}",
        lambda w: f"/api/v1/contacts/{contact(w)}",
        record_rule(200, who=SEES_CUSTOMER),
    ),
    Case(
        "PATCH /api/v1/contacts/{contact_id}",
        lambda w: f"/api/v1/contacts/{contact(w)}",
        record_rule(200, who=CHANGES_RECORD, sees=SEES_CUSTOMER),
        {"title": "CIO"},
        IF_MATCH,
    ),
    Case(
        "DELETE /api/v1/contacts/{contact_id}",
        lambda w: f"/api/v1/contacts/{contact(w)}",
        record_rule(204, who=CHANGES_RECORD, sees=SEES_CUSTOMER),
        None,
        IF_MATCH,
    ),
    Case(
        "GET /api/v1/contacts/{contact_id}/timeline",
        lambda w: f"/api/v1/contacts/{contact(w)}/timeline",
        record_rule(200, who=SEES_CUSTOMER),
    ),
    Case(
        "POST /api/v1/contacts/{contact_id}/notes",
        lambda w: f"/api/v1/contacts/{contact(w)}/notes",
        record_rule(201, who=SEES_CUSTOMER),
        {"text": "电话"},
    ),
    # Leads API
    Case("GET /api/v1/leads", lambda w: "/api/v1/leads", signed_in(200)),
    Case("POST /api/v1/leads", lambda w: "/api/v1/leads", signed_in(201, who=WRITES_LEADS), {"company_name": "新线索"}),
    Case("GET /api/v1/leads/reports", lambda w: "/api/v1/leads/reports", signed_in(200)),
    Case("POST /api/v1/leads/route", lambda w: "/api/v1/leads/route", signed_in(200, who=ROUTES_LEADS), {"ids": []}),
    Case(
        "GET /api/v1/leads/{lead_id}",
        lambda w: f"/api/v1/leads/{lead(w)}",
        record_rule(200, sees=SEES_LEAD, who=SEES_LEAD),
    ),
    Case(
        "PATCH /api/v1/leads/{lead_id}",
        lambda w: f"/api/v1/leads/{lead(w)}",
        record_rule(200, who=CHANGES_LEAD, sees=SEES_LEAD),
        {"need": "产线联网"},
        IF_MATCH,
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/qualify",
        lambda w: f"/api/v1/leads/{lead(w)}/qualify",
        record_rule(422, who=CHANGES_LEAD, sees=SEES_LEAD),
        {},
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/disqualify",
        lambda w: f"/api/v1/leads/{lead(w)}/disqualify",
        record_rule(200, who=CHANGES_LEAD, sees=SEES_LEAD),
        {"reason": "no_need"},
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/recycle",
        lambda w: f"/api/v1/leads/{lead(w)}/recycle",
        record_rule(422, who=CHANGES_LEAD, sees=SEES_LEAD),
        {},
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/assign",
        lambda w: f"/api/v1/leads/{lead(w)}/assign",
        record_rule(200, who=CHANGES_LEAD, sees=SEES_LEAD),
        {"owner_id": None},
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/merge",
        lambda w: f"/api/v1/leads/{lead(w)}/merge",
        record_rule(200, who=CHANGES_LEAD, sees=SEES_LEAD),
        lambda w, _: {"other_id": other_lead(w)},
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/convert",
        lambda w: f"/api/v1/leads/{lead(w)}/convert",
        record_rule(422, who=CHANGES_LEAD, sees=SEES_LEAD),
        {},
    ),
    Case(
        "GET /api/v1/leads/{lead_id}/duplicates",
        lambda w: f"/api/v1/leads/{lead(w)}/duplicates",
        record_rule(200, who=SEES_LEAD, sees=SEES_LEAD),
    ),
    Case(
        "GET /api/v1/leads/{lead_id}/timeline",
        lambda w: f"/api/v1/leads/{lead(w)}/timeline",
        record_rule(200, who=SEES_LEAD, sees=SEES_LEAD),
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/notes",
        lambda w: f"/api/v1/leads/{lead(w)}/notes",
        record_rule(201, who=SEES_LEAD, sees=SEES_LEAD),
        {"text": "跟进"},
    ),
    Case(
        "GET /api/v1/leads/{lead_id}/activities",
        lambda w: f"/api/v1/leads/{lead(w)}/activities",
        record_rule(200, who=SEES_LEAD, sees=SEES_LEAD),
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/activities",
        lambda w: f"/api/v1/leads/{lead(w)}/activities",
        record_rule(201, who=CHANGES_LEAD, sees=SEES_LEAD),
        {"kind": "call", "title": "电话", "done": True},
    ),
    Case(
        "POST /api/v1/leads/{lead_id}/activities/{activity_id}/complete",
        lambda w: f"/api/v1/leads/{planned_activity(w)}/complete",
        record_rule(200, who={"owner", "manager", "boss", "admin"}, sees=SEES_LEAD),
        {"outcome": "已拜访"},
    ),
    Case("GET /api/v1/lead-imports", lambda w: "/api/v1/lead-imports", signed_in(200)),
    Case(
        "POST /api/v1/lead-imports",
        lambda w: "/api/v1/lead-imports",
        signed_in(201, who=WRITES_LEADS),
        files=csv_upload(LEADS_CSV),
    ),
    Case(
        "GET /api/v1/lead-imports/{import_id}",
        lambda w: f"/api/v1/lead-imports/{uploaded_import(w)}",
        record_rule(200, who=SEES_IMPORT, sees=SEES_IMPORT),
    ),
    Case(
        "POST /api/v1/lead-imports/{import_id}/preview",
        lambda w: f"/api/v1/lead-imports/{uploaded_import(w)}/preview",
        record_rule(200, who=SEES_IMPORT, sees=SEES_IMPORT),
        {"mapping": {"公司名称": "company_name"}},
    ),
    Case(
        "POST /api/v1/lead-imports/{import_id}/values",
        lambda w: f"/api/v1/lead-imports/{uploaded_import(w)}/values",
        record_rule(200, who=SEES_IMPORT, sees=SEES_IMPORT),
        {"mapping": {"公司名称": "company_name"}},
    ),
    Case("GET /api/v1/lead-import-templates", lambda w: "/api/v1/lead-import-templates", signed_in(200)),
    Case(
        "DELETE /api/v1/lead-import-templates/{template_id}",
        lambda w: f"/api/v1/lead-import-templates/{owners_import_template(w)}",
        record_rule(204, who={"owner"}, sees={"owner"}),
    ),
    Case(
        "POST /api/v1/lead-imports/{import_id}/start",
        lambda w: f"/api/v1/lead-imports/{uploaded_import(w)}/start",
        record_rule(202, who=RUNS_IMPORT, sees=SEES_IMPORT),
        {"mapping": {"公司名称": "company_name"}, "duplicate_policy": "skip"},
    ),
    Case(
        "GET /api/v1/lead-imports/{import_id}/rejected",
        lambda w: f"/api/v1/lead-imports/{finished_import(w)}/rejected",
        record_rule(200, who=SEES_IMPORT, sees=SEES_IMPORT),
    ),
    Case(
        "POST /api/v1/lead-imports/{import_id}/undo",
        lambda w: f"/api/v1/lead-imports/{finished_import(w)}/undo",
        record_rule(200, who=RUNS_IMPORT, sees=SEES_IMPORT),
        {},
    ),
    # Pages
    Case("GET web:home", lambda w: "/", signed_in(200, api=False)),
    Case("GET web:search", lambda w: "/search/?q=锦程", signed_in(200, api=False)),
    # The inbox (待办): each user's own items; a decision on an item not routed to the caller is a 404.
    Case("GET /api/v1/inbox", lambda w: "/api/v1/inbox", signed_in(200)),
    Case("GET web:inbox", lambda w: "/inbox/", signed_in(200, api=False)),
    Case("GET web:inbox_badge", lambda w: "/inbox/count/", signed_in(200, api=False)),
    Case("GET web:inbox_summary", lambda w: "/inbox/summary/", signed_in(200, api=False)),
    Case(
        "POST web:inbox_decide",
        lambda w: "/inbox/decision_review/decide/",
        lambda actor: 302 if actor == "anonymous" else 404,
        {"item": "1", "decision": "go"},
    ),
    # Notifications: each user's own; another's answers 404.
    Case("GET /api/v1/notifications", lambda w: "/api/v1/notifications", signed_in(200)),
    Case("POST /api/v1/notifications/read-all", lambda w: "/api/v1/notifications/read-all", signed_in(200), {}),
    Case(
        "POST /api/v1/notifications/{notification_id}/read",
        lambda w: f"/api/v1/notifications/{owners_notification(w)}/read",
        record_rule(200, who={"owner"}, sees={"owner"}),
        {},
    ),
    Case("GET /api/v1/notification-preferences", lambda w: "/api/v1/notification-preferences", signed_in(200)),
    Case(
        "PUT /api/v1/notification-preferences",
        lambda w: "/api/v1/notification-preferences",
        signed_in(200),
        {"preferences": [{"kind": "mention", "in_app": True, "email": False, "webhook": False}]},
    ),
    Case("GET web:notifications", lambda w: "/notifications/", signed_in(200, api=False)),
    Case("GET web:notifications_bell", lambda w: "/notifications/bell/", signed_in(200, api=False)),
    Case("POST web:notifications_read_all", lambda w: "/notifications/read-all/", signed_in(302, api=False), {}),
    Case(
        "POST web:notification_preferences",
        lambda w: "/notifications/preferences/",
        signed_in(302, api=False),
        {"mention:in_app": "on", "robot": "wecom", "robot_url": ""},
    ),
    Case(
        "GET web:notification_open",
        lambda w: f"/notifications/{owners_notification(w)}/",
        record_rule(302, who={"owner"}, sees={"owner"}, api=False),
    ),
    Case(
        "POST web:notification_read",
        lambda w: f"/notifications/{owners_notification(w)}/read/",
        record_rule(302, who={"owner"}, sees={"owner"}, api=False),
        {},
    ),
    Case("GET web:profile", lambda w: "/profile/", signed_in(200, api=False)),
    Case(
        "POST web:display_preferences",
        lambda w: "/profile/display/",
        signed_in(302, api=False),
        {"amounts_in_wan": "on"},
    ),
    Case(
        "POST web:token_revoke",
        lambda w: f"/profile/tokens/{owners_token(w)}/revoke/",
        record_rule(302, who={"owner"}, sees={"owner"}, api=False),
        {},
    ),
    Case(
        "POST web:list_columns",
        lambda w: "/lists/deals/columns/",
        signed_in(302, api=False),
        {"columns": ["name", "amount"]},
    ),
    Case(
        "POST web:saved_view_save",
        lambda w: "/lists/deals/views/",
        signed_in(302, api=False),
        {"name": "进行中", "query": "status=open"},
    ),
    Case(
        "GET web:saved_view_open",
        lambda w: f"/lists/views/{owners_list_view(w)}/",
        record_rule(302, who={"owner"}, sees={"owner"}, api=False),
    ),
    Case(
        "POST web:saved_view_delete",
        lambda w: f"/lists/views/{owners_list_view(w)}/delete/",
        record_rule(302, who={"owner"}, sees={"owner"}, api=False),
        {},
    ),
    Case("GET customers:account_list", lambda w: "/customers/accounts/", signed_in(200, api=False)),
    Case(
        "POST customers:account_bulk",
        lambda w: "/customers/accounts/bulk/",
        signed_in(302, api=False),
        {"action": "reassign", "owner": "1", "ids": ["1"]},
    ),
    Case("GET customers:account_lookup", lambda w: "/customers/accounts/lookup/?q=锦程", signed_in(200, api=False)),
    Case(
        "GET customers:account_create",
        lambda w: "/customers/accounts/new/",
        signed_in(200, api=False, who=WRITES_CUSTOMERS),
    ),
    Case(
        "GET customers:account_detail",
        lambda w: f"/customers/accounts/{account(w)}/",
        record_rule(200, api=False, who=SEES_CUSTOMER),
    ),
    Case(
        "GET customers:account_edit",
        lambda w: f"/customers/accounts/{account(w)}/edit/",
        record_rule(200, who=CHANGES_RECORD, api=False, sees=SEES_CUSTOMER),
    ),
    Case(
        "POST customers:account_note_add",
        lambda w: f"/customers/accounts/{account(w)}/notes/",
        record_rule(302, api=False, who=SEES_CUSTOMER),
        {"text": "拜访"},
    ),
    Case(
        "POST customers:account_delete",
        lambda w: f"/customers/accounts/{account(w)}/delete/",
        record_rule(302, who=CHANGES_RECORD, api=False, sees=SEES_CUSTOMER),
        {"version": "1"},
    ),
    Case(
        "POST customers:contact_delete",
        lambda w: f"/customers/contacts/{contact(w)}/delete/",
        record_rule(302, who=CHANGES_RECORD, api=False, sees=SEES_CUSTOMER),
        {"version": "1"},
    ),
    Case(
        "POST customers:account_merge",
        lambda w: f"/customers/accounts/{account(w)}/merge/",
        record_rule(302, who=MERGES_CUSTOMERS, api=False, sees=SEES_CUSTOMER),
        lambda w, _: {"source": str(duplicate_account(w)), "version": "1"},
    ),
    Case(
        "POST customers:contact_merge",
        lambda w: f"/customers/contacts/{contact(w)}/merge/",
        record_rule(302, who=MERGES_CUSTOMERS, api=False, sees=SEES_CUSTOMER),
        lambda w, _: {"source": str(contact(w)), "version": "1"},
    ),
    Case("GET customers:contact_list", lambda w: "/customers/contacts/", signed_in(200, api=False)),
    Case(
        "GET customers:contact_create",
        lambda w: "/customers/contacts/new/",
        signed_in(200, api=False, who=WRITES_CUSTOMERS),
    ),
    Case(
        "GET customers:contact_detail",
        lambda w: f"/customers/contacts/{contact(w)}/",
        record_rule(200, api=False, who=SEES_CUSTOMER),
    ),
    Case(
        "GET customers:contact_edit",
        lambda w: f"/customers/contacts/{contact(w)}/edit/",
        record_rule(200, who=CHANGES_RECORD, api=False, sees=SEES_CUSTOMER),
    ),
    Case(
        "POST customers:contact_note_add",
        lambda w: f"/customers/contacts/{contact(w)}/notes/",
        record_rule(302, api=False, who=SEES_CUSTOMER),
        {"text": "电话"},
    ),
    # Lead pages
    Case("GET /api/v1/pipelines", lambda w: "/api/v1/pipelines", signed_in(200)),
    Case("GET /api/v1/pipelines/{pipeline_id}", lambda w: f"/api/v1/pipelines/{pipeline_id(w)}", signed_in(200)),
    Case(
        "GET /api/v1/pipelines/{pipeline_id}/board",
        lambda w: f"/api/v1/pipelines/{pipeline_id(w)}/board",
        signed_in(200),
    ),
    # Pipeline configuration (the process centre): everyone signed in reads, administrators change.
    Case(
        "POST /api/v1/pipelines",
        lambda w: "/api/v1/pipelines",
        signed_in(201, who={"admin"}),
        body={"name": "渠道销售"},
    ),
    Case(
        "PATCH /api/v1/pipelines/{pipeline_id}",
        lambda w: f"/api/v1/pipelines/{pipeline_id(w)}",
        signed_in(200, who={"admin"}),
        body={"description": "大项目"},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "GET /api/v1/pipelines/{pipeline_id}/timeline",
        lambda w: f"/api/v1/pipelines/{pipeline_id(w)}/timeline",
        signed_in(200),
    ),
    Case(
        "POST /api/v1/pipelines/{pipeline_id}/stages",
        lambda w: f"/api/v1/pipelines/{pipeline_id(w)}/stages",
        signed_in(201, who={"admin"}),
        body={"name": "验收"},
    ),
    Case(
        "POST /api/v1/pipelines/{pipeline_id}/stages/reorder",
        lambda w: f"/api/v1/pipelines/{pipeline_id(w)}/stages/reorder",
        signed_in(200, who={"admin"}),
        body=reversed_open_stages,
        headers={"If-Match": '"1"'},
    ),
    Case("GET /api/v1/stages/{stage_id}", lambda w: f"/api/v1/stages/{config_stage_id(w)}", signed_in(200)),
    Case(
        "PATCH /api/v1/stages/{stage_id}",
        lambda w: f"/api/v1/stages/{config_stage_id(w)}",
        signed_in(200, who={"admin"}),
        body={"probability": 15},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "POST /api/v1/stages/{stage_id}/deactivate",
        lambda w: f"/api/v1/stages/{config_stage_id(w)}/deactivate",
        signed_in(200, who={"admin"}),
        body={},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "POST /api/v1/stages/{stage_id}/gate-dry-run",
        lambda w: f"/api/v1/stages/{config_stage_id(w)}/gate-dry-run",
        signed_in(200, who={"admin"}),
        body={"add": [{"label": "标书评审", "kind": "check"}]},
    ),
    Case(
        "POST /api/v1/stages/{stage_id}/requirements",
        lambda w: f"/api/v1/stages/{config_stage_id(w)}/requirements",
        signed_in(201, who={"admin"}),
        body={"label": "标书评审", "kind": "check"},
    ),
    Case(
        "PATCH /api/v1/requirements/{requirement_id}",
        lambda w: f"/api/v1/requirements/{config_requirement_id(w)}",
        signed_in(200, who={"admin"}),
        body={"label": "需求书面确认"},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "DELETE /api/v1/requirements/{requirement_id}",
        lambda w: f"/api/v1/requirements/{config_requirement_id(w)}",
        signed_in(200, who={"admin"}),
        headers={"If-Match": '"1"'},
    ),
    # Review criteria (the process centre): everyone signed in reads, administrators change.
    Case("GET /api/v1/config/review-criteria", lambda w: "/api/v1/config/review-criteria", signed_in(200)),
    Case(
        "POST /api/v1/config/review-criteria",
        lambda w: "/api/v1/config/review-criteria",
        signed_in(201, who=ADMIN_ONLY),
        body={"review_type": "ATB", "role": "fr", "code": "resources", "label_zh": "资源保障", "label_en": "Resources"},
    ),
    Case(
        "GET /api/v1/config/review-criteria/{criterion_id}",
        lambda w: f"/api/v1/config/review-criteria/{review_criterion(w)}",
        signed_in(200),
    ),
    Case(
        "PATCH /api/v1/config/review-criteria/{criterion_id}",
        lambda w: f"/api/v1/config/review-criteria/{review_criterion(w)}",
        signed_in(200, who=ADMIN_ONLY),
        body={"label_zh": "客户关系深度"},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "DELETE /api/v1/config/review-criteria/{criterion_id}",
        lambda w: f"/api/v1/config/review-criteria/{review_criterion(w)}",
        signed_in(200, who=ADMIN_ONLY),
        headers={"If-Match": '"1"'},
    ),
    # Custom fields (#18): everyone signed in reads the definitions, administrators change them.
    Case("GET /api/v1/config/custom-fields", lambda w: "/api/v1/config/custom-fields", signed_in(200)),
    Case(
        "POST /api/v1/config/custom-fields",
        lambda w: "/api/v1/config/custom-fields",
        signed_in(201, who=ADMIN_ONLY),
        body={"record_type": "account", "code": "tier", "field_type": "text", "label_zh": "等级", "label_en": "Tier"},
    ),
    Case(
        "GET /api/v1/config/custom-fields/{field_id}",
        lambda w: f"/api/v1/config/custom-fields/{custom_field(w)}",
        signed_in(200),
    ),
    Case(
        "PATCH /api/v1/config/custom-fields/{field_id}",
        lambda w: f"/api/v1/config/custom-fields/{custom_field(w)}",
        signed_in(200, who=ADMIN_ONLY),
        body={"label_zh": "区域代码"},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "DELETE /api/v1/config/custom-fields/{field_id}",
        lambda w: f"/api/v1/config/custom-fields/{custom_field(w)}",
        signed_in(200, who=ADMIN_ONLY),
        headers={"If-Match": '"1"'},
    ),
    Case("GET process:settings_custom_fields", lambda w: "/process/settings/custom-fields/", signed_in(200, api=False)),
    Case(
        "POST process:settings_custom_fields",
        lambda w: "/process/settings/custom-fields/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        {"record_type": "account", "code": "tier", "field_type": "text", "label_en": "Tier", "order": "0"},
    ),
    Case(
        "GET process:settings_custom_field",
        lambda w: f"/process/settings/custom-fields/{custom_field(w)}/",
        signed_in(200, api=False),
    ),
    Case(
        "POST process:settings_custom_field",
        lambda w: f"/process/settings/custom-fields/{custom_field(w)}/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        {"label_en": "Region", "order": "0", "active": "on", "version": "1"},
    ),
    Case("GET process:review_criteria", lambda w: "/process/review-criteria/", signed_in(200, api=False)),
    Case(
        "GET process:review_criterion_create",
        lambda w: "/process/review-criteria/new/",
        signed_in(200, api=False, who=ADMIN_ONLY),
    ),
    Case(
        "POST process:review_criterion_create",
        lambda w: "/process/review-criteria/new/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        {"review_type": "ATB", "role": "fr", "code": "resources", "label_zh": "资源保障", "label_en": "Resources"},
    ),
    Case(
        "GET process:review_criterion_edit",
        lambda w: f"/process/review-criteria/{review_criterion(w)}/edit/",
        signed_in(200, api=False, who=ADMIN_ONLY),
    ),
    Case(
        "POST process:review_criterion_edit",
        lambda w: f"/process/review-criteria/{review_criterion(w)}/edit/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        {"label_zh": "客户关系深度", "label_en": "Customer relationship", "order": 10, "active": "on", "version": 1},
    ),
    Case(
        "POST process:review_criterion_remove",
        lambda w: f"/process/review-criteria/{review_criterion(w)}/remove/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        {"version": 1},
    ),
    # Pipeline pages of the process centre: read by everyone signed in, changed by administrators.
    Case("GET process:pipeline_list", lambda w: "/process/pipelines/", signed_in(200, api=False)),
    Case(
        "GET process:pipeline_detail",
        lambda w: f"/process/pipelines/{pipeline_id(w)}/",
        signed_in(200, api=False),
    ),
    Case("GET process:pipeline_create", lambda w: "/process/pipelines/new/", signed_in(200, api=False, who={"admin"})),
    Case(
        "POST process:pipeline_create",
        lambda w: "/process/pipelines/new/",
        signed_in(302, api=False, who={"admin"}),
        {"name": "渠道销售", "order": 0, "active": "on"},
    ),
    Case(
        "GET process:pipeline_edit",
        lambda w: f"/process/pipelines/{pipeline_id(w)}/edit/",
        signed_in(200, api=False, who={"admin"}),
    ),
    Case(
        "POST process:pipeline_edit",
        lambda w: f"/process/pipelines/{pipeline_id(w)}/edit/",
        signed_in(302, api=False, who={"admin"}),
        {"name": "项目销售", "description": "大项目", "order": 0, "active": "on", "version": 1},
    ),
    Case(
        "POST process:pipeline_stages_reorder",
        lambda w: f"/process/pipelines/{pipeline_id(w)}/reorder/",
        signed_in(302, api=False, who={"admin"}),
        lambda w, path: {"stage": config_stage_id(w), "direction": "down", "version": 1},
    ),
    Case(
        "GET process:pipeline_stage_create",
        lambda w: f"/process/pipelines/{pipeline_id(w)}/stages/new/",
        signed_in(200, api=False, who={"admin"}),
    ),
    Case(
        "POST process:pipeline_stage_create",
        lambda w: f"/process/pipelines/{pipeline_id(w)}/stages/new/",
        signed_in(302, api=False, who={"admin"}),
        {"name": "验收", "probability": 95, "category": "open"},
    ),
    Case(
        "GET process:pipeline_stage_edit",
        lambda w: f"/process/pipelines/stages/{config_stage_id(w)}/edit/",
        signed_in(200, api=False, who={"admin"}),
    ),
    Case(
        "POST process:pipeline_stage_edit",
        lambda w: f"/process/pipelines/stages/{config_stage_id(w)}/edit/",
        signed_in(302, api=False, who={"admin"}),
        {"name": "确认", "probability": 15, "category": "open", "version": 1},
    ),
    Case(
        "POST process:pipeline_stage_deactivate",
        lambda w: f"/process/pipelines/stages/{config_stage_id(w)}/deactivate/",
        signed_in(302, api=False, who={"admin"}),
        {"version": 1},
    ),
    Case(
        "GET process:pipeline_requirement_add",
        lambda w: f"/process/pipelines/stages/{config_stage_id(w)}/items/new/",
        signed_in(200, api=False, who={"admin"}),
    ),
    Case(
        "POST process:pipeline_requirement_add",
        lambda w: f"/process/pipelines/stages/{config_stage_id(w)}/items/new/",
        signed_in(302, api=False, who={"admin"}),
        {"label": "标书评审", "kind": "check"},
    ),
    Case(
        "GET process:pipeline_requirement_edit",
        lambda w: f"/process/pipelines/items/{config_requirement_id(w)}/edit/",
        signed_in(200, api=False, who={"admin"}),
    ),
    Case(
        "POST process:pipeline_requirement_edit",
        lambda w: f"/process/pipelines/items/{config_requirement_id(w)}/edit/",
        signed_in(302, api=False, who={"admin"}),
        {"label": "需求书面确认", "kind": "check", "version": 1},
    ),
    Case(
        "POST process:pipeline_requirement_remove",
        lambda w: f"/process/pipelines/items/{config_requirement_id(w)}/remove/",
        signed_in(302, api=False, who={"admin"}),
        {"version": 1},
    ),
    Case(
        "POST process:pipeline_stage_template_add",
        lambda w: f"/process/pipelines/stages/{config_stage_id(w)}/templates/new/",
        signed_in(302, api=False, who={"admin"}),
        {"title": "立项模板"},
        files=lambda: {"file": SimpleUploadedFile("立项模板.docx", b"template")},
    ),
    Case(
        "POST process:pipeline_stage_template_remove",
        lambda w: f"/process/pipelines/templates/{stage_template(w)}/remove/",
        signed_in(302, api=False, who={"admin"}),
    ),
    Case(
        "POST process:pipeline_stage_template_revise",
        lambda w: f"/process/pipelines/templates/{stage_template(w)}/revise/",
        signed_in(302, api=False, who={"admin"}),
        {"note": "第二版"},
        files=lambda: {"file": SimpleUploadedFile("立项模板.docx", b"template v2")},
    ),
    Case(
        "GET /api/v1/stages/{stage_id}/templates",
        lambda w: f"/api/v1/stages/{config_stage_id(w)}/templates",
        signed_in(200),
    ),
    Case(
        "POST /api/v1/stage-templates/{template_id}/versions",
        lambda w: f"/api/v1/stage-templates/{stage_template(w)}/versions",
        signed_in(201, who={"admin"}),
        {"note": "第二版"},
        files=lambda: {"file": SimpleUploadedFile("模板.docx", b"template v2")},
    ),
    Case("GET /api/v1/opportunities", lambda w: "/api/v1/opportunities", signed_in(200)),
    Case(
        "POST /api/v1/opportunities",
        lambda w: "/api/v1/opportunities",
        creates_deal(201),
        lambda w, _: {"name": "新项目", "account_id": w.account.pk, "pipeline_id": pipeline_id(w)},
    ),
    Case(
        "POST /api/v1/opportunities/from-lead",
        lambda w: "/api/v1/opportunities/from-lead",
        creates_deal(201),
        lambda w, _: {"lead_id": qualified_lead(w), "pipeline_id": pipeline_id(w)},
    ),
    Case("GET /api/v1/opportunities/{opportunity_id}", lambda w: f"/api/v1/opportunities/{deal(w)}", record_rule(200)),
    Case(
        "GET /api/v1/opportunities/{opportunity_id} (its contract's readers)",
        lambda w: f"/api/v1/opportunities/{contracted_deal(w)}",
        record_rule(200, who=SEES_CONTRACT, sees=SEES_CONTRACT),
    ),
    Case(
        "PATCH /api/v1/opportunities/{opportunity_id}",
        lambda w: f"/api/v1/opportunities/{deal(w)}",
        record_rule(200, who=CHANGES_RECORD),
        {"competitors": "对手甲"},
        IF_MATCH,
    ),
    Case(
        "GET /api/v1/opportunities/{opportunity_id}/checklist",
        lambda w: f"/api/v1/opportunities/{deal(w)}/checklist",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/checklist/{requirement_id}",
        lambda w: f"/api/v1/opportunities/{deal_requirement(w)}",
        record_rule(200, who=CHANGES_RECORD),
        {"done": True},
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/advance",
        lambda w: f"/api/v1/opportunities/{ready_deal(w)}/advance",
        record_rule(200, who=CHANGES_RECORD),
        {},
        IF_MATCH,
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/win",
        lambda w: f"/api/v1/opportunities/{signing_deal(w)}/win",
        record_rule(200, who=CHANGES_RECORD),
        {"reason": "solution"},
        IF_MATCH,
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/lose",
        lambda w: f"/api/v1/opportunities/{deal(w)}/lose",
        record_rule(200, who=CHANGES_RECORD),
        {"reason": "price"},
        IF_MATCH,
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/reopen",
        lambda w: f"/api/v1/opportunities/{lost_deal(w)}/reopen",
        record_rule(200, who=CHANGES_RECORD),
        {},
        IF_MATCH,
    ),
    Case(
        "GET /api/v1/opportunities/{opportunity_id}/timeline",
        lambda w: f"/api/v1/opportunities/{deal(w)}/timeline",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/notes",
        lambda w: f"/api/v1/opportunities/{deal(w)}/notes",
        record_rule(201, who=CHANGES_RECORD),
        {"text": "跟进"},
    ),
    Case(
        "GET /api/v1/opportunities/{opportunity_id}/activities",
        lambda w: f"/api/v1/opportunities/{deal(w)}/activities",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/activities",
        lambda w: f"/api/v1/opportunities/{deal(w)}/activities",
        record_rule(201, who=CHANGES_RECORD),
        {"kind": "visit", "title": "拜访", "done": True},
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/activities/{activity_id}/complete",
        lambda w: f"/api/v1/opportunities/{deal_activity(w)}/complete",
        record_rule(200, who=CHANGES_RECORD),
        {"outcome": "完成"},
    ),
    Case("GET /api/v1/decision-reviews", lambda w: "/api/v1/decision-reviews", signed_in(200)),
    Case(
        "POST /api/v1/decision-reviews",
        lambda w: "/api/v1/decision-reviews",
        opens_review(201),
        lambda w, _: {"opportunity_id": review_deal(w), "review_type": "ATI"},
    ),
    Case(
        "GET /api/v1/decision-reviews/{review_id}",
        lambda w: f"/api/v1/decision-reviews/{assessed_review(w)}",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/decision-reviews/{review_id}/assess",
        lambda w: f"/api/v1/decision-reviews/{assessed_review(w)}/assess",
        record_rule(200, who={"owner"}),
        {"role": "ar", "scores": {"relationship": 5, "decision_chain": 4}},
    ),
    Case(
        "POST /api/v1/decision-reviews/{review_id}/decide",
        lambda w: f"/api/v1/decision-reviews/{assessed_review(w)}/decide",
        record_rule(200, who=DECIDES),
        {"decision": "go"},
    ),
    Case(
        "GET /api/v1/opportunities/{opportunity_id}/decision-chain",
        lambda w: f"/api/v1/opportunities/{deal(w)}/decision-chain",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/decision-chain",
        lambda w: f"/api/v1/opportunities/{deal(w)}/decision-chain",
        record_rule(200, who=CHANGES_RECORD),
        lambda w, _: {"contact_id": contact(w), "role": "user"},
    ),
    Case(
        "DELETE /api/v1/opportunities/{opportunity_id}/decision-chain/{stakeholder_id}",
        lambda w: f"/api/v1/opportunities/{chain_entry(w)}",
        record_rule(204, who=CHANGES_RECORD),
    ),
    Case(
        "GET /api/v1/pipelines/{pipeline_id}/funnel",
        lambda w: f"/api/v1/pipelines/{pipeline_id(w)}/funnel",
        signed_in(200),
    ),
    Case("GET /api/v1/forecast", lambda w: "/api/v1/forecast", signed_in(200)),
    Case("GET opportunities:opportunity_funnel", lambda w: "/opportunities/funnel/", signed_in(200, api=False)),
    Case("GET /api/v1/bids", lambda w: "/api/v1/bids", signed_in(200)),
    Case(
        "POST /api/v1/bids",
        lambda w: "/api/v1/bids",
        opens_review(201),
        lambda w, _: {
            "opportunity_id": deal(w),
            "tender_number": "ZB-3",
            "issuer": "采购中心",
            "submission_deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        },
    ),
    Case("GET /api/v1/bids/{bid_id}", lambda w: f"/api/v1/bids/{bid_id(w)}", record_rule(200)),
    Case(
        "PATCH /api/v1/bids/{bid_id}",
        lambda w: f"/api/v1/bids/{bid_id(w)}",
        record_rule(200, who=CHANGES_RECORD),
        {"issuer": "新采购中心"},
        IF_MATCH,
    ),
    Case(
        "POST /api/v1/bids/{bid_id}/sections",
        lambda w: f"/api/v1/bids/{bid_id(w)}/sections",
        record_rule(200, who=CHANGES_RECORD),
        lambda w, _: {
            "kind": "commercial",
            "owner_id": w.owner.pk,
            "due_at": (timezone.now() + timedelta(days=2)).isoformat(),
        },
    ),
    Case(
        "POST /api/v1/bids/{bid_id}/sections/{section_id}/done",
        lambda w: f"/api/v1/bids/{bid_section(w)}/done",
        record_rule(200, who=CHANGES_RECORD),
        {},
    ),
    Case(
        "POST /api/v1/bids/{bid_id}/documents",
        lambda w: f"/api/v1/bids/{bid_id(w)}/documents",
        record_rule(200, who=CHANGES_RECORD),
        {"title": "资质证明"},
    ),
    Case(
        "POST /api/v1/bids/{bid_id}/documents/{document_id}/versions",
        lambda w: f"/api/v1/bids/{bid_document(w)}/versions",
        record_rule(200, who=CHANGES_RECORD),
        files=pdf_upload,
    ),
    Case(
        "GET /api/v1/bids/{bid_id}/documents/{document_id}/versions/{version_id}/file",
        lambda w: "/api/v1/bids/{}/documents/{}/versions/{}/file".format(*bid_version(w)),
        record_rule(200),
    ),
    Case(
        "POST /api/v1/bids/{bid_id}/submit",
        lambda w: f"/api/v1/bids/{bid_id(w)}/submit",
        record_rule(200, who=CHANGES_RECORD),
        {},
        IF_MATCH,
    ),
    Case(
        "POST /api/v1/bids/{bid_id}/result",
        lambda w: f"/api/v1/bids/{bid_id(w)}/result",
        record_rule(200, who=CHANGES_RECORD),
        {"result": "cancelled"},
        IF_MATCH,
    ),
    Case(
        "GET /api/v1/opportunities/{opportunity_id}/documents",
        lambda w: f"/api/v1/opportunities/{deal(w)}/documents",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/opportunities/{opportunity_id}/documents",
        lambda w: f"/api/v1/opportunities/{deal(w)}/documents",
        record_rule(201, who=CHANGES_RECORD),
        files=pdf_upload,
    ),
    Case(
        "GET /api/v1/opportunities/{opportunity_id}/documents/{document_id}/file",
        lambda w: f"/api/v1/opportunities/{deal_document(w)}/file",
        record_rule(200),
    ),
    Case("GET leads:lead_list", lambda w: "/leads/", signed_in(200, api=False)),
    Case("GET leads:lead_board", lambda w: "/leads/board/", signed_in(200, api=False)),
    Case("GET leads:lead_reports", lambda w: "/leads/reports/", signed_in(200, api=False)),
    Case("GET leads:lead_create", lambda w: "/leads/new/", signed_in(200, api=False, who=WRITES_LEADS)),
    Case("POST leads:lead_bulk", lambda w: "/leads/bulk/", signed_in(302, api=False), {"action": "route"}),
    Case(
        "POST leads:saved_view_save",
        lambda w: "/leads/views/",
        signed_in(302, api=False),
        {"name": "热线索", "query": "temperature=hot"},
    ),
    Case(
        "POST leads:saved_view_delete",
        lambda w: f"/leads/views/{owners_view(w)}/delete/",
        record_rule(302, who={"owner"}, sees={"owner"}, api=False),
        {},
    ),
    Case(
        "GET leads:lead_detail",
        lambda w: f"/leads/{lead(w)}/",
        record_rule(200, who=SEES_LEAD, sees=SEES_LEAD, api=False),
    ),
    Case(
        "GET leads:lead_edit",
        lambda w: f"/leads/{lead(w)}/edit/",
        record_rule(200, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
    ),
    Case(
        "POST leads:lead_check",
        lambda w: f"/leads/{lead(w)}/check/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        {"item": "need_confirmed", "value": "1", "version": "1"},
    ),
    Case(
        "POST leads:lead_qualify",
        lambda w: f"/leads/{lead(w)}/qualify/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        {},
    ),
    Case(
        "POST leads:lead_disqualify",
        lambda w: f"/leads/{lead(w)}/disqualify/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        {"reason": "no_need"},
    ),
    Case(
        "POST leads:lead_recycle",
        lambda w: f"/leads/{lead(w)}/recycle/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        {},
    ),
    Case(
        "POST leads:lead_assign",
        lambda w: f"/leads/{lead(w)}/assign/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        {"owner": ""},
    ),
    Case(
        "POST leads:lead_merge",
        lambda w: f"/leads/{lead(w)}/merge/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        lambda w, _: {"other": other_lead(w)},
    ),
    Case(
        "POST leads:lead_convert",
        lambda w: f"/leads/{lead(w)}/convert/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        {},
    ),
    Case(
        "POST leads:lead_activity_add",
        lambda w: f"/leads/{lead(w)}/activities/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        {"kind": "call", "title": "电话", "done": "on"},
    ),
    Case(
        "POST leads:lead_activity_done",
        lambda w: f"/leads/{planned_activity(w)}/done/",
        record_rule(302, who={"owner", "manager", "boss", "admin"}, sees=SEES_LEAD, api=False),
        {},
    ),
    Case(
        "POST leads:lead_note_add",
        lambda w: f"/leads/{lead(w)}/notes/",
        record_rule(302, who=SEES_LEAD, sees=SEES_LEAD, api=False),
        {"text": "跟进"},
    ),
    Case("GET leads:import_list", lambda w: "/leads/imports/", signed_in(200, api=False, who=WRITES_LEADS)),
    Case(
        "GET leads:import_detail",
        lambda w: f"/leads/imports/{uploaded_import(w)}/",
        record_rule(200, who=SEES_IMPORT, sees=SEES_IMPORT, api=False),
    ),
    Case(
        "GET leads:import_rejected",
        lambda w: f"/leads/imports/{finished_import(w)}/rejected/",
        record_rule(200, who=SEES_IMPORT, sees=SEES_IMPORT, api=False),
    ),
    Case(
        "POST leads:import_undo",
        lambda w: f"/leads/imports/{finished_import(w)}/undo/",
        record_rule(302, who=RUNS_IMPORT, sees=SEES_IMPORT, api=False),
        {},
    ),
    Case("GET leads:webform_list", lambda w: "/leads/web-forms/", signed_in(200, api=False, who=MANAGES_FORMS)),
    Case("GET opportunities:opportunity_list", lambda w: "/opportunities/", signed_in(200, api=False)),
    Case(
        "POST opportunities:opportunity_bulk",
        lambda w: "/opportunities/bulk/",
        signed_in(302, api=False),
        {"action": "reassign", "owner": "1", "ids": ["1"]},
    ),
    Case("GET process:node_records", lambda w: f"/process/nodes/{process_node(w)}/records/", signed_in(200, api=False)),
    Case(
        "POST process:evaluation_step_rate",
        lambda w: f"/process/contracts/{evaluated_contract(w)}/evaluation-steps/",
        contract_rule(302, CHANGES_RECORD, api=False),
        lambda w, _: {"node": str(process_node(w)), "score": "4", "remark": "方案扎实"},
    ),
    Case("GET opportunities:opportunity_board", lambda w: "/opportunities/board/", signed_in(200, api=False)),
    Case(
        "GET opportunities:opportunity_create",
        lambda w: "/opportunities/new/",
        signed_in(200, api=False, who=WRITES_DEALS),
    ),
    Case(
        "GET opportunities:opportunity_from_lead",
        lambda w: f"/opportunities/from-lead/{qualified_lead(w)}/",
        creates_deal(200, api=False),
    ),
    Case("GET opportunities:opportunity_detail", lambda w: f"/opportunities/{deal(w)}/", record_rule(200, api=False)),
    Case(
        "GET opportunities:opportunity_detail (its contract's readers)",
        lambda w: f"/opportunities/{contracted_deal(w)}/",
        record_rule(200, who=SEES_CONTRACT, sees=SEES_CONTRACT, api=False),
    ),
    Case(
        "GET opportunities:opportunity_edit",
        lambda w: f"/opportunities/{deal(w)}/edit/",
        record_rule(200, who=CHANGES_RECORD, api=False),
    ),
    Case(
        "POST opportunities:opportunity_move",
        lambda w: f"/opportunities/{ready_deal(w)}/move/",
        record_rule(200, who=CHANGES_RECORD, api=False),
        lambda w, path: {"stage": str(stage_named(path, "方案")), "version": "1"},
    ),
    Case(
        "POST opportunities:opportunity_advance",
        lambda w: f"/opportunities/{ready_deal(w)}/advance/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"version": "1"},
    ),
    Case(
        "POST opportunities:opportunity_win",
        lambda w: f"/opportunities/{signing_deal(w)}/win/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"version": "1", "reason": "price"},
    ),
    Case(
        "POST opportunities:opportunity_lose",
        lambda w: f"/opportunities/{deal(w)}/lose/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"version": "1", "reason": "price"},
    ),
    Case(
        "POST opportunities:opportunity_reopen",
        lambda w: f"/opportunities/{lost_deal(w)}/reopen/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"version": "1"},
    ),
    Case(
        "POST opportunities:opportunity_check",
        lambda w: f"/opportunities/{deal_requirement(w).split('/')[0]}/check/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        lambda w, path: {"requirement": str(stage_requirement(path)), "done": "1"},
    ),
    Case(
        "POST opportunities:opportunity_activity_add",
        lambda w: f"/opportunities/{deal(w)}/activities/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"kind": "visit", "title": "拜访", "done": "on"},
    ),
    Case(
        "POST opportunities:opportunity_activity_done",
        lambda w: f"/opportunities/{deal_activity(w)}/done/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {},
    ),
    Case(
        "POST opportunities:opportunity_note_add",
        lambda w: f"/opportunities/{deal(w)}/notes/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"text": "跟进"},
    ),
    Case(
        "POST opportunities:review_open",
        lambda w: f"/opportunities/{review_deal(w)}/reviews/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"review_type": "ATI"},
    ),
    Case(
        "GET opportunities:review_detail",
        lambda w: f"/opportunities/reviews/{assessed_review(w)}/",
        record_rule(200, api=False),
    ),
    Case(
        "POST opportunities:review_assess",
        lambda w: f"/opportunities/reviews/{assessed_review(w)}/assess/",
        record_rule(302, who={"owner"}, api=False),
        {"role": "ar", "score_relationship": "5", "score_decision_chain": "4"},
    ),
    Case(
        "POST opportunities:review_decide",
        lambda w: f"/opportunities/reviews/{assessed_review(w)}/decide/",
        decides_on_page,
        {"decision": "go"},
    ),
    Case(
        "POST opportunities:stakeholder_set",
        lambda w: f"/opportunities/{deal(w)}/chain/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        lambda w, _: {
            "contact": str(contact(w)),
            "role": "user",
            "attitude": "neutral",
            "influence": "medium",
            "relationship": "3",
        },
    ),
    Case(
        "POST opportunities:stakeholder_remove",
        lambda w: f"/opportunities/{chain_entry(w).replace('decision-chain', 'chain')}/remove/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {},
    ),
    Case(
        "POST opportunities:bid_create",
        lambda w: f"/opportunities/{deal(w)}/bids/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {
            "tender_number": "ZB-2",
            "issuer": "采购中心",
            "submission_deadline": "2031-01-01T10:00",
            "submission_method": "portal",
        },
    ),
    Case("GET opportunities:bid_detail", lambda w: f"/opportunities/bids/{bid_id(w)}/", record_rule(200, api=False)),
    Case(
        "POST opportunities:bid_section_set",
        lambda w: f"/opportunities/bids/{bid_id(w)}/sections/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        lambda w, _: {"kind": "delivery", "due_at": "2030-01-01T10:00", "owner": str(w.owner.pk)},
    ),
    Case(
        "POST opportunities:bid_section_done",
        lambda w: f"/opportunities/bids/{bid_section(w)}/done/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {},
    ),
    Case(
        "POST opportunities:bid_document_add",
        lambda w: f"/opportunities/bids/{bid_id(w)}/documents/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"title": "资质证明", "required": "on"},
    ),
    Case(
        "POST opportunities:bid_document_upload",
        lambda w: f"/opportunities/bids/{bid_document(w)}/upload/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        files=pdf_upload,
    ),
    Case(
        "GET opportunities:bid_document_download",
        lambda w: "/opportunities/bids/{0}/versions/{2}/".format(*bid_version(w)),
        record_rule(200, api=False),
    ),
    Case(
        "POST opportunities:bid_submit",
        lambda w: f"/opportunities/bids/{bid_id(w)}/submit/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"version": "1"},
    ),
    Case(
        "POST opportunities:bid_result",
        lambda w: f"/opportunities/bids/{bid_id(w)}/result/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        {"version": "1", "result": "cancelled"},
    ),
    Case(
        "POST opportunities:opportunity_document_add",
        lambda w: f"/opportunities/{deal(w)}/documents/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        files=pdf_upload,
    ),
    Case(
        "GET opportunities:opportunity_document_download",
        lambda w: f"/opportunities/{deal_document(w)}/",
        record_rule(200, api=False),
    ),
    Case(
        "GET opportunities:stage_template_download",
        lambda w: f"/opportunities/templates/{stage_template(w)}/",
        signed_in(200, api=False, who=SIGNED_IN - {"finance", "marketing", "service"}),
    ),
    Case(
        "GET opportunities:stage_template_version_download",
        lambda w: f"/opportunities/templates/{stage_template(w)}/versions/1/",
        signed_in(200, api=False, who={"admin"}),
    ),
    Case("GET /api/v1/products", lambda w: "/api/v1/products", signed_in(200)),
    Case(
        "POST /api/v1/products",
        lambda w: "/api/v1/products",
        signed_in(201, who={"admin"}),
        body={"code": "NEW-1", "name": "新产品", "product_type": "service"},
    ),
    Case("GET /api/v1/products/{product_id}", lambda w: f"/api/v1/products/{product_id(w)}", signed_in(200)),
    Case(
        "PATCH /api/v1/products/{product_id}",
        lambda w: f"/api/v1/products/{product_id(w)}",
        signed_in(200, who={"admin"}),
        body={"family": "边缘计算"},
        headers={"If-Match": '"1"'},
    ),
    Case("GET /api/v1/price-books", lambda w: "/api/v1/price-books", signed_in(200)),
    Case(
        "GET /api/v1/price-books/{price_book_id}", lambda w: f"/api/v1/price-books/{price_book_id(w)}", signed_in(200)
    ),
    Case(
        "POST /api/v1/products/{product_id}/components",
        lambda w: f"/api/v1/products/{bundle_id(w)}/components",
        signed_in(201, who={"admin"}),
        body=lambda w, _: {"component_id": _catalog(w).service.pk, "default_quantity": "2"},
        headers=current_version(Product),
    ),
    Case(
        "PATCH /api/v1/products/{product_id}/components/{component_id}",
        lambda w: f"/api/v1/products/{bundle_id(w)}/components/{_catalog(w).server.pk}",
        signed_in(200, who={"admin"}),
        body={"required": False},
        headers=current_version(Product),
    ),
    Case(
        "DELETE /api/v1/products/{product_id}/components/{component_id}",
        lambda w: f"/api/v1/products/{bundle_id(w)}/components/{_catalog(w).server.pk}",
        signed_in(204, who={"admin"}),
        headers=current_version(Product),
    ),
    Case(
        "POST /api/v1/products/{product_id}/rules",
        lambda w: f"/api/v1/products/{bundle_id(w)}/rules",
        signed_in(201, who={"admin"}),
        body=lambda w, _: {"product_id": _catalog(w).cloud.pk, "kind": "requires", "other_id": _catalog(w).data.pk},
        headers=current_version(Product),
    ),
    Case(
        "PATCH /api/v1/products/{product_id}/rules/{rule_id}",
        lambda w: f"/api/v1/products/{bundle_rule(w)}",
        signed_in(200, who={"admin"}),
        body={"kind": "requires"},
        headers=current_version(Product),
    ),
    Case(
        "DELETE /api/v1/products/{product_id}/rules/{rule_id}",
        lambda w: f"/api/v1/products/{bundle_rule(w)}",
        signed_in(204, who={"admin"}),
        headers=current_version(Product),
    ),
    Case(
        "POST /api/v1/price-books",
        lambda w: "/api/v1/price-books",
        signed_in(201, who={"admin"}),
        body={"name": "华东价目表", "valid_from": "2026-01-01", "region": "east"},
    ),
    Case(
        "PATCH /api/v1/price-books/{price_book_id}",
        lambda w: f"/api/v1/price-books/{price_book_id(w)}",
        signed_in(200, who={"admin"}),
        body={"valid_to": "2026-12-31"},
        headers=current_version(PriceBook),
    ),
    Case(
        "POST /api/v1/price-books/{price_book_id}/deactivate",
        lambda w: f"/api/v1/price-books/{price_book_id(w)}/deactivate",
        signed_in(200, who={"admin"}),
        headers=current_version(PriceBook),
    ),
    Case(
        "PUT /api/v1/price-books/{price_book_id}/entries/{product_id}",
        lambda w: f"/api/v1/price-books/{licence_entry(w)}",
        signed_in(200, who={"admin"}),
        body={"unit_price": "2100"},
        headers=current_version(PriceBook),
    ),
    Case(
        "PATCH /api/v1/price-books/{price_book_id}/entries/{product_id}",
        lambda w: f"/api/v1/price-books/{licence_entry(w)}",
        signed_in(200, who={"admin"}),
        body={"unit_price": "2100"},
        headers=current_version(PriceBook),
    ),
    Case(
        "DELETE /api/v1/price-books/{price_book_id}/entries/{product_id}",
        lambda w: f"/api/v1/price-books/{licence_entry(w)}",
        signed_in(204, who={"admin"}),
        headers=current_version(PriceBook),
    ),
    Case(
        "POST /api/v1/price-books/{price_book_id}/entries/{product_id}/tiers",
        lambda w: f"/api/v1/price-books/{licence_entry(w)}/tiers",
        signed_in(201, who={"admin"}),
        body={"min_quantity": "500", "unit_price": "1200"},
        headers=current_version(PriceBook),
    ),
    Case(
        "PATCH /api/v1/price-books/{price_book_id}/entries/{product_id}/tiers/{tier_id}",
        lambda w: f"/api/v1/price-books/{licence_tier(w)}",
        signed_in(200, who={"admin"}),
        body={"unit_price": "1700"},
        headers=current_version(PriceBook),
    ),
    Case(
        "DELETE /api/v1/price-books/{price_book_id}/entries/{product_id}/tiers/{tier_id}",
        lambda w: f"/api/v1/price-books/{licence_tier(w)}",
        signed_in(204, who={"admin"}),
        headers=current_version(PriceBook),
    ),
    Case("GET /api/v1/contract-prices", lambda w: "/api/v1/contract-prices", signed_in(200, who={"admin"})),
    Case(
        "POST /api/v1/contract-prices",
        lambda w: "/api/v1/contract-prices",
        signed_in(201, who={"admin"}),
        body=lambda w, _: {
            "account_id": w.account.pk,
            "product_id": _catalog(w).server.pk,
            "unit_price": "45000",
            "valid_from": "2026-01-01",
        },
    ),
    Case(
        "GET /api/v1/contract-prices/{contract_price_id}",
        lambda w: f"/api/v1/contract-prices/{contract_price_id(w)}",
        signed_in(200, who={"admin"}),
    ),
    Case(
        "PATCH /api/v1/contract-prices/{contract_price_id}",
        lambda w: f"/api/v1/contract-prices/{contract_price_id(w)}",
        signed_in(200, who={"admin"}),
        body={"reference": "框架协议 B"},
        headers=current_version(ContractPrice),
    ),
    Case(
        "POST /api/v1/contract-prices/{contract_price_id}/end",
        lambda w: f"/api/v1/contract-prices/{contract_price_id(w)}/end",
        signed_in(200, who={"admin"}),
        body={},
        headers=current_version(ContractPrice),
    ),
    Case("GET /api/v1/quotes", lambda w: "/api/v1/quotes", signed_in(200)),
    Case("POST /api/v1/quotes", lambda w: "/api/v1/quotes", quote_opening, lambda w, _: priced_deal(w)),
    Case("GET /api/v1/quotes/{quote_id}", lambda w: f"/api/v1/quotes/{draft_quote(w)}", record_rule(200)),
    Case(
        "PATCH /api/v1/quotes/{quote_id}",
        lambda w: f"/api/v1/quotes/{draft_quote(w)}",
        record_rule(200, who=WRITES_QUOTE),
        body={"notes": "含三年维保"},
        headers={"If-Match": '"2"'},
    ),
    Case(
        "GET /api/v1/quotes/{quote_id}/versions",
        lambda w: f"/api/v1/quotes/{draft_quote(w)}/versions",
        record_rule(200),
    ),
    Case(
        "GET /api/v1/quotes/{quote_id}/versions/{number}",
        lambda w: f"/api/v1/quotes/{draft_quote(w)}/versions/1",
        record_rule(200),
    ),
    Case(
        "GET /api/v1/quotes/{quote_id}/compare",
        lambda w: f"/api/v1/quotes/{draft_quote(w)}/compare?a=1&b=1",
        record_rule(200),
    ),
    Case("GET /api/v1/quotes/{quote_id}/pdf", lambda w: f"/api/v1/quotes/{draft_quote(w)}/pdf", record_rule(200)),
    Case(
        "GET /api/v1/quotes/{quote_id}/timeline",
        lambda w: f"/api/v1/quotes/{draft_quote(w)}/timeline",
        record_rule(200),
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/submit",
        lambda w: f"/api/v1/quotes/{draft_quote(w)}/submit",
        record_rule(200, who=WRITES_QUOTE),
        headers={"If-Match": '"2"'},
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/revise",
        lambda w: f"/api/v1/quotes/{approved_quote(w)}/revise",
        record_rule(200, who=WRITES_QUOTE),
        headers={"If-Match": '"3"'},
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/approve",
        lambda w: f"/api/v1/quotes/{pending_quote(w)}/approve",
        record_rule(200, who=APPROVER),
        body={"comment": ""},
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/reject",
        lambda w: f"/api/v1/quotes/{pending_quote(w)}/reject",
        record_rule(200, who=APPROVER),
        body={"comment": "折扣过高"},
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/send",
        lambda w: f"/api/v1/quotes/{approved_quote(w)}/send",
        record_rule(200, who=WRITES_QUOTE),
        body={"to": "buyer@jincheng.cn"},
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/accept",
        lambda w: f"/api/v1/quotes/{sent_quote(w)}/accept",
        record_rule(200, who=WRITES_QUOTE),
        body={"name": "李采购"},
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/decline",
        lambda w: f"/api/v1/quotes/{sent_quote(w)}/decline",
        record_rule(200, who=WRITES_QUOTE),
        body={"name": "李采购"},
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/bid-offer",
        lambda w: f"/api/v1/quotes/{approved_quote(w)}/bid-offer",
        record_rule(200, who=WRITES_QUOTE),
        lambda w, path: {"section_id": commercial_section(w, Quote.objects.get(pk=path_id(path)).opportunity)},
    ),
    Case("GET quotes:quote_list", lambda w: "/quotes/", signed_in(200, api=False)),
    Case("GET quotes:quote_create", lambda w: f"/quotes/new/?opportunity={deal(w)}", quote_page_rule(200)),
    Case(
        "POST quotes:quote_create",
        lambda w: f"/quotes/new/?opportunity={deal(w)}",
        quote_page_rule(302),
        lambda w, _: catalog_only(w),
    ),
    Case("GET quotes:quote_detail", lambda w: f"/quotes/{draft_quote(w)}/", record_rule(200, api=False)),
    Case(
        "GET quotes:quote_detail (the contract's version)",
        contracted_quote_page,
        record_rule(200, who=SEES_CONTRACT, sees=SEES_CONTRACT, api=False),
    ),
    Case("GET quotes:quote_edit", lambda w: f"/quotes/{draft_quote(w)}/edit/", quote_page_rule(200)),
    Case(
        "POST quotes:quote_edit",
        lambda w: f"/quotes/{draft_quote(w)}/edit/",
        quote_page_rule(302),
        lambda w, path: quote_edit_form(Quote.objects.get(pk=path_id(path))),
    ),
    Case(
        "POST quotes:quote_totals",
        lambda w: f"/quotes/{draft_quote(w)}/totals/",
        quote_page_rule(200),
        lambda w, path: quote_edit_form(Quote.objects.get(pk=path_id(path))),
    ),
    Case("GET quotes:quote_compare", lambda w: f"/quotes/{draft_quote(w)}/compare/", record_rule(200, api=False)),
    Case("GET quotes:quote_document", lambda w: f"/quotes/{draft_quote(w)}/document/", record_rule(200, api=False)),
    Case(
        "POST quotes:quote_action",
        lambda w: f"/quotes/{draft_quote(w)}/submit/",
        quote_page_rule(302),
        body={"version": "2"},
    ),
    # process-centre settings (G): everyone signed in reads, administrators change
    Case("GET /api/v1/payment-term-templates", lambda w: "/api/v1/payment-term-templates", signed_in(200)),
    Case(
        "POST /api/v1/payment-term-templates",
        lambda w: "/api/v1/payment-term-templates",
        signed_in(201, who=ADMIN_ONLY),
        body={"name": "全款", "lines": [{"label": "发货", "percent": "100", "trigger": "delivery"}]},
    ),
    Case(
        "GET /api/v1/payment-term-templates/{template_id}",
        lambda w: f"/api/v1/payment-term-templates/{term_template(w)}",
        signed_in(200),
    ),
    Case(
        "PATCH /api/v1/payment-term-templates/{template_id}",
        lambda w: f"/api/v1/payment-term-templates/{term_template(w)}",
        signed_in(200, who=ADMIN_ONLY),
        body={"name": "三七开"},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "POST /api/v1/payment-term-templates/{template_id}/deactivate",
        lambda w: f"/api/v1/payment-term-templates/{term_template(w)}/deactivate",
        signed_in(200, who=ADMIN_ONLY),
        headers={"If-Match": '"1"'},
    ),
    Case(
        "GET /api/v1/payment-term-templates/{template_id}/timeline",
        lambda w: f"/api/v1/payment-term-templates/{term_template(w)}/timeline",
        signed_in(200),
    ),
    Case(
        "POST /api/v1/quotes/{quote_id}/apply-term-template",
        lambda w: f"/api/v1/quotes/{draft_quote(w)}/apply-term-template",
        record_rule(200, who=WRITES_QUOTE),
        body=term_template_body,
        headers=current_version(Quote),
    ),
    Case("GET /api/v1/company-profile", lambda w: "/api/v1/company-profile", signed_in(200)),
    Case(
        "PATCH /api/v1/company-profile",
        lambda w: "/api/v1/company-profile",
        signed_in(200, who=ADMIN_ONLY),
        body={"name": "示例科技有限公司"},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "POST /api/v1/company-profile/logo",
        lambda w: "/api/v1/company-profile/logo",
        signed_in(200, who=ADMIN_ONLY),
        headers={"If-Match": '"1"'},
        files=png_upload,
    ),
    Case(
        "DELETE /api/v1/company-profile/logo",
        lambda w: "/api/v1/company-profile/logo",
        signed_in(200, who=ADMIN_ONLY),
        headers={"If-Match": '"1"'},
    ),
    # Delegation while away (授权委托): the people named and administrators.
    Case("GET /api/v1/delegations", lambda w: "/api/v1/delegations", signed_in(200)),
    Case("POST /api/v1/delegations", lambda w: "/api/v1/delegations", signed_in(201), body=delegation_body),
    Case(
        "GET /api/v1/delegations/{delegation_id}",
        lambda w: f"/api/v1/delegations/{owners_delegation(w)}",
        record_rule(200, who=NAMED_IN_DELEGATION, sees=NAMED_IN_DELEGATION),
    ),
    Case(
        "POST /api/v1/delegations/{delegation_id}/cancel",
        lambda w: f"/api/v1/delegations/{owners_delegation(w)}/cancel",
        record_rule(200, who=NAMED_IN_DELEGATION, sees=NAMED_IN_DELEGATION),
        {},
    ),
    Case("GET web:delegations", lambda w: "/profile/delegations/", signed_in(200, api=False)),
    Case(
        "POST web:delegation_cancel",
        lambda w: f"/profile/delegations/{owners_delegation(w)}/cancel/",
        record_rule(302, who=NAMED_IN_DELEGATION, sees=NAMED_IN_DELEGATION, api=False),
        {},
    ),
    Case("GET /api/v1/number-formats", lambda w: "/api/v1/number-formats", signed_in(200)),
    Case("GET /api/v1/number-formats/{series}", lambda w: "/api/v1/number-formats/quote", signed_in(200)),
    Case(
        "PATCH /api/v1/number-formats/{series}",
        lambda w: "/api/v1/number-formats/quote",
        signed_in(200, who=ADMIN_ONLY),
        body={"prefix": "BJ"},
        headers={"If-Match": '"1"'},
    ),
    Case("GET process:settings_terms", lambda w: "/process/settings/terms/", signed_in(200, api=False)),
    Case(
        "POST process:settings_terms",
        lambda w: "/process/settings/terms/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        body={"name": "三七开", "active": "on", **TEMPLATE_FORM},
    ),
    Case(
        "GET process:settings_term_template",
        lambda w: f"/process/settings/terms/{term_template(w)}/",
        signed_in(200, api=False),
    ),
    Case(
        "POST process:settings_term_template",
        lambda w: f"/process/settings/terms/{term_template(w)}/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        body={"name": "三七开", "version": "1", **TEMPLATE_FORM},
    ),
    Case("GET process:settings_numbers", lambda w: "/process/settings/numbers/", signed_in(200, api=False)),
    Case(
        "GET process:settings_number_format",
        lambda w: "/process/settings/numbers/contract/",
        signed_in(200, api=False),
    ),
    Case(
        "POST process:settings_number_format",
        lambda w: "/process/settings/numbers/contract/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        body={"prefix": "HT", "year_digits": "4", "separator": "-", "width": "6", "version": "1"},
    ),
    Case("GET process:settings_company", lambda w: "/process/settings/company/", signed_in(200, api=False)),
    Case(
        "POST process:settings_company",
        lambda w: "/process/settings/company/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        body={"name": "示例科技有限公司", "version": "1"},
    ),
    Case("GET catalog:product_list", lambda w: "/catalog/products/", signed_in(200, api=False)),
    Case("GET catalog:product_detail", lambda w: f"/catalog/products/{product_id(w)}/", signed_in(200, api=False)),
    Case(
        "GET catalog:price_book_detail",
        lambda w: f"/catalog/price-books/{price_book_id(w)}/",
        signed_in(200, api=False),
    ),
    Case("GET catalog:price_book_list", lambda w: "/catalog/price-books/", signed_in(200, api=False)),
    Case(
        "POST catalog:price_book_list",
        lambda w: "/catalog/price-books/",
        signed_in(302, api=False, who={"admin"}),
        body={"name": "华东价目表", "currency": "CNY", "valid_from": "2026-01-01"},
    ),
    Case(
        "POST catalog:price_book_detail",
        lambda w: f"/catalog/price-books/{price_book_id(w)}/",
        signed_in(302, api=False, who={"admin"}),
        body={"name": "标准价目表 2026", "currency": "CNY", "valid_from": "2026-01-01", "version": "1"},
    ),
    Case(
        "POST catalog:price_book_deactivate",
        lambda w: f"/catalog/price-books/{price_book_id(w)}/deactivate/",
        signed_in(302, api=False, who={"admin"}),
        body={"version": "1"},
    ),
    Case(
        "POST catalog:entry_set",
        lambda w: f"/catalog/price-books/{price_book_id(w)}/entries/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(PriceBook, lambda w: {"product": _catalog(w).server.pk, "unit_price": "48000"}),
    ),
    Case(
        "POST catalog:entry_remove",
        lambda w: f"/catalog/price-books/{licence_entry(w)}/remove/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(PriceBook),
    ),
    Case(
        "POST catalog:tier_add",
        lambda w: f"/catalog/price-books/{licence_entry(w)}/tiers/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(PriceBook, lambda w: licence_tier_form(w, min_quantity="500", unit_price="1200")),
    ),
    Case(
        "POST catalog:tier_remove",
        lambda w: f"/catalog/price-books/{price_book_id(w)}/tiers/{licence_tier(w).rsplit('/', 1)[1]}/remove/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(PriceBook),
    ),
    Case(
        "POST catalog:component_add",
        lambda w: f"/catalog/products/{bundle_id(w)}/components/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(
            Product, lambda w: {"component": _catalog(w).service.pk, "min_quantity": "1", "default_quantity": "1"}
        ),
    ),
    Case(
        "POST catalog:component_remove",
        lambda w: f"/catalog/products/{bundle_id(w)}/components/{_catalog(w).server.pk}/remove/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(Product),
    ),
    Case(
        "POST catalog:rule_add",
        lambda w: f"/catalog/products/{bundle_id(w)}/rules/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(
            Product, lambda w: {"product": _catalog(w).cloud.pk, "kind": "requires", "other": _catalog(w).data.pk}
        ),
    ),
    Case(
        "POST catalog:rule_remove",
        lambda w: f"/catalog/products/{bundle_rule(w)}/remove/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(Product),
    ),
    Case(
        "POST catalog:contract_price_add",
        lambda w: f"/catalog/products/{product_id(w)}/contract-prices/",
        signed_in(302, api=False, who={"admin"}),
        body=lambda w, _: {
            "account": w.account.pk,
            "currency": "CNY",
            "unit_price": "45000",
            "valid_from": "2026-01-01",
        },
    ),
    Case(
        "POST catalog:product_detail",
        lambda w: f"/catalog/products/{product_id(w)}/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(
            Product,
            lambda w: {
                "code": "SRV-01",
                "name": "边缘服务器",
                "product_type": "hardware",
                "unit": "台",
                "cost": "30000",
                "tax_rate": "13",
                "active": "on",
                "description": "工业级边缘服务器",
            },
        ),
    ),
    Case(
        "POST catalog:component_update",
        lambda w: f"/catalog/products/{bundle_id(w)}/components/{_catalog(w).server.pk}/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(Product, lambda w: catalog_part_form(w, min_quantity="1", default_quantity="2")),
    ),
    Case(
        "POST catalog:rule_update",
        lambda w: f"/catalog/products/{bundle_rule(w)}/",
        signed_in(302, api=False, who={"admin"}),
        body=lambda w, path: {
            "version": str(Product.objects.get(pk=path.split("/")[3]).version),
            f"rule{path.split('/')[5]}-product": str(_catalog(w).onprem.pk),
            f"rule{path.split('/')[5]}-kind": "requires",
            f"rule{path.split('/')[5]}-other": str(_catalog(w).server.pk),
        },
    ),
    Case(
        "POST catalog:contract_price_update",
        lambda w: f"/catalog/contract-prices/{contract_price_id(w)}/",
        signed_in(302, api=False, who={"admin"}),
        body=lambda w, path: {
            "version": "1",
            **{
                f"cp{path.split('/')[3]}-{name}": value
                for name, value in {
                    "currency": "CNY",
                    "unit_price": "1200",
                    "valid_from": _catalog(w).book.valid_from.isoformat(),
                    "reference": "框架协议 A",
                }.items()
            },
        },
    ),
    Case(
        "POST catalog:entry_update",
        lambda w: f"/catalog/price-books/{licence_entry(w)}/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(
            PriceBook,
            lambda w: {f"entry{_catalog(w).book.entries.get(product=_catalog(w).licence).pk}-unit_price": "2100"},
        ),
    ),
    Case(
        "POST catalog:tier_update",
        lambda w: f"/catalog/price-books/{price_book_id(w)}/tiers/{licence_tier(w).rsplit('/', 1)[1]}/",
        signed_in(302, api=False, who={"admin"}),
        body=catalog_page_version(PriceBook, lambda w: catalog_tier_edit_form(w, min_quantity="50", unit_price="1700")),
    ),
    Case(
        "POST catalog:contract_price_end",
        lambda w: f"/catalog/contract-prices/{contract_price_id(w)}/end/",
        signed_in(302, api=False, who={"admin"}),
        body=lambda w, _: {"version": "1"},
    ),
    # contracts, change requests, orders, deliveries, milestones
    Case("GET /api/v1/contracts", lambda w: "/api/v1/contracts", signed_in(200)),
    Case(
        "POST /api/v1/contracts",
        lambda w: "/api/v1/contracts",
        contract_opening,
        lambda w, _: {"quote_id": accepted_quote_id(w)},
    ),
    Case(
        "GET /api/v1/contracts/{contract_id}",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "PATCH /api/v1/contracts/{contract_id}",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}",
        contract_rule(200, CHANGES_RECORD),
        {"penalty_clause": "逾期每日千分之一"},
        current_version(Contract),
    ),
    Case(
        "GET /api/v1/contracts/{contract_id}/versions",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}/versions",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "GET /api/v1/contracts/{contract_id}/versions/{number}",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}/versions/1",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "GET /api/v1/contracts/{contract_id}/compare",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}/compare?a=1&b=1",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "GET /api/v1/contracts/{contract_id}/timeline",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}/timeline",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "GET /api/v1/contracts/{contract_id}/close-check",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}/close-check",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/submit-review",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}/submit-review",
        contract_rule(200, CHANGES_RECORD),
        {},
        current_version(Contract),
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/review/checks",
        lambda w: f"/api/v1/contracts/{review_contract(w)}/review/checks",
        contract_rule(200, {"finance"}),
        {"item": "margin", "result": "ok"},
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/approve",
        lambda w: f"/api/v1/contracts/{checked_contract(w)}/approve",
        contract_rule(200, DECIDES_CONTRACT),
        {},
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/reject",
        lambda w: f"/api/v1/contracts/{review_contract(w)}/reject",
        contract_rule(200, DECIDES_CONTRACT),
        {"note": "罚则过重"},
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/sign",
        lambda w: f"/api/v1/contracts/{approved_contract(w)}/sign",
        contract_rule(200, CHANGES_RECORD),
        {"signed_on": "2026-01-05", "customer_signatory": "王总", "our_signatory": "张经理"},
        current_version(Contract),
        files=lambda: {"signed_copy": SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed")},
    ),
    Case(
        "GET /api/v1/contracts/{contract_id}/signed-copy",
        lambda w: f"/api/v1/contracts/{signed_contract(w)}/signed-copy",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/accept",
        lambda w: f"/api/v1/contracts/{signed_contract(w)}/accept",
        contract_rule(200, DELIVERS),
        {
            "scope_confirmed": True,
            "deliverables_confirmed": True,
            "meeting_on": "2026-01-05",
            "ar_present": True,
            "sr_present": True,
        },
        current_version(Contract),
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/complete",
        lambda w: f"/api/v1/contracts/{delivered_contract(w)}/complete",
        contract_rule(200, DELIVERS),
        {},
        current_version(Contract),
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/close",
        lambda w: f"/api/v1/contracts/{settled_contract(w)}/close",
        contract_rule(200, CHANGES_RECORD),
        {"satisfaction": 4},
        current_version(Contract),
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/terminate",
        lambda w: f"/api/v1/contracts/{signed_contract(w)}/terminate",
        contract_rule(200, TERMINATES),
        {"reason": "客户破产"},
        current_version(Contract),
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/milestones",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}/milestones",
        contract_rule(201, WORKS_CONTRACT),
        {"name": "上线", "planned_date": "2027-03-01"},
    ),
    Case(
        "POST /api/v1/contracts/{contract_id}/risks",
        lambda w: f"/api/v1/contracts/{draft_contract(w)}/risks",
        contract_rule(201, WORKS_CONTRACT),
        {"title": "交期风险"},
    ),
    Case(
        "PATCH /api/v1/risks/{risk_id}",
        lambda w: f"/api/v1/risks/{contract_risk(w)}",
        contract_rule(200, WORKS_CONTRACT),
        {"status": "closed"},
    ),
    Case("GET /api/v1/evaluations", lambda w: "/api/v1/evaluations", signed_in(200)),
    Case("GET /api/v1/change-requests", lambda w: "/api/v1/change-requests", signed_in(200)),
    Case(
        "POST /api/v1/change-requests",
        lambda w: "/api/v1/change-requests",
        named_in_body(201, WORKS_CONTRACT),
        lambda w, _: change_proposal(accepted_contract(w)),
    ),
    Case(
        "GET /api/v1/change-requests/{change_id}",
        lambda w: f"/api/v1/change-requests/{change_request(w)}",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "POST /api/v1/change-requests/{change_id}/assess",
        lambda w: f"/api/v1/change-requests/{change_request(w)}/assess",
        contract_rule(200, {"owner"}),
        {"role": "ar", "verdict": "support"},
    ),
    Case(
        "POST /api/v1/change-requests/{change_id}/decide",
        lambda w: f"/api/v1/change-requests/{change_request(w)}/decide",
        contract_rule(200, DECIDES_CONTRACT),
        {"approve": False, "note": "不做"},
    ),
    Case("GET /api/v1/orders", lambda w: "/api/v1/orders", signed_in(200)),
    Case(
        "POST /api/v1/orders",
        lambda w: "/api/v1/orders",
        named_in_body(201, DELIVERS),
        lambda w, _: {"contract_id": accepted_contract(w)},
    ),
    Case(
        "GET /api/v1/orders/{order_id}",
        lambda w: f"/api/v1/orders/{contract_order(w)}",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "PATCH /api/v1/orders/{order_id}",
        lambda w: f"/api/v1/orders/{contract_order(w)}",
        contract_rule(200, DELIVERS),
        {"erp_reference": "SAP-1"},
        IF_MATCH,
    ),
    Case("GET /api/v1/deliveries", lambda w: "/api/v1/deliveries", signed_in(200)),
    Case(
        "POST /api/v1/deliveries",
        lambda w: "/api/v1/deliveries",
        named_in_body(201, DELIVERS),
        lambda w, _: goods_delivery(contract_order(w)),
    ),
    Case("GET /api/v1/milestones", lambda w: "/api/v1/milestones", signed_in(200)),
    Case(
        "GET /api/v1/milestones/{milestone_id}",
        lambda w: f"/api/v1/milestones/{draft_milestone(w)}",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case(
        "PATCH /api/v1/milestones/{milestone_id}",
        lambda w: f"/api/v1/milestones/{draft_milestone(w)}",
        contract_rule(200, WORKS_CONTRACT),
        {"name": "到货", "planned_date": "2027-01-10"},
    ),
    Case(
        "POST /api/v1/milestones/{milestone_id}/deliver",
        lambda w: f"/api/v1/milestones/{executing_milestone(w)}/deliver",
        contract_rule(200, DELIVERS),
        {"delivered_on": "2026-01-05"},
    ),
    Case(
        "POST /api/v1/milestones/{milestone_id}/accept",
        lambda w: f"/api/v1/milestones/{delivered_milestone(w)}/accept",
        contract_rule(200, DELIVERS),
        lambda w, _: {"accepted_on": timezone.localdate().isoformat(), "accepted_by_name": "李工"},
        files=lambda: {"acceptance_document": SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed")},
    ),
    Case(
        "POST /api/v1/milestones/{milestone_id}/refuse",
        lambda w: f"/api/v1/milestones/{delivered_milestone(w)}/refuse",
        contract_rule(200, DELIVERS),
        {"note": "文档不全"},
    ),
    Case(
        "GET /api/v1/milestones/{milestone_id}/acceptance-document",
        lambda w: f"/api/v1/milestones/{accepted_milestone(w)}/acceptance-document",
        contract_rule(200, SEES_CONTRACT),
    ),
    Case("GET /api/v1/events", lambda w: "/api/v1/events", signed_in(200, who={"admin"})),
    Case("GET /api/v1/search", lambda w: "/api/v1/search?q=锦程", signed_in(200)),
    Case("GET /api/v1/config/qualification-policy", lambda w: "/api/v1/config/qualification-policy", signed_in(200)),
    Case(
        "PUT /api/v1/config/qualification-policy",
        lambda w: "/api/v1/config/qualification-policy",
        signed_in(200, who=ADMIN_ONLY),
        {"required_items": ["contact_reached", "need_confirmed"]},
        lambda w, _: {"If-Match": f'"{qualification_policy_version()}"'},
    ),
    Case("GET /api/v1/assignment-rules", lambda w: "/api/v1/assignment-rules", signed_in(200)),
    Case(
        "POST /api/v1/assignment-rules",
        lambda w: "/api/v1/assignment-rules",
        signed_in(201, who=ADMIN_ONLY),
        lambda w, _: {"name": "华北", "region": "north", "assign_user_id": w.manager.pk},
    ),
    Case(
        "POST /api/v1/assignment-rules/preview",
        lambda w: "/api/v1/assignment-rules/preview",
        signed_in(200, who=ADMIN_ONLY),
        lambda w, _: {"rule": {"name": "华北", "assign_user_id": w.manager.pk}, "sample": {"lead_id": w.lead.pk}},
    ),
    Case(
        "POST /api/v1/assignment-rules/reorder",
        lambda w: "/api/v1/assignment-rules/reorder",
        signed_in(200, who=ADMIN_ONLY),
        active_rule_ids,
    ),
    Case(
        "GET /api/v1/assignment-rules/{rule_id}",
        lambda w: f"/api/v1/assignment-rules/{routing_rule(w)}",
        signed_in(200),
    ),
    Case(
        "PATCH /api/v1/assignment-rules/{rule_id}",
        lambda w: f"/api/v1/assignment-rules/{routing_rule(w)}",
        signed_in(200, who=ADMIN_ONLY),
        {"order": 5},
        version_of("leads.AssignmentRule"),
    ),
    Case(
        "POST /api/v1/assignment-rules/{rule_id}/deactivate",
        lambda w: f"/api/v1/assignment-rules/{routing_rule(w)}/deactivate",
        signed_in(200, who=ADMIN_ONLY),
        {},
        version_of("leads.AssignmentRule"),
    ),
    Case("GET /api/v1/scoring-rules", lambda w: "/api/v1/scoring-rules", signed_in(200)),
    Case(
        "POST /api/v1/scoring-rules",
        lambda w: "/api/v1/scoring-rules",
        signed_in(201, who=MANAGES_SCORING),
        {"name": "有手机", "criterion": "has_mobile", "points": 5},
    ),
    Case("GET /api/v1/scoring-rules/{rule_id}", lambda w: f"/api/v1/scoring-rules/{scoring_rule(w)}", signed_in(200)),
    Case(
        "PATCH /api/v1/scoring-rules/{rule_id}",
        lambda w: f"/api/v1/scoring-rules/{scoring_rule(w)}",
        signed_in(200, who=MANAGES_SCORING),
        {"points": 15},
        version_of("leads.ScoringRule"),
    ),
    Case(
        "POST /api/v1/scoring-rules/{rule_id}/deactivate",
        lambda w: f"/api/v1/scoring-rules/{scoring_rule(w)}/deactivate",
        signed_in(200, who=MANAGES_SCORING),
        {},
        version_of("leads.ScoringRule"),
    ),
    Case("GET /api/v1/authority", lambda w: "/api/v1/authority", signed_in(200)),
    Case(
        "POST /api/v1/authority",
        lambda w: "/api/v1/authority",
        signed_in(201, who=ADMIN_ONLY),
        {"subject": "review_ati", "role": "sales_manager", "max_amount": "3000000"},
    ),
    Case("GET /api/v1/authority/{line_id}", lambda w: f"/api/v1/authority/{authority_line(w)}", signed_in(200)),
    Case(
        "PATCH /api/v1/authority/{line_id}",
        lambda w: f"/api/v1/authority/{authority_line(w)}",
        signed_in(200, who=ADMIN_ONLY),
        {"max_amount": "6000000"},
        version_of("org.Authority"),
    ),
    Case(
        "DELETE /api/v1/authority/{line_id}",
        lambda w: f"/api/v1/authority/{authority_line(w)}",
        signed_in(204, who=ADMIN_ONLY),
        None,
        version_of("org.Authority"),
    ),
    Case("GET process:routing", lambda w: "/process/routing/", signed_in(200, api=False)),
    Case(
        "POST process:routing", lambda w: "/process/routing/", signed_in(302, api=False, who=ADMIN_ONLY), routing_form
    ),
    Case(
        "GET process:routing_edit",
        lambda w: f"/process/routing/{routing_rule(w)}/",
        signed_in(200, api=False),
    ),
    Case(
        "POST process:routing_edit",
        lambda w: f"/process/routing/{routing_rule(w)}/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        routing_form,
    ),
    Case(
        "POST process:routing_deactivate",
        lambda w: f"/process/routing/{routing_rule(w)}/deactivate/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        posted_version("leads.AssignmentRule"),
    ),
    Case(
        "POST process:routing_move",
        lambda w: f"/process/routing/{routing_rule(w)}/move/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        {"direction": "down"},
    ),
    Case(
        "POST process:routing_preview",
        lambda w: "/process/routing/preview/",
        signed_in(200, api=False, who=ADMIN_ONLY),
        lambda w, path: {**routing_form(w, path), "sample_lead": str(w.lead.pk)},
    ),
    Case("GET process:qualification_policy", lambda w: "/process/qualification/", signed_in(200, api=False)),
    Case(
        "POST process:qualification_policy",
        lambda w: "/process/qualification/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        lambda w, _: {"required_items": ["contact_reached"], "version": str(qualification_policy_version())},
    ),
    Case("GET process:scoring", lambda w: "/process/scoring/", signed_in(200, api=False)),
    Case(
        "POST process:scoring",
        lambda w: "/process/scoring/",
        signed_in(302, api=False, who=MANAGES_SCORING),
        scoring_form,
    ),
    Case("GET process:scoring_edit", lambda w: f"/process/scoring/{scoring_rule(w)}/", signed_in(200, api=False)),
    Case(
        "POST process:scoring_edit",
        lambda w: f"/process/scoring/{scoring_rule(w)}/",
        signed_in(302, api=False, who=MANAGES_SCORING),
        scoring_form,
    ),
    Case(
        "POST process:scoring_deactivate",
        lambda w: f"/process/scoring/{scoring_rule(w)}/deactivate/",
        signed_in(302, api=False, who=MANAGES_SCORING),
        posted_version("leads.ScoringRule"),
    ),
    Case("GET process:authority", lambda w: "/process/authority/", signed_in(200, api=False)),
    Case(
        "POST process:authority",
        lambda w: "/process/authority/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        authority_form,
    ),
    Case("GET process:authority_edit", lambda w: f"/process/authority/{authority_line(w)}/", signed_in(200, api=False)),
    Case(
        "POST process:authority_edit",
        lambda w: f"/process/authority/{authority_line(w)}/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        authority_form,
    ),
    Case(
        "GET process:authority_remove",
        lambda w: f"/process/authority/{authority_line(w)}/remove/",
        signed_in(200, api=False, who=ADMIN_ONLY),
    ),
    Case(
        "POST process:authority_remove",
        lambda w: f"/process/authority/{authority_line(w)}/remove/",
        signed_in(302, api=False, who=ADMIN_ONLY),
        posted_version("org.Authority"),
    ),
    Case("GET contracts:contract_list", lambda w: "/contracts/", signed_in(200, api=False)),
    Case(
        "POST contracts:contract_create",
        lambda w: "/contracts/new/",
        record_rule(302, who=CHANGES_RECORD, api=False),
        lambda w, _: {"quote": str(accepted_quote_id(w))},
    ),
    Case(
        "GET contracts:contract_detail",
        lambda w: f"/contracts/{draft_contract(w)}/",
        contract_rule(200, SEES_CONTRACT, api=False),
    ),
    Case(
        "GET contracts:contract_edit",
        lambda w: f"/contracts/{draft_contract(w)}/edit/",
        record_rule(200, who=CHANGES_RECORD, sees=CHANGES_RECORD, api=False),
    ),
    Case(
        "POST contracts:contract_edit",
        lambda w: f"/contracts/{draft_contract(w)}/edit/",
        record_rule(302, who=CHANGES_RECORD, sees=CHANGES_RECORD, api=False),
        lambda w, path: contract_edit_form(Contract.objects.get(pk=path_id(path))),
    ),
    Case(
        "GET contracts:contract_compare",
        lambda w: f"/contracts/{draft_contract(w)}/compare/",
        contract_rule(200, SEES_CONTRACT, api=False),
    ),
    Case(
        "GET contracts:signed_copy",
        lambda w: f"/contracts/{signed_contract(w)}/signed-copy/",
        contract_rule(200, SEES_CONTRACT, api=False),
    ),
    Case(
        "GET contracts:change_create",
        lambda w: f"/contracts/{accepted_contract(w)}/change/",
        contract_rule(200, WORKS_CONTRACT, api=False),
    ),
    Case(
        "POST contracts:change_create",
        lambda w: f"/contracts/{accepted_contract(w)}/change/",
        contract_rule(302, WORKS_CONTRACT, api=False),
        lambda w, path: {
            "origin": "customer",
            "title": "加一人天",
            "reason": "客户要求",
            f"line-{implementation_line(path_id(path))}-quantity": "11",
        },
    ),
    Case(
        "POST contracts:contract_action",
        lambda w: f"/contracts/{draft_contract(w)}/submit/",
        contract_rule(302, CHANGES_RECORD, api=False),
        {"version": "1"},
    ),
    Case(
        "GET contracts:change_detail",
        lambda w: f"/contracts/changes/{change_request(w)}/",
        contract_rule(200, SEES_CONTRACT, api=False),
    ),
    Case(
        "POST contracts:change_detail",
        lambda w: f"/contracts/changes/{change_request(w)}/",
        contract_rule(302, {"owner"}, api=False),
        {"action": "assess", "role": "ar", "verdict": "support"},
    ),
    Case(
        "GET contracts:order_detail",
        lambda w: f"/contracts/orders/{contract_order(w)}/",
        contract_rule(200, SEES_CONTRACT, api=False),
    ),
    Case(
        "POST contracts:order_detail",
        lambda w: f"/contracts/orders/{contract_order(w)}/",
        contract_rule(302, DELIVERS, api=False),
        {"action": "erp", "version": "1", "erp_reference": "SAP-1"},
    ),
    Case(
        "POST contracts:milestone_action",
        lambda w: f"/contracts/milestones/{executing_milestone(w)}/deliver/",
        contract_rule(302, DELIVERS, api=False),
        {"delivered_on": "2026-01-05"},
    ),
    Case(
        "GET contracts:milestone_document",
        lambda w: f"/contracts/milestones/{accepted_milestone(w)}/document/",
        contract_rule(200, SEES_CONTRACT, api=False),
    ),
    Case("GET contracts:evaluation_report", lambda w: "/contracts/evaluations/", signed_in(200, api=False)),
    # billing
    Case("GET /api/v1/billing-schedules", lambda w: "/api/v1/billing-schedules", signed_in(200)),
    Case(
        "GET /api/v1/billing-schedules/{contract_id}",
        lambda w: f"/api/v1/billing-schedules/{billed_contract(w)}",
        billing_rule(200),
    ),
    Case(
        "POST /api/v1/billing-schedules/lines/{line_id}/invoice",
        lambda w: f"/api/v1/billing-schedules/lines/{due_line(w)}/invoice",
        billing_rule(201, MONEY),
        {},
    ),
    Case("GET /api/v1/invoices", lambda w: "/api/v1/invoices", signed_in(200)),
    Case("GET /api/v1/invoices/{invoice_id}", lambda w: f"/api/v1/invoices/{draft_invoice(w)}", billing_rule(200)),
    Case(
        "PATCH /api/v1/invoices/{invoice_id}",
        lambda w: f"/api/v1/invoices/{draft_invoice(w)}",
        billing_rule(200, MONEY),
        {"payment_days": 45},
        current_version(Invoice),
    ),
    Case(
        "POST /api/v1/invoices/{invoice_id}/issue",
        lambda w: f"/api/v1/invoices/{draft_invoice(w)}/issue",
        billing_rule(200, MONEY),
        {},
        current_version(Invoice),
    ),
    Case(
        "POST /api/v1/invoices/{invoice_id}/cancel",
        lambda w: f"/api/v1/invoices/{draft_invoice(w)}/cancel",
        billing_rule(200, MONEY),
        {},
    ),
    Case(
        "POST /api/v1/invoices/{invoice_id}/credit",
        lambda w: f"/api/v1/invoices/{issued_invoice(w)}/credit",
        billing_rule(201, MONEY),
        {"amount": "100.00", "reason": "折让"},
    ),
    Case(
        "POST /api/v1/invoices/{invoice_id}/tax-invoice",
        lambda w: f"/api/v1/invoices/{issued_invoice(w)}/tax-invoice",
        billing_rule(200, MONEY),
        lambda w, _: {"number": "04400190011", "issued_on": str(timezone.localdate())},
    ),
    Case(
        "GET /api/v1/invoices/{invoice_id}/pdf", lambda w: f"/api/v1/invoices/{draft_invoice(w)}/pdf", billing_rule(200)
    ),
    Case(
        "POST /api/v1/invoices/{invoice_id}/promises",
        lambda w: f"/api/v1/invoices/{issued_invoice(w)}/promises",
        billing_rule(201, PROMISES),
        lambda w, _: {"amount": "100.00", "promised_on": str(timezone.localdate() + timedelta(days=7))},
    ),
    Case("GET /api/v1/payments", lambda w: "/api/v1/payments", signed_in(200)),
    Case(
        "POST /api/v1/payments",
        lambda w: "/api/v1/payments",
        signed_in(201, who=MONEY),
        lambda w, _: {"account_id": w.account.pk, "amount": "100.00", "received_on": str(timezone.localdate())},
    ),
    Case("GET /api/v1/payments/{payment_id}", lambda w: f"/api/v1/payments/{receipt(w)}", billing_rule(200)),
    Case(
        "POST /api/v1/payments/{payment_id}/allocate",
        lambda w: f"/api/v1/payments/{receipt(w)}/allocate",
        billing_rule(200, MONEY),
        lambda w, _: {"allocations": [{"invoice_id": open_invoice(), "amount": "100.00"}]},
    ),
    Case(
        "POST /api/v1/payments/{payment_id}/refund",
        lambda w: f"/api/v1/payments/{receipt(w)}/refund",
        billing_rule(201, MONEY),
        {"amount": "100.00"},
    ),
    Case(
        "POST /api/v1/payments/{payment_id}/reverse",
        lambda w: f"/api/v1/payments/{receipt(w)}/reverse",
        billing_rule(201, MONEY),
        {"reason": "退票"},
    ),
    Case("GET /api/v1/receivables/aging", lambda w: "/api/v1/receivables/aging", signed_in(200)),
    Case("GET /api/v1/receivables/forecast", lambda w: "/api/v1/receivables/forecast", signed_in(200)),
    Case(
        "GET /api/v1/receivables/balances/{account_id}",
        lambda w: f"/api/v1/receivables/balances/{w.account.pk}",
        billing_rule(200),
    ),
    Case("GET /api/v1/collections", lambda w: "/api/v1/collections", signed_in(200)),
    Case(
        "POST /api/v1/bank-statements",
        lambda w: "/api/v1/bank-statements",
        signed_in(201, who=MONEY),
        files=csv_upload(STATEMENT_CSV),
    ),
    Case(
        "GET /api/v1/bank-statements/{statement_id}",
        lambda w: f"/api/v1/bank-statements/{statement(w)}",
        billing_rule(200, MONEY, sees=MONEY),
    ),
    Case(
        "POST /api/v1/bank-statements/lines/{line_id}/record",
        lambda w: f"/api/v1/bank-statements/lines/{statement_line(w)}/record",
        billing_rule(201, MONEY, sees=MONEY),
        lambda w, _: {"account_id": w.account.pk},
    ),
    Case(
        "POST /api/v1/bank-statements/lines/{line_id}/ignore",
        lambda w: f"/api/v1/bank-statements/lines/{statement_line(w)}/ignore",
        billing_rule(200, MONEY, sees=MONEY),
        {},
    ),
    Case("GET billing:invoice_list", lambda w: "/billing/", signed_in(200, api=False)),
    Case(
        "GET billing:invoice_detail",
        lambda w: f"/billing/invoices/{draft_invoice(w)}/",
        billing_rule(200, api=False),
    ),
    Case(
        "GET billing:invoice_pdf",
        lambda w: f"/billing/invoices/{draft_invoice(w)}/pdf/",
        billing_rule(200, api=False),
    ),
    Case(
        "POST billing:invoice_action",
        lambda w: f"/billing/invoices/{draft_invoice(w)}/issue/",
        billing_rule(302, MONEY, api=False),  # who sees it but may not issue: 403, as in the API
        {"version": "1"},
    ),
    Case("GET billing:schedule", lambda w: f"/billing/schedule/{billed_contract(w)}/", billing_rule(200, api=False)),
    Case(
        "POST billing:line_invoice",
        lambda w: f"/billing/schedule/lines/{due_line(w)}/invoice/",
        billing_rule(302, api=False),
    ),
    Case("GET billing:payment_list", lambda w: "/billing/payments/", signed_in(200, api=False)),
    Case(
        "GET billing:payment_create",
        lambda w: f"/billing/payments/new/?account={w.account.pk}",
        billing_rule(200, MONEY, sees=MONEY, api=False),
    ),
    Case(
        "POST billing:payment_create",
        lambda w: "/billing/payments/new/",
        billing_rule(302, MONEY, sees=MONEY, api=False),
        lambda w, _: {
            "account": str(w.account.pk),
            "amount": "100.00",
            "currency": "CNY",
            "received_on": "2026-01-05",
            "method": "bank",
        },
    ),
    Case("GET billing:payment_detail", lambda w: f"/billing/payments/{receipt(w)}/", billing_rule(200, api=False)),
    Case(
        "POST billing:payment_action",
        lambda w: f"/billing/payments/{receipt(w)}/refund/",
        billing_rule(302, api=False),
        {"amount": "10.00"},
    ),
    Case(
        "GET billing:statement_list", lambda w: "/billing/statements/", billing_rule(200, MONEY, sees=MONEY, api=False)
    ),
    Case(
        "POST billing:statement_list",
        lambda w: "/billing/statements/",
        billing_rule(422, MONEY, sees=MONEY, api=False),
        {},
    ),
    Case(
        "GET billing:statement_detail",
        lambda w: f"/billing/statements/{statement(w)}/",
        billing_rule(200, MONEY, sees=MONEY, api=False),
    ),
    Case(
        "POST billing:statement_line_action",
        lambda w: f"/billing/statements/lines/{statement_line(w)}/ignore/",
        billing_rule(302, MONEY, sees=MONEY, api=False),
    ),
    Case("GET billing:receivables", lambda w: "/billing/receivables/", signed_in(200, api=False)),
    Case("GET billing:collections", lambda w: "/billing/collections/", signed_in(200, api=False)),
    Case(
        "POST billing:collections",
        lambda w: "/billing/collections/",
        billing_rule(302, MONEY, sees=MONEY, api=False),
    ),
]
# --- process centre: the map (p17 A) ---------------------------------------------------------------
# Everyone signed in reads the map; administrators change it (a node's process owner too: tested in
# ltc/process/tests/test_map_services.py).


def map_node(code: str) -> Callable[[Any], int]:
    def pk(w: Any) -> int:
        from ltc.process.models import ProcessNode

        return ProcessNode.objects.get(code=code).pk

    return pk


def map_binding(w: Any) -> str:
    """The ATB review bound to 制定并提交标书, as /<node>/bindings/<binding>."""
    from ltc.process.models import ProcessBinding

    binding = ProcessBinding.objects.get(kind="review", key="ATB")
    return f"{binding.node_id}/bindings/{binding.pk}"


def map_node_version(w: Any, path: str) -> dict[str, str]:
    from ltc.process.models import ProcessNode

    return {"If-Match": f'"{ProcessNode.objects.get(pk=path.split("/")[5]).version}"'}


def map_node_form(w: Any, path: str) -> dict[str, Any]:
    return {
        "version": "1",
        "code": "MO.4",
        "name_zh": "制定和提交标书",
        "name_en": "Bid",
        "order": "4",
        "purpose_zh": "按时递交完整的标书。",
        "purpose_en": "A complete bid, on time.",
    }


MAP_CHANGE = ADMIN_ONLY
CASES += [
    Case("GET /api/v1/process/nodes", lambda w: "/api/v1/process/nodes", signed_in(200)),
    Case(
        "POST /api/v1/process/nodes",
        lambda w: "/api/v1/process/nodes",
        signed_in(201, who=MAP_CHANGE),
        lambda w, path: {
            "parent_id": map_node("MO.4")(w),
            "code": "MO.4.1",
            "name_zh": "投标评审",
            "name_en": "Review",
            "purpose_zh": "评审标书。",
            "purpose_en": "Review the bid.",
        },
    ),
    Case(
        "GET /api/v1/process/nodes/{node_id}", lambda w: f"/api/v1/process/nodes/{map_node('MO.4')(w)}", signed_in(200)
    ),
    Case(
        "PATCH /api/v1/process/nodes/{node_id}",
        lambda w: f"/api/v1/process/nodes/{map_node('MO.4')(w)}",
        signed_in(200, who=MAP_CHANGE),
        {"name_en": "Bid"},
        map_node_version,
    ),
    Case(
        "POST /api/v1/process/nodes/{node_id}/deactivate",
        lambda w: f"/api/v1/process/nodes/{map_node('MO.2')(w)}/deactivate",
        signed_in(200, who=MAP_CHANGE),
        headers=map_node_version,
    ),
    Case(
        "POST /api/v1/process/nodes/{node_id}/bindings",
        lambda w: f"/api/v1/process/nodes/{map_node('MO.4')(w)}/bindings",
        signed_in(201, who=MAP_CHANGE),
        {"kind": "lead_status", "key": "converted"},
    ),
    Case(
        "DELETE /api/v1/process/nodes/{node_id}/bindings/{binding_id}",
        lambda w: f"/api/v1/process/nodes/{map_binding(w)}",
        signed_in(204, who=MAP_CHANGE),
    ),
    Case(
        "GET /api/v1/process/nodes/{node_id}/timeline",
        lambda w: f"/api/v1/process/nodes/{map_node('MO.4')(w)}/timeline",
        signed_in(200),
    ),
    Case("GET process:map", lambda w: "/process/", signed_in(200, api=False)),
    Case("GET process:node_detail", lambda w: f"/process/nodes/{map_node('MO.4')(w)}/", signed_in(200, api=False)),
    Case(
        "GET process:node_edit",
        lambda w: f"/process/nodes/{map_node('MO.4')(w)}/edit/",
        signed_in(200, api=False, who=MAP_CHANGE),
    ),
    Case(
        "POST process:node_edit",
        lambda w: f"/process/nodes/{map_node('MO.4')(w)}/edit/",
        signed_in(302, api=False, who=MAP_CHANGE),
        map_node_form,
    ),
    Case(
        "GET process:node_add",
        lambda w: f"/process/nodes/{map_node('MO.4')(w)}/add/",
        signed_in(200, api=False, who=MAP_CHANGE),
    ),
    Case(
        "POST process:node_add",
        lambda w: f"/process/nodes/{map_node('MO.4')(w)}/add/",
        signed_in(302, api=False, who=MAP_CHANGE),
        {"code": "MO.4.1", "name_zh": "投标评审", "name_en": "Review", "order": "1"},
    ),
    Case(
        "POST process:node_deactivate",
        lambda w: f"/process/nodes/{map_node('MO.2')(w)}/deactivate/",
        signed_in(302, api=False, who=MAP_CHANGE),
        {"version": "1"},
    ),
    Case(
        "POST process:binding_add",
        lambda w: f"/process/nodes/{map_node('MO.4')(w)}/bindings/",
        signed_in(302, api=False, who=MAP_CHANGE),
        {"target": "lead_status:converted"},
    ),
    Case(
        "POST process:binding_remove",
        lambda w: f"/process/nodes/{map_binding(w)}/remove/",
        signed_in(302, api=False, who=MAP_CHANGE),
    ),
]
# --- process centre: moving a configuration (p17 D) -------------------------------------------


def configuration_import_body(w: Any, path: str) -> dict[str, Any]:
    from ltc.process.transfer import configuration_export

    return {"document": configuration_export()}


def configuration_upload() -> dict[str, SimpleUploadedFile]:
    empty = b'{"schema": 1, "exported_at": "2026-01-05T09:00:00+08:00", "ltc_version": "0.1.0"}'
    return {"file": SimpleUploadedFile("configuration.json", empty, content_type="application/json")}


CASES += [
    Case("GET /api/v1/process/configuration", lambda w: "/api/v1/process/configuration", signed_in(200, who={"admin"})),
    Case(
        "POST /api/v1/process/configuration/import",
        lambda w: "/api/v1/process/configuration/import",
        signed_in(200, who={"admin"}),
        configuration_import_body,
    ),
    Case("GET process:transfer", lambda w: "/process/transfer/", signed_in(200, api=False, who={"admin"})),
    Case(
        "POST process:transfer",
        lambda w: "/process/transfer/",
        signed_in(200, api=False, who={"admin"}),
        files=configuration_upload,
    ),
    Case(
        "GET process:transfer_download",
        lambda w: "/process/transfer/download/",
        signed_in(200, api=False, who={"admin"}),
    ),
]
MOVES_ACTIVITY = {"owner", "manager", "boss", "admin"}


def owners_planned_activity(w: Any) -> int:
    return activity_create(
        actor=w.owner, subject=w.lead, kind="call", title="确认预算", due_at=timezone.now() + timedelta(days=2)
    ).pk


def activity_move_body(w: Any, path: str) -> dict[str, Any]:
    from ltc.core.models import Activity

    due = Activity.objects.get(pk=path_id(path)).due_at
    assert due is not None
    return {"due_at": (due + timedelta(days=1)).isoformat(), "expected_due_at": due.isoformat()}


def page_move_body(w: Any, path: str) -> dict[str, Any]:
    from ltc.core.models import Activity

    due = Activity.objects.get(pk=path.split("/")[3]).due_at
    assert due is not None
    return {"day": str(timezone.localtime(due).date() + timedelta(days=1)), "expected_due_at": due.isoformat()}


CASES += [
    Case("GET /api/v1/calendar", lambda w: "/api/v1/calendar?start=2026-12-01&end=2027-01-01", signed_in(200)),
    Case(
        "POST /api/v1/activities/{activity_id}/reschedule",
        lambda w: f"/api/v1/activities/{owners_planned_activity(w)}/reschedule",
        record_rule(200, who=MOVES_ACTIVITY, sees=MOVES_ACTIVITY),
        activity_move_body,
    ),
    Case("GET web:calendar", lambda w: "/calendar/?scope=team&view=week", signed_in(200, api=False)),
    Case(
        "POST web:calendar_reschedule",
        lambda w: f"/calendar/activities/{owners_planned_activity(w)}/move/",
        record_rule(200, who=MOVES_ACTIVITY, sees=MOVES_ACTIVITY, api=False),
        page_move_body,
    ),
    Case("POST web:calendar_feed", lambda w: "/calendar/feed/", signed_in(200, api=False), {"action": "create"}),
]
# The top bar's quick create, the shortcuts help and the @ picker's people (web/tests/test_quick.py).
CASES += [
    Case("GET web:quick_create", lambda w: "/quick/lead/", signed_in(200, api=False, who=WRITES_LEADS)),
    Case("GET web:quick_create", lambda w: "/quick/account/", signed_in(200, api=False, who=WRITES_CUSTOMERS)),
    Case("GET web:quick_create", lambda w: "/quick/activity/", signed_in(200, api=False)),
    Case("GET web:quick_create", lambda w: "/quick/deal/", signed_in(200, api=False, who=WRITES_DEALS)),
    Case(
        "POST web:quick_create",
        lambda w: "/quick/lead/",
        signed_in(302, api=False, who=WRITES_LEADS),
        {"company_name": "顶栏线索", "source": "employee"},
    ),
    Case(
        "POST web:quick_create",
        lambda w: "/quick/activity/",
        signed_in(302, api=False),
        {"kind": "task", "title": "个人待办", "done": "on"},
    ),
    Case(
        "POST web:quick_create",
        lambda w: f"/quick/activity/?on=lead:{lead(w)}",
        # who sees the lead but may not change it (the executive) gets a personal activity instead
        record_rule(302, who=SEES_LEAD, sees=SEES_LEAD, api=False),
        lambda w, path: {"on": f"lead:{w.lead.pk}", "kind": "call", "title": "顶栏回访", "done": "on"},
    ),
    Case("GET web:shortcuts", lambda w: "/shortcuts/", signed_in(200, api=False)),
    Case("GET web:mention_users", lambda w: "/mentions/users/?q=own", signed_in(200, api=False)),
]


# --- recycle bin (#18): each user's own deleted records; an administrator sees everyone's ----------
RESTORES_OWNERS = {"owner", "admin"}


def owners_deleted_lead(w: Any) -> int:
    """A lead the owner deleted into the recycle bin (the bin item's id)."""
    return lead_services.lead_delete(actor=w.owner, lead=LeadFactory(owner=w.owner)).pk


CASES += [
    Case(
        "DELETE /api/v1/leads/{lead_id}",
        lambda w: f"/api/v1/leads/{other_lead(w)}",
        record_rule(204, who=CHANGES_LEAD, sees=SEES_LEAD),
        None,
        IF_MATCH,
    ),
    Case("GET /api/v1/recycle-bin", lambda w: "/api/v1/recycle-bin", signed_in(200)),
    Case(
        "POST /api/v1/recycle-bin/{item_id}/restore",
        lambda w: f"/api/v1/recycle-bin/{owners_deleted_lead(w)}/restore",
        record_rule(200, who=RESTORES_OWNERS, sees=RESTORES_OWNERS),
        {},
    ),
    Case("GET web:recycle_bin", lambda w: "/recycle-bin/", signed_in(200, api=False)),
    Case(
        "POST web:recycle_restore",
        lambda w: f"/recycle-bin/{owners_deleted_lead(w)}/restore/",
        record_rule(302, who=RESTORES_OWNERS, sees=RESTORES_OWNERS, api=False),
        {},
    ),
    Case(
        "POST leads:lead_delete",
        lambda w: f"/leads/{other_lead(w)}/delete/",
        record_rule(302, who=CHANGES_LEAD, sees=SEES_LEAD, api=False),
        {"version": "1"},
    ),
    Case(
        "POST customers:contact_bulk",
        lambda w: "/customers/contacts/bulk/",
        signed_in(302, api=False),
        {"action": "delete", "ids": ["1"]},
    ),
]


def account_attachment(w: Any) -> int:
    """A PDF the owner attached to the world's account (core.attachments)."""
    from ltc.core.attachments import attachment_add

    return attachment_add(actor=w.owner, record=w.account, upload=pdf_upload()["file"]).pk


def account_attachments(w: Any) -> str:
    return f"/api/v1/attachments?record_type=account&record_id={w.account.pk}"


CASES += [
    Case("GET /api/v1/attachments", account_attachments, record_rule(200, who=SEES_CUSTOMER)),
    Case(
        "POST /api/v1/attachments",
        account_attachments,
        record_rule(201, who=CHANGES_RECORD, sees=SEES_CUSTOMER),
        {"title": "报价单"},
        files=pdf_upload,
    ),
    Case(
        "GET /api/v1/attachments/{attachment_id}",
        lambda w: f"/api/v1/attachments/{account_attachment(w)}",
        record_rule(200, who=SEES_CUSTOMER),
    ),
    Case(
        "GET /api/v1/attachments/{attachment_id}/file",
        lambda w: f"/api/v1/attachments/{account_attachment(w)}/file",
        record_rule(200, who=SEES_CUSTOMER),
    ),
    Case(
        "DELETE /api/v1/attachments/{attachment_id}",
        lambda w: f"/api/v1/attachments/{account_attachment(w)}",
        record_rule(204, who=CHANGES_RECORD, sees=SEES_CUSTOMER),
    ),
    Case(
        "POST attachments:add",
        lambda w: f"/attachments/account/{w.account.pk}/",
        record_rule(302, who=CHANGES_RECORD, sees=SEES_CUSTOMER, api=False),
        {"title": "报价单"},
        files=pdf_upload,
    ),
    Case(
        "GET attachments:download",
        lambda w: f"/attachments/{account_attachment(w)}/download/",
        record_rule(200, who=SEES_CUSTOMER, api=False),
    ),
    Case(
        "GET attachments:preview",
        lambda w: f"/attachments/{account_attachment(w)}/preview/",
        record_rule(200, who=SEES_CUSTOMER, api=False),
    ),
    Case(
        "POST attachments:remove",
        lambda w: f"/attachments/{account_attachment(w)}/remove/",
        record_rule(302, who=CHANGES_RECORD, sees=SEES_CUSTOMER, api=False),
        {},
    ),
]
# Marketing's operations and pages: one list per area (ltc/marketing/tests/permission_cases.py).
from ltc.marketing.tests.permission_cases import (  # noqa: E402
    MARKETING_CASES,
    MARKETING_EXEMPT,
    MARKETING_PUBLIC_ROUTES,  # noqa: F401  # for test_public_routes
)

CASES += MARKETING_CASES
# Service's, likewise (ltc/service/tests/permission_cases.py).
from ltc.service.tests.permission_cases import (  # noqa: E402
    SERVICE_CASES,
    SERVICE_EXEMPT,
    SERVICE_PUBLIC_ROUTES,  # noqa: F401  # for test_public_routes
)

CASES += SERVICE_CASES

# Pages and endpoints that are public or belong to the framework, each for a stated reason.
EXEMPT = (
    {
        "GET web:calendar_ics",  # the private feed, opened by its secret (web/tests/test_calendar.py)
        "GET /api/v1/openapi.json",  # public API description
        "GET /api/v1/docs",  # public API documentation page
        "GET web:login",  # the sign-in page itself
        "POST web:logout",  # ends whatever session there is
        "POST web:set_language",  # public: also used on the sign-in page
        "POST /api/v1/public/web-forms/{key}",  # public web-to-lead (tested in leads/tests/test_webforms_and_api.py)
        "GET leads:webform_public",  # public web-to-lead page (same tests)
        "GET leads:webform_thanks",  # public thank-you page
        "GET /api/v1/public/quotes/{token}",  # the customer's private quote link (quotes/tests/test_quote_api.py)
        "POST /api/v1/public/quotes/{token}/accept",
        "POST /api/v1/public/quotes/{token}/decline",
        "GET quote_links:public_quote",  # the customer's quote page (quotes/tests/test_quote_views.py)
        "POST quote_links:public_quote",
        "GET quote_links:public_quote_pdf",
    }
    | MARKETING_EXEMPT
    | SERVICE_EXEMPT
)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_permissions(case: Case, actor: str, world: Any, api_as: Any, web_as: Any) -> None:
    user = world.actor(actor)
    path = case.path(world)
    method = case.key.split(" ")[0]
    body = case.body(world, path) if callable(case.body) else case.body
    headers = case.headers(world, path) if callable(case.headers) else case.headers
    upload = case.files() if case.files is not None else None
    if path.startswith("/api/"):
        client = api_as(user)
        if upload is None:
            response = client.request(method, path.removeprefix("/api/v1"), body, **headers)
        else:
            response = client.client.post(path, {**(body or {}), **upload}, headers={**client.headers, **headers})
    else:
        page = web_as(user)
        response = page.post(path, {**(body or {}), **(upload or {})}) if method == "POST" else page.get(path)
    expected = case.expect(actor)
    if expected == 404:
        expected = case.refused_as
    assert response.status_code == expected, f"{case.key} as {actor}: {response.status_code} != {expected}"
    if expected == 302 and actor == "anonymous":
        assert response["Location"].startswith("/login/")


def _web_url_keys() -> set[str]:
    keys = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in {"admin", "api"} or (p.app_name or "") in {"admin", "api"}:
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                keys.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, "")
    return keys


def test_every_endpoint_and_page_is_covered() -> None:
    covered = {c.key for c in CASES} | EXEMPT
    api_keys = {
        f"{method.upper()} {path}"
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    } | {"GET /api/v1/openapi.json", "GET /api/v1/docs"}
    page_names = {key.split(" ", 1)[1] for key in covered if not key.split(" ", 1)[1].startswith("/")}
    missing_api = sorted(api_keys - covered)
    missing_pages = sorted(_web_url_keys() - page_names)
    assert missing_api == [], f"API operations without a permission case: {missing_api}"
    assert missing_pages == [], f"pages without a permission case: {missing_pages}"


# --- records named in a request body -----------------------------------------------------------
# An id in a body that names a record the caller may not see is refused exactly like an id that
# names no record: the same field error (no oracle), and nothing is written. The caller is the
# owner naming another team's record, or another team's rep naming the owner's.
MISSING = 999_999


def _northern_account(w: Any) -> Any:
    if not hasattr(w, "northern_account"):
        w.northern_account = AccountFactory(owner=w.other, name="北方能源有限公司")
    return w.northern_account


def northern_account(w: Any) -> int:
    return _northern_account(w).pk


def northern_contact(w: Any) -> int:
    return ContactFactory(account=_northern_account(w)).pk


def northern_lead(w: Any) -> int:
    return LeadFactory(owner=w.other, company_name="北方能源集团", company_key="北方能源").pk


def northern_qualified_lead(w: Any) -> int:
    lead = LeadFactory(owner=w.other, company_name="北方能源集团", company_key="北方能源")
    lead_services.lead_qualify(actor=w.admin, lead=lead, override_reason="测试")
    return lead.pk


def northern_bid_section(w: Any) -> int:
    """The commercial section of a bid on another team's deal."""
    northern_deal = _deal(w, owner=w.other, account=_northern_account(w), name="北方能源项目")
    deadline = timezone.now() + timedelta(days=10)
    bid = services.bid_create(
        actor=w.other,
        opportunity=northern_deal,
        data={"tender_number": "ZB-N", "issuer": "采购中心", "submission_deadline": deadline},
    )
    section = services.bid_section_set(
        actor=w.other, bid=bid, kind="commercial", owner=w.other, due_at=timezone.now() + timedelta(days=2)
    )
    return section.pk


def record_state(model: Any, *fields: str) -> Callable[[Any, str], Any]:
    """The fields of the record the path names (/api/v1/<records>/<id>/...)."""
    return lambda w, path: model.objects.values_list(*fields).get(pk=path.split("/")[4])


def rows(*models: Any) -> Callable[[Any, str], Any]:
    return lambda w, path: tuple(model.objects.count() for model in models)


@dataclass
class BodyIdCase:
    key: str  # the operation, as in CASES
    path: Callable[[Any], str]
    body: Callable[[Any, int], dict[str, Any]]  # (world, the id under test) -> body
    foreign: Callable[[Any], int]  # a record `actor` may not see
    field: str
    message: str
    state: Callable[[Any, str], Any]  # what must not change
    actor: str = "owner"
    headers: dict[str, str] = field(default_factory=dict)
    upload: bytes | None = None  # sent as multipart form data with this file
    # Users are a directory every signed-in user reads: naming one is no leak, so an owner outside
    # the caller's teams is refused by its own rule and only the "foreign" kind applies.
    kinds: tuple[str, ...] = ("foreign", "missing")

    @property
    def id(self) -> str:
        return f"{self.key} {self.field}"


BODY_ID_CASES = [
    # customers
    BodyIdCase(
        "POST /api/v1/accounts",
        lambda w: "/api/v1/accounts",
        lambda w, pk: {"name": "宁波港联物流集团有限公司", "region": "east", "parent_id": pk},
        northern_account,
        "parent_id",
        "No such account.",
        rows(Account),
    ),
    BodyIdCase(
        "PATCH /api/v1/accounts/{account_id}",
        lambda w: f"/api/v1/accounts/{account(w)}",
        lambda w, pk: {"parent_id": pk},
        northern_account,
        "parent_id",
        "No such account.",
        record_state(Account, "parent_id", "version"),
        headers=IF_MATCH,
    ),
    BodyIdCase(
        "POST /api/v1/contacts",
        lambda w: "/api/v1/contacts",
        lambda w, pk: {"account_id": pk, "name": "王芳", "mobile": "13800138000"},
        northern_account,
        "account_id",
        "No such account.",
        rows(Contact),
    ),
    BodyIdCase(
        "PATCH /api/v1/contacts/{contact_id}",
        lambda w: f"/api/v1/contacts/{contact(w)}",
        lambda w, pk: {"account_id": pk},
        northern_account,
        "account_id",
        "No such account.",
        record_state(Contact, "account_id", "version"),
        headers=IF_MATCH,
    ),
    BodyIdCase(
        "POST /api/v1/accounts/{account_id}/merge",
        lambda w: f"/api/v1/accounts/{account(w)}/merge",
        lambda w, pk: {"source_id": pk},
        northern_account,
        "source_id",
        "No such record.",
        lambda w, path: (Account.objects.count(), Account.objects.values_list("version").get(pk=w.account.pk)),
        actor="manager",
        headers=IF_MATCH,
    ),
    BodyIdCase(
        "POST /api/v1/contacts/{contact_id}/merge",
        lambda w: f"/api/v1/contacts/{contact(w)}/merge",
        lambda w, pk: {"source_id": pk},
        northern_contact,
        "source_id",
        "No such record.",
        lambda w, path: (Contact.objects.count(), *record_state(Contact, "version")(w, path)),
        actor="manager",
        headers=IF_MATCH,
    ),
    # leads
    BodyIdCase(
        "POST /api/v1/leads/{lead_id}/merge",
        lambda w: f"/api/v1/leads/{lead(w)}/merge",
        lambda w, pk: {"other_id": pk},
        northern_lead,
        "other_id",
        "No such lead.",
        lambda w, path: (
            Lead.objects.filter(merged_into__isnull=True).count(),
            *record_state(Lead, "version")(w, path),
        ),
    ),
    BodyIdCase(
        "POST /api/v1/leads/{lead_id}/convert",
        lambda w: f"/api/v1/leads/{qualified_lead(w)}/convert",
        lambda w, pk: {"account_id": pk},
        northern_account,
        "account_id",
        "No such account.",
        lambda w, path: (Account.objects.count(), *record_state(Lead, "status", "account_id", "version")(w, path)),
    ),
    BodyIdCase(
        "POST /api/v1/lead-imports",
        lambda w: "/api/v1/lead-imports",
        lambda w, pk: {"template_id": pk},
        owners_import_template,
        "template_id",
        "No such import template.",
        rows(LeadImport),
        actor="other",
        upload=LEADS_CSV,
    ),
    # owners: records are given only to people in the giver's teams (the error names the field sent)
    BodyIdCase(
        "POST /api/v1/leads",
        lambda w: "/api/v1/leads",
        lambda w, pk: {"company_name": "甲公司", "contact_name": "王芳", "mobile": "13800138001", "owner_id": pk},
        lambda w: w.other.pk,
        "owner_id",
        "You may only give leads to yourself or to people in your teams.",
        rows(Lead),
        kinds=("foreign",),
    ),
    BodyIdCase(
        "POST /api/v1/accounts",
        lambda w: "/api/v1/accounts",
        lambda w, pk: {"name": "宁波港联物流集团有限公司", "owner_id": pk},
        lambda w: w.other.pk,
        "owner_id",
        "You may only give accounts to yourself or to people in your teams.",
        rows(Account),
        kinds=("foreign",),
    ),
    BodyIdCase(
        "PATCH /api/v1/accounts/{account_id}",
        lambda w: f"/api/v1/accounts/{account(w)}",
        lambda w, pk: {"owner_id": pk},
        lambda w: w.other.pk,
        "owner_id",
        "You may only give accounts to yourself or to people in your teams.",
        record_state(Account, "owner_id", "version"),
        headers=IF_MATCH,
        kinds=("foreign",),
    ),
    BodyIdCase(
        "POST /api/v1/opportunities",
        lambda w: "/api/v1/opportunities",
        lambda w, pk: {"name": "MES 项目", "account_id": w.account.pk, "pipeline_id": pipeline_id(w), "owner_id": pk},
        lambda w: w.other.pk,
        "owner_id",
        "You may only give deals to yourself or to people in your teams.",
        rows(Opportunity),
        kinds=("foreign",),
    ),
    BodyIdCase(
        "PATCH /api/v1/opportunities/{opportunity_id}",
        lambda w: f"/api/v1/opportunities/{deal(w)}",
        lambda w, pk: {"owner_id": pk},
        lambda w: w.other.pk,
        "owner_id",
        "You may only give deals to yourself or to people in your teams.",
        record_state(Opportunity, "owner_id", "version"),
        headers=IF_MATCH,
        kinds=("foreign",),
    ),
    # deals
    BodyIdCase(
        "POST /api/v1/opportunities",
        lambda w: "/api/v1/opportunities",
        lambda w, pk: {"name": "MES 项目", "account_id": pk, "pipeline_id": pipeline_id(w)},
        northern_account,
        "account_id",
        "No such account.",
        rows(Opportunity),
    ),
    BodyIdCase(
        "POST /api/v1/opportunities",
        lambda w: "/api/v1/opportunities",
        lambda w, pk: {
            "name": "MES 项目",
            "account_id": w.account.pk,
            "pipeline_id": pipeline_id(w),
            "contact_ids": [pk],
        },
        northern_contact,
        "contact_ids",
        "No such contact of the deal's account.",
        rows(Opportunity),
    ),
    BodyIdCase(
        "PATCH /api/v1/opportunities/{opportunity_id}",
        lambda w: f"/api/v1/opportunities/{deal(w)}",
        lambda w, pk: {"account_id": pk},
        northern_account,
        "account_id",
        "No such account.",
        record_state(Opportunity, "account_id", "version"),
        headers=IF_MATCH,
    ),
    BodyIdCase(
        "PATCH /api/v1/opportunities/{opportunity_id}",
        lambda w: f"/api/v1/opportunities/{deal(w)}",
        lambda w, pk: {"contact_ids": [pk]},
        northern_contact,
        "contact_ids",
        "No such contact of the deal's account.",
        lambda w, path: (
            *record_state(Opportunity, "version")(w, path),
            list(Opportunity.objects.get(pk=path.split("/")[4]).contacts.values_list("pk", flat=True)),
        ),
        headers=IF_MATCH,
    ),
    BodyIdCase(
        "POST /api/v1/opportunities/{opportunity_id}/decision-chain",
        lambda w: f"/api/v1/opportunities/{deal(w)}/decision-chain",
        lambda w, pk: {"contact_id": pk, "role": "decision_maker"},
        northern_contact,
        "contact_id",
        "No such contact of the deal's account.",
        rows(Stakeholder),
    ),
    BodyIdCase(
        "POST /api/v1/opportunities/from-lead",
        lambda w: "/api/v1/opportunities/from-lead",
        lambda w, pk: {"lead_id": pk, "pipeline_id": pipeline_id(w)},
        northern_qualified_lead,
        "lead_id",
        "No such lead.",
        rows(Opportunity, Account),
    ),
    BodyIdCase(
        "POST /api/v1/decision-reviews",
        lambda w: "/api/v1/decision-reviews",
        lambda w, pk: {"opportunity_id": pk, "review_type": "ATI"},
        review_deal,
        "opportunity_id",
        "No such opportunity.",
        rows(DecisionReview),
        actor="other",
    ),
    BodyIdCase(
        "POST /api/v1/bids",
        lambda w: "/api/v1/bids",
        lambda w, pk: {
            "opportunity_id": pk,
            "tender_number": "ZB-3",
            "issuer": "采购中心",
            "submission_deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        },
        deal,
        "opportunity_id",
        "No such opportunity.",
        rows(Bid),
        actor="other",
    ),
    # quotes and contracts
    BodyIdCase(
        "POST /api/v1/quotes",
        lambda w: "/api/v1/quotes",
        lambda w, pk: {"opportunity_id": pk},
        deal,
        "opportunity_id",
        "No such opportunity.",
        rows(Quote),
        actor="other",
    ),
    BodyIdCase(
        "POST /api/v1/quotes/{quote_id}/bid-offer",
        lambda w: f"/api/v1/quotes/{draft_quote(w)}/bid-offer",
        lambda w, pk: {"section_id": pk},
        northern_bid_section,
        "section_id",
        "Choose a bid section of this quote's deal.",
        rows(BidQuote),
    ),
    BodyIdCase(
        "POST /api/v1/contracts",
        lambda w: "/api/v1/contracts",
        lambda w, pk: {"quote_id": pk},
        accepted_quote_id,
        "quote_id",
        "No such quote.",
        rows(Contract),
        actor="other",
    ),
    BodyIdCase(
        "POST /api/v1/change-requests",
        lambda w: "/api/v1/change-requests",
        lambda w, pk: {
            "contract_id": pk,
            "origin": "customer",
            "title": "加一人天",
            "reason": "客户要求",
            "proposal": {"lines": []},
        },
        accepted_contract,
        "contract_id",
        "No such contract.",
        rows(ChangeRequest),
        actor="other",
    ),
    BodyIdCase(
        "POST /api/v1/orders",
        lambda w: "/api/v1/orders",
        lambda w, pk: {"contract_id": pk},
        accepted_contract,
        "contract_id",
        "No such contract.",
        rows(Order),
        actor="other",
    ),
    BodyIdCase(
        "POST /api/v1/deliveries",
        lambda w: "/api/v1/deliveries",
        lambda w, pk: {"order_id": pk, "kind": "goods", "delivered_on": "2026-01-05", "lines": {}},
        contract_order,
        "order_id",
        "No such order.",
        rows(Delivery),
        actor="other",
    ),
]


@pytest.mark.parametrize(
    ("case", "which"),
    [pytest.param(case, which, id=f"{case.id}-{which}") for case in BODY_ID_CASES for which in case.kinds],
)
def test_an_id_out_of_sight_in_the_body_reads_like_a_missing_one(
    case: BodyIdCase, which: str, world: Any, api_as: Any
) -> None:
    path = case.path(world)
    named = case.foreign(world) if which == "foreign" else MISSING
    body = case.body(world, named)
    before = case.state(world, path)
    client = api_as(world.actor(case.actor))
    if case.upload is not None:
        data = {"file": SimpleUploadedFile("leads.csv", case.upload), **body}
        response = client.client.post(path, data, headers=client.headers)
    else:
        response = client.request(case.key.split(" ")[0], path.removeprefix("/api/v1"), body, **case.headers)
    assert response.status_code == 422, f"{case.id} ({which}): {response.status_code} {response.content[:300]!r}"
    assert response.json()["errors"] == [{"field": case.field, "message": case.message, "code": "invalid"}]
    assert case.state(world, path) == before
