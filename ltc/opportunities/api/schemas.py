"""Pipelines, deals, checklists and the board: the shapes the routes share."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from ltc.core.api_custom_fields import CustomFieldsIn, CustomFilters, WithCustomFields
from ltc.core.money import Currency
from ltc.core.schemas import Money, OneOf, UserRef
from ltc.customers.models import Contact
from ltc.opportunities import services
from ltc.opportunities.choices import ForecastCategory, OpportunityStatus
from ltc.opportunities.models import Opportunity, Pipeline, Stage, StageRequirement


class RequirementOut(Schema):
    id: int
    version: int
    order: int
    label: str
    kind: str
    activity_kind: str
    field_name: str
    review_type: str
    active: bool


class StageOut(Schema):
    id: int
    order: int
    name: str
    category: str
    probability: int
    needs_fr: bool
    guidance: str
    forecast_category: str
    version: int
    active: bool
    requirements: list[RequirementOut]

    @staticmethod
    def resolve_requirements(obj: Stage) -> list[StageRequirement]:
        return list(obj.requirements.all())


class PipelineOut(Schema):
    id: int
    version: int
    name: str
    description: str
    order: int
    active: bool
    quote_from_stage_id: int | None
    quote_accepted_stage_id: int | None
    contract_signed_requirement_id: int | None
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj: Pipeline) -> list[Stage]:
        return list(obj.stages.all())


class OpportunityIn(Schema):
    name: str
    account_id: int
    pipeline_id: int
    stage_id: int | None = None
    amount: Decimal = Decimal("0.00")
    currency: Annotated[str, OneOf(Currency)] = "CNY"
    expected_close_date: date | None = None
    probability: int | None = None
    forecast_category: Annotated[str, OneOf(ForecastCategory)] = "pipeline"
    campaign: str = ""
    competitors: str = ""
    products_of_interest: str = ""
    description: str = ""
    owner_id: int | None = None
    sr_id: int | None = None
    fr_id: int | None = None
    sponsor_id: int | None = None
    contact_ids: list[int] = []
    custom_fields: CustomFieldsIn = None


class OpportunityPatch(Schema):
    name: str | None = None
    account_id: int | None = None
    amount: Decimal | None = None
    currency: Annotated[str, OneOf(Currency)] | None = None
    expected_close_date: date | None = None
    probability: int | None = None
    forecast_category: Annotated[str, OneOf(ForecastCategory)] | None = None
    campaign: str | None = None
    competitors: str | None = None
    products_of_interest: str | None = None
    description: str | None = None
    owner_id: int | None = None
    sr_id: int | None = None
    fr_id: int | None = None
    sponsor_id: int | None = None
    contact_ids: list[int] | None = None
    custom_fields: CustomFieldsIn = None


class ContactRef(Schema):
    id: int
    name: str


class OpportunityOut(WithCustomFields):
    id: int
    version: int
    name: str
    account_id: int
    account_name: str
    pipeline_id: int
    stage_id: int
    stage_name: str
    stage_entered_at: datetime | None
    status: Annotated[str, OneOf(OpportunityStatus)]
    amount: Money
    currency: Annotated[str, OneOf(Currency)]
    probability: int
    weighted_amount: Money
    forecast_category: Annotated[str, OneOf(ForecastCategory)]
    expected_close_date: date | None
    owner: UserRef
    sr: UserRef | None
    fr: UserRef | None
    sponsor: UserRef | None
    contacts: list[ContactRef]
    source_lead_id: int | None
    campaign: str
    competitors: str
    products_of_interest: str
    description: str
    close_reason: str
    close_note: str
    lost_to: str
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account_name(obj: Opportunity) -> str:
        return obj.account.name

    @staticmethod
    def resolve_stage_name(obj: Opportunity) -> str:
        return obj.stage.name

    @staticmethod
    def resolve_contacts(obj: Opportunity) -> list[Contact]:
        return list(obj.contacts.all())


class OpportunityQuery(Schema):
    q: str = ""
    pipeline: int | None = None
    stage: int | None = None
    status: Annotated[str, OneOf(OpportunityStatus, blank=True)] = ""
    mine: str = ""
    owner: int | None = None
    account: int | None = Field(None, description="The deals of this account.")
    contact: int | None = Field(None, description="The deals this contact takes part in.")
    lead: int | None = Field(None, description="The deal this lead was converted into.")
    cf: CustomFilters = ""
    sort: str = "-updated"
    limit: int = 50
    offset: int = 0


class ChecklistItemOut(Schema):
    requirement_id: int
    label: str
    kind: str
    done: bool

    @staticmethod
    def resolve_requirement_id(obj: services.ChecklistItem) -> int:
        return obj.requirement.pk

    @staticmethod
    def resolve_kind(obj: services.ChecklistItem) -> str:
        return obj.requirement.kind


class ChecklistOut(Schema):
    stage_id: int
    items: list[ChecklistItemOut]
    next_stage_id: int | None
    missing_to_advance: list[str]


class OpportunityCheckIn(Schema):
    done: bool = True


class AdvanceIn(Schema):
    stage_id: int | None = None
    override_reason: str = ""


class WinIn(Schema):
    reason: str
    note: str = ""
    override_reason: str = ""


class LoseIn(Schema):
    reason: str
    competitor: str = ""
    note: str = ""


class FromLeadIn(Schema):
    lead_id: int
    pipeline_id: int
    stage_id: int | None = None
    name: str = ""
    amount: Decimal | None = None
    expected_close_date: date | None = None


class BoardCardOut(Schema):
    id: int
    version: int
    name: str
    account_name: str
    amount: Money
    currency: str
    owner: UserRef
    expected_close_date: date | None

    @staticmethod
    def resolve_account_name(obj: Opportunity) -> str:
        return obj.account.name


class MoneyOut(Schema):
    currency: str
    amount: Money


class BoardColumnOut(Schema):
    stage_id: int
    stage_name: str
    category: str
    probability: int
    count: int
    amounts: list[MoneyOut]
    weighted: list[MoneyOut]
    cards: list[BoardCardOut]
