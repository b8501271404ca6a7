"""The configuration file (schema 1): its parts as pydantic models, from which the JSON Schema kept
in ltc/process/data/configuration.schema.json is generated."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ltc.core.money import Currency
from ltc.customers.choices import CompanySize
from ltc.leads.choices import AssignStrategy, CheckItem, LeadSource, ScoreCriterion, ScoreKind
from ltc.opportunities.choices import (
    AssessorRole,
    ForecastCategory,
    RequirableField,
    RequirementKind,
    ReviewType,
    StageCategory,
)
from ltc.org.choices import AuthoritySubject, Industry, Region, RoleCode
from ltc.process.models import BindingKind
from ltc.quotes.choices import TermTrigger

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "configuration.schema.json"
CENT = Decimal("0.01")


# --- the document ------------------------------------------------------------------------------


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT)


Amount = Annotated[Decimal, Field(max_digits=18, decimal_places=2), AfterValidator(_cents)]
Percent = Annotated[Decimal, Field(ge=-100, le=100, max_digits=5, decimal_places=2), AfterValidator(_cents)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Order = Annotated[int, Field(ge=0, le=32767)]
Blank = Literal[""]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfigNode(_Part):
    """A node of the process map; its parent and owner role by code, its owner by username."""

    code: str = Field(min_length=1, max_length=40)
    parent: str | None = None
    level: int = Field(ge=1, le=6)
    order: Order = 0
    name_zh: Name
    name_en: str = Field(default="", max_length=100)
    description_zh: str = ""
    description_en: str = ""
    purpose_zh: str = ""
    purpose_en: str = ""
    inputs_zh: str = ""
    inputs_en: str = ""
    outputs_zh: str = ""
    outputs_en: str = ""
    owner_role: RoleCode | None = None
    owner: str | None = None
    services: list[str] = []
    active: bool = True


class ConfigBinding(_Part):
    """What implements a node: a status or subject code (`key`), a stage (`pipeline`, `stage`),
    a gate item (`pipeline`, `stage`, `label`) or a routing rule (`rule`)."""

    node: str
    kind: BindingKind
    key: str | None = Field(default=None, max_length=40)
    pipeline: str | None = None
    stage: str | None = None
    label: str | None = None
    rule: str | None = None


class ConfigGateItem(_Part):
    label: str = Field(min_length=1, max_length=200)
    order: Order = 0
    kind: RequirementKind
    activity_kind: str = Field(default="", max_length=16)
    field_name: RequirableField | Blank = ""
    review_type: ReviewType | Blank = ""


class ConfigStage(_Part):
    name: Name
    order: Order
    category: StageCategory = StageCategory.OPEN
    probability: int = Field(default=10, ge=0, le=100)
    needs_fr: bool = False
    guidance: str = ""
    # Optional: a file written before stages had one leaves the installation's category as it is.
    forecast_category: ForecastCategory | None = None
    requirements: list[ConfigGateItem] = []


class ConfigItemRef(_Part):
    """A gate item of the same pipeline, by its stage's name and its label."""

    stage: str
    label: str


class ConfigPipeline(_Part):
    name: Name
    description: str = ""
    order: Order = 0
    active: bool = True
    quote_accepted_stage: str | None = None
    quote_from_stage: str | None = None
    contract_signed_requirement: ConfigItemRef | None = None
    stages: list[ConfigStage] = []


class ConfigReviewCriterion(_Part):
    """What one role scores in a decision review of one type, named by review type, role and code."""

    review_type: ReviewType
    role: AssessorRole
    code: str = Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    label_zh: Name
    label_en: Name
    help: str = Field(default="", max_length=1000)
    order: Order = 0
    active: bool = True


class ConfigRoutingRule(_Part):
    name: Name
    order: int = Field(default=100, ge=0)
    active: bool = True
    region: Region | Blank = ""
    industry: Industry | Blank = ""
    source: LeadSource | Blank = ""
    company_size: CompanySize | Blank = ""
    min_score: int | None = Field(default=None, ge=0, le=32767)
    max_score: int | None = Field(default=None, ge=0, le=32767)
    strategy: AssignStrategy = AssignStrategy.USER
    assign_user: str | None = None
    assign_team: str | None = None
    first_contact_hours: int = Field(default=24, ge=0)


class ConfigScoringRule(_Part):
    name: Name
    order: int = Field(default=100, ge=0)
    active: bool = True
    kind: ScoreKind = ScoreKind.FIT
    criterion: ScoreCriterion
    value: str = Field(default="", max_length=100)
    points: int = Field(ge=-100, le=100)


class ConfigAuthorityLine(_Part):
    """One line of the authority matrix, for a role (by code) or a user (by username)."""

    subject: AuthoritySubject
    role: RoleCode | None = None
    user: str | None = None
    max_amount: Amount | None = None
    currency: Currency = Currency.CNY
    max_discount_pct: Percent | None = None
    min_margin_pct: Percent | None = None


class ConfigTermLine(_Part):
    label: str = Field(min_length=1, max_length=100)
    percent: Percent
    trigger: TermTrigger
    days: int = Field(default=0, ge=0, le=3650)


class ConfigTermTemplate(_Part):
    """A payment-term template: milestones adding up to 100%."""

    name: Name
    active: bool = True
    lines: list[ConfigTermLine]


class ConfigQualificationPolicy(_Part):
    required_items: list[CheckItem] = []


class ConfigCompanyProfile(_Part):
    name: str = Field(default="", max_length=200)
    name_en: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=254)
    website: str = Field(default="", max_length=200)
    tax_id: str = Field(default="", max_length=18)
    bank_name: str = Field(default="", max_length=200)
    bank_account: str = Field(default="", max_length=64)
    quote_terms: str = Field(default="", max_length=5000)


class ConfigDocument(_Part):
    """A whole configuration, as `ltc config_export` writes it (schema 1)."""

    schema_: Literal[1] = Field(alias="schema")
    exported_at: datetime
    ltc_version: str
    process_nodes: list[ConfigNode] = []
    process_bindings: list[ConfigBinding] = []
    pipelines: list[ConfigPipeline] = []
    # Optional, so a file written before criteria were configurable still imports (and leaves
    # the criteria as they are); an export always writes it.
    review_criteria: list[ConfigReviewCriterion] | None = None
    routing_rules: list[ConfigRoutingRule] = []
    scoring_rules: list[ConfigScoringRule] = []
    authority: list[ConfigAuthorityLine] = []
    payment_term_templates: list[ConfigTermTemplate] = []
    qualification_policy: ConfigQualificationPolicy | None = None
    company_profile: ConfigCompanyProfile | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def configuration_json_schema() -> dict[str, Any]:
    """The JSON Schema of the file, as kept in ltc/process/data/configuration.schema.json."""
    schema = ConfigDocument.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ltc.example/schemas/configuration-1.json",
        **schema,
    }
